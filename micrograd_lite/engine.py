"""`Value`: a scalar that remembers how it was computed, so it can be differentiated.

Every arithmetic operation on Values makes a new Value whose `parents` are its inputs
and whose `op` is the operation (from `micrograd_lite.ops`, where all the calculus
lives). Edges point from a result to its parents only, never back, so a graph holds no
reference cycles and is freed as soon as its output is dropped.
`Value.backward()` hands the graph to `micrograd_lite.autograd`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import TYPE_CHECKING, Union

from micrograd_lite import grad_mode, ops
from micrograd_lite.ops import Op

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Value", "mean", "sum"]

#: What may stand beside a Value in an expression: another Value or a real number.
Operand = Union["Value", float, int]

_mode = grad_mode.mode
_RECORD = grad_mode.RECORD
_new = object.__new__


class Value:
    """A scalar node in a computation graph: its `data`, its `grad`, and how it was made."""

    __slots__ = ("data", "grad", "parents", "op", "requires_grad", "label", "__weakref__")

    data: float
    grad: float
    parents: tuple[Value, ...]
    op: Op | None
    requires_grad: bool
    label: str

    def __init__(self, data: float, requires_grad: bool = True, label: str = "") -> None:
        number = _as_float(data)
        if number is None:
            raise TypeError(_not_a_number_message(data))
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self.data = number
        self.grad = 0.0
        self.parents = ()
        self.op = None
        self.requires_grad = bool(requires_grad)
        self.label = label

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
    def _prev(self) -> set[Value]:
        """micrograd's name for the parents, as a set."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for the operation symbol ('' for a leaf)."""
        return "" if self.op is None else self.op.symbol

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
            return f"Value(data={_short(self.data)}, grad={_short(self.grad)}{label})"
        return f"Value(data={_short(self.data)}, grad_fn={self.op!r}{label})"

    # -- grad modes ------------------------------------------------------------------

    def detach(self) -> Value:
        """A new leaf with the same data that does not require grad."""
        return Value(self.data, requires_grad=False)

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

    def backward(self, gradient: float | None = None) -> None:
        """Add d(self)/d(leaf) * gradient to every leaf's `.grad` (gradient defaults to 1)."""
        from micrograd_lite.autograd import backward

        backward([self], None if gradient is None else [gradient])

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
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: Operand) -> Value:  # other + self
        return _binary(ops.ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:  # other - self
        return _binary(ops.RSUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:  # other * self
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:  # other / self
        return _binary(ops.DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        return _binary(ops.POW_VALUE if type(other) is Value else ops.POW, self, other)

    def __rpow__(self, other: Operand) -> Value:  # other ** self
        return _binary(ops.RPOW, other, self)

    def __neg__(self) -> Value:
        return _unary(ops.NEG, self)

    def exp(self) -> Value:
        """e ** self."""
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        """Natural logarithm."""
        return _unary(ops.LOG, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(ops.TANH, self)

    def relu(self) -> Value:
        """max(self, 0)."""
        return _unary(ops.RELU, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self)."""
        return _unary(ops.SIGMOID, self)

    # -- in place: under no_grad update data and keep the object, else a new node -----

    def __iadd__(self, other: Operand) -> Value:
        return _in_place(ops.ADD, self, other)

    def __isub__(self, other: Operand) -> Value:
        return _in_place(ops.SUB, self, other)

    def __imul__(self, other: Operand) -> Value:
        return _in_place(ops.MUL, self, other)

    def __itruediv__(self, other: Operand) -> Value:
        return _in_place(ops.DIV, self, other)


def sum(values: Iterable[Operand]) -> Value:  # noqa: A001  # micrograd_lite.sum, like torch.sum
    """The sum of the values, as one node with every value as a parent."""
    return _nary(ops.SUM, values, empty=0.0)


def mean(values: Iterable[Operand]) -> Value:
    """The mean of the values, as one node with every value as a parent."""
    return _nary(ops.MEAN, values, empty=math.nan)


# ---------------------------------------------------------------------------------------
# Making result nodes. These run once per operation, so they are kept short and direct.
# ---------------------------------------------------------------------------------------


def _node(data: float, parents: tuple[Value, ...], op: Op | None, requires_grad: bool) -> Value:
    """A new Value without the argument checks of `Value()`."""
    out: Value = _new(Value)
    out.data = data
    out.grad = 0.0
    out.parents = parents
    out.op = op
    out.requires_grad = requires_grad
    out.label = ""
    return out


def _constant(x: object) -> Value | None:
    """A Python number in an expression becomes a leaf that needs no gradient."""
    number = _as_float(x)
    if number is None:
        return None
    return _node(number, (), None, False)


def _as_float(x: object) -> float | None:
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


def _binary(op: Op, a: object, b: object) -> Value:
    if type(a) is not Value:
        a = _constant(a)
        if a is None:
            return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
    if type(b) is not Value:
        b = _constant(b)
        if b is None:
            return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
    assert isinstance(a, Value)  # for mypy; free under -O
    assert isinstance(b, Value)
    data = op.forward(a.data, b.data)
    if (a.requires_grad or b.requires_grad) and _mode.get() == _RECORD:
        return _node(data, (a, b), op, True)  # the common case, kept short
    return _result(op, data, (a, b))


def _unary(op: Op, a: Value) -> Value:
    data = op.forward(a.data)
    if a.requires_grad and _mode.get() == _RECORD:
        return _node(data, (a,), op, True)
    return _result(op, data, (a,))


def _nary(op: Op, values: Iterable[Operand], empty: float) -> Value:
    parents = []
    for v in values:
        if type(v) is not Value:
            c = _constant(v)
            if c is None:
                got = type(v).__name__
                raise TypeError(f"{op.name()} takes Values and real numbers, got {got}")
            v = c
        parents.append(v)
    if not parents:
        return _node(empty, (), None, False)
    return _result(op, op.forward(*[p.data for p in parents]), tuple(parents))


def _result(op: Op, data: float, parents: tuple[Value, ...]) -> Value:
    """The general case: check anomalies, and record only when grad mode says so."""
    mode = _mode.get()
    if mode & grad_mode.ANOMALY and not math.isfinite(data):
        from micrograd_lite.autograd import anomaly_error

        raise anomaly_error(op, "forward", data, parents)
    if mode & grad_mode.TRACE:  # compile is recording: keep every edge, even between data
        out = _node(
            data, parents, op, bool(mode & _RECORD) and any(p.requires_grad for p in parents)
        )
        grad_mode.traced.get().append(out)
        return out
    if mode & _RECORD and any(p.requires_grad for p in parents):
        return _node(data, parents, op, True)
    return _node(data, (), None, False)


def _in_place(op: Op, a: Value, b: Operand) -> Value:
    mode = _mode.get()
    if mode & _RECORD:
        return _binary(op, a, b)  # a new node, so `loss += term` keeps its graph
    if mode & grad_mode.TRACE:
        from micrograd_lite.compiler.recording import refuse

        raise refuse(f"changes a Value in place with {op.symbol}= under no_grad")
    b_data = _data(b)
    if b_data is None:
        return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
    a.data = op.forward(a.data, b_data)
    return a


def _data(x: object) -> float | None:
    """The float in a Value or a real number; None for anything else."""
    if type(x) is Value:
        return x.data
    return _as_float(x)


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
