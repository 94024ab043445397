"""micrograd's own surface on `Value`, so micrograd's code runs unchanged.

micrograd adds an op by making a node with `Value(data, (a, b), '+')` and setting its
`_backward` closure; it reads a node's parents as `_prev` and its symbol as `_op`.
microgpt makes a node with `Value(data, children, local_grads)`, each child with its
local gradient. `Value` takes these names from `MicrogradSurface`, and its constructor
hands such nodes to `make_node`; the engine's own nodes never use them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from micrograd_lite import grad_mode
from micrograd_lite.floats import as_float
from micrograd_lite.ops import Op

__all__ = ["LocalGrads", "MicrogradSurface", "children_of", "make_node", "with_local_grads"]

_new = object.__new__


class MicrogradSurface:
    """micrograd's names for a node's parts: `_prev`, `_op` and `_backward`. `Value`
    inherits them (every Value is one of these, so `isinstance` here means a Value)."""

    __slots__ = ()

    @property
    def _prev(self) -> set[Any]:
        """micrograd's name for the parents, as a set."""
        node: Any = self
        return set(node.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for the operation symbol ('' for a leaf)."""
        node: Any = self
        return "" if node.op is None else node.op.symbol

    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's step: pass this node's `.grad` on, adding into its parents' `.grad`.

        On a node an operation made, it applies that operation's rule; a closure set
        with `out._backward = fn` (micrograd's way of adding an op) replaces it. A node
        made with `Value(data, children, op)` and no closure passes nothing on.
        """
        node: Any = self
        closure: Callable[[], None] | None = vars(node).get("_backward")
        if closure is not None:
            return closure
        if node.op is None or node.op.closure:
            return _pass_nothing
        return node._pass_gradient_on  # type: ignore[no-any-return]  # Value's own step

    @_backward.setter
    def _backward(self, closure: Callable[[], None]) -> None:
        if not callable(closure):
            raise TypeError(f"_backward must be a function, got {type(closure).__name__}")
        node: Any = self
        # Kept in the instance's dict, which this property shadows for attribute lookup.
        vars(node)["_backward"] = closure
        op = node.op
        if op is not None and not op.closure:  # the closure now differentiates this node
            parents = node.parents
            node.op = _closure_op(op.symbol)
            node._a = parents  # a closure's node keeps its parents as a tuple
            node._b = None


def _pass_nothing() -> None:
    """The `_backward` of a leaf, and of micrograd's node before a closure is set."""


#: The `grad_fn`s of micrograd's nodes, shared by symbol. Bounded: micrograd's own `**`
#: writes its exponent into the symbol (`f"**{other}"`), one more symbol per number.
_closure_ops: dict[str, Op] = {}
_CLOSURE_OPS_KEPT = 256


def node_form(symbol: str | tuple[float, ...]) -> str:
    """What making a node with `Value(data, children, symbol)` does, as a tracer of the
    graph says when it refuses it."""
    if isinstance(symbol, str):
        return (
            f"makes a node with Value(data, children, {symbol!r}), whose _backward closure "
            "cannot be followed; define the operation with micrograd_lite.define_op"
        )
    return (
        "makes a node with Value(data, children, local_grads), whose numbers "
        "cannot be recomputed from new data; write the operation with Value's own "
        "operations, or define it with micrograd_lite.define_op"
    )


def make_node(v: Any, parents: tuple[Any, ...], symbol: str | tuple[float, ...]) -> bool:
    """Make `v` a node made with `Value(data, children, ...)`: micrograd's
    `Value(data, (a, b), '+')`, whose `_backward` closure, once set, differentiates it
    (until then it passes no gradient on), or `Value(data, (a, b), (da, db))`, each child
    with its local gradient, which passes `local gradient * gradient` to each child.
    Whether it records its parents (grad enabled and one requires grad)."""
    closure = isinstance(symbol, str)
    v.requires_grad = bool(
        v.requires_grad and grad_mode.is_grad_enabled() and any(p.requires_grad for p in parents)
    )
    if not v.requires_grad:
        return False
    if closure:
        v.op = _closure_op(symbol)  # type: ignore[arg-type]  # a str here
        v._a = parents
        v._b = None
    else:
        v.op = op = _new(LocalGrads)
        op.local_grads = symbol  # type: ignore[assignment]  # a tuple of floats here
        op.arity = arity = len(parents) if len(parents) < 3 else 0
        v._a = parents[0] if arity else parents  # as an op's node keeps them
        v._b = parents[1] if arity == 2 else None
    return True


class LocalGrads(Op):
    """The `grad_fn` of a node made with `Value(data, children, local_grads)`: each child
    receives its local gradient times the node's gradient. One per node, since the
    local gradients are the node's own numbers."""

    __slots__ = ("local_grads",)
    local_grads: tuple[float, ...]

    # what every such node shares, in place of the slots an op fills in `Op.__init__`
    key = "local_grads"
    _name = "LocalGradsBackward"
    symbol = "local"
    constant_inputs = ()
    closure = False
    maths = ()

    def forward(self, *inputs: float) -> float:
        raise TypeError(
            "a node made with Value(data, children, local_grads) has no forward to apply"
        )

    def rule(self, g: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        if isinstance(g, MicrogradSurface):  # grad(create_graph=True): g is a Value
            raise RuntimeError(
                "grad(create_graph=True) cannot differentiate a node made with Value(data, "
                "children, local_grads): its local gradients are numbers, not Values. Write "
                "the operation with Value's own operations, or define it with "
                "micrograd_lite.define_op"
            )
        return tuple([local * g for local in self.local_grads])


def with_local_grads(children: object, given: object) -> tuple[tuple[Any, ...], tuple[float, ...]]:
    """The children and local gradients of `Value(data, children, local_grads)`: a tuple
    of Values, and one float for each."""
    parents = children_of(children)
    if not isinstance(given, (tuple, list)):
        raise TypeError(
            "_op must be a str, the operation's symbol (or a tuple of numbers, each child's "
            f"local gradient), got {type(given).__name__}"
        )
    if len(given) != len(parents):
        raise TypeError(
            f"Value(data, children, local_grads) takes one local gradient per child: got "
            f"{_count(len(parents), 'child', 'children')} and "
            f"{_count(len(given), 'local gradient', 'local gradients')}"
        )
    local: list[float] = []
    for d in given:
        number = as_float(d)
        if number is None:
            got = type(d).__name__
            hint = ": write its .data" if isinstance(d, MicrogradSurface) else ""
            raise TypeError(
                f"Value(data, children, local_grads) takes the local gradients as numbers, "
                f"got a {got}{hint}"
            )
        local.append(number)
    return parents, tuple(local)


def _closure_op(symbol: str) -> Op:
    """The `grad_fn` of nodes made with `Value(data, children, symbol)`: one per symbol
    for the first `_CLOSURE_OPS_KEPT` symbols, and a node's own beyond them."""
    op = _closure_ops.get(symbol)
    if op is None:
        op = Op(
            "closure", "BackwardClosure", symbol, 0, _closure_forward, _closure_rule, closure=True
        )
        if len(_closure_ops) < _CLOSURE_OPS_KEPT:
            _closure_ops[symbol] = op
    return op


def _closure_forward(*inputs: float) -> float:
    raise TypeError("a node made with Value(data, children, op) has no forward to apply")


def _closure_rule(g: float, out: float, *inputs: float) -> tuple[float, ...]:
    raise TypeError("a node made with Value(data, children, op) runs its _backward closure")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def children_of(children: object) -> tuple[Any, ...]:
    """The children of `Value(data, children, ...)`, as a tuple of Values."""
    if isinstance(children, (bool, int, float)):
        raise TypeError(
            "Value(data, _children, _op, label) takes the children as a tuple of Values "
            f"(micrograd's signature), got {type(children).__name__}; "
            "requires_grad is keyword-only: Value(x, requires_grad=False)"
        )
    if not isinstance(children, Iterable):
        raise TypeError(f"_children must be a tuple of Values, got {type(children).__name__}")
    try:
        parents = tuple(children)
    except TypeError:
        raise TypeError(
            f"_children must be a tuple of Values, got {type(children).__name__}"
        ) from None
    for p in parents:
        if not isinstance(p, MicrogradSurface):  # not a Value
            raise TypeError(f"_children must be Values, got a {type(p).__name__}")
    return parents
