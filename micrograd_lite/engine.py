"""`Value`: a scalar that remembers how it was computed, so it can be differentiated.

Every arithmetic operation on Values makes a new Value whose `parents` are its inputs
and whose `op` is the operation (from `micrograd_lite.ops`, where all the calculus
lives). Edges point from a result to its parents only, never back, so a graph holds no
reference cycles and is freed as soon as its output is dropped.
`Value.backward()` hands the graph to `micrograd_lite.autograd`.

micrograd's way of building a node works too: `Value(data, (a, b), '+')` has those
parents, and a `_backward` closure set on it is what `backward()` runs for that node.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from numbers import Real
from typing import TYPE_CHECKING, Any, Union

from micrograd_lite import grad_mode, ops
from micrograd_lite.ops import Op

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Value", "apply", "as_float", "mean", "sum"]

#: What may stand beside a Value in an expression: another Value or a real number.
Operand = Union["Value", float, int]

_mode = grad_mode.mode
_RECORD = grad_mode.RECORD
_OBSERVED = grad_mode.OBSERVED
_OBSERVED_RECORD = _OBSERVED | _RECORD  # grad enabled, and compile recording
_observer = grad_mode.observer
_created = itertools.count()  # numbers the Values in the order they are made
_ADD = ops.add
_MUL = ops.mul
_new = object.__new__


class Value:
    """A scalar node in a computation graph: its `data`, its `grad`, and how it was made."""

    # The parents live in the node itself (`_a`, `_b`), not in a tuple of their own, so
    # each node is one object for the garbage collector to track, not two. `_seq` is
    # the order of creation, which is the order backward visits results in (newest
    # first, as PyTorch's engine). `__dict__` lets a Value take extra attributes
    # (`p.m = 0.0`), a label and a user's `_backward` closure; it costs nothing until
    # the first such attribute is set.
    __slots__ = (
        "data",
        "grad",
        "op",
        "requires_grad",
        "_a",
        "_b",
        "_seq",
        "__dict__",
        "__weakref__",
    )

    data: float
    # None is accepted too, meaning "no gradient yet" (`w.grad = None`, as PyTorch code
    # writes, or `zero_grad(set_to_none=True)`): backward then starts that sum from
    # nothing. The annotation stays `float` so that `p.data -= lr * p.grad`, the line
    # every training loop has, type-checks without a None check first.
    grad: float
    op: Op | None
    requires_grad: bool
    _a: Any  # the first parent; for an op of any number of inputs, the tuple of them
    _b: Value  # the second parent of a two-input op
    _seq: int  # set on results of operations only: leaves need no place in the order
    label: str = ""  # most nodes have none, so it lives in __dict__ once set

    def __init__(
        self,
        data: float,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
        *,
        requires_grad: bool = True,
    ) -> None:
        number = as_float(data)
        if number is None:
            raise TypeError(_not_a_number_message(data))
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        if not isinstance(_op, str):
            raise TypeError(f"_op must be a str, the operation's symbol, got {type(_op).__name__}")
        parents = _children_of(_children)
        self.data = number
        self.grad = 0.0
        if label:
            self.label = label
        self.op = None
        self.requires_grad = bool(requires_grad)
        if parents:  # micrograd's node: a `_backward` closure set on it differentiates it
            grad_mode.check_observed(
                f"makes a node with Value(data, children, {_op!r}), whose _backward closure "
                "cannot be followed; define the operation with micrograd_lite.define_op"
            )
            recording = _mode.get() & _RECORD and any(p.requires_grad for p in parents)
            self.requires_grad = bool(requires_grad and recording)
            if self.requires_grad:
                self._a = parents
                self._seq = next(_created)
                self.op = _closure_op(_op)

    # -- what a node is --------------------------------------------------------------

    @property
    def is_leaf(self) -> bool:
        """True for Values made by the user (and by operations that recorded nothing)."""
        return self.op is None

    @property
    def grad_fn(self) -> Op | None:
        """The operation that made this Value, or None for a leaf."""
        return self.op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs this Value was computed from, in order (empty for a leaf)."""
        op = self.op
        if op is None:
            return ()
        if op.arity == 2:
            return (self._a, self._b)
        if op.arity == 1:
            return (self._a,)
        return self._a  # type: ignore[no-any-return]  # a tuple: any number of inputs

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the parents, as a set."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for the operation symbol ('' for a leaf)."""
        return "" if self.op is None else self.op.symbol

    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's step: pass this node's `.grad` on, adding into its parents' `.grad`.

        On a node an operation made, it applies that operation's rule; a closure set
        with `out._backward = fn` (micrograd's way of adding an op) replaces it.
        """
        from micrograd_lite.autograd import propagate

        closure: Callable[[], None] | None = vars(self).get("_backward")
        return closure if closure is not None else lambda: propagate(self)

    @_backward.setter
    def _backward(self, closure: Callable[[], None]) -> None:
        if not callable(closure):
            raise TypeError(f"_backward must be a function, got {type(closure).__name__}")
        # Kept in the instance's dict, which this property shadows for attribute lookup.
        vars(self)["_backward"] = closure
        if self.op is not None and not self.op.closure:
            self.op = _closure_op(self.op.symbol)  # the closure now differentiates this node

    def item(self) -> float:
        """The data, as a Python float."""
        return self.data

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        return self.data != 0.0

    def __format__(self, spec: str) -> str:
        # f"{v:.3f}" formats the data, as f"{tensor:.3f}" does in PyTorch.
        return format(self.data, spec) if spec else repr(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        if self.op is None:
            grad = "None" if self.grad is None else _short(self.grad)
            return f"Value(data={_short(self.data)}, grad={grad}{label})"
        return f"Value(data={_short(self.data)}, grad_fn={self.op!r}{label})"

    # -- grad modes ------------------------------------------------------------------

    def detach(self) -> Value:
        """A new leaf with the same data that does not require grad."""
        return Value(self.data, requires_grad=False)

    @staticmethod
    def __apply_op__(op: Op, inputs: tuple[Any, ...]) -> Value:
        """How an `Op` called with a Value among its inputs applies: it makes a node."""
        return apply(op, *inputs)

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        """Set whether this leaf requires grad; returns self."""
        if self.op is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; "
                "use v.detach() to get a Value that does not require grad"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self) -> None:
        """Set `grad` back to 0.0."""
        self.grad = 0.0

    def retain_grad(self) -> None:
        """Accepted for PyTorch code, and does nothing: every Value here already keeps
        this pass's gradient in `.grad`."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a Value that has requires_grad=False")

    @property
    def retains_grad(self) -> bool:
        """True for a result that requires grad, as in PyTorch after `retain_grad()`: its
        `.grad` holds this pass's gradient. False for leaves, whose `.grad` is theirs."""
        return self.op is not None and self.requires_grad

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise allow any attribute

        def __getattr__(self, name: str) -> Any:
            # Python calls this only when normal lookup has failed, so it costs nothing
            # on the normal path. It still raises AttributeError (hasattr stays False, so
            # duck typing, copy and pickle see what they expect), with a hint for the
            # names a PyTorch user reaches for.
            message = f"{type(self).__name__!r} object has no attribute {name!r}"
            hint = _MISSING_HINTS.get(name)
            raise AttributeError(message + (f": {hint}" if hint else ""), name=name, obj=self)

    def backward(
        self,
        gradient: float | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Add d(self)/d(leaf) * gradient to every leaf's `.grad` (gradient defaults to 1).

        PyTorch's signature: the graph is always kept, so `retain_graph` changes nothing;
        `create_graph=True` is refused, since `.grad` holds floats (use
        `micrograd_lite.grad(self, inputs, create_graph=True)`).
        """
        from micrograd_lite.autograd import backward

        backward(self, gradient, retain_graph, create_graph)

    # -- comparisons compare data; == stays identity so Values live in sets and dicts --

    def __lt__(self, other: Operand) -> bool:
        other_data = _data(other)
        if other_data is None:
            return NotImplemented
        return self.data < other_data

    def __le__(self, other: Operand) -> bool:
        other_data = _data(other)
        if other_data is None:
            return NotImplemented
        return self.data <= other_data

    def __gt__(self, other: Operand) -> bool:
        other_data = _data(other)
        if other_data is None:
            return NotImplemented
        return self.data > other_data

    def __ge__(self, other: Operand) -> bool:
        other_data = _data(other)
        if other_data is None:
            return NotImplemented
        return self.data >= other_data

    __hash__ = object.__hash__

    # -- operations: each is one line naming its Op; the calculus is in ops.py --------

    def __add__(self, other: Operand) -> Value:
        if (
            type(other) is Value
            and (self.requires_grad or other.requires_grad)
            and _mode.get() == _RECORD
        ):
            # Value + Value, the commonest operation: `_binary`'s fast path written out
            out = _new(Value)
            out.data = self.data + other.data  # ops.add's forward
            out.grad = 0.0
            out.op = _ADD
            out.requires_grad = True
            out._a = self
            out._b = other
            out._seq = next(_created)
            return out
        return _binary(ops.add, self, other)

    def __radd__(self, other: Operand) -> Value:  # other + self
        return _binary(ops.add, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(ops.sub, self, other)

    def __rsub__(self, other: Operand) -> Value:  # other - self
        return _binary(ops.rsub, other, self)

    def __mul__(self, other: Operand) -> Value:
        if (
            type(other) is Value
            and (self.requires_grad or other.requires_grad)
            and _mode.get() == _RECORD
        ):
            out = _new(Value)  # as in __add__
            out.data = self.data * other.data  # ops.mul's forward
            out.grad = 0.0
            out.op = _MUL
            out.requires_grad = True
            out._a = self
            out._b = other
            out._seq = next(_created)
            return out
        return _binary(ops.mul, self, other)

    def __rmul__(self, other: Operand) -> Value:  # other * self
        return _binary(ops.mul, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(ops.div, self, other)

    def __rtruediv__(self, other: Operand) -> Value:  # other / self
        return _binary(ops.rdiv, other, self)

    def __pow__(self, other: Operand) -> Value:
        return _binary(ops.pow_value if isinstance(other, Value) else ops.pow_number, self, other)

    def __rpow__(self, other: Operand) -> Value:  # other ** self
        return _binary(ops.rpow, other, self)

    def __neg__(self) -> Value:
        return _unary(ops.neg, self)

    def exp(self) -> Value:
        """e ** self."""
        return _unary(ops.exp, self)

    def log(self) -> Value:
        """Natural logarithm."""
        return _unary(ops.log, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(ops.tanh, self)

    def relu(self) -> Value:
        """max(self, 0)."""
        return _unary(ops.relu, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self)."""
        return _unary(ops.sigmoid, self)

    # -- in place: under no_grad update data and keep the object, else a new node -----

    def __iadd__(self, other: Operand) -> Value:
        return _in_place(ops.add, self, other)

    def __isub__(self, other: Operand) -> Value:
        return _in_place(ops.sub, self, other)

    def __imul__(self, other: Operand) -> Value:
        return _in_place(ops.mul, self, other)

    def __itruediv__(self, other: Operand) -> Value:
        return _in_place(ops.div, self, other)


_ONE_FLOAT = "a Value is one float; use v.item() (or v.data)"
_NO_DEVICE = "a Value is one Python float, on no device: there is nothing to move"
_SCALAR = "a Value is one float, like a 0-d tensor: it has no shape"

#: Hints for tensor attributes a Value does not have, keyed by name (see `__getattr__`).
_MISSING_HINTS = {
    "numpy": _ONE_FLOAT,
    "tolist": _ONE_FLOAT,
    "cpu": _NO_DEVICE,
    "cuda": _NO_DEVICE,
    "to": _NO_DEVICE,
    "device": _NO_DEVICE,
    "dtype": "a Value's data is a Python float (float64)",
    "shape": _SCALAR,
    "size": _SCALAR,
    "dim": _SCALAR,
    "ndim": _SCALAR,
    "register_hook": (
        "micrograd_lite has no hooks; read v.grad after backward(), "
        "or get gradients with micrograd_lite.grad(out, [v])"
    ),
}


def sum(values: Iterable[Operand]) -> Value:  # noqa: A001  # micrograd_lite.sum, like torch.sum
    """The sum of the values, as one node with every value as a parent."""
    return _apply_or(ops.sum_of, values, empty=0.0)


def mean(values: Iterable[Operand]) -> Value:
    """The mean of the values, as one node with every value as a parent."""
    return _apply_or(ops.mean_of, values, empty=math.nan)


# ---------------------------------------------------------------------------------------
# Making result nodes. These run once per operation, so they are kept short and direct.
# ---------------------------------------------------------------------------------------


def _node(data: float, parents: tuple[Value, ...], op: Op | None, requires_grad: bool) -> Value:
    """A new Value without the argument checks of `Value()`; `op` None makes a leaf."""
    out: Value = _new(Value)
    out.data = data
    out.grad = 0.0
    out.op = op
    out.requires_grad = requires_grad
    if op is not None:
        out._seq = next(_created)
        if op.arity == 2:
            out._a, out._b = parents
        elif op.arity == 1:
            (out._a,) = parents
        else:
            out._a = parents
    return out


def _operand(x: object) -> Value | None:
    """A Python number as a leaf that needs no gradient; a Value (of any subclass) as it
    is; None for anything else."""
    number = as_float(x)
    if number is not None:
        return _node(number, (), None, False)
    return x if isinstance(x, Value) else None


def as_float(x: object) -> float | None:
    """A real number as a float (an int too large for a float becomes ±inf, as in IEEE);
    None for anything else, Values included."""
    kind = type(x)
    if kind is float:
        return x  # type: ignore[return-value]  # checked just above; the common case
    if kind is not int and (not isinstance(x, Real) or isinstance(x, Value)):
        return None
    try:
        return float(x)  # type: ignore[arg-type]  # x is a real number here
    except OverflowError:  # e.g. 10**400
        return math.inf if x > 0 else -math.inf  # type: ignore[operator]


def _binary(op: Op, a: Any, b: Any) -> Value:
    if type(a) is not Value:  # a number, or a subclass of Value
        a = _operand(a)
        if a is None:
            return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
    if type(b) is not Value:
        b = _operand(b)
        if b is None:
            return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
    data = op.forward(a.data, b.data)
    requires_grad = a.requires_grad or b.requires_grad
    mode = _mode.get()
    if (mode == _RECORD and requires_grad) or mode == _OBSERVED_RECORD:
        out = _new(Value)  # the common cases: `_result` written out, two calls saved
        out.data = data
        out.grad = 0.0
        out.op = op
        out.requires_grad = requires_grad
        out._a = a
        out._b = b
        out._seq = next(_created)
        if mode != _RECORD:  # compile's recording sees every node, as `_result` says
            _observer.get().made(out)
        return out
    return _result(op, data, (a, b))


def _unary(op: Op, a: Value) -> Value:
    data = op.forward(a.data)
    requires_grad = a.requires_grad
    mode = _mode.get()
    if (mode == _RECORD and requires_grad) or mode == _OBSERVED_RECORD:
        out = _new(Value)  # as in `_binary`
        out.data = data
        out.grad = 0.0
        out.op = op
        out.requires_grad = requires_grad
        out._a = a
        out._seq = next(_created)
        if mode != _RECORD:
            _observer.get().made(out)
        return out
    return _result(op, data, (a,))


def _apply_or(op: Op, values: Iterable[object], empty: float) -> Value:
    """`apply(op, *values)`, or a constant `empty` when there are no values (sum, mean)."""
    inputs = list(values)
    return apply(op, *inputs) if inputs else _node(empty, (), None, False)


def apply(op: Op, *inputs: object) -> Value:
    """`op` applied to Values and real numbers: the node it makes, as `op(*inputs)` gives."""
    if op.closure:
        raise TypeError(f"{op.name()} belongs to nodes made with Value(data, children, op)")
    if op.arity and len(inputs) != op.arity:
        raise TypeError(f"{op.name()} takes {op.arity} inputs, got {len(inputs)}")
    parents = _operands(op, inputs)
    if not parents:
        raise TypeError(f"{op.name()} takes at least one input")
    return _result(op, op.forward(*[p.data for p in parents]), parents)


def _operands(op: Op, values: Iterable[object]) -> tuple[Value, ...]:
    parents = []
    for x in values:
        if type(x) is not Value:  # a number, or a subclass of Value
            v = _operand(x)
            if v is None:
                got = type(x).__name__
                raise TypeError(f"{op.name()} takes Values and real numbers, got {got}")
            x = v
        parents.append(x)
    return tuple(parents)


def _result(op: Op, data: float, parents: tuple[Value, ...]) -> Value:
    """The general case: check anomalies, and record only when grad mode says so."""
    mode = _mode.get()
    if mode & grad_mode.ANOMALY and not math.isfinite(data):
        from micrograd_lite.autograd import anomaly_error

        raise anomaly_error(op, "forward", data, parents)
    if mode & _OBSERVED:  # an observer sees every edge, even between constants
        out = _node(
            data, parents, op, bool(mode & _RECORD) and any(p.requires_grad for p in parents)
        )
        grad_mode.observer.get().made(out)
        return out
    if mode & _RECORD and any(p.requires_grad for p in parents):
        return _node(data, parents, op, True)
    return _node(data, (), None, False)


def _in_place(op: Op, a: Value, b: Operand) -> Value:
    """`a op= b`: under no_grad, change `a.data` and keep the object; with grad enabled, a
    new node (so `loss += term` keeps its graph), except on a leaf that requires grad."""
    mode = _mode.get()
    if mode & _RECORD:
        if a.op is None and a.requires_grad and _data(b) is not None:
            # A new node would rebind the name and leave the parameter as it was: the
            # silent `for p in model.parameters(): p -= lr * p.grad`. PyTorch refuses it.
            raise RuntimeError(
                "a leaf Value that requires grad is being used in an in-place operation "
                f"({op.symbol}=); update it inside `with micrograd_lite.no_grad():` as in "
                "PyTorch, or change its .data"
            )
        return _binary(op, a, b)  # a new node, so `loss += term` keeps its graph
    grad_mode.check_observed(f"changes a Value in place with {op.symbol}= under no_grad")
    b_data = _data(b)
    if b_data is None:
        return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
    a.data = op.forward(a.data, b_data)
    return a


_closure_ops: dict[str, Op] = {}


def _closure_op(symbol: str) -> Op:
    """The `grad_fn` of nodes made with `Value(data, children, symbol)`: one per symbol."""
    op = _closure_ops.get(symbol)
    if op is None:
        op = _closure_ops[symbol] = Op(
            "closure", "BackwardClosure", symbol, 0, _closure_forward, _closure_rule, closure=True
        )
    return op


def _closure_forward(*inputs: float) -> float:
    raise TypeError("a node made with Value(data, children, op) has no forward to apply")


def _closure_rule(g: float, out: float, *inputs: float) -> tuple[float, ...]:
    raise TypeError("a node made with Value(data, children, op) runs its _backward closure")


def _children_of(children: object) -> tuple[Value, ...]:
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
        if not isinstance(p, Value):
            raise TypeError(f"_children must be Values, got a {type(p).__name__}")
    return parents


def _data(x: object) -> float | None:
    """The float in a Value or a real number; None for anything else."""
    if isinstance(x, Value):
        return x.data
    return as_float(x)


def _short(x: float) -> str:
    """A float for repr: at most four decimals, scientific for very large or small."""
    if x == 0.0 or not math.isfinite(x) or 1e-4 <= abs(x) < 1e16:
        return repr(round(x, 4)) if math.isfinite(x) else repr(x)
    return f"{x:.4e}"


def _not_a_number_message(x: object) -> str:
    message = f"Value() takes a real number (int, float, bool, Fraction), got {type(x).__name__}"
    if isinstance(x, Value):
        message += "; to make a new leaf from a Value use v.detach() (or Value(v.data))"
    return message
