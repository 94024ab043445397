"""nn: micrograd's classes and demo, activations, seeds, state_dict, MSE loss."""

from __future__ import annotations

import json
import random

import pytest

import micrograd_lite as mg
from micrograd_lite import Value
from micrograd_lite.nn import MLP, Layer, MSELoss, Neuron, mse_loss
from micrograd_lite.optim import SGD


def test_micrograd_reprs() -> None:
    """Reprs read as micrograd's."""
    assert repr(Neuron(3)) == "ReLUNeuron(3)"
    assert repr(Neuron(3, nonlin=False)) == "LinearNeuron(3)"
    assert repr(Layer(2, 2)) == "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"
    assert repr(MLP(2, [1])) == "MLP of [Layer of [LinearNeuron(2)]]"
    assert repr(Neuron(2, activation="tanh")) == "TanhNeuron(2)"


def test_same_random_state_gives_micrograds_weights() -> None:
    """random.seed then MLP draws the same weights in the same order as micrograd."""
    random.seed(1337)
    model = MLP(2, [3, 1])
    random.seed(1337)
    expected = []
    for nin, nout in ((2, 3), (3, 1)):
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    assert [p.data for p in model.parameters()] == expected


def test_seed_and_rng_are_reproducible() -> None:
    """The same seed gives the same weights; seed and rng together are refused."""
    assert MLP(2, [4, 1], seed=3).state_dict() == MLP(2, [4, 1], seed=3).state_dict()
    assert MLP(2, [4, 1], seed=3).state_dict() != MLP(2, [4, 1], seed=4).state_dict()
    with pytest.raises(ValueError, match="not both"):
        MLP(2, [1], seed=1, rng=random.Random(1))


def test_neuron_is_one_sum_node() -> None:
    """A neuron's pre-activation is one SumBackward0 node over b and the products."""
    n = Neuron(3, nonlin=False, seed=0)
    out = n([1.0, 2.0, 3.0])
    assert out.grad_fn is not None
    assert out.grad_fn.name() == "SumBackward0"
    assert out.data == n.b.data + sum(w.data * x for w, x in zip(n.w, [1.0, 2.0, 3.0]))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_activations(activation: str) -> None:
    """Each activation names its grad_fn (linear adds none)."""
    out = Neuron(2, activation=activation, seed=0)([0.5, -0.5])
    names = {"relu": "ReluBackward0", "tanh": "TanhBackward0", "sigmoid": "SigmoidBackward0"}
    assert out.grad_fn.name() == names.get(activation, "SumBackward0")  # type: ignore[union-attr]


def test_unknown_activation_is_refused() -> None:
    """A misspelt activation names the choices."""
    with pytest.raises(ValueError, match="relu"):
        Neuron(2, activation="rleu")


def test_named_parameters_follow_the_structure() -> None:
    """Names say where each parameter sits."""
    names = [name for name, _ in MLP(2, [2, 1], seed=0).named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert len(names) == len(set(names)) == 3 * 2 + 1 * 3


def test_state_dict_round_trips_through_json() -> None:
    """state_dict -> json -> load_state_dict restores every parameter."""
    source, target = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=2)
    target.load_state_dict(json.loads(json.dumps(source.state_dict())))
    assert [p.data for p in target.parameters()] == [p.data for p in source.parameters()]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda s: s.pop("layers.0.neurons.0.b"), RuntimeError, "Missing key"),
        (lambda s: s.update(extra=1.0), RuntimeError, "Unexpected key"),
        (lambda s: s["layers.0.neurons.0.w"].append(1.0), ValueError, "has 3 numbers"),
        (lambda s: s["layers.0.neurons.0.w"].__setitem__(0, "x"), TypeError, "must be a number"),
        (lambda s: s.__setitem__("layers.1.neurons.0.b", None), TypeError, "must be a number"),
    ],
)
def test_bad_state_dict_is_refused_and_changes_nothing(
    change: object, error: type, message: str
) -> None:
    """Missing or extra keys, a wrong length or a non-number raise and change no parameter."""
    model = MLP(2, [2, 1], seed=0)
    before = [p.data for p in model.parameters()]
    state = MLP(2, [2, 1], seed=9).state_dict()
    change(state)  # type: ignore[operator]
    with pytest.raises(error, match=message):
        model.load_state_dict(state)
    assert [p.data for p in model.parameters()] == before


def test_mse_loss_matches_definition_and_checks_lengths() -> None:
    """mse_loss is the mean squared difference, one node; lengths must match."""
    p = [Value(1.0), Value(3.0)]
    loss = MSELoss()(p, [0.0, 1.0])
    assert loss.data == (1 + 4) / 2
    loss.backward()
    assert [x.grad for x in p] == [1.0, 2.0]
    with pytest.raises(ValueError, match="2 predictions and 1 targets"):
        mse_loss(p, [1.0])


def test_micrograd_demo_reaches_full_training_accuracy() -> None:
    """micrograd's demo: MLP(2, [16, 16, 1]), two moons, hinge + L2, SGD with decay, 100 steps."""
    from benchmarks.workloads import two_moons

    xs, ys = two_moons(100, seed=0)
    model = MLP(2, [16, 16, 1], seed=1337)
    opt = SGD(model.parameters(), lr=1.0)
    accuracy = 0.0
    for k in range(100):
        scores = [model([Value(a, requires_grad=False) for a in row]) for row in xs]
        losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]  # type: ignore[operator]
        loss = mg.mean(losses) + 1e-4 * mg.sum([p * p for p in model.parameters()])
        accuracy = sum((y > 0) == (s.data > 0) for y, s in zip(ys, scores)) / len(ys)  # type: ignore[union-attr]
        opt.zero_grad()
        loss.backward()
        opt.defaults["lr"] = 1.0 - 0.9 * k / 100
        opt.step()
    assert accuracy == 1.0
