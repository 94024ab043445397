"""IEEE-754 float functions: the forwards of the ops, on floats.

Python's own `/`, `**`, `math.exp` and `math.log` raise where IEEE arithmetic (and so
PyTorch) gives inf or nan; these never raise.
"""

from __future__ import annotations

import builtins
import math
from fractions import Fraction
from numbers import Real

__all__ = [
    "as_float",
    "float_cos",
    "float_div",
    "float_exp",
    "float_fma",
    "float_log",
    "float_mean",
    "float_mse",
    "float_pow",
    "float_pow_number",
    "float_relu",
    "float_sigmoid",
    "float_sin",
    "float_sqrt",
    "float_sum",
]

inf = math.inf
nan = math.nan


def _is_odd_integer(x: float) -> bool:
    return x % 2.0 == 1.0


def float_div(x: float, y: float) -> float:
    """`x / y`, with `±x/0 = ±inf` and `0/0 = nan`."""
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0.0 or x != x:
            return nan
        return math.copysign(inf, x) * math.copysign(1.0, y)


def float_pow(x: float, y: float) -> float:
    """`x ** y` as C's `pow`: `0 ** -1 = inf`, `(-8) ** (1/3) = nan`, overflow gives inf,
    and `(-inf) ** 1.5 = inf`: -inf is the one negative base with a real fractional power."""
    if -inf < x < 0.0 and math.isfinite(y) and y != math.floor(y):
        return nan  # a negative base to a fractional power (Python would go complex)
    try:
        return x**y  # type: ignore[no-any-return]  # real: the complex case is above
    except ZeroDivisionError:  # zero to a negative power
        return math.copysign(inf, x) if _is_odd_integer(y) else inf
    except OverflowError:
        return -inf if x < 0.0 and _is_odd_integer(y) else inf


def float_pow_number(x: float, c: float) -> float:
    """`x ** c` for a number exponent, as PyTorch's CPU kernel: the exponents 2, 3, -2,
    0.5, -0.5 and -1 are multiplications, square roots and divisions, others `pow`."""
    if c == 2.0:
        return x * x
    if c == 3.0:
        return x * x * x
    if c == 0.5:
        return float_sqrt(x)
    if c == -0.5:
        return float_div(1.0, float_sqrt(x))
    if c == -1.0:
        return float_div(1.0, x)
    if c == -2.0:
        return float_div(1.0, x * x)
    return float_pow(x, c)


_SPLIT = 134217729.0  # 2**27 + 1: splits a float's 53 bits into two halves (Veltkamp)


def float_fma(a: float, b: float, c: float) -> float:
    """`a * b + c` rounded once, as a fused multiply-add, on every Python version.

    Here `a * b` is split exactly into its rounded value and its error (Dekker's
    product), and `math.fsum` rounds the exact sum of those and `c` once. Where the
    split could overflow or underflow, exact rational arithmetic does it instead.
    """
    p = a * b
    if 1e-250 < abs(p) < 1e290 and abs(a) < 1e290 and abs(b) < 1e290 and abs(c) < 1e300:
        t = _SPLIT * a
        a_hi = t - (t - a)
        a_lo = a - a_hi
        t = _SPLIT * b
        b_hi = t - (t - b)
        b_lo = b - b_hi
        error = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
        return math.fsum((p, error, c))
    if a == 0.0 or b == 0.0 or not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return p + c  # the product is exact (or inf/nan): one rounding
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    try:
        return float(exact)
    except OverflowError:  # beyond the largest float: IEEE rounds to ±inf
        return inf if exact > 0 else -inf


def float_exp(x: float) -> float:
    """`e ** x`, with overflow giving inf."""
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def float_log(x: float) -> float:
    """Natural log: `log(0) = -inf`, `log(x < 0) = nan`."""
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -inf
    return nan  # negative, or nan


def float_sqrt(x: float) -> float:
    """Square root: `sqrt(-0.0) = -0.0`, `sqrt(x < 0) = nan`."""
    return math.sqrt(x) if x >= 0.0 or x != x else nan


def float_sin(x: float) -> float:
    """Sine: `sin(±inf) = nan`, where Python's `math.sin` raises."""
    return math.sin(x) if x - x == 0.0 else nan  # x - x is nan for ±inf and nan


def float_cos(x: float) -> float:
    """Cosine: `cos(±inf) = nan`, where Python's `math.cos` raises."""
    return math.cos(x) if x - x == 0.0 else nan


def float_sigmoid(x: float) -> float:
    """`1 / (1 + e ** -x)`, as PyTorch computes it (e ** 1000 is inf, so the result 0)."""
    return 1.0 / (1.0 + float_exp(-x))


def float_relu(x: float) -> float:
    """`max(x, 0)`, with nan and -0.0 passed through as PyTorch does."""
    return 0.0 if x < 0.0 else x


def float_sum(*xs: float) -> float:
    """The sum of the inputs, left to right."""
    return builtins.sum(xs, 0.0)


def float_mean(*xs: float) -> float:
    """The mean of the inputs (at least one)."""
    return builtins.sum(xs, 0.0) / len(xs)


def float_mse(*xs: float) -> float:
    """Mean of `(prediction - target)²`; the first half of the inputs are predictions."""
    n = len(xs) // 2
    return builtins.sum([(p - t) * (p - t) for p, t in zip(xs[:n], xs[n:])], 0.0) / n


if hasattr(math, "fma"):  # Python 3.13 and later: the processor's own instruction
    float_fma = math.fma  # the same function, faster


def as_float(x: object) -> float | None:
    """A real number as a float (an int too large for a float becomes ±inf, as in IEEE);
    None for anything else, Values included."""
    kind = type(x)
    if kind is float:
        return x  # type: ignore[return-value]  # checked just above; the common case
    if kind is not int and not isinstance(x, Real):  # a Value is not a Real
        return None
    try:
        return float(x)  # type: ignore[arg-type]  # x is a real number here
    except OverflowError:  # e.g. 10**400
        return math.inf if x > 0 else -math.inf  # type: ignore[operator]
