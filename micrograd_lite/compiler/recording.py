"""Recording: run `fn` once, eagerly, and keep every node it makes and every branch it takes.

A recording is a `grad_mode.Observer`: while it runs, the engine hands it every node
fn's operations make, with its parents even where no gradient flows, so the compiled
code can recompute all of them from new data.

A number that leaves the graph is where a compiled function could go wrong: `if x > 0`
takes one path on this data and maybe another on the next. So the engine tells the
observer of every way Python code can get a number out of a Value:

- comparisons (`<`, `<=`, `>`, `>=`) and `bool(v)` become guards: the compiled code
  checks each one on every call, and a call where one comes out differently is
  recorded again (`Guard`);
- reading or setting `.data` or `.grad`, `float(v)`, `v.item()`, `v.detach()`,
  formatting a Value (`f"{v:.3f}"`), `repr(v)` or `str(v)`, copying or pickling it raise
  `CompileError` naming fn's line, because the number could go anywhere and the
  compiled code could not follow it;
- so do changing a Value in place under `no_grad`, calling `backward()` or `grad()`
  inside fn, and building a micrograd-style node with a `_backward` closure.

The observer is this thread's own (a `ContextVar`), so other threads go on as before.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from micrograd_lite import grad_mode
from micrograd_lite.engine import Value, creation_mark

__all__ = ["CompileError", "Guard", "Recording", "record"]


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


@dataclass(frozen=True)
class Recording:
    """What one eager run of fn did: its result, every node it made, every guard."""

    result: Any
    nodes: list[Value]
    guards: list[Guard]
    started: int  # `engine.creation_mark()` when fn started: what it made is numbered above


class _Recorder:
    """The observer a recording runs under: it keeps nodes and guards, refuses the rest."""

    def __init__(self) -> None:
        self.nodes: list[Value] = []
        self.guards: list[Guard] = []
        self.made = self.nodes.append  # called once per node: no Python frame of its own

    def compared(self, left: Value, symbol: str, right: Value | float, outcome: bool) -> None:
        self.guards.append(Guard(len(self.nodes), left, symbol, right, outcome))

    def check(self, action: str) -> None:
        if "backward()" in action or "grad()" in action:
            action += "; a compiled call runs backward itself, so return the loss"
        error = CompileError(action)
        error.action = action
        raise error


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


def record(fn: Callable[..., Any], args: tuple[Any, ...], grad_enabled: bool) -> Recording:
    """Run `fn(*args)` with the graph recorded in full and number reads refused, in the
    caller's grad mode (`grad_enabled`), which fn may ask `is_grad_enabled()` about."""
    recorder = _Recorder()
    started = creation_mark()
    try:
        with grad_mode.observed(recorder, grad_enabled):  # callers run anomaly mode eagerly
            result = fn(*args)
    except CompileError as error:
        if error.action is not None and len(error.args) == 1 and error.args[0] == error.action:
            error.args = (_refusal(error.action, error.__traceback__),)
        raise
    return Recording(result, recorder.nodes, recorder.guards, started)


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
