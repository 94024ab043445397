"""Recording: run `fn` once, eagerly, and keep every node it makes and every branch it takes.

A recording is a `grad_mode.Observer`: while it runs, the engine hands it every node
fn's operations make, with its parents even where no gradient flows, so the generated
code can recompute all of them from new data.

A number that leaves the graph is where a compiled function could go wrong: `if x > 0`
takes one path on this data and maybe another on the next. So while recording, every
way Python code can get a number out of a Value is watched:

- comparisons (`<`, `<=`, `>`, `>=`) and `bool(v)` become guards: the generated code
  checks each one on every call, and a call where one comes out differently is
  recorded again (`Guard`);
- reading `.data` or `.grad`, `float(v)`, `v.item()`, `v.detach()`, formatting a Value
  (`f"{v:.3f}"`) and `repr(v)` or `str(v)` raise
  `CompileError` naming the line, because the number could go anywhere and the compiled
  code could not follow it;
- so do changing a Value in place under `no_grad`, calling `backward()` or `grad()`
  inside fn, and building a micrograd-style node with a `_backward` closure (the
  engine asks the observer's `check` before each).

The watching swaps these members of `Value` for checking versions only while some
recording runs, and each check asks its own thread's grad mode, so other threads go on
as before (a little slower) and nothing is paid when no recording runs.
"""

from __future__ import annotations

import linecache
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from micrograd_lite import engine, grad_mode
from micrograd_lite.engine import Value

__all__ = ["CompileError", "Guard", "Recording", "record", "refuse"]

_mode = grad_mode.mode
_OBSERVED = grad_mode.OBSERVED


class CompileError(RuntimeError):
    """`fn` does something a compiled function could not replay on other data."""


@dataclass(frozen=True)
class Guard:
    """A comparison fn made while recording, checked again on every compiled call."""

    position: int  # how many nodes had been made when it ran: where the check can go
    left: Value
    symbol: str  # "<", "<=", ">", ">=", or "!=" for bool(v), which is v != 0
    right: Value | float
    outcome: bool
    line: str  # where in fn, for the generated code's comments


@dataclass(frozen=True)
class Recording:
    """What one eager run of fn did: its result, every node it made, every guard."""

    result: Any
    nodes: list[Value]
    guards: list[Guard]


class _Recorder:
    """The observer a recording runs under: it keeps nodes and guards, refuses the rest."""

    def __init__(self) -> None:
        self.nodes: list[Value] = []
        self.guards: list[Guard] = []
        self.made = self.nodes.append  # called once per node: no Python frame of its own

    def check(self, action: str) -> None:
        if "backward()" in action or "grad()" in action:
            action += "; a compiled call runs backward itself, so return the loss"
        raise refuse(action)

    def guard(self, left: Value, symbol: str, right: Value | float, outcome: bool) -> None:
        self.guards.append(Guard(len(self.nodes), left, symbol, right, outcome, user_line()))


def record(fn: Callable[..., Any], args: tuple[Any, ...]) -> Recording:
    """Run `fn(*args)` with the graph recorded in full and number reads watched."""
    recorder = _Recorder()
    with grad_mode.observed(recorder), _reads_watched():  # callers run anomaly mode eagerly
        result = fn(*args)
    return Recording(result, recorder.nodes, recorder.guards)


def _recorder() -> _Recorder | None:
    """The recording this thread is running, if any."""
    if _mode.get() & _OBSERVED:
        watcher = grad_mode.observer.get()
        if isinstance(watcher, _Recorder):
            return watcher
    return None


_STANDARD_LIBRARY = os.path.dirname(os.__file__) + os.sep  # where `os`, and `copy`, live


def refuse(what: str) -> CompileError:
    """The error for something fn does while recording that cannot be compiled."""
    return CompileError(
        f"micrograd_lite.compile cannot record this: {user_line()} {what}. "
        "Compiled code replays only operations on Values; compare Values directly "
        "(`v > 0` is guarded and re-recorded when it changes), and read numbers from "
        "what the compiled call returns or after it."
    )


def user_line() -> str:
    """The first line outside micrograd_lite and Python's standard library on the stack:
    where fn did the thing (`copy.copy(v)` reads the data inside `copy`)."""
    frame = sys._getframe(1)
    while frame.f_back is not None and (
        frame.f_globals.get("__name__", "").startswith("micrograd_lite.")
        or frame.f_code.co_filename.startswith(_STANDARD_LIBRARY)
    ):
        frame = frame.f_back
    text = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    where = f"line {frame.f_lineno} of {frame.f_code.co_filename}"
    return f"{where} (`{text}`)" if text else where


# ---------------------------------------------------------------------------------------
# Watching reads: checking versions of Value's members, swapped in while recording.
# ---------------------------------------------------------------------------------------

_ENGINE = vars(engine)  # the engine's own reads (an operation reading its inputs) are fine
_DATA = vars(Value)["data"]  # the slots' own descriptors, which hold the numbers
_GRAD = vars(Value)["grad"]


#: Added to a refused read: micrograd's way of adding an op reads `.data` first.
_MICROGRAD_OP = (
    " (a micrograd-style op, Value(data, children, op) with a _backward closure, cannot "
    "be compiled: define it with micrograd_lite.define_op)"
)


def _slot_watched(slot: Any, name: str) -> property:
    read, write = slot.__get__, slot.__set__

    # The frame is asked first: the engine's own reads, most of them, stop there.
    def get(v: Value) -> float:
        if sys._getframe(1).f_globals is not _ENGINE and _recorder() is not None:
            raise refuse(f"reads .{name} of a Value" + _MICROGRAD_OP)
        return read(v, Value)  # type: ignore[no-any-return]

    def set_(v: Value, x: float) -> None:
        if sys._getframe(1).f_globals is not _ENGINE and _recorder() is not None:
            raise refuse(f"sets .{name} of a Value")
        write(v, x)

    return property(get, set_)


def _comparison_guarded(compare: Callable[[Value, Any], bool], symbol: str) -> Callable[..., Any]:
    def guarded(self: Value, other: Any) -> bool:
        outcome = compare(self, other)
        recorder = _recorder()
        if outcome is not NotImplemented and recorder is not None:
            right = other if isinstance(other, Value) else engine.as_float(other)
            assert right is not None  # the comparison took it, so it is a real number
            recorder.guard(self, symbol, right, outcome)
        return outcome

    return guarded


def _bool_guarded(self: Value) -> bool:
    outcome = bool(_DATA.__get__(self, Value) != 0.0)
    recorder = _recorder()
    if recorder is not None:
        recorder.guard(self, "!=", 0.0, outcome)
    return outcome


def _refused(original: Callable[..., Any], what: str) -> Callable[..., Any]:
    def refused(self: Value, *args: Any) -> Any:
        if _recorder() is not None:
            raise refuse(what)
        return original(self, *args)

    return refused


def _watchers() -> dict[str, Any]:
    members = vars(Value)
    return {
        "data": _slot_watched(_DATA, "data"),
        "grad": _slot_watched(_GRAD, "grad"),
        "__lt__": _comparison_guarded(members["__lt__"], "<"),
        "__le__": _comparison_guarded(members["__le__"], "<="),
        "__gt__": _comparison_guarded(members["__gt__"], ">"),
        "__ge__": _comparison_guarded(members["__ge__"], ">="),
        "__bool__": _bool_guarded,
        "__float__": _refused(members["__float__"], "takes float() of a Value"),
        "item": _refused(members["item"], "calls .item() on a Value"),
        # detach() copies the data into a new leaf, which a replay would keep as it was
        "detach": _refused(members["detach"], "calls .detach() on a Value"),
        # text made from a Value holds its number: f"{v:.17g}" or repr(v) read the data
        "__format__": _refused(members["__format__"], "formats a Value as text"),
        "__repr__": _refused(members["__repr__"], "takes repr() or str() of a Value"),
    }


_WATCHERS = _watchers()
_ORIGINALS = {name: vars(Value)[name] for name in _WATCHERS}
_lock = threading.Lock()
_recordings_running = 0


@contextmanager
def _reads_watched() -> Iterator[None]:
    global _recordings_running
    with _lock:
        if _recordings_running == 0:
            for name, member in _WATCHERS.items():
                setattr(Value, name, member)
        _recordings_running += 1
    try:
        yield
    finally:
        with _lock:
            _recordings_running -= 1
            if _recordings_running == 0:
                for name, member in _ORIGINALS.items():
                    setattr(Value, name, member)
