"""`Value`: a scalar that remembers how it was computed, and the backward pass over it.

Every operation on Values makes a new Value, a node whose `op` is the operation (from
`micrograd_lite.ops`, where each op's forward and derivative rule sit side by side) and
whose parents are its inputs. Edges point from a result to its parents only, never
back, so a graph holds no reference cycles and is freed as soon as its output is dropped.

Read in this order (the README's "How it works" gives the lines): the names the engine
keeps, `_operation`, which builds the one function that makes every node, `Value` and its
operations, then `backward`, `backward_pass`, `graph_below`, `start_pass` and
`chain_rule`, the one loop that calls each node's rule.
"""

from __future__ import annotations

import itertools
import math
import operator
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any, ClassVar, Union

from micrograd_lite import grad_mode, ops
from micrograd_lite.compat import (
    MicrogradSurface,
    children_of,
    make_node,
    node_form,
    with_local_grads,
)
from micrograd_lite.floats import as_float
from micrograd_lite.formatting import describe, not_a_number_message
from micrograd_lite.freeing import free_without_recursing
from micrograd_lite.ops import Op
from micrograd_lite.tensor_only import TensorOnlyNames

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "NO_GRAPH_REASONS",
    "Value",
    "apply",
    "as_float",
    "as_values",
    "backward",
    "backward_pass",
    "chain_rule",
    "check_flags",
    "check_seeds",
    "check_backward",
    "closure_grads",
    "graph_below",
    "in_mode",
    "keep_parents",
    "made_at",
    "refuse_in_a_trace",
    "tell_subclass",
    "mean",
    "pass_lock",
    "put_back_grads",
    "seed_list",
    "start_pass",
    "sum",
]

#: What may stand beside a Value in an expression: another Value or a real number.
Operand = Union["Value", float, int]
#: The types of Value's operations: `v + 2` and `-v` as mypy and editors see them.
Binary = Callable[["Value", Operand], "Value"]
Unary = Callable[["Value"], "Value"]
#: One Value, or a sequence of them: what `outputs` and `inputs` may be.
Values = Union["Value", Sequence["Value"]]
#: The gradients to start from: one number (or Value) for one output, or one per output.
Seeds = Union[float, "Value", Sequence[Union[float, "Value"]]]
#: One backward pass at a time: a pass keeps its sums in the nodes' `.grad`.
pass_lock = threading.RLock()

_get_mode = grad_mode.mode.get  # the grad mode of this thread: which of these bits are set
_RECORD = grad_mode.RECORD  # operations record their parents
_ANOMALY = grad_mode.ANOMALY  # operations check their results for nan and inf
_created = itertools.count()  # numbers the results in the order they are made
_next_seq = _created.__next__
_creation = operator.attrgetter("_seq")  # a result's number: newest first sorts by it
_new = object.__new__  # makes a node without running `__init__`, for speed
#: A new Value's `.grad`, as micrograd's, 0.0; like PyTorch's None, a first gradient
#: replaces it (a -0.0 keeps its sign) where a later 0.0 is added to. Told by `is`.
UNTOUCHED = float("0.0")


# ---------------------------------------------------------------------------------------
# The one node-maker: `Value`'s operations are functions built here.
# ---------------------------------------------------------------------------------------


def _operation(op: Op, doc: str = "", reflected: bool = False) -> Any:
    """The function that applies `op`, as a method of `Value` (`__mul__ = _operation(ops.mul)`).

    Its body, `apply_op`, makes every node; a grad mode other than plain recording
    (`no_grad`, `detect_anomaly`) then has its say, in `in_mode`, and so does a subclass
    of Value among the inputs that watches the nodes made from it (`tell_subclass`).
    """

    arity = op.arity  # fixed for an op; its forward and rule are read when used

    def apply_op(a: Any, b: Any = None) -> Value:
        # The inputs: `a` and `b` for an op of two (each a Value or a real number, which
        # is a constant), `a` alone for an op of one, `a` the tuple of them for any number.
        plain = True  # every input exactly a Value: no subclass to tell of the node
        if arity == 2:
            if type(a) is not Value:  # a number, or a subclass of Value
                a = _operand(a)
                if a is None:
                    return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
                plain = type(a) is Value  # a number is now a constant Value: no subclass
            if type(b) is not Value:
                b = _operand(b)
                if b is None:
                    return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
                plain = plain and type(b) is Value
            data = op.forward(a._data, b._data)
            requires_grad = a.requires_grad or b.requires_grad
        elif arity == 1:
            plain = type(a) is Value
            data = op.forward(a._data)
            requires_grad = a.requires_grad
        else:  # from `apply`, which has seen every input's type and tells a subclass itself
            data = op.forward(*[p._data for p in a])
            requires_grad = any([p.requires_grad for p in a])
        out = _new(Value)
        out._data = data
        out._grad = UNTOUCHED
        out.requires_grad = requires_grad
        out._seq = _next_seq()
        if requires_grad:
            out.op = op
            out._a = a
            out._b = b
        else:
            out.op = None  # a leaf: nothing to differentiate through
        if _get_mode() != _RECORD:  # no_grad or detect_anomaly: rare
            in_mode(out, op, a, b)
        if not plain:  # a subclass of Value among the inputs: it may watch the node
            tell_subclass(out, op, (a, b) if arity == 2 else (a,) if arity == 1 else a)
        return out

    if reflected:  # `other op self`: Python calls the right operand's method

        def apply_reflected(self: Value, other: Any) -> Value:
            return apply_op(other, self)

        apply_reflected.__doc__ = doc
        return apply_reflected
    apply_op.__doc__ = doc
    return apply_op


_pow_number: Binary = _operation(ops.pow_number)  # `v ** 2`
_pow_value: Binary = _operation(ops.pow_value)  # `v ** w`


class Value(MicrogradSurface, TensorOnlyNames):
    """A scalar node in a computation graph: its `data`, its `grad`, and how it was made."""

    # A result keeps its op and parents in itself (`_a` and `_b` for ops of one and two
    # inputs, `_a` the tuple of them for any number): one object for the collector.
    # `_seq` numbers results as made, the order backward visits them in, newest first.
    # `__dict__` takes a label and extra attributes (`p.m = 0.0`) at no cost until used.
    __slots__ = (
        "_data",
        "_grad",
        "op",
        "requires_grad",
        "_a",
        "_b",
        "_seq",
        "__dict__",
        "__weakref__",
    )

    _data: float
    _grad: float  # or None, "no gradient yet" (`zero_grad(set_to_none=True)`)
    op: Op | None  # the operation that made this Value; None for a leaf
    requires_grad: bool
    _a: Any
    _b: Any
    _seq: int
    label: str = ""

    # -- operations: each is its op, applied; the calculus is in ops.py --------------

    __add__: ClassVar[Binary] = _operation(ops.add)
    __radd__: ClassVar[Binary] = _operation(ops.add, reflected=True)  # other + self
    __sub__: ClassVar[Binary] = _operation(ops.sub)
    __rsub__: ClassVar[Binary] = _operation(ops.rsub, reflected=True)  # other - self
    __mul__: ClassVar[Binary] = _operation(ops.mul)
    __rmul__: ClassVar[Binary] = _operation(ops.mul, reflected=True)  # other * self
    __truediv__: ClassVar[Binary] = _operation(ops.div)
    __rtruediv__: ClassVar[Binary] = _operation(ops.rdiv, reflected=True)  # other / self
    __rpow__: ClassVar[Binary] = _operation(ops.rpow, reflected=True)  # other ** self
    __neg__: ClassVar[Unary] = _operation(ops.neg)
    exp: ClassVar[Unary] = _operation(ops.exp, "e ** self.")
    log: ClassVar[Unary] = _operation(ops.log, "Natural logarithm.")
    tanh: ClassVar[Unary] = _operation(ops.tanh, "Hyperbolic tangent.")
    relu: ClassVar[Unary] = _operation(ops.relu, "max(self, 0).")
    sigmoid: ClassVar[Unary] = _operation(ops.sigmoid, "1 / (1 + e ** -self).")
    abs: ClassVar[Unary] = _operation(ops.abs_of, "|self|, as abs(v).")
    __abs__: ClassVar[Unary] = _operation(ops.abs_of)
    sqrt: ClassVar[Unary] = _operation(ops.sqrt, "Square root.")
    sin: ClassVar[Unary] = _operation(ops.sin, "Sine.")
    cos: ClassVar[Unary] = _operation(ops.cos, "Cosine.")

    def __pow__(self, other: Operand) -> Value:  # a number exponent and a Value one differ
        return (_pow_value if isinstance(other, Value) else _pow_number)(self, other)

    def backward(
        self,
        gradient: float | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Add d(self)/d(leaf) * gradient (1 by default) to every leaf's `.grad`, as PyTorch.

        The graph is always kept, so `retain_graph` changes nothing; `create_graph=True`
        is refused, since `.grad` holds floats (`grad(create_graph=True)` does it).
        """
        backward(self, one_gradient(gradient), retain_graph, create_graph)

    # -- a leaf, made by the user (micrograd's and microgpt's node forms too) ----------

    def __init__(
        self,
        data: float,
        _children: Iterable[Value] = (),
        _op: str | Sequence[float] = "",
        label: str = "",
        *,
        requires_grad: bool = True,
    ) -> None:
        number = as_float(data)
        if number is None:
            raise TypeError(not_a_number_message(data, isinstance(data, Value)))
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        if not isinstance(_op, str):  # microgpt's `Value(data, children, local_grads)`
            _children, _op = with_local_grads(_children, _op)
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad must be True or False, got {requires_grad!r}")
        self._data = number
        self._grad = UNTOUCHED
        self.op = None
        self.requires_grad = requires_grad
        if label:
            self.label = label
        parents = children_of(_children)
        if parents:  # micrograd's and microgpt's nodes: a tracer may refuse them
            refuse_in_a_trace(parents, node_form(_op))
        if parents and make_node(self, parents, _op):
            self._seq = _next_seq()

    def _pass_gradient_on(self) -> None:
        """micrograd's `_backward()` on a node an op made: the chain rule's step for this
        node alone, from its `.grad` into its parents' (nothing yet: nothing passed on)."""
        if self._grad is not None:
            for _ in chain_rule([self]):
                pass

    # -- what a node is --------------------------------------------------------------

    @property
    def data(self) -> float:
        """The number this Value holds."""
        return self._data

    @data.setter
    def data(self, x: float) -> None:
        self._data = _number_for("data", x)

    @property
    def grad(self) -> float:
        """d(output)/d(self) after `backward()`; accumulates across passes on leaves."""
        return self._grad  # None after `zero_grad(set_to_none=True)`, typed float for `p.grad` math

    @grad.setter
    def grad(self, x: float | None) -> None:
        self._grad = None if x is None else _number_for("grad", x)  # type: ignore[assignment]

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

    def item(self) -> float:
        """The data, as a Python float."""
        return self._data

    def __float__(self) -> float:
        return self._data

    def __bool__(self) -> bool:
        return self._data != 0.0

    def __format__(self, spec: str) -> str:
        # f"{v:.3f}" formats the data, as f"{tensor:.3f}" does in PyTorch.
        return format(self._data, spec) if spec else describe(self)

    def __repr__(self) -> str:
        return describe(self)

    # -- comparisons compare data; == stays identity so Values live in sets and dicts --

    def __lt__(self, other: Operand) -> bool:
        return _compare(self, "<", other)

    def __le__(self, other: Operand) -> bool:
        return _compare(self, "<=", other)

    def __gt__(self, other: Operand) -> bool:
        return _compare(self, ">", other)

    def __ge__(self, other: Operand) -> bool:
        return _compare(self, ">=", other)

    __hash__ = object.__hash__

    # -- grad modes ------------------------------------------------------------------

    def detach(self) -> Value:
        """A new leaf with the same data that does not require grad."""
        return _constant(self._data)

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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle and copy a Value as a leaf holding its data, grad and attributes (those
        in `__dict__` and in a subclass's `__slots__`), as PyTorch pickles a tensor: a
        result's graph, and a `_backward` closure, stay behind. A subclass's own
        `__getstate__` gives the state instead (its `__setstate__` then takes it back)."""
        fresh = self._grad is UNTOUCHED  # no gradient yet: a first one replaces it
        leaf = (_leaf_from, (type(self), self.data, self.grad, self.requires_grad, fresh))
        own_state = getattr(type(self), "__getstate__", None)
        if own_state is not getattr(object, "__getstate__", None):  # Python 3.11 has a default
            return (*leaf, own_state(self))  # type: ignore[misc]  # a subclass's method
        state = {k: v for k, v in vars(self).items() if k != "_backward"}
        slots = {name: getattr(self, name) for name in _slots_of(type(self)) if hasattr(self, name)}
        return (*leaf, (state, slots) if slots else state)  # pickle and copy set slots one by one

    # -- in place: under no_grad update data and keep the object, else a new node -----

    def __iadd__(self, other: Operand) -> Value:
        return _in_place(ops.add, self, other, accumulates=True)

    def __isub__(self, other: Operand) -> Value:
        return _in_place(ops.sub, self, other)

    def __imul__(self, other: Operand) -> Value:
        return _in_place(ops.mul, self, other)

    def __itruediv__(self, other: Operand) -> Value:
        return _in_place(ops.div, self, other)

    def __ipow__(self, other: Operand) -> Value:  # else Python makes `w **= 2` a new Value
        return _in_place(ops.pow_value if isinstance(other, Value) else ops.pow_number, self, other)


# ---------------------------------------------------------------------------------------
# The backward loop.
# ---------------------------------------------------------------------------------------


def backward(
    outputs: Values,
    grad_outputs: Seeds | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Add d(outputs · grad_outputs)/d(leaf) to each leaf's `.grad`, as `torch.autograd.backward`.

    `outputs` is one Value or several; `grad_outputs`, one number per output, defaults to
    1 for one output. Its arguments are checked before anything changes.
    """
    outputs, seeds = check_call(outputs, grad_outputs, retain_graph, create_graph)
    with pass_lock:  # one pass at a time: a pass keeps its sums in the nodes' `.grad`
        backward_pass(outputs, seeds)


def backward_pass(outputs: Sequence[Value], seeds: Sequence[float]) -> None:
    """Add d(outputs · seeds)/d(leaf) into each leaf's `.grad` by `chain_rule`, summing a
    leaf's gradients first, as PyTorch. A result's `.grad` holds this pass's gradient. If
    anything fails part-way (a rule, `detect_anomaly`, Ctrl-C), every `.grad` is put back.
    """
    results, leaves = graph_below(outputs)
    before = [v._grad for v in results]
    before_leaves = [v._grad for v in leaves]
    try:
        start_pass(results, leaves, outputs, seeds)
        checking = bool(_get_mode() & _ANOMALY)  # detect_anomaly: each step checked
        for node, given in chain_rule(results, steps=checking):
            check_backward(node, given)
        for leaf, old in zip(leaves, before_leaves):
            if old is not None and old is not UNTOUCHED:  # PyTorch adds into a .grad that
                leaf._grad = old + leaf._grad  # exists: 0.0 + -0.0 is 0.0
    except BaseException:
        put_back_grads((results, before), (leaves, before_leaves))
        raise


def graph_below(roots: Sequence[Value]) -> tuple[list[Value], list[Value]]:
    """What backward visits below `roots`: the results that require grad, newest first
    (PyTorch's engine order), and the leaves that require grad. A node is made after its
    parents, so newest first is a topological order: each node after all that use it.
    """
    results: list[Value] = []
    leaves: list[Value] = []
    stack = [root for root in dict.fromkeys(roots) if root.requires_grad]
    seen = set(stack)  # every node found so far, so each is taken once
    while stack:
        v = stack.pop()
        if v.op is None:
            leaves.append(v)
            continue
        results.append(v)
        if v.op.arity == 2:  # most nodes: their two parents, written out for speed
            a, b = v._a, v._b
            if a.requires_grad and a not in seen:
                seen.add(a)
                stack.append(a)
            if b.requires_grad and b not in seen:
                seen.add(b)
                stack.append(b)
            continue
        for p in (v._a,) if v.op.arity == 1 else v._a:
            if p.requires_grad and p not in seen:
                seen.add(p)
                stack.append(p)
    results.sort(key=_creation, reverse=True)
    return results, leaves


def start_pass(
    results: Sequence[Value],
    leaves: Sequence[Value],
    outputs: Sequence[Value],
    seeds: Sequence[Any],
    start: float | None = -0.0,
) -> None:
    """Set every `.grad` the pass fills to `start`, then add each output's seed: -0.0,
    which adding leaves as it is, or None ("nothing yet") where gradients are Values."""
    for v in results:
        v._grad = start  # type: ignore[assignment]  # None: nothing has reached it yet
    for v in leaves:
        v._grad = start  # type: ignore[assignment]
    for output, seed in zip(outputs, seeds):
        old = output._grad
        output._grad = seed if old is None else old + seed


def chain_rule(
    results: Sequence[Value], create_graph: bool = False, steps: bool = False
) -> Iterator[tuple[Value, Sequence[Any]]]:
    """The chain rule: each result, newest first, hands its gradient (its `.grad`) to its
    op's rule and adds what comes back into its parents' `.grad`. The one pass, which
    `backward()`, `grad()` and the stepper run. With `create_graph` the rules work on
    Values, so the gradients can be differentiated again; with `steps` it yields each
    node and what its parents were given."""
    given: Sequence[Any]  # what the node's rule gives each parent
    for node in results:
        op: Op = node.op  # type: ignore[assignment]  # results always have an op
        g = node._grad
        if op.arity == 2 and not create_graph:  # most nodes: written out, for speed
            a, b = node._a, node._b
            grad_a, grad_b = given = op.rule(g, node._data, a._data, b._data)
            if a.requires_grad:
                old = a._grad
                a._grad = grad_a if old is None else old + grad_a
            if b.requires_grad:
                old = b._grad
                b._grad = grad_b if old is None else old + grad_b
        else:  # one input, any number, or micrograd's closure: the general form
            parents = node.parents
            if op.closure:  # micrograd's node: its `_backward` closure gives the numbers
                given = closure_grads(node, parents, create_graph)
            elif create_graph:
                given = op.rule(g, node, *parents)
            else:
                given = op.rule(g, node._data, *[p._data for p in parents])
            for parent, grad in zip(parents, given):
                if parent.requires_grad:
                    old = parent._grad
                    parent._grad = grad if old is None else old + grad
        if steps:
            yield node, given


def closure_grads(
    node: Value, parents: Sequence[Value], create_graph: bool = False
) -> tuple[float, ...]:
    """What a micrograd node's `_backward` closure passes to each parent: it is run with
    the parents' `.grad` set to -0.0, and each is put back afterwards. All of a parent's
    gradient goes to its first place among the inputs (x * x has one `.grad`), and the
    pass adds it as it adds any rule's (a constant parent gets none, as in PyTorch)."""
    if create_graph:
        raise RuntimeError(
            f"grad(create_graph=True) cannot differentiate the {node._op!r} node made with "
            "Value(data, children, op): its _backward closure works on floats. Define the "
            "operation with micrograd_lite.define_op, whose rule also works on Values."
        )
    unique = list(dict.fromkeys(parents))
    saved = [p._grad for p in unique]
    try:
        for p in unique:
            p._grad = -0.0
        node._backward()
        reached = {p: p._grad for p in unique}
        put_back_grads((unique, saved))  # in the `try`: a Ctrl-C here puts back again
    except BaseException:
        put_back_grads((unique, saved))
        raise
    first = {p: i for i, p in reversed(list(enumerate(parents)))}
    return tuple(reached[p] if first[p] == i else 0.0 for i, p in enumerate(parents))


def put_back_grads(*saved: tuple[Sequence[Value], Sequence[float | None]]) -> None:
    """Set each Value's `.grad` back to the one saved beside it (Values, then their old
    `.grad`s, in each pair), after a failed pass.

    A second Ctrl-C landing here would leave the job half-done, so one that does starts
    it again; once every `.grad` is back, the interruption is raised.
    """
    interrupted: BaseException | None = None
    while True:
        try:
            for values, grads in saved:
                for v, old in zip(values, grads):
                    v._grad = old  # type: ignore[assignment]  # None: "no gradient yet"
            break
        except BaseException as error:  # a Ctrl-C: start again
            interrupted = interrupted or error
    if interrupted is not None:
        raise interrupted


def creation_mark() -> int:
    """A number below every result made from now on, above every one made before."""
    return _next_seq()


def made_at(v: Value) -> int:
    """The number an operation gave `v` when it made it (-1 for a Value made with
    `Value(...)`): results made later have higher ones."""
    return getattr(v, "_seq", -1)


def made_after(v: Value, mark: int) -> bool:
    """Whether an operation made `v` after `creation_mark()` gave `mark` (a Value made
    with `Value(...)` has no such number: False)."""
    return getattr(v, "_seq", -1) > mark


# ---------------------------------------------------------------------------------------
# The pass's entry: `backward()`, with the outputs and their seeds checked in one place.
# ---------------------------------------------------------------------------------------


#: Why a Value that does not require grad has no graph, where the function that made it
#: knows; `backward()` on one gives the reason.
NO_GRAPH_REASONS: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()


def one_gradient(gradient: object) -> Any:
    """`v.backward(gradient)`'s gradient: one number (or Value), as for a 0-d tensor."""
    if gradient is not None and not isinstance(gradient, Value) and as_float(gradient) is None:
        # A list here would read as one gradient per output; a Value is one output.
        raise TypeError(
            "backward(gradient) takes one number, the gradient of this Value (a scalar, "
            f"like a 0-d tensor), got {type(gradient).__name__}: write v.backward(2.0), "
            "or micrograd_lite.backward([a, b], [1.0, 2.0]) for several outputs"
        )
    return gradient


def check_call(
    outputs: Values, grad_outputs: Seeds | None, retain_graph: object, create_graph: object
) -> tuple[list[Value], list[float]]:
    """`backward()`'s arguments, checked before anything changes: its outputs and seeds
    (`check_seeds`), PyTorch's flags, and no traced output whose tracer refuses it."""
    refuse_in_a_trace(outputs, "calls backward()")
    check_flags(retain_graph, create_graph)
    if create_graph:
        raise ValueError(
            "backward(create_graph=True) is not supported: .grad holds floats. For gradients "
            "you can differentiate again, use micrograd_lite.grad(outputs, inputs, "
            "create_graph=True)"
        )
    return check_seeds(outputs, grad_outputs, "backward")


def refuse_in_a_trace(values: object, action: str) -> None:
    """Let a subclass of Value among `values` that refuses actions (`__refuse__(action)`:
    a tracer's Values) refuse `action`, e.g. "calls backward()"."""
    for v in [values] if isinstance(values, Value) else values:  # type: ignore[attr-defined]
        refuse = getattr(type(v), "__refuse__", None)
        if refuse is not None:
            refuse(action)


def as_values(values: object, caller: str, what: str) -> list[Value]:
    """One Value, or an iterable of them, as a list (the items are checked by the caller)."""
    if isinstance(values, Value):
        return [values]
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(
            f"{caller}() {what} must be a Value or a list of Values, got {type(values).__name__}"
        )
    return list(values)


def check_flags(retain_graph: object, create_graph: object) -> None:
    """PyTorch's flags must be bools (a string such as "no" would read as true)."""
    if retain_graph is not None and not isinstance(retain_graph, bool):
        raise TypeError(
            f"retain_graph must be True, False or None, got {type(retain_graph).__name__}"
        )
    if not isinstance(create_graph, bool):
        raise TypeError(f"create_graph must be True or False, got {type(create_graph).__name__}")


def check_seeds(
    outputs: Values,
    grad_outputs: Seeds | None,
    caller: str,
    allow_values: bool = False,
) -> tuple[list[Value], list[float]]:
    """The outputs and their seed gradients, checked before anything is changed: the one
    place `backward()`, `Value.backward` and `grad()` check them."""
    outputs = as_values(outputs, caller, "outputs")
    if not outputs:
        example = "backward(loss)" if caller == "backward" else "grad(loss, [w, b])"
        raise ValueError(
            f"`outputs` argument to `{caller}()` cannot be empty: give the Values to "
            f"differentiate, e.g. {example}"
        )
    for out in outputs:
        if not isinstance(out, Value):
            raise TypeError(f"{caller}() outputs must be Values, got {type(out).__name__}")
        if not out.requires_grad:
            reason = NO_GRAPH_REASONS.get(out)
            raise RuntimeError(
                f"element {outputs.index(out)} of the outputs does not require grad and "
                "does not have a grad_fn" + (f"; {reason}" if reason else "")
            )
    return outputs, seed_list(len(outputs), grad_outputs, caller, allow_values)


def seed_list(
    count: int,
    grad_outputs: object,
    caller: str,
    allow_values: bool = False,
    returns: str = "",
) -> list[float]:
    """The gradients to start from, one per output (`count` of them), checked: the one
    place seeds are checked, for `backward()`, `grad()` and a function that runs backward
    on what it returns (`returns` names it, e.g. "the compiled function"). A Value seed
    counts as its number, or stays a Value where `allow_values` (grad's create_graph)."""
    if grad_outputs is None:
        if count != 1:
            raise RuntimeError(
                f"{returns} returns {count} Values; pass grad_outputs=[...] "
                "(one gradient each) to run backward, or call it under no_grad() for the "
                "forward pass only"
                if returns
                else f"{caller}() with {count} outputs needs grad_outputs, one gradient "
                "for each output (the vector of a vector-Jacobian product)"
            )
        return [1.0]
    if isinstance(grad_outputs, (Value, Real)):  # one gradient, as `y.backward(2.0)` gives
        if count != 1:
            one = "one Value" if isinstance(grad_outputs, Value) else "one number"
            raise ValueError(
                f"grad_outputs={grad_outputs!r} is {one} for {count} outputs: "
                f"give a list of {count}"
            )
        grad_outputs = [grad_outputs]
    elif isinstance(grad_outputs, (str, bytes)) or not isinstance(grad_outputs, Iterable):
        raise TypeError(f"a gradient must be a real number, got {type(grad_outputs).__name__}")
    given = list(grad_outputs)
    if len(given) != count:
        raise ValueError(
            f"{returns} returns {count} Values but got {len(given)} grad_outputs"
            if returns
            else f"{caller}() got {count} outputs but {len(given)} grad_outputs; "
            "give one gradient for each output"
        )
    seeds: list[float] = []
    for seed in given:
        if isinstance(seed, Value):
            # A Value seed stays a Value for create_graph; otherwise only its number counts.
            seeds.append(seed if allow_values else seed.data)  # type: ignore[arg-type]
            continue
        number = as_float(seed)  # 10**400 is inf, as Value(10**400) is
        if number is None:
            raise TypeError(f"a gradient must be a real number, got {type(seed).__name__}")
        seeds.append(number)
    return seeds


def check_backward(node: Value, grads: Sequence[Any]) -> None:
    """`detect_anomaly` in backward: a nan or inf gradient that `node` passed to a parent
    that requires grad raises (a constant, such as the 2 in `x * 2`, gets none)."""
    op: Op = node.op  # type: ignore[assignment]  # a result: it has an op
    parents = node.parents
    for g, parent in zip(grads, parents):
        if parent.requires_grad and not math.isfinite(float(g)):
            raise anomaly_error(op, "backward", float(g), parents)


def in_mode(out: Value, op: Op, a: Any, b: Any) -> None:
    """What a grad mode other than plain recording changes in a node just made from `a`
    and `b` (as `_operation` takes them): `detect_anomaly` refuses a nan or inf result,
    and `no_grad` makes it a leaf."""
    mode = _get_mode()
    if mode & _ANOMALY and not math.isfinite(out._data):
        parents = (a, b) if op.arity == 2 else (a,) if op.arity == 1 else a
        raise anomaly_error(op, "forward", out._data, parents)
    if not mode & _RECORD and out.op is not None:  # no parents kept: no graph
        out.requires_grad = False
        out.op = None
        del out._a, out._b


def tell_subclass(out: Value, op: Op, parents: Sequence[Any]) -> None:
    """Hand a node just made to the first subclass of Value among its parents that
    defines `__made__(out, op, parents)`, the op hook: a tool that traces the graph sees
    each node made from the Values it traces, and may make it keep its parents
    (`keep_parents`) or refuse it."""
    for p in parents:
        made = getattr(type(p), "__made__", None)
        if made is not None:
            made(out, op, tuple(parents))
            return


def keep_parents(out: Value, op: Op, parents: Sequence[Value]) -> None:
    """Make `out`, which `op` made from `parents`, keep them even where no gradient flows
    (a tool that recomputes it from new data needs every edge)."""
    if out.op is None:
        out.op = op
        if op.arity == 2:
            out._a, out._b = parents
        else:
            out._a = parents[0] if op.arity == 1 else tuple(parents)
            out._b = None


def anomaly_error(op: Op, phase: str, bad: float, parents: Sequence[Value]) -> FloatingPointError:
    """The error `detect_anomaly()` raises: names the op and the labels of its inputs."""
    labels = ", ".join(p.label or describe(p) for p in parents)
    return FloatingPointError(
        f"detect_anomaly: {op.name()} returned {bad} in its {phase} pass (inputs: {labels})"
    )


# ---------------------------------------------------------------------------------------
# Operands, n-ary operations, in-place updates and micrograd's own nodes.
# ---------------------------------------------------------------------------------------


def sum(values: Iterable[Operand]) -> Value:  # noqa: A001  # micrograd_lite.sum, like torch.sum
    """The sum of the values, as one node with every value as a parent."""
    return _apply_or(ops.sum_of, values, empty=0.0)


def mean(values: Iterable[Operand]) -> Value:
    """The mean of the values, as one node with every value as a parent."""
    return _apply_or(ops.mean_of, values, empty=math.nan)


def _apply_or(op: Op, values: Iterable[object], empty: float) -> Value:
    """`apply(op, *values)`, or a constant `empty` when there are no values (sum, mean)."""
    if isinstance(values, Value):
        raise TypeError(
            f"{op.symbol}() takes a list of Values, got one Value: write "
            f"micrograd_lite.{op.symbol}([v])"
        )
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(
            f"{op.symbol}() takes a list (or any iterable) of Values and numbers, got "
            f"{type(values).__name__}: write micrograd_lite.{op.symbol}([a, b, c])"
        )
    inputs = list(values)
    return apply(op, *inputs) if inputs else _constant(empty)


def apply(op: Op, *inputs: object) -> Value:
    """`op` applied to Values and real numbers: the node it makes, as `op(*inputs)` gives."""
    if op.closure:
        raise TypeError(f"{op.name()} belongs to nodes made with Value(data, children, op)")
    if op.arity and len(inputs) != op.arity:
        raise TypeError(f"{op.name()} takes {op.arity} inputs, got {len(inputs)}")
    parents, subclassed = _operands(op, inputs)
    if not parents:
        raise TypeError(f"{op.name()} takes at least one input")
    if op.arity in (1, 2):
        made: Value = _operation(op)(*parents)  # which tells a subclass of the node itself
    else:
        made = _operation(op)(parents)
        if subclassed:
            tell_subclass(made, op, parents)
    return made


def _operands(op: Op, values: Iterable[object]) -> tuple[tuple[Value, ...], bool]:
    """The inputs as Values (numbers made constants), and whether a subclass of Value is
    among them."""
    parents = []
    subclassed = False
    for x in values:
        if type(x) is not Value:  # a number, or a subclass of Value
            v = _operand(x)
            if v is None:
                got = type(x).__name__
                raise TypeError(f"{op.name()} takes Values and real numbers, got {got}")
            subclassed = subclassed or type(v) is not Value
            x = v
        parents.append(x)
    return tuple(parents), subclassed


def _constant(x: float) -> Value:
    """A leaf that requires no grad: a number in an expression, or a detached Value."""
    return _leaf_from(Value, x, 0.0, False)


def _leaf_from(
    kind: type[Value], data: float, grad: float | None, requires_grad: bool, fresh: bool = False
) -> Value:
    """A leaf of class `kind`, made without `__init__`: a constant, or an unpickled or
    copied Value rebuilt (`fresh`: its `.grad` is still `UNTOUCHED`)."""
    out: Value = _new(kind)
    out._data = data
    out._grad = UNTOUCHED if fresh else grad  # type: ignore[assignment]  # None: no gradient yet
    out.op = None
    out.requires_grad = requires_grad
    return out


def _slots_of(kind: type) -> list[str]:
    """The attribute names a subclass of Value declares in `__slots__` (Value's own are
    its data, grad and graph, which pickling handles itself)."""
    names = []
    for cls in kind.__mro__:
        if cls is Value or cls is object:
            continue
        declared = cls.__dict__.get("__slots__", ())
        for name in (declared,) if isinstance(declared, str) else declared:
            if name in ("__dict__", "__weakref__"):
                continue
            if name.startswith("__") and not name.endswith("__"):  # private: name-mangled
                name = f"_{cls.__name__.lstrip('_')}{name}"
            names.append(name)
    return names


def _operand(x: object) -> Value | None:
    """A Python number as a constant leaf; a Value (of any subclass) as it is; None for
    anything else."""
    number = x if type(x) is float else as_float(x)
    if number is None:
        return x if isinstance(x, Value) else None
    out: Value = _new(Value)  # `_constant(number)`, written out: numbers are common operands
    out._data = number
    out._grad = UNTOUCHED
    out.op = None
    out.requires_grad = False
    return out


def _number_for(what: str, x: object) -> float:
    """What may be stored in `.data` or `.grad`: a real number, as a float."""
    if type(x) is float:
        return x
    number = as_float(x)
    if number is None:
        raise TypeError(f".{what} takes a real number, got {type(x).__name__}")
    return number


def _compare(v: Value, symbol: str, other: object) -> bool:
    """`v < other` and the like, on the data."""
    other_data = other._data if isinstance(other, Value) else as_float(other)
    if other_data is None:
        return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
    return _COMPARISONS[symbol](v._data, other_data)


_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _in_place(op: Op, a: Value, b: Operand, accumulates: bool = False) -> Value:
    """`a op= b`: under no_grad, change `a.data` and keep the object; with grad enabled, a
    new node (so `loss += term` keeps its graph), except on a leaf that requires grad,
    where only micrograd's accumulator `total += loss` (a Value that requires grad) is
    a new node and everything else is refused, as PyTorch refuses it."""
    mode = _get_mode()
    if mode & _RECORD:
        if a.op is None and a.requires_grad:
            accumulates = accumulates and isinstance(b, Value) and b.requires_grad
            if not accumulates and (isinstance(b, Value) or as_float(b) is not None):
                # A new node would rebind the name and leave the parameter as it was: the
                # silent `p -= lr * p.grad`, or `p -= 0.01 * p` (weight decay), in a loop.
                raise RuntimeError(
                    "a leaf Value that requires grad is being used in an in-place "
                    f"operation ({op.symbol}=); update it inside "
                    "`with micrograd_lite.no_grad():` as in PyTorch, or change its .data"
                )
        made: Value = _operation(op)(a, b)  # a new node: `loss += term`, `total += loss`
        return made
    b_data = b._data if isinstance(b, Value) else as_float(b)
    if b_data is None:
        return NotImplemented  # type: ignore[no-any-return]  # Python raises TypeError
    data = op.forward(a._data, b_data)
    if mode & _ANOMALY and not math.isfinite(data):  # as `w - inf` is refused, so is `w -= inf`
        raise anomaly_error(
            op, "forward", data, (a, b if isinstance(b, Value) else _constant(b_data))
        )
    a._data = data
    return a


if sys.platform == "emscripten":  # a browser's Python: free a long graph without recursing
    setattr(Value, "__del__", free_without_recursing)  # noqa: B010  # a browser only
