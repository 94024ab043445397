"""What fn reads from outside its arguments: global and enclosing variables holding data.

A recording replays the Values and numbers fn found when it ran. What fn was passed is
checked on every call (`function.py`); what it reads from a global or an enclosing
variable is not passed, so it is found here instead: every such variable fn's code
loads, and the code of the functions it calls (followed through globals and enclosing
variables, outside this library and Python's own), that holds data (numbers, strings,
Values, and lists, tuples, dicts, sets and deques of them). Each is copied, container by
container, when fn is recorded; a call whose variable holds other contents (another
document in `doc`, a rebound `scale`, a replaced parameter) fits that recording no more,
so fn is recorded again, as for an argument that changed.

The copy keeps the same leaves, so checking is one `==` over the containers, in C:
Values compare by identity, numbers by value (so 0.0 and -0.0 are not told apart here).
"""

from __future__ import annotations

import dis
import os
import types
from collections import deque
from collections.abc import Callable
from typing import Any

from micrograd_lite.engine import Value

__all__ = ["Watched", "changed", "outside_reads", "outside_variables"]

#: A variable fn reads from outside: its name, how to read it now, and its copy.
Watched = tuple[str, Callable[[], Any], Any]

_LIBRARY = os.path.dirname(os.path.dirname(__file__)) + os.sep  # micrograd_lite itself
_STANDARD_LIBRARY = os.path.dirname(os.__file__) + os.sep  # Python's own
_LEAVES = (Value, int, float, complex, str, bytes, type(None))
_LOADS_GLOBAL = {"LOAD_GLOBAL", "LOAD_NAME"}
_LOADS_CELL = {"LOAD_DEREF", "LOAD_CLASSDEREF"}
_MISSING = object()  # a variable deleted or not yet set
_UNWATCHED = object()  # a value that is not data fn could be replaying: a module, a model


def outside_reads(fn: Callable[..., Any]) -> list[Watched]:
    """Every global and enclosing variable fn, and the functions it calls, read that
    holds data, each with a copy of what it holds now."""
    watched: list[Watched] = []
    for name, read, value in outside_variables(fn):
        copied = _copy(value, set())
        if copied is not _UNWATCHED:
            watched.append((name, read, copied))
    return watched


def outside_variables(fn: Callable[..., Any]) -> list[tuple[str, Callable[[], Any], Any]]:
    """Every global and enclosing variable fn, and the functions it calls, read, other
    than functions (which are followed instead): its name, how to read it, its value."""
    found: list[tuple[str, Callable[[], Any], Any]] = []
    seen: set[tuple[int, str]] = set()
    followed: set[types.CodeType] = set()
    stack: list[Any] = [fn]
    while stack:
        called = _unwrapped(stack.pop())
        function = _function_of(called)
        if function is None or function.__code__ in followed:
            continue
        followed.add(function.__code__)
        filename = function.__code__.co_filename
        if filename.startswith((_LIBRARY, _STANDARD_LIBRARY)) or "site-packages" in filename:
            continue  # not the user's code: what it reads is not fn's data
        if isinstance(called, types.MethodType):  # a bound method reads its object
            owner = called.__self__
            found.append(("self", _constant_reader(owner), owner))
        globals_, cells = function.__globals__, _cells(function)
        for name, in_cell in _loads(function.__code__):
            if in_cell:
                cell = cells.get(name)
                if cell is None:  # a variable of fn's own, shared with a comprehension
                    continue
                key, read = (id(cell), name), _cell_reader(cell)
            else:
                if name not in globals_:  # a builtin, or a name set later
                    continue
                key, read = (id(globals_), name), _global_reader(globals_, name)
            if key in seen:
                continue
            seen.add(key)
            value = read()
            if _function_of(value) is not None:
                stack.append(value)  # a function fn calls: what it reads counts too
                continue
            found.append((name, read, value))
    return found


def changed(watched: list[Watched]) -> str | None:
    """The name of the first variable that holds other contents than its copy; None
    if none does."""
    for name, read, copied in watched:
        now = read()
        if now is copied:
            continue
        try:
            if now != copied:
                return name
        except Exception:  # a comparison that cannot say (an array's `==`): other contents
            return name
    return None


def _unwrapped(x: object) -> object:
    """The function a wrapper that is no function holds (`__wrapped__`: another compiled
    function, a cached one), whose reads are fn's too; x itself otherwise."""
    if isinstance(x, (types.FunctionType, types.MethodType, type)) or not callable(x):
        return x
    return getattr(x, "__wrapped__", x)


def _function_of(x: object) -> types.FunctionType | None:
    """The Python function behind x (a function, a bound method, or a wrapper of one
    that is no function); None otherwise."""
    x = _unwrapped(x)
    if isinstance(x, types.MethodType):
        x = x.__func__
    return x if isinstance(x, types.FunctionType) else None


def _cells(function: types.FunctionType) -> dict[str, types.CellType]:
    return dict(zip(function.__code__.co_freevars, function.__closure__ or ()))


def _loads(code: types.CodeType) -> list[tuple[str, bool]]:
    """The global and enclosing variables a code object, and the code inside it
    (comprehensions, lambdas, inner functions), loads: (name, whether from a cell)."""
    found: list[tuple[str, bool]] = []
    stack = [code]
    while stack:
        code = stack.pop()
        for instruction in dis.get_instructions(code):
            if instruction.opname in _LOADS_GLOBAL:
                found.append((instruction.argval, False))
            elif instruction.opname in _LOADS_CELL:
                found.append((instruction.argval, True))
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return found


def _constant_reader(value: Any) -> Callable[[], Any]:
    return lambda: value


def _global_reader(globals_: dict[str, Any], name: str) -> Callable[[], Any]:
    return lambda: globals_.get(name, _MISSING)


def _cell_reader(cell: types.CellType) -> Callable[[], Any]:
    def read() -> Any:
        try:
            return cell.cell_contents
        except ValueError:  # not yet set
            return _MISSING

    return read


def _copy(x: Any, inside: set[int]) -> Any:
    """x's containers copied, their leaves kept; `_UNWATCHED` where x holds anything but
    data (an object, a function, an array: `==` would not compare what fn read)."""
    if isinstance(x, _LEAVES) or x is _MISSING:
        return x
    if id(x) in inside:  # a container that holds itself
        return _UNWATCHED
    inside.add(id(x))
    try:
        if isinstance(x, dict):
            items = {k: _copy(v, inside) for k, v in x.items()}
            return _UNWATCHED if any(v is _UNWATCHED for v in items.values()) else items
        if isinstance(x, (list, tuple, deque, set, frozenset)):
            parts = [_copy(item, inside) for item in x]
            if any(part is _UNWATCHED for part in parts):
                return _UNWATCHED
            if isinstance(x, (set, frozenset)):
                return set(parts)
            if isinstance(x, tuple):
                return tuple(parts)
            return deque(parts) if isinstance(x, deque) else parts
        return _UNWATCHED
    finally:
        inside.discard(id(x))
