"""Neural networks from Values: micrograd's `Module`, `Neuron`, `Layer`, `MLP`, and MSE loss.

The classes keep micrograd's constructor signatures and reprs, so micrograd code runs
after changing its imports, and add a choice of activation, reproducible initialisation
(`seed=` or `rng=`), `named_parameters()` and `state_dict()` / `load_state_dict()`.

`mse_loss(predictions, targets)` and `MSELoss()` match `torch.nn.MSELoss` with its
default mean reduction: one `MseLossBackward0` node over every prediction and target.

Sizes, activations and inputs are checked where they are given: a neuron called with
the wrong number of inputs raises instead of letting `zip` drop the extra ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Integral, Real
from typing import Any, NamedTuple

from micrograd_lite import ops
from micrograd_lite.engine import Operand, Value, apply, as_float
from micrograd_lite.engine import sum as value_sum

__all__ = ["MLP", "IncompatibleKeys", "Layer", "MSELoss", "Module", "Neuron", "mse_loss"]

#: name -> what the activation does, and the word micrograd's repr uses
ACTIVATIONS: dict[str, tuple[Callable[[Value], Value], str]] = {
    "relu": (Value.relu, "ReLU"),
    "tanh": (Value.tanh, "Tanh"),
    "sigmoid": (Value.sigmoid, "Sigmoid"),
    "linear": (lambda v: v, "Linear"),
}

#: A state_dict entry: one number (a bias) or a list of them (a neuron's weights).
StateEntry = float | list[float]

#: What `zero_grad(set_to_none=True)` leaves in `.grad`: "no gradient yet", as in PyTorch.
NO_GRADIENT: Any = None


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict` returns, as PyTorch's: the keys it did not find or use."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class: `parameters()`, `named_parameters()`, `zero_grad()`, `state_dict()`."""

    #: PyTorch's flag. No module here acts differently in training and evaluation (there
    #: is no dropout or batch norm), so `train()` and `eval()` only set it.
    training: bool = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """`model(x)` runs `forward(x)`, as in PyTorch; micrograd's modules define `__call__`."""
        forward = getattr(self, "forward", None)
        if forward is None:
            name = type(self).__name__
            raise TypeError(f"{name} has no forward(): define forward(self, x) to call {name}(x)")
        return forward(*args, **kwargs)

    def children(self) -> list[Module]:
        """The modules directly inside this one (a Layer's neurons, an MLP's layers): by
        default those kept in attributes, alone or in lists, tuples and dicts, as PyTorch's."""
        return [m for m in _attribute_items(self, Module) if m is not self]

    def train(self, mode: bool = True) -> Module:
        """Set `training` here and in every module inside; returns self, as in PyTorch."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) takes True or False, got {type(mode).__name__}")
        seen = {id(self)}  # a module that refers back to its parent is set once
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            module.training = mode
            for child in module.children():
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append(child)
        return self

    def eval(self) -> Module:
        """`train(False)`: outputs are the same, since nothing here depends on the mode."""
        return self.train(False)

    def parameters(self) -> list[Value]:
        """Every trainable Value, each once, in a fixed order.

        By default, as PyTorch finds them: the leaf Values that require grad kept in this
        module's attributes, alone or in lists, tuples and dicts, and those of the modules
        kept so, in the order the attributes were set. micrograd's modules (and yours)
        may instead define `parameters()` themselves.
        """
        return [p for _, p in _named_leaves(_attribute_entries(self))]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, Value) for every parameter, named by where it sits: `layers.0.neurons.3.w.1`."""
        return _named_leaves(self._state_entries())

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set every parameter's gradient to 0.0, or to None ("no gradient yet").

        PyTorch's default is `set_to_none=True`; here it is False, so code that reads
        `p.grad` after `zero_grad()` keeps getting 0.0.
        """
        clear = cleared_gradient(set_to_none)
        for p in self.parameters():
            p.grad = clear

    def state_dict(self) -> dict[str, StateEntry]:
        """The parameters' data as plain floats (a list per neuron's weights), JSON-ready."""
        return {
            key: entry.data if isinstance(entry, Value) else [p.data for p in entry]
            for key, entry in self._state_entries()
        }

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Set the parameters from `state_dict()` output; on any mismatch change nothing.

        With `strict=False` (as in PyTorch) missing and unexpected keys are allowed: the
        keys that match are loaded, and the others are returned in `IncompatibleKeys`.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                "load_state_dict takes the dict that state_dict() returns, "
                f"got {type(state).__name__}"
            )
        if not isinstance(strict, bool):
            raise TypeError(f"strict must be True or False, got {type(strict).__name__}")
        entries = self._state_entries()
        expected = {key for key, _ in entries}
        missing = [k for k, _ in entries if k not in state]
        extra = [k for k in state if k not in expected]
        if strict and (missing or extra):
            raise RuntimeError(_mismatch(type(self).__name__, missing, extra))
        updates: list[tuple[Value, float]] = []
        for key, entry in entries:
            if key not in state:
                continue
            given = state[key]
            if isinstance(entry, Value):
                updates.append((entry, _number(given, key)))
                continue
            # A list, a tuple or a numpy row; not text, bytes (ints to Python) or a dict.
            row = isinstance(given, Sequence) or (
                hasattr(given, "__getitem__") and hasattr(given, "__len__")
            )
            if not row or isinstance(given, (str, bytes, bytearray, Mapping)):
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
        return IncompatibleKeys(missing, extra)

    def _state_entries(self) -> list[tuple[str, Value | list[Value]]]:
        """Parameters grouped as state_dict shows them: by attribute name, or numbered
        when a subclass defines `parameters()` itself (as micrograd's modules do)."""
        if _defines_its_parameters(self):
            return [(str(i), p) for i, p in enumerate(self.parameters())]
        return _attribute_entries(self)


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
        _check_size(nin, "nin", "Neuron")
        if activation is None and not nonlin:  # micrograd's Neuron(nin, nonlin=False)
            activation = "linear"
        activation = _check_activation(activation)
        rng = _rng(seed, rng)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = activation
        self.nonlin = activation != "linear"

    def __call__(self, x: Sequence[Operand]) -> Value:
        return self._forward(_check_inputs(x, len(self.w), self))

    def _forward(self, x: Sequence[Operand]) -> Value:
        """The output, for inputs already checked (a Layer checks once for its neurons)."""
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
        _check_size(nin, "nin", "Layer")
        _check_size(nout, "nout", "Layer")
        rng = _rng(kwargs.pop("seed", None), kwargs.pop("rng", None))
        self.nin = nin
        self.neurons = [Neuron(nin, rng=rng, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        return self._forward(_check_inputs(x, self.nin, self))

    def _forward(self, x: Sequence[Operand]) -> Value | list[Value]:
        out = [n._forward(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def children(self) -> list[Module]:
        return list(self.neurons)

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
        _check_size(nin, "nin", "MLP")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(
                f"MLP(nin, nouts): nouts is the list of layer sizes, e.g. MLP(3, [4, 4, 1]) "
                f"or MLP(3, [{nouts!r}]) for one layer; got {type(nouts).__name__} {nouts!r}"
            )
        if not nouts:
            raise ValueError("MLP needs at least one layer: give nouts such as [4, 1]")
        for i, nout in enumerate(nouts):
            _check_size(nout, f"nouts[{i}]", "MLP")
        _check_activation(activation)  # also when only the last (linear) layer would use it
        rng = _rng(seed, rng)
        self.nin = nin
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
        out: Any = _check_inputs(x, self.nin, self)
        for layer in self.layers:
            out = layer._forward(out if isinstance(out, (list, tuple)) else [out])
        return out  # type: ignore[no-any-return]  # a Value or a list, as micrograd

    def children(self) -> list[Module]:
        return list(self.layers)

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


#: What the attribute walk looks inside: the containers PyTorch's ModuleList,
#: ModuleDict and ParameterList stand for (a set has no order, so it is not one).
CONTAINERS = (list, tuple, dict)


def _inside(item: object, kinds: tuple[type, ...]) -> list[tuple[str, object]]:
    """(name, object) for what a module's attributes or a container hold, of kinds only
    (a list of a million numbers is passed over without looking at each number twice)."""
    if isinstance(item, Module):
        return [(name, x) for name, x in vars(item).items() if isinstance(x, kinds)]
    assert isinstance(item, CONTAINERS)
    if not any(issubclass(t, kinds) for t in set(map(type, _values(item)))):
        return []  # the common case of a list of numbers or names, at C speed
    if isinstance(item, dict):
        return [(str(key), x) for key, x in item.items() if isinstance(x, kinds)]
    return [(str(i), x) for i, x in enumerate(item) if isinstance(x, kinds)]


def _values(container: list[Any] | tuple[Any, ...] | dict[Any, Any]) -> Iterable[Any]:
    return container.values() if isinstance(container, dict) else container


def _attribute_items(module: Module, kind: type) -> list[Any]:
    """The objects of kind kept in module's attributes, alone or in containers, each once."""
    kinds = (kind, *CONTAINERS)
    found: list[Any] = []
    seen = {id(module)}  # a list that holds itself, or the module, ends no cycle
    stack = [x for _, x in reversed(_inside(module, kinds))]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, kind):
            found.append(item)
        else:
            stack.extend(x for _, x in reversed(_inside(item, kinds)))
    return found


def _attribute_entries(root: Module) -> list[tuple[str, Value | list[Value]]]:
    """root's parameters as PyTorch finds them, named by the path to each: `layers.0.w`.

    The walk keeps its own stack (a chain of modules deeper than Python's recursion
    limit is fine) and visits each module, container and Value once, under the first
    name it is found at, so a module that refers to itself or its parent ends no cycle.
    """
    kinds = (Value, Module, *CONTAINERS)
    entries: list[tuple[str, Value | list[Value]]] = []
    seen = {id(root)}
    stack = list(reversed(_inside(root, kinds)))
    while stack:
        name, item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Value):
            if item.is_leaf and item.requires_grad:  # an output kept on self is no parameter
                entries.append((name, item))
        elif isinstance(item, Module) and _defines_its_parameters(item):
            entries.extend((f"{name}.{key}", entry) for key, entry in item._state_entries())
        else:
            stack.extend((f"{name}.{key}", x) for key, x in reversed(_inside(item, kinds)))
    return entries


def _defines_its_parameters(module: Module) -> bool:
    """Whether module's class says what its parameters are, as micrograd's modules do."""
    kind = type(module)
    return kind.parameters is not Module.parameters or (
        kind._state_entries is not Module._state_entries
    )


def _named_leaves(entries: list[tuple[str, Value | list[Value]]]) -> list[tuple[str, Value]]:
    """Each state entry's Values, each once; a list's numbered (`w` gives `w.0`, `w.1`)."""
    seen: set[int] = set()
    named: list[tuple[str, Value]] = []
    for key, entry in entries:
        pairs = (
            [(key, entry)]
            if isinstance(entry, Value)
            else [(f"{key}.{i}", p) for i, p in enumerate(entry)]
        )
        for name, p in pairs:
            if id(p) not in seen:  # a Value kept in two places is one parameter
                seen.add(id(p))
                named.append((name, p))
    return named


def _rng(seed: int | None, rng: random.Random | None) -> Any:
    """The random source: a given Random, a new one from a seed, or the `random` module
    itself (so `random.seed(1337)` before building gives micrograd's exact weights)."""
    if rng is not None and seed is not None:
        raise ValueError("give seed or rng, not both")
    if rng is not None:
        if not callable(getattr(rng, "uniform", None)):
            raise TypeError(
                f"rng must be a random.Random, got {type(rng).__name__}; "
                "for a seed, write seed=... instead"
            )
        return rng
    return random.Random(seed) if seed is not None else random


def _check_size(n: object, name: str, module: str) -> None:
    """A layer size is a positive int: 0 or -1 would build a module with no weights."""
    if isinstance(n, bool) or not isinstance(n, Integral):  # int, or numpy's ints
        raise TypeError(f"{module}: {name} must be an int, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{module}: {name} must be at least 1, got {n}")


def _check_activation(activation: object) -> str:
    """One of ACTIVATIONS' names (None means relu), or a clear error."""
    if activation is None:
        return "relu"
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose from {list(ACTIVATIONS)}")
    return activation


def _check_inputs(x: Any, nin: int, module: Module) -> Sequence[Operand]:
    """The inputs as a sequence of nin items: a list, tuple or numpy row, never cut short."""
    if type(x) is list and len(x) == nin:  # the common case, first: this runs on every call
        return x
    # A list, tuple or numpy row: indexable and sized. Not a set (no order), not a dict.
    row = isinstance(x, Sequence) or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))
    who = repr(module) if isinstance(module, Neuron) else f"this {type(module).__name__}(nin={nin})"
    if not row or isinstance(x, (str, bytes, Mapping)):
        raise TypeError(
            f"{who} takes a list of {nin} numbers or Values, got {type(x).__name__}"
            + (f"; write [{x!r}]" if nin == 1 and isinstance(x, (Value, Real)) else "")
        )
    if len(x) != nin:
        raise ValueError(f"{who} takes {nin} inputs, got {len(x)}: give one per input")
    return x if isinstance(x, (list, tuple)) else list(x)


def cleared_gradient(set_to_none: bool) -> float:
    """What zero_grad leaves in `.grad`: 0.0, or NO_GRADIENT for set_to_none=True."""
    if not isinstance(set_to_none, bool):
        raise TypeError(f"set_to_none must be True or False, got {type(set_to_none).__name__}")
    return NO_GRADIENT if set_to_none else 0.0


def _number(x: object, where: str) -> float:
    """One loaded number, as a Value would hold it: 10**400 is inf, as in Value(10**400)."""
    number = None if isinstance(x, bool) else as_float(x)
    if number is None:
        raise TypeError(f"state_dict[{where!r}] must be a number, got {x!r}")
    return number


def _mismatch(module: str, missing: list[str], unexpected: list[Any]) -> str:
    """PyTorch's words for a strict load whose keys do not match, and the way out."""
    lines = [f"Error(s) in loading state_dict for {module}:"]
    for what, keys in (("Missing", missing), ("Unexpected", unexpected)):
        if keys:
            quoted = ", ".join(f'"{key}"' for key in keys)
            lines.append(f"\t{what} key(s) in state_dict: {quoted}.")
    lines.append("\tPass strict=False to load only the keys that match.")
    return "\n".join(lines)


def mse_loss(predictions: Sequence[Operand], targets: Sequence[Operand]) -> Value:
    """Mean of `(prediction - target)²` over the pairs, as one graph node."""
    for name, given in (("predictions", predictions), ("targets", targets)):
        if isinstance(given, (Value, Real, str, bytes)):
            raise TypeError(
                f"mse_loss takes lists of predictions and targets, got {type(given).__name__} "
                f"for {name}; for one pair write mse_loss([prediction], [target])"
            )
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
