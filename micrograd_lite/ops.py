"""All the calculus of micrograd_lite: each operation's forward and its derivative rule.

An operation is one `Op`: a `forward` on plain floats and a vector-Jacobian product rule
`vjp(g, out, *inputs)`. Given the gradient `g` that reaches the result `out`, the rule
returns the gradient that reaches each input, in the order of the inputs. The maths of
each rule sits in a comment above it.

Each rule is written once and serves two uses:

- a first-order backward pass calls it with plain floats, which is fast;
- `grad(..., create_graph=True)` calls it with the graph's Values, so the gradients it
  returns are graphs themselves and can be differentiated again.

So a rule uses only arithmetic operators, comparisons, `float()` and the helpers `div`,
`power` and `log` below, which do the right thing for both floats and Values.

Numerics are IEEE-754 float64 as in PyTorch: `1/0` is `inf`, `log(0)` is `-inf`,
`(-8) ** (1/3)` is `nan`. No operation raises a Python arithmetic error or returns a
complex number, and derivatives at kinks and edges match PyTorch's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from micrograd_lite.engine import Value

__all__ = ["Op"]

inf = math.inf
nan = math.nan

#: A number a rule works on: a float in a first-order pass, a Value in a higher-order one.
Num = Union[float, "Value"]


class Op:
    """One operation: its PyTorch `grad_fn` name, its symbol, its forward and its rule.

    The same `Op` object is the `grad_fn` of every result of that operation, so
    `v.grad_fn.name()` gives `"MulBackward0"` and `repr(v.grad_fn)` `<MulBackward0>`.
    """

    __slots__ = ("_name", "symbol", "arity", "forward", "vjp", "constant_inputs")

    def __init__(
        self,
        name: str,
        symbol: str,
        arity: int,
        forward: Callable[..., float],
        vjp: Callable[..., tuple[Any, ...]],  # floats in, floats out; Values in, Values out
        constant_inputs: tuple[int, ...] = (),
    ) -> None:
        self._name = name
        self.symbol = symbol  # how the visualiser labels the operation
        self.arity = arity  # number of inputs; 0 means any number
        self.forward = forward
        self.vjp = vjp
        # Positions that always hold a Python-number constant: the rule returns 0 there
        # rather than spend work on a gradient that nothing reads.
        self.constant_inputs = constant_inputs

    def name(self) -> str:
        """The PyTorch class name of this operation's backward, e.g. `AddBackward0`."""
        return self._name

    def __repr__(self) -> str:
        return f"<{self._name}>"


# ---------------------------------------------------------------------------------------
# IEEE-754 float functions. Python's own `/`, `**`, `math.exp` and `math.log` raise where
# IEEE arithmetic (and so PyTorch) gives inf or nan; these never raise.
# ---------------------------------------------------------------------------------------


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
    """`x ** y` as C's `pow`: `0 ** -1 = inf`, `(-8) ** (1/3) = nan`, overflow gives inf."""
    try:
        result = x**y
    except ZeroDivisionError:  # zero to a negative power
        return math.copysign(inf, x) if _is_odd_integer(y) else inf
    except OverflowError:
        return -inf if x < 0.0 and _is_odd_integer(y) else inf
    return nan if isinstance(result, complex) else result


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


def float_sigmoid(x: float) -> float:
    """`1 / (1 + e ** -x)`, computed so that neither tail overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0 or nan, so this cannot overflow
    return e / (1.0 + e)


def float_relu(x: float) -> float:
    """`max(x, 0)`, with nan passed through as PyTorch does."""
    return 0.0 if x <= 0.0 else x


def float_sum(*xs: float) -> float:
    """The sum of the inputs, left to right."""
    return sum(xs, 0.0)


def float_mean(*xs: float) -> float:
    """The mean of the inputs (at least one)."""
    return sum(xs, 0.0) / len(xs)


def float_mse(*xs: float) -> float:
    """Mean of `(prediction - target)²`; the first half of the inputs are predictions."""
    n = len(xs) // 2
    return sum([(p - t) * (p - t) for p, t in zip(xs[:n], xs[n:])], 0.0) / n


# ---------------------------------------------------------------------------------------
# Helpers the rules use in place of `/`, `**` and `log`: on floats they are the IEEE
# functions above, on Values they are the Value operations (which record a graph).
# ---------------------------------------------------------------------------------------


def div(x: Num, y: Num) -> Num:
    """`x / y` for floats or Values, IEEE at zero."""
    try:
        return x / y
    except ZeroDivisionError:  # only plain floats raise
        return float_div(float(x), float(y))


def power(x: Num, y: Num) -> Num:
    """`x ** y` for floats or Values, as C's `pow`."""
    if type(x) is float and type(y) is float:
        return float_pow(x, y)
    return x**y


def log(x: Num) -> Num:
    """Natural log for floats or Values."""
    if type(x) is float:
        return float_log(x)
    return x.log()  # type: ignore[union-attr]  # x is a Value here


# ---------------------------------------------------------------------------------------
# The rules. `g` is the gradient reaching the result `out`; the inputs follow.
# ---------------------------------------------------------------------------------------


# d(a + b) = da + db
def add_vjp(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g, g


# d(a - b) = da - db
def sub_vjp(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g, -g


# d(a * b) = b da + a db
def mul_vjp(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g * b, g * a


# d(a / b) = da / b - a db / b²
def div_vjp(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return div(g, b), -div(g * a, b * b)


# d(a ** c) = c a^(c-1) da, for a constant c; 0 when c = 0 (even at a = 0), as PyTorch
def pow_vjp_base(g: Num, out: Num, a: Num, c: Num) -> tuple[Num, Num]:
    if float(c) == 0.0:
        return 0.0, 0.0
    return g * (c * power(a, c - 1.0)), 0.0


# d(a ** b) = b a^(b-1) da + a^b log(a) db; the db part is 0 where a = 0 and b >= 0
def pow_vjp(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    (grad_a, _) = pow_vjp_base(g, out, a, b)
    if float(a) == 0.0 and float(b) >= 0.0:
        return grad_a, 0.0
    return grad_a, g * (out * log(a))


# d(-a) = -da
def neg_vjp(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (-g,)


# d exp(a) = exp(a) da
def exp_vjp(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * out,)


# d log(a) = da / a
def log_vjp(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (div(g, a),)


# d tanh(a) = (1 - tanh²(a)) da, computed as (1 - tanh)(1 + tanh): no digits lost near ±1
def tanh_vjp(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * ((1.0 - out) * (1.0 + out)),)


# d relu(a) = da where relu(a) > 0, else 0 (so 0 at the kink a = 0, as PyTorch)
def relu_vjp(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (0.0 if out <= 0.0 else g,)


# d sigmoid(a) = sigmoid(a) (1 - sigmoid(a)) da
def sigmoid_vjp(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * (out * (1.0 - out)),)


# d(x1 + ... + xn) = dx1 + ... + dxn
def sum_vjp(g: Num, out: Num, *xs: Num) -> tuple[Num, ...]:
    return (g,) * len(xs)


# d mean(x1 ... xn) = (dx1 + ... + dxn) / n
def mean_vjp(g: Num, out: Num, *xs: Num) -> tuple[Num, ...]:
    return (div(g, float(len(xs))),) * len(xs)


# d mean((p_i - t_i)²) = 2/n (p_i - t_i) (dp_i - dt_i)
def mse_vjp(g: Num, out: Num, *xs: Num) -> tuple[Num, ...]:
    n = len(xs) // 2
    scale = 2.0 / n
    d_pred = [scale * (p - t) * g for p, t in zip(xs[:n], xs[n:])]
    return (*d_pred, *[-d for d in d_pred])


ADD = Op("AddBackward0", "+", 2, lambda a, b: a + b, add_vjp)
SUB = Op("SubBackward0", "-", 2, lambda a, b: a - b, sub_vjp)
RSUB = Op("RsubBackward1", "-", 2, lambda a, b: a - b, sub_vjp)  # number - Value
MUL = Op("MulBackward0", "*", 2, lambda a, b: a * b, mul_vjp)
DIV = Op("DivBackward0", "/", 2, float_div, div_vjp)
POW = Op("PowBackward0", "**", 2, float_pow, pow_vjp_base, constant_inputs=(1,))  # Value ** number
POW_VALUE = Op("PowBackward1", "**", 2, float_pow, pow_vjp)  # Value ** Value
RPOW = Op("PowBackward2", "**", 2, float_pow, pow_vjp)  # number ** Value
NEG = Op("NegBackward0", "neg", 1, lambda a: -a, neg_vjp)
EXP = Op("ExpBackward0", "exp", 1, float_exp, exp_vjp)
LOG = Op("LogBackward0", "log", 1, float_log, log_vjp)
TANH = Op("TanhBackward0", "tanh", 1, math.tanh, tanh_vjp)
RELU = Op("ReluBackward0", "relu", 1, float_relu, relu_vjp)
SIGMOID = Op("SigmoidBackward0", "sigmoid", 1, float_sigmoid, sigmoid_vjp)
SUM = Op("SumBackward0", "sum", 0, float_sum, sum_vjp)
MEAN = Op("MeanBackward0", "mean", 0, float_mean, mean_vjp)
MSE_LOSS = Op("MseLossBackward0", "mse", 0, float_mse, mse_vjp)

#: Every operation, for tests and tools that go over all of them.
ALL_OPS = (
    *(ADD, SUB, RSUB, MUL, DIV, POW, POW_VALUE, RPOW),
    *(NEG, EXP, LOG, TANH, RELU, SIGMOID),
    *(SUM, MEAN, MSE_LOSS),
)
