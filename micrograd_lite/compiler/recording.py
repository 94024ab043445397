"""Recording: run `fn` once, eagerly, and keep every node it makes and every branch it takes.

compile traces fn with a tracing type, as autograd's boxes do: while fn runs, the Values
it is handed and the Values it reads from its global and enclosing variables (and from
the objects they hold) are `Traced`, a subclass of their class. The engine tells a
subclass among an operation's inputs of each node made (its op hook, `__made__`), so
every node made from a traced Value is kept, with its parents even where no gradient
flows, and is traced in turn; the compiled code recomputes all of them from new data.

A number that leaves the graph is where a compiled function could go wrong: `if x > 0`
takes one path on this data and maybe another on the next. So a traced Value says so
of every way Python code can get a number out of it:

- comparisons (`<`, `<=`, `>`, `>=`) and `bool(v)` become guards: the compiled code
  checks each one on every call, and a call where one comes out differently is
  recorded again (`Guard`);
- reading or setting `.data` or `.grad`, `float(v)`, `v.item()`, `v.detach()`,
  formatting a Value (`f"{v:.3f}"`), `repr(v)` or `str(v)`, copying or pickling it raise
  `CompileError` naming fn's line, because the number could go anywhere and the
  compiled code could not follow it;
- so do changing a Value in place under `no_grad`, calling `backward()` or `grad()`
  inside fn, and building a micrograd-style node with a `_backward` closure.

The trade-off: only traced Values say so. A Value fn reaches some other way (held by an
object made during the call, or returned by a function of another library) is not
traced: operations on such Values alone are found afterwards, by walking back from what
the traced ones used, but a `.data` read or a comparison on one is not seen, so its
number is replayed from the recorded call. Hand such Values to fn as arguments.

The recording is this thread's own (a `ContextVar`): in another thread a traced Value
behaves as its class does.
"""

from __future__ import annotations

import bisect
import os
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from micrograd_lite import grad_mode
from micrograd_lite.engine import Value, creation_mark, keep_parents, made_after, made_at
from micrograd_lite.ops import Op

__all__ = ["CompileError", "Guard", "Recording", "Traced", "record", "recording_here"]


class CompileError(RuntimeError):
    """`fn` does something a compiled function could not replay on other data."""

    #: What fn did, for a refusal made while recording; its message names fn's line
    #: once the error has left fn (see `record`).
    action: str | None = None


@dataclass(frozen=True)
class Guard:
    """A comparison fn made while recording, checked again on every compiled call."""

    position: int  # how many nodes had been made when it ran: where the check can go
    left: Value
    symbol: str  # "<", "<=", ">", ">=", or "!=" for bool(v), which is v != 0
    right: Value | float
    outcome: bool

    def values(self) -> list[Value]:
        """The Values it compares (the right side may be a number)."""
        return [self.left, self.right] if isinstance(self.right, Value) else [self.left]


@dataclass(frozen=True)
class Recording:
    """What one eager run of fn did: its result, every node it made, every guard."""

    result: Any
    nodes: list[Value]
    guards: list[Guard]
    started: int  # `engine.creation_mark()` when fn started: what it made is numbered above


class _Recorder:
    """What a recording keeps while fn runs: the nodes made from traced Values, the
    guards; it refuses the rest."""

    def __init__(self, started: int) -> None:
        self.started = started
        self.nodes: list[Value] = []
        self.guards: list[Guard] = []  # positions are creation marks until fn returns

    def made(self, out: Value, op: Op, parents: tuple[Any, ...]) -> None:
        keep_parents(out, op, parents)
        out.__class__ = traced_class(type(out))
        self.nodes.append(out)

    def compared(self, left: Value, symbol: str, right: Value | float, outcome: bool) -> None:
        self.guards.append(Guard(creation_mark(), left, symbol, right, outcome))

    def check(self, action: str) -> None:
        if "backward()" in action or "grad()" in action:
            action += "; a compiled call runs backward itself, so return the loss"
        error = CompileError(action)
        error.action = action
        raise error


#: The recording this thread runs, if any.
_recorder: ContextVar[_Recorder | None] = ContextVar("micrograd_lite_recording", default=None)


def recording_here() -> bool:
    """Whether this thread is recording a compiled function now."""
    return _recorder.get() is not None


def _refuse(action: str) -> None:
    recorder = _recorder.get()
    if recorder is not None:
        recorder.check(action)


def _compared(left: Value, symbol: str, right: object, outcome: Any) -> Any:
    recorder = _recorder.get()
    if recorder is not None and outcome is not NotImplemented:
        other = right if isinstance(right, Value) else float(right)  # type: ignore[arg-type]
        recorder.compared(left, symbol, other, outcome)
    return outcome


class Traced(Value):
    """A Value compile traces while it records fn: the nodes made from it are kept and
    traced in turn, its comparisons are guarded, and the ways a number leaves it are
    refused. Each class of Value gets its own traced class (`traced_class`); outside
    the recording thread it behaves as that class."""

    __slots__ = ()

    @staticmethod
    def __made__(out: Value, op: Op, parents: tuple[Any, ...]) -> None:
        recorder = _recorder.get()
        if recorder is not None:
            recorder.made(out, op, parents)

    @staticmethod
    def __refuse__(action: str) -> None:
        _refuse(action)

    @property
    def data(self) -> float:
        _refuse("reads .data of a Value")
        return super().data  # its class's own, which may be a subclass's

    @data.setter
    def data(self, x: float) -> None:
        _refuse("sets .data of a Value")
        untraced_class(type(self)).data.__set__(self, x)  # type: ignore[attr-defined]

    @property
    def grad(self) -> float:
        _refuse("reads .grad of a Value")
        return super().grad

    @grad.setter
    def grad(self, x: float | None) -> None:
        _refuse("sets .grad of a Value")
        untraced_class(type(self)).grad.__set__(self, x)  # type: ignore[attr-defined]

    def item(self) -> float:
        _refuse("calls .item() on a Value")
        return super().item()

    def __float__(self) -> float:
        _refuse("takes float() of a Value")
        return super().__float__()

    def __format__(self, spec: str) -> str:
        _refuse("formats a Value as text")
        return super().__format__(spec)

    def __repr__(self) -> str:
        _refuse("takes repr() or str() of a Value")
        return super().__repr__()

    def detach(self) -> Value:
        _refuse("calls .detach() on a Value")
        return super().detach()

    def __reduce__(self) -> tuple[Any, ...]:
        _refuse("copies or pickles a Value")
        # in another thread: a copy of its own class, which pickle can name
        make, (kind, *rest), *state = super().__reduce__()
        return (make, (untraced_class(kind), *rest), *state)

    def __bool__(self) -> bool:
        return _compared(self, "!=", 0.0, super().__bool__())  # type: ignore[no-any-return]

    def __lt__(self, other: Any) -> bool:
        return _compared(self, "<", other, super().__lt__(other))  # type: ignore[no-any-return]

    def __le__(self, other: Any) -> bool:
        return _compared(self, "<=", other, super().__le__(other))  # type: ignore[no-any-return]

    def __gt__(self, other: Any) -> bool:
        return _compared(self, ">", other, super().__gt__(other))  # type: ignore[no-any-return]

    def __ge__(self, other: Any) -> bool:
        return _compared(self, ">=", other, super().__ge__(other))  # type: ignore[no-any-return]

    def __iadd__(self, other: Any) -> Value:  # type: ignore[misc]
        _refuse_in_place(self, "+")
        return super().__iadd__(other)

    def __isub__(self, other: Any) -> Value:  # type: ignore[misc]
        _refuse_in_place(self, "-")
        return super().__isub__(other)

    def __imul__(self, other: Any) -> Value:  # type: ignore[misc]
        _refuse_in_place(self, "*")
        return super().__imul__(other)

    def __itruediv__(self, other: Any) -> Value:  # type: ignore[misc]
        _refuse_in_place(self, "/")
        return super().__itruediv__(other)

    def __ipow__(self, other: Any) -> Value:  # type: ignore[misc]
        _refuse_in_place(self, "**")
        return super().__ipow__(other)


def _refuse_in_place(v: Value, symbol: str) -> None:
    if not grad_mode.is_grad_enabled():
        _refuse(f"changes a Value in place with {symbol}= under no_grad")


_traced_classes: dict[type, type] = {}


def traced_class(kind: type) -> type:
    """The traced class of a class of Value (itself for a traced class)."""
    if issubclass(kind, Traced):
        return kind
    traced = _traced_classes.get(kind)
    if traced is None:
        # A comparison the class defines itself is no comparison of numbers that a
        # guard could check again on new data: it is refused (where Value's is guarded).
        own = {
            name: _refused_comparison(kind, name, symbol)
            for name, symbol in _GUARDED.items()
            if getattr(kind, name) is not getattr(Value, name)
        }
        name = f"Traced{kind.__name__}"
        traced = _traced_classes[kind] = type(name, (Traced, kind), {"__slots__": (), **own})
    return traced


#: The comparisons a traced Value guards, by the symbol the refusal shows.
_GUARDED = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">=", "__bool__": "bool()"}


def _refused_comparison(kind: type, name: str, symbol: str) -> Callable[..., Any]:
    compare = getattr(kind, name)

    def refused(self: Value, *other: Any) -> Any:
        _refuse(
            f"compares a Value of class {kind.__name__} with {symbol}, which the class "
            "defines itself, so "
            "compiled code could not check it again on new data (compare Values of "
            "micrograd_lite's own comparisons, or give the class none of its own)"
        )
        return compare(self, *other)

    return refused


def untraced_class(kind: type) -> type:
    """The class a traced class traces."""
    return kind.__mro__[2] if issubclass(kind, Traced) and kind is not Traced else kind


#: Added to a refused read made in a method of a Value class: micrograd's way of adding
#: an op (and microgpt's, `Value(data, children, local_grads)`) reads `.data` first.
_MICROGRAD_OP = (
    " in a method of its Value class (an op added the micrograd way, Value(data, children, "
    "...) built from numbers, cannot be compiled: define it with micrograd_lite.define_op)"
)
#: Added to any other refused read: fn took the number of a Value it computes with.
_TRACED_READ = (
    " that fn computes with, whose number changes from call to call, so compiled code "
    "would replay this call's number; use the Value itself (`max(logits)` in place of "
    "`max(v.data for v in logits)`, `x.relu()` in place of `max(0, x.data)`)"
)


def _in_a_value_method(trace: TracebackType | None) -> bool:
    """Whether the innermost code of the traceback outside this library and Python's
    own is a method of a Value (its `self`): where micrograd's way of adding an op reads."""
    frames = [
        frame
        for frame, _ in traceback.walk_tb(trace)
        if not frame.f_code.co_filename.startswith((_LIBRARY, _STANDARD_LIBRARY))
    ]
    if not frames or frames[-1].f_code.co_varnames[:1] != ("self",):
        return False
    return isinstance(frames[-1].f_locals.get("self"), Value)


def record(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    grad_enabled: bool,
    traced: Iterable[Value] = (),
) -> Recording:
    """Run `fn(*args)` with the `traced` Values traced (fn's arguments among them, and
    what it reads from outside), in the caller's grad mode (`grad_enabled`), which fn may
    ask `is_grad_enabled()` about; anomaly mode is off (callers run it eagerly)."""
    started = creation_mark()
    recorder = _Recorder(started)
    token = _recorder.set(recorder)
    mode = grad_mode.mode.set(grad_mode.RECORD if grad_enabled else 0)
    try:
        with _traced(traced):
            result = fn(*args)
    except CompileError as error:
        if error.action is not None and len(error.args) == 1 and error.args[0] == error.action:
            error.args = (_refusal(error.action, error.__traceback__),)
        raise
    finally:
        grad_mode.mode.reset(mode)
        _recorder.reset(token)
        for node in recorder.nodes:
            node.__class__ = untraced_class(type(node))
    nodes = _with_untraced(recorder.nodes, _values_in(result), recorder.guards, started)
    marks = [made_at(node) for node in nodes]
    guards = [replace(g, position=bisect.bisect_right(marks, g.position)) for g in recorder.guards]
    return Recording(result, nodes, guards, started)


#: The Values traced now, by id: each with its own class and how many recordings (in
#: as many threads) trace it, so the last to end, not the first, gives its class back.
_tracing: dict[int, tuple[Value, type, int]] = {}
_tracing_lock = threading.Lock()


@contextmanager
def _traced(values: Iterable[Value]) -> Iterator[None]:
    """The Values traced inside the block, each its class again after it (after the
    last block that traces it, where recordings in other threads trace it too)."""
    mine: list[Value] = []
    try:
        for v in values:
            with _tracing_lock:
                entry = _tracing.get(id(v))
                if entry is not None:
                    _tracing[id(v)] = (v, entry[1], entry[2] + 1)
                elif issubclass(type(v), Traced):  # a node of a recording running now
                    continue
                else:
                    _tracing[id(v)] = (v, type(v), 1)
                    v.__class__ = traced_class(type(v))
                mine.append(v)
        yield
    finally:
        with _tracing_lock:
            for v in mine:
                _, kind, count = _tracing[id(v)]
                if count == 1:
                    del _tracing[id(v)]
                    v.__class__ = kind
                else:
                    _tracing[id(v)] = (v, kind, count - 1)


def _values_in(x: Any) -> list[Value]:
    """The Values in fn's result (nested lists and tuples)."""
    found: list[Value] = []
    stack = [x]
    while stack:
        item = stack.pop()
        if isinstance(item, Value):
            found.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def _with_untraced(
    nodes: list[Value], outputs: Sequence[Value], guards: Sequence[Guard], started: int
) -> list[Value]:
    """The traced nodes, and those fn made from untraced Values alone that they, the
    outputs or the guards use (found by walking back along their parents), in the
    order they were made."""
    kept = set(nodes)
    found: list[Value] = []
    stack: list[Value] = [*outputs]
    for node in nodes:
        stack.extend(node.parents)
    for guard in guards:
        stack.extend(guard.values())
    while stack:
        v = stack.pop()
        if v in kept or v.op is None or not made_after(v, started):
            continue
        kept.add(v)
        found.append(v)
        stack.extend(v.parents)
    if not found:
        return nodes
    return sorted([*nodes, *found], key=made_at)


_LIBRARY = os.path.dirname(os.path.dirname(__file__)) + os.sep  # micrograd_lite itself
_STANDARD_LIBRARY = os.path.dirname(os.__file__) + os.sep  # where `os`, and `copy`, live


def _refusal(what: str, trace: TracebackType | None) -> str:
    """The message of a refusal: what fn did, on which line of fn, and what to do."""
    if what.startswith("reads ."):  # of a Value: say which, and what to write instead
        what += _MICROGRAD_OP if _in_a_value_method(trace) else _TRACED_READ
    return (
        f"micrograd_lite.compile cannot record this: {_user_line(trace)} {what}. "
        "Compiled code replays only operations on Values; compare Values directly "
        "(`v > 0` is guarded and re-recorded when it changes), and read numbers from "
        "what the compiled call returns or after it."
    )


def _user_line(trace: TracebackType | None) -> str:
    """The innermost line of the error's traceback outside micrograd_lite and Python's
    standard library: where fn did the thing (`copy.copy(v)` reads the data inside `copy`)."""
    entries = [
        entry
        for entry in traceback.extract_tb(trace)
        if not entry.filename.startswith((_LIBRARY, _STANDARD_LIBRARY))
    ]
    if not entries:
        return "fn"
    entry = entries[-1]
    where = f"line {entry.lineno} of {entry.filename}"
    return f"{where} (`{entry.line}`)" if entry.line else where
