"""How a Value reads as text: `repr(v)`, and the numbers in it."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["describe", "not_a_number_message", "short"]


def describe(v: Any) -> str:
    """`repr(v)`: `Value(data=2.0, grad=0.0)` for a leaf, with its grad_fn for a result."""
    label = f", label={v.label!r}" if v.label else ""
    if v.op is None:
        grad = "None" if v._grad is None else short(v._grad)
        return f"Value(data={short(v._data)}, grad={grad}{label})"
    return f"Value(data={short(v._data)}, grad_fn={v.op!r}{label})"


def short(x: float) -> str:
    """A float for repr: at most four decimals, scientific for very large or small."""
    if x == 0.0 or not math.isfinite(x) or 1e-4 <= abs(x) < 1e16:
        return repr(round(x, 4)) if math.isfinite(x) else repr(x)
    return f"{x:.4e}"


def not_a_number_message(x: object, is_value: bool) -> str:
    """What `Value(x)` says when `x` is not a real number (`is_value`: x is a Value)."""
    kind = type(x)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    message = f"Value() takes a real number (int, float, bool, Fraction), got {name}"
    if is_value:
        message += "; to make a new leaf from a Value use v.detach() (or Value(v.data))"
    return message
