"""Freeing a long graph without deep recursion, for a browser's Python (Pyodide)."""

from __future__ import annotations

from typing import Any

__all__ = ["free_without_recursing"]

#: Parents of freed results, waiting to be let go of one at a time (a browser only).
_unlinked: list[Any] = []
_letting_go = False


def free_without_recursing(self: Any) -> None:
    """Free the results below `self` (a Value) one at a time, not one inside another.

    CPython frees a chain of results by recursing once per node. A browser's Python
    (Pyodide) has a small stack, and a chain of a few thousand results kills it; there
    this is `Value.__del__`: a node going away hands its parents to a list and keeps
    none, and the outermost such call lets go of the list's entries one by one. An
    entry that was the last reference to a parent frees it then, which hands that
    parent's parents to the list in turn; an entry something else holds stays alive.
    (A browser's Python has one thread, which the list and its flag rely on.)
    """
    global _letting_go
    a, b = getattr(self, "_a", None), getattr(self, "_b", None)  # unset on a leaf
    if a is None and b is None:
        return
    _unlinked.append(a)  # a tuple of parents, for an op of any number of inputs
    _unlinked.append(b)
    self._a = self._b = None
    del a, b
    if _letting_go:  # inside the loop below: it lets go of them
        return
    _letting_go = True
    try:
        while _unlinked:
            _unlinked.pop()
    finally:
        _letting_go = False
