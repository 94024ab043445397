"""Neural networks from Values: micrograd's `Module`, `Neuron`, `Layer`, `MLP`, and MSE loss.

The classes keep micrograd's constructor signatures and reprs, so micrograd code runs
after changing its imports, and add a choice of activation, reproducible initialisation
(`seed=` or `rng=`), `named_parameters()` and `state_dict()` / `load_state_dict()`.

`mse_loss(predictions, targets)` and `MSELoss()` match `torch.nn.MSELoss` with its
default mean reduction: one `MseLossBackward0` node over every prediction and target.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

from micrograd_lite import ops
from micrograd_lite.engine import Operand, Value, apply
from micrograd_lite.engine import sum as value_sum

__all__ = ["MLP", "Layer", "MSELoss", "Module", "Neuron", "mse_loss"]

#: name -> what the activation does, and the word micrograd's repr uses
ACTIVATIONS: dict[str, tuple[Callable[[Value], Value], str]] = {
    "relu": (Value.relu, "ReLU"),
    "tanh": (Value.tanh, "Tanh"),
    "sigmoid": (Value.sigmoid, "Sigmoid"),
    "linear": (lambda v: v, "Linear"),
}

#: A state_dict entry: one number (a bias) or a list of them (a neuron's weights).
StateEntry = float | list[float]


class Module:
    """Base class: `parameters()`, `named_parameters()`, `zero_grad()`, `state_dict()`."""

    def parameters(self) -> list[Value]:
        """Every trainable Value, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, Value) for every parameter, named by where it sits: `layers.0.neurons.3.w.1`."""
        named: list[tuple[str, Value]] = []
        for key, entry in self._state_entries():
            if isinstance(entry, Value):
                named.append((key, entry))
            else:
                named.extend((f"{key}.{i}", p) for i, p in enumerate(entry))
        return named

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, StateEntry]:
        """The parameters' data as plain floats (a list per neuron's weights), JSON-ready."""
        return {
            key: entry.data if isinstance(entry, Value) else [p.data for p in entry]
            for key, entry in self._state_entries()
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set the parameters from `state_dict()` output; on any mismatch change nothing."""
        entries = self._state_entries()
        expected = [key for key, _ in entries]
        missing = [k for k in expected if k not in state]
        extra = [k for k in state if k not in set(expected)]
        if missing or extra:
            raise KeyError(f"state_dict keys do not match: missing {missing}, unexpected {extra}")
        updates: list[tuple[Value, float]] = []
        for key, entry in entries:
            given = state[key]
            if isinstance(entry, Value):
                updates.append((entry, _number(given, key)))
                continue
            if not isinstance(given, Sequence) or isinstance(given, str):
                raise TypeError(f"state_dict[{key!r}] must be a list of numbers, got {given!r}")
            if len(given) != len(entry):
                raise ValueError(
                    f"state_dict[{key!r}] has {len(given)} numbers, the module has {len(entry)}"
                )
            updates.extend(
                (p, _number(x, f"{key}[{i}]")) for i, (p, x) in enumerate(zip(entry, given))
            )
        for p, x in updates:  # everything checked: now change the parameters
            p.data = x

    def _state_entries(self) -> list[tuple[str, Value | list[Value]]]:
        """Parameters grouped as state_dict shows them; by default one entry each."""
        return [(str(i), p) for i, p in enumerate(self.parameters())]


class Neuron(Module):
    """`activation(b + sum(w_i * x_i))`, with weights uniform in [-1, 1] and bias 0."""

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str | None = None,
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        activation = activation or ("relu" if nonlin else "linear")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from {list(ACTIVATIONS)}")
        rng = _rng(seed, rng)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = activation
        self.nonlin = activation != "linear"

    def __call__(self, x: Sequence[Operand]) -> Value:
        # b first, then the products: the same additions in the same order as micrograd,
        # but one SumBackward0 node instead of a chain of nin AddBackward0 nodes.
        act = value_sum([self.b, *[wi * xi for wi, xi in zip(self.w, x)]])
        return ACTIVATIONS[self.activation][0](act)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def _state_entries(self) -> list[tuple[str, Value | list[Value]]]:
        return [("w", self.w), ("b", self.b)]

    def __repr__(self) -> str:
        return f"{ACTIVATIONS[self.activation][1]}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same inputs; one output is returned bare, as micrograd."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        rng = _rng(kwargs.pop("seed", None), kwargs.pop("rng", None))
        self.neurons = [Neuron(nin, rng=rng, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def _state_entries(self) -> list[tuple[str, Value | list[Value]]]:
        return [
            (f"neurons.{j}.{key}", entry)
            for j, n in enumerate(self.neurons)
            for key, entry in n._state_entries()
        ]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes `nouts`; every layer but the last uses the activation (relu)."""

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str = "relu",
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        rng = _rng(seed, rng)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=activation if i != len(nouts) - 1 else "linear",
                rng=rng,
            )
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        out: Any = x
        for layer in self.layers:
            out = layer(out if isinstance(out, list) else [out])
        return out  # type: ignore[no-any-return]  # a Value or a list, as micrograd

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def _state_entries(self) -> list[tuple[str, Value | list[Value]]]:
        return [
            (f"layers.{i}.{key}", entry)
            for i, layer in enumerate(self.layers)
            for key, entry in layer._state_entries()
        ]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def _rng(seed: int | None, rng: random.Random | None) -> Any:
    """The random source: a given Random, a new one from a seed, or the `random` module
    itself (so `random.seed(1337)` before building gives micrograd's exact weights)."""
    if rng is not None and seed is not None:
        raise ValueError("give seed or rng, not both")
    if rng is not None:
        return rng
    return random.Random(seed) if seed is not None else random


def _number(x: object, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"state_dict[{where!r}] must be a number, got {x!r}")
    return float(x)


def mse_loss(predictions: Sequence[Operand], targets: Sequence[Operand]) -> Value:
    """Mean of `(prediction - target)²` over the pairs, as one graph node."""
    predictions = list(predictions)
    targets = list(targets)
    if len(predictions) != len(targets):
        raise ValueError(
            f"mse_loss needs as many targets as predictions, got {len(predictions)} "
            f"predictions and {len(targets)} targets"
        )
    if not predictions:
        raise ValueError("mse_loss needs at least one prediction")
    return apply(ops.mse_loss, *predictions, *targets)


class MSELoss:
    """`MSELoss()(predictions, targets)`, as `torch.nn.MSELoss()` with mean reduction."""

    def __call__(self, predictions: Sequence[Operand], targets: Sequence[Operand]) -> Value:
        return mse_loss(predictions, targets)

    def __repr__(self) -> str:
        return "MSELoss()"
