"""Optimizers: PyTorch's trajectories, PyTorch's errors, the seeds' printed numbers."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

import micrograd_lite as mg
from micrograd_lite import Value
from micrograd_lite.optim import SGD, Adam

START = [0.5, -1.5, 2.0]


def loss_of(p: list[Any]) -> Any:
    """A non-quadratic loss of three parameters; the same code runs on Values and tensors."""
    a, b, c = p
    return (a * b).tanh() + (b - c) ** 2 * 0.1 + (a * c).sigmoid() + (a * a + 1).log()


def trajectory(
    make_opt: Any, make_param: Any = Value, read: Any = None, steps: int = 100
) -> list[list[float]]:
    """The parameters after each of `steps` optimizer steps on `loss_of`, from START."""
    params = [make_param(x) for x in START]
    opt = make_opt(params)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(params).backward()
        opt.step()
        out.append([read(p) if read else p.data for p in params])
    return out


def torch_trajectory(make_opt: Any, steps: int = 100) -> list[list[float]]:
    """The same with 0-d float64 tensors and a torch.optim optimizer."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity runs in CI")

    def tensor(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    return trajectory(make_opt, tensor, lambda p: p.item(), steps)


def max_difference(a: list[list[float]], b: list[list[float]]) -> float:
    return max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb))


SGD_OPTIONS = [
    dict(momentum=m, dampening=d, nesterov=n, weight_decay=w, maximize=x)
    for m, d, n, w, x in itertools.product(
        [0.0, 0.9], [0.0, 0.1], [False, True], [0.0, 0.01], [False, True]
    )
    if not (n and (m == 0 or d != 0))
]
ADAM_OPTIONS = [
    dict(amsgrad=a, weight_decay=w, maximize=x)
    for a, w, x in itertools.product([False, True], [0.0, 0.01], [False, True])
]
PARITY = [("SGD", dict(lr=0.05, **o)) for o in SGD_OPTIONS] + [
    ("Adam", dict(lr=0.01, **o)) for o in ADAM_OPTIONS
]


@pytest.mark.parametrize(("name", "options"), PARITY, ids=str)
def test_optimizer_matches_pytorch_for_every_option(name: str, options: dict[str, Any]) -> None:
    """100 steps of SGD or Adam stay within 1e-12 of torch.optim for each option combination."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity runs in CI")
    from micrograd_lite import optim

    ours = trajectory(lambda ps: getattr(optim, name)(ps, **options))
    theirs = torch_trajectory(lambda ps: getattr(torch.optim, name)(ps, **options))
    assert max_difference(ours, theirs) <= 1e-12


@pytest.mark.parametrize("weight", [0.1, 0.09999999999999998, 0.5, 0.7, 0.999])
def test_lerp_is_bit_identical_to_pytorch(weight: float) -> None:
    """Adam's moving average equals torch.lerp bit for bit on both of its branches."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity runs in CI")
    import random

    from micrograd_lite.optim import lerp

    rng = random.Random(0)
    for _ in range(2000):
        start, end = rng.uniform(-3, 3), rng.uniform(-3, 3)
        expected = torch.tensor(start, dtype=torch.float64).lerp(
            torch.tensor(end, dtype=torch.float64), weight
        )
        assert lerp(start, end, weight) == expected.item()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ps: SGD(ps, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum"),
        (
            lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            "Nesterov momentum requires a momentum and zero dampening",
        ),
        (lambda ps: Adam(ps, lr=-1), "Invalid learning rate: -1"),
        (lambda ps: Adam(ps, eps=-1), "Invalid epsilon value: -1"),
        (lambda ps: Adam(ps, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
        (lambda ps: Adam(ps, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda ps: Adam(ps, weight_decay=-1), "Invalid weight_decay value: -1"),
    ],
)
def test_invalid_arguments_raise_pytorchs_errors(make: Any, message: str) -> None:
    """Invalid hyperparameters raise ValueError with PyTorch's message."""
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make([Value(1.0)])


INVALID = [
    ("SGD", dict(lr=-0.1)),
    ("SGD", dict(lr=0.1, momentum=-1.0)),
    ("SGD", dict(lr=0.1, weight_decay=-1.0)),
    ("SGD", dict(lr=0.1, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-1.0)),
    ("Adam", dict(eps=-1.0)),
    ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))),
    ("Adam", dict(weight_decay=-1.0)),
]


@pytest.mark.parametrize(("name", "options"), INVALID, ids=str)
def test_invalid_arguments_raise_the_same_error_as_pytorch(
    name: str, options: dict[str, Any]
) -> None:
    """Each invalid combination raises ValueError with exactly PyTorch's message."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity runs in CI")
    from micrograd_lite import optim

    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **options)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([Value(0.0)], **options)
    assert str(ours.value) == str(theirs.value)


def test_sgd_first_three_steps_by_hand() -> None:
    """Momentum 0.9, dampening 0.1, weight decay 0.1 on loss w²: three steps by hand."""
    w = Value(1.0)
    opt = SGD([w], lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.1)
    expected_w = 1.0
    buf = None
    for _ in range(3):
        opt.zero_grad()
        (w * w).backward()
        opt.step()
        g = 2 * expected_w + 0.1 * expected_w
        buf = g if buf is None else 0.9 * buf + 0.9 * g
        expected_w = expected_w - 0.1 * buf
        assert w.data == pytest.approx(expected_w, rel=1e-15)


def test_adam_first_three_steps_by_hand() -> None:
    """Adam on loss w²: three steps of the textbook formulas."""
    w = Value(1.0)
    opt = Adam([w], lr=0.1)
    m = v = 0.0
    expected = 1.0
    for t in range(1, 4):
        opt.zero_grad()
        (w * w).backward()
        opt.step()
        g = 2 * expected
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        expected -= 0.1 * (m / (1 - 0.9**t)) / ((v / (1 - 0.999**t)) ** 0.5 + 1e-8)
        assert w.data == pytest.approx(expected, rel=1e-12)


def test_untouched_parameter_is_stepped_with_zero_gradient() -> None:
    """A parameter backward did not reach still gets weight decay, as a zero gradient."""
    used, unused = Value(1.0), Value(2.0)
    opt = SGD([used, unused], lr=0.1, weight_decay=0.5)
    (used * 3).backward()
    opt.step()
    assert unused.data == 2.0 - 0.1 * (0.5 * 2.0)


def test_state_dict_round_trips_momentum_through_json() -> None:
    """state_dict -> json -> load_state_dict continues the exact same trajectory."""
    p1 = [Value(x) for x in START]
    opt1 = SGD(p1, lr=0.05, momentum=0.9)
    for _ in range(3):
        opt1.zero_grad()
        loss_of(p1).backward()
        opt1.step()
    p2 = [Value(p.data) for p in p1]
    opt2 = SGD(p2, lr=0.05)
    opt2.load_state_dict(json.loads(json.dumps(opt1.state_dict())))
    for params, opt in ((p1, opt1), (p2, opt2)):
        opt.zero_grad()
        loss_of(params).backward()
        opt.step()
    assert [p.data for p in p1] == [p.data for p in p2]


def test_load_state_dict_refuses_wrong_parameter_count() -> None:
    """A state for another number of parameters is refused."""
    opt = Adam([Value(1.0)])
    state = Adam([Value(1.0), Value(2.0)]).state_dict()
    with pytest.raises(ValueError, match="2 parameters"):
        opt.load_state_dict(state)


def test_seed_002_sgd_loop() -> None:
    """Seed 002: SGD([w], lr=0.05) prints losses 1, 0.81, 0.6561, 0.5314 and weights 1.1 ..."""
    x, y = 1.0, 2.0
    w = Value(1.0)
    opt = SGD([w], lr=0.05)
    losses, weights = [], []
    for _ in range(4):
        loss = (w * x - y) ** 2
        losses.append(round(loss.data, 4))
        loss.backward()
        opt.step()
        weights.append(round(w.data, 4))
        opt.zero_grad()
    assert losses == [1.0, 0.81, 0.6561, 0.5314]
    assert weights == [1.1, 1.19, 1.271, 1.3439]


def test_seed_003_predicts_ten() -> None:
    """Seed 003: y = 2x with SGD(lr=0.01) for 100 epochs predicts f(5) = 10.000."""
    xs = [1.0, 2.0, 3.0, 4.0, 5.0]
    ys = [2.0, 4.0, 6.0, 8.0, 10.0]
    w = Value(1.0)
    opt = SGD([w], lr=0.01)
    for _ in range(100):
        loss = mg.mean([(x * w - y) ** 2 for x, y in zip(xs, ys)])
        loss.backward()
        opt.step()
        opt.zero_grad()
    assert f"{(5 * w).item():.3f}" == "10.000"


def test_seed_001_autograd_loop_ends_at_tutorial_values() -> None:
    """Seed 001: the hand-derived gradient loop done with autograd ends at w 0.8820, b 0.4269."""
    from micrograd_lite.demo import fit_line

    w, b = fit_line(log_every=0)
    assert (f"{w:.4f}", f"{b:.4f}") == ("0.8820", "0.4269")


def test_param_groups_lr_changes_the_step() -> None:
    """Setting param_groups[0]["lr"], as PyTorch code does, changes the next step."""
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    opt.param_groups[0]["lr"] = 0.5
    (w * 2).backward()
    opt.step()
    assert w.data == 1.0 - 0.5 * 2.0
