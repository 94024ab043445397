"""Turn the forwards and rules of `micrograd_lite.ops` into Python expressions.

The compiler writes no calculus of its own. To get the code for, say, the gradient of a
product, it calls the rule `ops.mul.rule` itself with placeholders (`Sym`) instead of numbers:

    >>> from micrograd_lite import ops
    >>> expressions(ops.mul.rule, ["g5", "v5", "v3", "v4"])
    ['(g5 * v4)', '(g5 * v3)']

A `Sym` records each arithmetic operation it takes part in, in the order Python evaluates
it, so the expression does the same float operations as the rule does at run time and
gives bit-identical results. Where a rule branches on its inputs (`ops.relu.rule` asks
`out <= 0.0`), every branch is followed and the result is a conditional expression:

    >>> expressions(ops.relu.rule, ["g7", "v7", "v6"])
    ['(0.0 if (v7 <= 0.0) else g7)']

An operation a rule applies to a placeholder (`div(g, b)`, `log(a)`, `cos(a)` in a
user's `sin`) is inlined through its own forward where a placeholder can go through it,
and otherwise becomes a call of that forward, by the name `names()` gives it: `/` and
`**` call the IEEE helpers `float_div` and `float_pow`, exactly what the rules do on
floats. A rule or forward a placeholder cannot go through at all (one that calls
`math.exp`, or reads `float()` of an input) raises `NotSymbolicError`, and the generated
code calls that function instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from micrograd_lite import floats, ops
from micrograd_lite.engine import UNTOUCHED

__all__ = ["NotSymbolicError", "expressions", "literal", "name_of", "names"]

#: How many paths through one rule are followed before it is called as a function.
MAX_PATHS = 16

#: The longest expression written for one result, and the most branches on one path,
#: before the function is called instead: a forward that loops on its input (`while a >
#: 1: a = a / 2`) would otherwise be followed without end.
MAX_CODE = 2_000
MAX_BRANCHES = 64


class NotSymbolicError(Exception):
    """The function did something a placeholder cannot stand in for."""


class _Branches:
    """The yes/no answers one run of a function takes at its data-dependent branches."""

    def __init__(self, forced: list[bool]) -> None:
        self.forced = forced
        self.conditions: list[str] = []

    def decide(self, condition: str) -> bool:
        i = len(self.conditions)
        if i >= MAX_BRANCHES:
            raise NotSymbolicError("too many branches on one path")
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
        if len(code) > MAX_CODE:
            raise NotSymbolicError("the expression grows too long")
        self.code = code
        self.branches = branches

    def _op(self, symbol: str, other: object, reflected: bool = False) -> Sym:
        a, b = (other, self) if reflected else (self, other)
        return Sym(f"({_code(a)} {symbol} {_code(b)})", self.branches)

    def _call(self, name: str, *args: object) -> Sym:
        return Sym(f"{name}({', '.join(_code(a) for a in args)})", self.branches)

    @staticmethod
    def __apply_op__(op: ops.Op, inputs: tuple[Any, ...]) -> Sym:
        """An op applied to placeholders: its forward inlined, or else called by name."""
        first = next(x for x in inputs if isinstance(x, Sym))
        assert op.forward is not None  # rules apply registered ops, which have one
        try:
            (code,) = expressions(
                op.forward, [_code(x) if isinstance(x, Sym) else x for x in inputs]
            )
        except NotSymbolicError:
            return first._call(name_of(op.forward, op, "forward"), *inputs)
        return Sym(code, first.branches)

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
    """The name generated code calls `fn` by (an op's forward or rule).

    A forward keeps its own name (`tanh`, `float_div`) where no other op's forward has
    it; a rule, a lambda, or a clashing forward is named after its op's key
    (`rule_pow_value`, `forward_add`).
    """
    name = getattr(fn, "__name__", "")
    if getattr(ops, name, None) is not fn and getattr(floats, name, None) is not fn:
        # floats keeps it under another name: math.fma is float_fma where Python has it,
        # so the code reads the same on every Python
        name = next((key for key, value in vars(floats).items() if value is fn), name)
    if role == "forward" and name.isidentifier() and name not in _RESERVED:
        others = (o.forward for o in ops.REGISTRY.values() if o.forward is not fn)
        if all(getattr(other, "__name__", None) != name for other in others):
            return name
    return f"{role}_{op.key}"


#: Names the generated function uses for its own locals and arguments.
_RESERVED = {"inputs", "captured", "seeds", "backward", "outputs", "inf", "nan"}


def names(recorded: Iterable[ops.Op] = ()) -> dict[str, Any]:
    """Every name generated code may use, and what it stands for: from `ops.REGISTRY`, so
    an op defined with `define_op` after import is known too, and from the `recorded` ops,
    which may since have been defined again (a notebook cell run twice)."""
    table: dict[str, Any] = {
        "inf": math.inf,
        "nan": math.nan,
        "float_pow": floats.float_pow,
        "UNTOUCHED": UNTOUCHED,
    }
    for op in (*ops.REGISTRY.values(), *recorded):
        for fn, role in ((op.forward, "forward"), (op.rule, "rule")):
            if not op.closure:
                table[name_of(fn, op, role)] = fn
    return table
