"""Turn the forwards and rules of `micrograd_lite.ops` into Python expressions.

The compiler writes no calculus of its own. To get the code for, say, the gradient of a
product, it calls `ops.mul_vjp` itself with placeholders (`Sym`) instead of numbers:

    >>> from micrograd_lite import ops
    >>> expressions(ops.mul_vjp, ["g5", "v5", "v3", "v4"])
    ['(g5 * v4)', '(g5 * v3)']

A `Sym` records each arithmetic operation it takes part in, in the order Python evaluates
it, so the expression does the same float operations as the rule does at run time and
gives bit-identical results. Where a rule branches on its inputs (`relu_vjp` asks
`out <= 0.0`), every branch is followed and the result is a conditional expression:

    >>> expressions(ops.relu_vjp, ["g7", "v7", "v6"])
    ['(0.0 if (v7 <= 0.0) else g7)']

Division, powers and logs become calls of the IEEE helpers in `ops` (`float_div`,
`float_pow`, `float_log`), exactly what the rules' `div`, `power` and `log` call on
floats. A rule or forward a placeholder cannot go through (one that calls `math.exp`,
or reads `float()` of an input) raises `NotSymbolicError`, and the generated code calls
that function instead (see `NAMES`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from micrograd_lite import ops

__all__ = ["NAMES", "NotSymbolicError", "expressions", "literal", "name_of"]

#: How many paths through one rule are followed before it is called as a function.
MAX_PATHS = 16


class NotSymbolicError(Exception):
    """The function did something a placeholder cannot stand in for."""


class _Branches:
    """The yes/no answers one run of a function takes at its data-dependent branches."""

    def __init__(self, forced: list[bool]) -> None:
        self.forced = forced
        self.conditions: list[str] = []

    def decide(self, condition: str) -> bool:
        i = len(self.conditions)
        self.conditions.append(condition)
        return self.forced[i] if i < len(self.forced) else True


def literal(x: float) -> str:
    """Python source for a float constant that reads back as exactly the same float."""
    if x != x:
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "(-inf)"
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def _code(x: object) -> str:
    if isinstance(x, Sym):
        return x.code
    if type(x) is float:
        return literal(x)
    if type(x) is int:
        return repr(x)
    raise NotSymbolicError(f"cannot write {type(x).__name__} as code")


class _Condition:
    """A comparison of placeholders: asking for its truth value picks a branch."""

    __slots__ = ("code", "branches")

    def __init__(self, code: str, branches: _Branches) -> None:
        self.code = code
        self.branches = branches

    def __bool__(self) -> bool:
        return self.branches.decide(self.code)


class Sym:
    """A placeholder for a float: operations on it build the expression that computes them."""

    __slots__ = ("code", "branches")

    def __init__(self, code: str, branches: _Branches) -> None:
        self.code = code
        self.branches = branches

    def _op(self, symbol: str, other: object, reflected: bool = False) -> Sym:
        a, b = (other, self) if reflected else (self, other)
        return Sym(f"({_code(a)} {symbol} {_code(b)})", self.branches)

    def _call(self, name: str, *args: object) -> Sym:
        return Sym(f"{name}({', '.join(_code(a) for a in args)})", self.branches)

    def _compare(self, symbol: str, other: object) -> _Condition:
        return _Condition(f"({self.code} {symbol} {_code(other)})", self.branches)

    def __add__(self, other: object) -> Sym:
        return self._op("+", other)

    def __radd__(self, other: object) -> Sym:
        return self._op("+", other, reflected=True)

    def __sub__(self, other: object) -> Sym:
        return self._op("-", other)

    def __rsub__(self, other: object) -> Sym:
        return self._op("-", other, reflected=True)

    def __mul__(self, other: object) -> Sym:
        return self._op("*", other)

    def __rmul__(self, other: object) -> Sym:
        return self._op("*", other, reflected=True)

    # `/`, `**` and `log` on floats are the IEEE helpers, as the rules' div/power/log.
    def __truediv__(self, other: object) -> Sym:
        return self._call("float_div", self, other)

    def __rtruediv__(self, other: object) -> Sym:
        return self._call("float_div", other, self)

    def __pow__(self, other: object) -> Sym:
        return self._call("float_pow", self, other)

    def __rpow__(self, other: object) -> Sym:
        return self._call("float_pow", other, self)

    def log(self) -> Sym:
        return self._call("float_log", self)

    def __neg__(self) -> Sym:
        return Sym(f"(-{self.code})", self.branches)

    def __lt__(self, other: object) -> _Condition:
        return self._compare("<", other)

    def __le__(self, other: object) -> _Condition:
        return self._compare("<=", other)

    def __gt__(self, other: object) -> _Condition:
        return self._compare(">", other)

    def __ge__(self, other: object) -> _Condition:
        return self._compare(">=", other)

    def __eq__(self, other: object) -> _Condition:  # type: ignore[override]
        return self._compare("==", other)

    def __ne__(self, other: object) -> _Condition:  # type: ignore[override]
        return self._compare("!=", other)

    __hash__ = None  # type: ignore[assignment]

    def __float__(self) -> float:
        raise NotSymbolicError("float() of a placeholder")

    def __bool__(self) -> bool:
        raise NotSymbolicError("truth value of a placeholder")


def expressions(fn: Callable[..., Any], args: Sequence[str | float]) -> list[str]:
    """The code of each result of `fn(*args)`, where a str argument is a variable's name
    and a float a constant. Raises `NotSymbolicError` if `fn` cannot be followed."""
    runs = 0

    def follow(forced: list[bool]) -> list[str]:
        nonlocal runs
        runs += 1
        if runs > MAX_PATHS:
            raise NotSymbolicError("too many branches")
        branches = _Branches(forced)
        values = [Sym(a, branches) if isinstance(a, str) else a for a in args]
        try:
            result = fn(*values)
        except NotSymbolicError:
            raise
        except Exception as error:  # e.g. math.exp(placeholder) is a TypeError
            raise NotSymbolicError(str(error)) from error
        results = result if isinstance(result, tuple) else (result,)
        if len(branches.conditions) == len(forced):
            return [_code(r) for r in results]
        condition = branches.conditions[len(forced)]
        yes = follow([*forced, True])
        no = follow([*forced, False])
        return [y if y == n else f"({y} if {condition} else {n})" for y, n in zip(yes, no)]

    return follow([])


def name_of(fn: Callable[..., Any], op: ops.Op, role: str) -> str:
    """The name generated code calls `fn` by (an op's forward or rule)."""
    name = getattr(fn, "__name__", "<lambda>")
    return f"{role}_{op.name()}" if name == "<lambda>" else name


def _names() -> dict[str, Any]:
    names: dict[str, Any] = {
        "inf": math.inf,
        "nan": math.nan,
        "float_div": ops.float_div,
        "float_pow": ops.float_pow,
        "float_log": ops.float_log,
    }
    for op in ops.ALL_OPS:
        for fn, role in ((op.forward, "forward"), (op.vjp, "vjp")):
            name = name_of(fn, op, role)
            assert names.get(name, fn) is fn, f"two functions named {name}"
            names[name] = fn
    return names


#: Every name generated code may use, and what it stands for.
NAMES = _names()
