"""All the calculus of micrograd_lite: each operation's forward and its derivative rule.

An operation is one block: a comment with its maths, then its derivative rule, decorated
with `define_op`, which takes the forward on floats and registers the operation:

    # d tanh(a) = (1 - tanh²(a)) da
    @define_op("tanh", math.tanh, name="TanhBackward0")
    def tanh(g, out, a):
        return (g * ((1.0 - out) * (1.0 + out)),)

The rule is a vector-Jacobian product `rule(g, out, *inputs)`: given the gradient `g`
that reaches the result `out`, it returns the gradient that reaches each input, in the
order of the inputs. `define_op` returns an `Op`, which is itself a function: applied to
numbers it gives its forward's float, applied to Values it records a node of the graph.
User code defines new operations the same way (`micrograd_lite.define_op`), and every
part of the library finds them in `REGISTRY`.

Each rule is written once and serves two uses:

- a first-order backward pass calls it with plain floats, which is fast;
- `grad(..., create_graph=True)` calls it with the graph's Values, so the gradients it
  returns are graphs themselves and can be differentiated again.

So a rule uses only arithmetic operators, comparisons, `float()` and operations from
here (`div`, `log`, `power`, ...), which do the right thing for both floats and Values.

Numerics are IEEE-754 float64 as in PyTorch: `1/0` is `inf`, `log(0)` is `-inf`,
`(-8) ** (1/3)` is `nan`. No operation raises a Python arithmetic error or returns a
complex number, and derivatives at kinks and edges match PyTorch's.
"""

from __future__ import annotations

import builtins
import inspect
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from micrograd_lite.engine import Value

__all__ = ["BUILT_IN", "REGISTRY", "Op", "define_op", "power"]

inf = math.inf
nan = math.nan

#: A number a rule works on: a float in a first-order pass, a Value in a higher-order one.
Num = Union[float, "Value"]

#: A derivative rule: `rule(g, out, *inputs)` returns one gradient per input.
Rule = Callable[..., tuple[Any, ...]]


class Op:
    """One operation: its PyTorch `grad_fn` name, its symbol, its forward and its rule.

    The same `Op` object is the `grad_fn` of every result of that operation, so
    `v.grad_fn.name()` gives `"MulBackward0"` and `repr(v.grad_fn)` `<MulBackward0>`.
    Calling it applies the operation: `ops.tanh(0.5)` is a float, `ops.tanh(v)` a Value.
    """

    __slots__ = ("_name", "symbol", "arity", "forward", "vjp", "constant_inputs", "closure")

    def __init__(
        self,
        name: str,
        symbol: str,
        arity: int,
        forward: Callable[..., float],
        vjp: Rule,  # floats in, floats out; Values in, Values out
        constant_inputs: tuple[int, ...] = (),
        closure: bool = False,
    ) -> None:
        self._name = name
        self.symbol = symbol  # how the visualiser labels the operation
        self.arity = arity  # number of inputs; 0 means any number
        self.forward = forward
        self.vjp = vjp
        # Positions that always hold a Python-number constant: the rule returns 0 there
        # rather than spend work on a gradient that nothing reads.
        self.constant_inputs = constant_inputs
        # True for the op of a node made with `Value(data, children, op)`: the node's
        # `_backward` closure, not a rule, passes its gradient on.
        self.closure = closure

    def name(self) -> str:
        """The PyTorch class name of this operation's backward, e.g. `AddBackward0`."""
        return self._name

    def __repr__(self) -> str:
        return f"<{self._name}>"

    def __call__(self, *inputs: Any) -> Any:
        """Apply the operation: a float for numbers, a new node for Values."""
        for x in inputs:
            # A Value (or the compiler's placeholder) says how it takes part in an op.
            apply = getattr(type(x), "__apply_op__", None)
            if apply is not None:
                return apply(self, inputs)
        return self.forward(*inputs)


#: Every operation, built-in and user-defined, by its `grad_fn` name, in definition order.
REGISTRY: dict[str, Op] = {}
#: The names of the operations this file defines, which user code cannot reuse.
BUILT_IN: set[str] = set()  # filled at the end of this file


def define_op(
    symbol: str,
    forward: Callable[..., float],
    *,
    name: str | None = None,
    constant_inputs: tuple[int, ...] = (),
) -> Callable[[Rule], Op]:
    """Decorate a derivative rule `rule(g, out, *inputs)` to define and register an op.

    `forward` computes the result from floats; `symbol` labels it in drawings; `name`
    is its `grad_fn` name (default: `SinBackward0` for symbol `sin`). The rule's
    parameters after `g` and `out` give the number of inputs (`*xs` for any number).
    Returns the `Op`, which applies the operation when called.
    """

    def register(rule: Rule) -> Op:
        op_name = name or _default_name(symbol)
        if op_name in BUILT_IN:
            raise ValueError(f"{op_name} is a built-in operation; give your op another name")
        op = Op(op_name, symbol, _arity(rule), forward, rule, constant_inputs)
        REGISTRY[op_name] = op  # defining it again (a re-run notebook cell) replaces it
        return op

    return register


def _default_name(symbol: str) -> str:
    if not symbol.isidentifier():
        raise ValueError(f"an op with symbol {symbol!r} needs a name=, e.g. 'MyOpBackward0'")
    return f"{symbol[0].upper()}{symbol[1:]}Backward0"


def _arity(rule: Rule) -> int:
    code = getattr(rule, "__code__", None)
    if code is None:
        raise TypeError(f"a rule must be a Python function, got {type(rule).__name__}")
    if code.co_flags & inspect.CO_VARARGS:
        return 0
    arity: int = code.co_argcount - 2  # after g and out
    if arity < 1:
        raise TypeError("a rule takes (g, out, *inputs): the gradient, the result, the inputs")
    return arity


def power(x: Num, y: Num) -> Num:
    """`x ** y` for floats or Values, as C's `pow` (the rules' power)."""
    if type(x) is float and type(y) is float:
        return float_pow(x, y)
    return x**y


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
    return builtins.sum(xs, 0.0)


def float_mean(*xs: float) -> float:
    """The mean of the inputs (at least one)."""
    return builtins.sum(xs, 0.0) / len(xs)


def float_mse(*xs: float) -> float:
    """Mean of `(prediction - target)²`; the first half of the inputs are predictions."""
    n = len(xs) // 2
    return builtins.sum([(p - t) * (p - t) for p, t in zip(xs[:n], xs[n:])], 0.0) / n


# ---------------------------------------------------------------------------------------
# The operations, one block each. `g` is the gradient reaching the result `out`; the
# inputs follow.
# ---------------------------------------------------------------------------------------


# d(a + b) = da + db
@define_op("+", lambda a, b: a + b, name="AddBackward0")
def add(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g, g


# d(a - b) = da - db
@define_op("-", lambda a, b: a - b, name="SubBackward0")
def sub(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g, -g


# d(c - b) = -db, for a number c (PyTorch's reflected subtraction)
@define_op("-", lambda a, b: a - b, name="RsubBackward1")
def rsub(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g, -g


# d(a * b) = b da + a db
@define_op("*", lambda a, b: a * b, name="MulBackward0")
def mul(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g * b, g * a


# d(a / b) = da / b - a db / b²
@define_op("/", float_div, name="DivBackward0")
def div(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return div(g, b), -div(g * a, b * b)


# d(a ** c) = c a^(c-1) da, for a number c; 0 when c = 0 (even at a = 0), as PyTorch
@define_op("**", float_pow, name="PowBackward0", constant_inputs=(1,))
def pow_number(g: Num, out: Num, a: Num, c: Num) -> tuple[Num, Num]:
    if float(c) == 0.0:
        return 0.0, 0.0
    return g * (c * power(a, c - 1.0)), 0.0


# d(a ** b) = b a^(b-1) da + a^b log(a) db; the db part is 0 where a = 0 and b >= 0
@define_op("**", float_pow, name="PowBackward1")
def pow_value(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    (grad_a, _) = pow_number.vjp(g, out, a, b)
    if float(a) == 0.0 and float(b) >= 0.0:
        return grad_a, 0.0
    return grad_a, g * (out * log(a))


# d(c ** b) = c^b log(c) db, for a number c: the same rule as a Value ** a Value
@define_op("**", float_pow, name="PowBackward2")
def rpow(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return pow_value.vjp(g, out, a, b)


# d(-a) = -da
@define_op("neg", lambda a: -a, name="NegBackward0")
def neg(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (-g,)


# d exp(a) = exp(a) da
@define_op("exp", float_exp, name="ExpBackward0")
def exp(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * out,)


# d log(a) = da / a
@define_op("log", float_log, name="LogBackward0")
def log(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (div(g, a),)


# d tanh(a) = (1 - tanh²(a)) da, computed as (1 - tanh)(1 + tanh): no digits lost near ±1
@define_op("tanh", math.tanh, name="TanhBackward0")
def tanh(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * ((1.0 - out) * (1.0 + out)),)


# d relu(a) = da where relu(a) > 0, else 0 (so 0 at the kink a = 0, as PyTorch)
@define_op("relu", float_relu, name="ReluBackward0")
def relu(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (0.0 if out <= 0.0 else g,)


# d sigmoid(a) = sigmoid(a) (1 - sigmoid(a)) da
@define_op("sigmoid", float_sigmoid, name="SigmoidBackward0")
def sigmoid(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * (out * (1.0 - out)),)


# d(x1 + ... + xn) = dx1 + ... + dxn
@define_op("sum", float_sum, name="SumBackward0")
def sum_of(g: Num, out: Num, *xs: Num) -> tuple[Num, ...]:
    return (g,) * len(xs)


# d mean(x1 ... xn) = (dx1 + ... + dxn) / n
@define_op("mean", float_mean, name="MeanBackward0")
def mean_of(g: Num, out: Num, *xs: Num) -> tuple[Num, ...]:
    return (div(g, float(len(xs))),) * len(xs)


# d mean((p_i - t_i)²) = 2/n (p_i - t_i) (dp_i - dt_i); predictions first, then targets
@define_op("mse", float_mse, name="MseLossBackward0")
def mse_loss(g: Num, out: Num, *xs: Num) -> tuple[Num, ...]:
    n = len(xs) // 2
    scale = 2.0 / n
    d_pred = [scale * (p - t) * g for p, t in zip(xs[:n], xs[n:])]
    return (*d_pred, *[-d for d in d_pred])


BUILT_IN.update(REGISTRY)
