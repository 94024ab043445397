"""Bit for bit against PyTorch float64: random graphs over every op, the numeric edge
cases PyTorch gets right, and optimizer trajectories.

Where PyTorch's own kernels (exp, log, tanh, sqrt, pow, its vectorised sums) pick another
last bit than Python's `math`, the tests take those few functions from PyTorch and then
require every bit of every forward value and every gradient to agree: what is compared
is this library's formulas and order of operations.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import micrograd_lite as mg
from micrograd_lite import Value, optim
from tests.op_cases import CASES
from tests.torch_graphs import Program, bits, compare, numbers, programs, torch_kernels

torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity runs in CI")


def mse_shares_a_value(program: Program) -> bool:
    """An mse_loss step whose predictions and targets share a Value: PyTorch's stacked
    targets are the newer node, so it adds the target's part first (an order, not a
    formula, and only for a Value that is its own target)."""
    steps, n_leaves = program
    for k, (case_index, picks, _) in enumerate(steps):
        if CASES[case_index].name == "MseLossBackward0":
            available = n_leaves + k
            predictions = {picks[0] % available, picks[1] % available}
            if picks[2] % available in predictions:
                return True
    return False


@settings(max_examples=2000, deadline=None)
@given(programs(), st.lists(numbers, min_size=4, max_size=4))
def test_random_graphs_are_bit_identical_to_pytorch_with_its_kernels(
    program: Program, data: list[float]
) -> None:
    """Forward and every leaf gradient, by float.hex, on graphs with shared nodes and edges."""
    assume(not mse_shares_a_value(program))
    with torch_kernels():
        assert compare(program, data) == []


def both(fn: Any, *xs: float) -> tuple[list[float], list[float]]:
    """fn's value and gradients here and in PyTorch, as floats."""
    ours = [Value(x) for x in xs]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out, expected = fn(*ours), fn(*theirs)
    out.backward()
    expected.backward()
    return (
        [out.data, *[v.grad for v in ours]],
        [expected.item(), *[t.grad.item() for t in theirs]],
    )


def same_bits(a: list[float], b: list[float]) -> bool:
    return [bits(x) for x in a] == [bits(x) for x in b]


def test_a_division_gradient_does_not_overflow() -> None:
    """d(a/b)/db at a = b = 1e-200 is -1e200, as -(g * ((a / b) / b)), not -(g a)/b² = -inf."""
    ours, theirs = both(lambda a, b: a / b, 1e-200, 1e-200)
    assert ours[2] == -1e200
    assert same_bits(ours, theirs)


def test_a_number_over_a_value_is_computed_as_pytorch_does() -> None:
    """2 / a is one DivBackward0 node here, with PyTorch's numbers: 2 * (1/a)."""
    ours, theirs = both(lambda a: 3.0 / a, 0.7)
    assert ours[0] == 3.0 * (1.0 / 0.7)
    assert same_bits(ours, theirs)


@pytest.mark.parametrize(
    ("base", "exponent"), [(-10.0, 400.5), (-1e300, 1.5), (-8.0, 1.0 / 3.0)], ids=str
)
def test_a_negative_base_to_a_fractional_power_is_nan(base: float, exponent: float) -> None:
    """As C and PyTorch: nan, never inf from Python's complex power overflowing."""
    assert math.isnan((Value(base) ** exponent).data)
    assert math.isnan((base ** Value(exponent)).data)
    assert math.isnan((Value(base) ** Value(exponent)).data)
    assert math.isnan(torch.tensor(base, dtype=torch.float64).pow(exponent).item())


@pytest.mark.parametrize("exponent", [0.5, -0.5, 1.5, -1.5, 2.5], ids=str)
def test_minus_infinity_to_a_fractional_power_is_real(exponent: float) -> None:
    """(-inf) ** 1.5 = inf and (-inf) ** -1.5 = 0, as C's pow, for a Value exponent;
    with a number exponent PyTorch's kernel takes a square root for 0.5 and -0.5 (nan)."""
    ours, theirs = both(lambda a, b: a**b, -math.inf, exponent)
    assert not math.isnan(ours[0])
    assert same_bits(ours, theirs)
    ours, theirs = both(lambda a: a**exponent, -math.inf)
    assert same_bits(ours, theirs)


def test_a_second_backward_adds_the_passes_sum_once() -> None:
    """A leaf's .grad gets old + (c1 + c2), as PyTorch: 1 + 2e-16, not (1 + 1e-16) + 1e-16."""
    x = Value(0.5)
    x.grad = 1.0
    (x * 1e-16 + x * 1e-16).backward()
    t = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor(1.0, dtype=torch.float64)
    (t * 1e-16 + t * 1e-16).backward()
    assert x.grad == t.grad.item() == 1.0 + 2e-16


def test_the_first_contribution_keeps_its_sign() -> None:
    """A gradient of -0.0 stays -0.0 (a sum that starts at 0.0 would make it +0.0)."""
    ours, theirs = both(lambda a: (a * -0.0) * 2.0, 3.0)
    assert math.copysign(1.0, ours[1]) == -1.0
    assert same_bits(ours, theirs)


def test_threads_differentiating_one_graph_all_get_their_gradients() -> None:
    """Eight threads calling backward() on the same graph: every pass is counted, none mixed."""
    w = [Value(float(i + 1)) for i in range(4)]
    out = mg.sum([(wi * wi).relu() * 0.5 + wi * 3.0 for wi in w]) * 2.0
    out.backward()
    single = [v.grad for v in w]  # small integers: any order of the sums is exact
    for v in w:
        v.grad = 0.0
    threads = [
        threading.Thread(target=lambda: [out.backward() for _ in range(50)]) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [v.grad for v in w] == [400 * g for g in single]


# -- optimizers: 100 steps on a non-convex loss, every option --------------------------------


START = [0.5, -1.5, 2.0]


def loss_of(p: list[Any]) -> Any:
    """Non-convex in (a, b, c), with only operations whose kernels are exact in PyTorch."""
    a, b, c = p
    return (a * b - 1.0) ** 2 + (b - c) ** 2 * 0.1 + (a * c) / (c * c + 1.0) + a**3 * 0.05


def trajectory(make_opt: Any, make_param: Any, read: Any) -> list[str]:
    params = [make_param(x) for x in START]
    opt = make_opt(params)
    out = []
    for _ in range(100):
        opt.zero_grad()
        loss_of(params).backward()
        opt.step()
        out.extend(read(p).hex() for p in params)
    return out


def ours_and_pytorchs(name: str, options: dict[str, Any]) -> tuple[list[str], list[str]]:
    ours = trajectory(lambda ps: getattr(optim, name)(ps, **options), Value, lambda p: p.data)
    theirs = trajectory(
        lambda ps: getattr(torch.optim, name)(ps, **options),
        lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True),
        lambda p: p.item(),
    )
    return ours, theirs


SGD_OPTIONS = [
    dict(lr=0.02, momentum=m, dampening=d, nesterov=n, weight_decay=w, maximize=x)
    for m in (0.0, 0.9)
    for d in (0.0, 0.1)
    for n in (False, True)
    for w in (0.0, 0.01)
    for x in (False, True)
    if not (n and (m == 0 or d != 0))
]
ADAM_OPTIONS = [
    dict(lr=0.01, betas=b, amsgrad=a, weight_decay=w, maximize=x)
    for b in ((0.9, 0.999), (0.3, 0.5))
    for a in (False, True)
    for w in (0.0, 0.01)
    for x in (False, True)
]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=str)
def test_sgd_trajectories_are_bit_identical_to_torch_optim(options: dict[str, Any]) -> None:
    """Every parameter after every one of 100 steps, by float.hex."""
    ours, theirs = ours_and_pytorchs("SGD", options)
    assert ours == theirs


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=str)
def test_adam_trajectories_are_bit_identical_with_pytorchs_sqrt(
    options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With PyTorch's sqrt kernel in place of math.sqrt, Adam agrees to the bit: that
    kernel is the only thing that can make the trajectories part."""
    monkeypatch.setattr(
        optim, "sqrt", lambda x: torch.sqrt(torch.tensor(x, dtype=torch.float64)).item()
    )
    ours, theirs = ours_and_pytorchs("Adam", options)
    assert ours == theirs
