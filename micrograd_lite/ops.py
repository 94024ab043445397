"""All the calculus of micrograd_lite: each operation's forward and its derivative rule.

An operation is one block: a comment with its maths, then its derivative rule, decorated
with `define_op`, which takes the forward on floats and the derivative as a learner
writes it (`maths=`, what the stepper shows), and registers the operation:

    # d tanh(a) = (1 - tanh²(a)) da, with 1 - tanh² as one fused multiply-add, as PyTorch
    @define_op("tanh", math.tanh, name="TanhBackward0", maths="1 - out**2")
    def tanh(g, out, a):
        return (g * fma(-out, out, 1.0),)

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

import ast
import inspect
import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

from micrograd_lite.floats import (
    float_cos,
    float_div,
    float_exp,
    float_fma,
    float_log,
    float_mean,
    float_mse,
    float_pow,
    float_pow_number,
    float_relu,
    float_sigmoid,
    float_sin,
    float_sqrt,
    float_sum,
)

if TYPE_CHECKING:
    from micrograd_lite.engine import Value

__all__ = ["BUILT_IN", "MATHS_FUNCTIONS", "REGISTRY", "Op", "define_op", "power"]

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

    __slots__ = (
        "key",
        "_name",
        "symbol",
        "arity",
        "forward",
        "rule",
        "constant_inputs",
        "closure",
        "maths",
    )

    def __init__(
        self,
        key: str,
        name: str,
        symbol: str,
        arity: int,
        forward: Callable[..., float],
        rule: Rule,  # floats in, floats out; Values in, Values out
        constant_inputs: tuple[int, ...] = (),
        closure: bool = False,
        maths: tuple[str, ...] = (),
    ) -> None:
        self.key = key  # its place in REGISTRY: the rule's name, e.g. "div" or "rdiv"
        self._name = name
        self.symbol = symbol  # how the visualiser labels the operation
        self.arity = arity  # number of inputs; 0 means any number
        self.forward = forward
        self.rule = rule
        # Positions that always hold a Python-number constant: the rule returns 0 there
        # rather than spend work on a gradient that nothing reads.
        self.constant_inputs = constant_inputs
        # True for the op of a node made with `Value(data, children, op)`: the node's
        # `_backward` closure, not a rule, passes its gradient on.
        self.closure = closure
        # The derivative of the result by each input, as a learner writes it (Python
        # syntax: `"1 - out**2"`), shown by the stepper; () where none is given.
        self.maths = maths

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


#: Every operation, built-in and user-defined, by its rule's name (`"tanh"`, `"rdiv"`), in
#: definition order. Two ops may share a `grad_fn` name: `a / b` and `2 / a` are both
#: `DivBackward0`, computed differently.
REGISTRY: dict[str, Op] = {}
#: The keys of the operations this file defines, which user code cannot reuse.
BUILT_IN: set[str] = set()  # filled at the end of this file


def define_op(
    symbol: str,
    forward: Callable[..., float],
    *,
    name: str | None = None,
    constant_inputs: tuple[int, ...] = (),
    maths: str | tuple[str, ...] = (),
) -> Callable[[Rule], Op]:
    """Decorate a derivative rule `rule(g, out, *inputs)` to define and register an op.

    `forward` computes the result from floats; `symbol` labels it in drawings; `name`
    is its `grad_fn` name (default: `SinBackward0` for symbol `sin`). The rule's
    parameters after `g` and `out` give the number of inputs (`*xs` for any number),
    and its name is the op's key in `REGISTRY`. Returns the `Op`, which applies the
    operation when called.

    `maths` is the derivative of the result by each input, as a learner writes it, in
    Python syntax over the rule's input names, `out`, and the functions in
    `MATHS_FUNCTIONS` (`log`, `sqrt`, `cos`, `sign`, ...): `maths=("b", "a")` for
    `a * b`, `maths="cos(a)"` for `sin`. The stepper shows it, with the numbers in, for
    each step of backward. An op of any number of inputs gives one text for every input,
    in `x` (the input), `n` (how many there are), and `y` and `m` where the inputs come
    in two halves of `m` pairs,
    `y` the input paired with `x` (`maths="2/m * (x - y)"` for a mean squared error).
    """

    def register(rule: Rule) -> Op:
        key = getattr(rule, "__name__", "")
        if not key.isidentifier():
            raise TypeError("define_op decorates a rule defined with def, named after the op")
        if key in BUILT_IN:
            raise ValueError(f"{key} is a built-in operation; name your rule otherwise")
        arity = _arity(rule)
        texts = (maths,) if isinstance(maths, str) else maths
        if not isinstance(texts, (tuple, list)):
            raise TypeError("maths= takes a str, or a tuple of one str per input")
        texts = tuple(texts)
        _check_maths(rule, arity, texts)
        op = Op(
            key,
            name or _default_name(symbol),
            symbol,
            arity,
            forward,
            rule,
            constant_inputs,
            maths=texts,
        )
        REGISTRY[key] = op  # defining it again (a re-run notebook cell) replaces it
        return op

    return register


#: The functions a `maths` text may call.
MATHS_FUNCTIONS = (
    "log",
    "exp",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "sinh",
    "cosh",
    "tanh",
    "abs",
    "sign",
)


def _check_maths(rule: Rule, arity: int, texts: tuple[str, ...]) -> None:
    """Refuse a `maths` text that is not one expression per input over the known names."""
    if not texts:
        return
    if not all(isinstance(t, str) for t in texts):
        raise TypeError("maths= takes a str, or a tuple of one str per input")
    inputs = rule.__code__.co_varnames[2 : 2 + arity] if arity else ("x", "y", "n", "m")
    if len(texts) != (arity or 1):
        raise ValueError(
            f"maths= has {len(texts)} texts for {arity or 'any number of'} inputs: "
            "give the derivative by each input (one text for an op of any number)"
        )
    known = {*inputs, "out", *MATHS_FUNCTIONS}
    for text in texts:
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            raise ValueError(f"maths text {text!r} is not a Python expression") from None
        unknown = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - known)
        if unknown:
            raise ValueError(
                f"maths text {text!r} uses {', '.join(unknown)}; it may use "
                f"{', '.join(sorted(known))}"
            )


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
# The operations, one block each. `g` is the gradient reaching the result `out`; the
# inputs follow. `operator.add(a, b)` is `a + b`: Python's own function, quicker to call.
# ---------------------------------------------------------------------------------------


# d(a + b) = da + db
@define_op("+", operator.add, name="AddBackward0", maths=("1", "1"))
def add(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g, g


# d(a - b) = da - db
@define_op("-", operator.sub, name="SubBackward0", maths=("1", "-1"))
def sub(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g, -g


# d(c - b) = -db, for a number c (PyTorch's reflected subtraction)
@define_op("-", operator.sub, name="RsubBackward1", maths=("1", "-1"))
def rsub(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g, -g


# d(a * b) = b da + a db
@define_op("*", operator.mul, name="MulBackward0", maths=("b", "a"))
def mul(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return g * b, g * a


# d(a / b) = da / b - (a / b) db / b, with a / b / b rather than b², which overflows
@define_op("/", float_div, name="DivBackward0", maths=("1/b", "-a/b**2"))
def div(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    return div(g, b), -(g * div(div(a, b), b))


# c / a = c * r with r = 1/a, as PyTorch computes it; d(c / a) = -c r² da
@define_op(
    "/",
    lambda c, a: c * float_div(1.0, a),
    name="DivBackward0",
    constant_inputs=(0,),
    maths=("1/a", "-c/a**2"),
)
def rdiv(g: Num, out: Num, c: Num, a: Num) -> tuple[Num, Num]:
    r = div(1.0, a)
    return 0.0, -(g * c) * (r * r)


# d(a ** c) = c a^(c-1) da, for a number c; 0 when c = 0 (even at a = 0), as PyTorch
@define_op(
    "**",
    float_pow_number,
    name="PowBackward0",
    constant_inputs=(1,),
    maths=("c * a**(c - 1)", "out * log(a)"),
)
def pow_number(g: Num, out: Num, a: Num, c: Num) -> tuple[Num, Num]:
    if float(c) == 0.0:
        return 0.0, 0.0
    return g * (c * pow_number(a, c - 1.0)), 0.0


# d(a ** b) = b a^(b-1) da + a^b log(a) db; the db part is g * 0 where a = 0 and b >= 0
@define_op("**", float_pow, name="PowBackward1", maths=("b * a**(b - 1)", "out * log(a)"))
def pow_value(g: Num, out: Num, a: Num, b: Num) -> tuple[Num, Num]:
    grad_a = 0.0 if float(b) == 0.0 else g * (b * power(a, b - 1.0))
    if float(a) == 0.0 and float(b) >= 0.0:
        return grad_a, g * 0.0
    return grad_a, g * (out * log(a))


# d(c ** b) = c^b log(c) db, for a number c; g * 0 where c = 0 and b >= 0
@define_op(
    "**",
    float_pow,
    name="PowBackward2",
    constant_inputs=(0,),
    maths=("b * c**(b - 1)", "out * log(c)"),
)
def rpow(g: Num, out: Num, c: Num, b: Num) -> tuple[Num, Num]:
    if float(c) == 0.0 and float(b) >= 0.0:
        return 0.0, g * 0.0
    return 0.0, g * (out * log(c))


# d(-a) = -da
@define_op("neg", operator.neg, name="NegBackward0", maths="-1")
def neg(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (-g,)


# d exp(a) = exp(a) da
@define_op("exp", float_exp, name="ExpBackward0", maths="out")
def exp(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * out,)


# d log(a) = da / a
@define_op("log", float_log, name="LogBackward0", maths="1/a")
def log(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (div(g, a),)


# d tanh(a) = (1 - tanh²(a)) da, with 1 - tanh² as one fused multiply-add, as PyTorch
@define_op("tanh", math.tanh, name="TanhBackward0", maths="1 - out**2")
def tanh(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * fma(-out, out, 1.0),)


# d relu(a) = da where relu(a) > 0, else 0 (so 0 at the kink a = 0, as PyTorch)
@define_op("relu", float_relu, name="ReluBackward0", maths="1 if out > 0 else 0")
def relu(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (0.0 if out <= 0.0 else g,)


# d sigmoid(a) = (1 - sigmoid(a)) sigmoid(a) da, in PyTorch's order
@define_op("sigmoid", float_sigmoid, name="SigmoidBackward0", maths="out * (1 - out)")
def sigmoid(g: Num, out: Num, a: Num) -> tuple[Num]:
    return ((g * (1.0 - out)) * out,)


# d|a| = sign(a) da, with sign 0 at a = 0 (and at nan), as PyTorch
@define_op("abs", operator.abs, name="AbsBackward0", maths="sign(a)")
def abs_of(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * (1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0),)


# d sqrt(a) = da / (2 sqrt(a)): inf at a = 0, as PyTorch
@define_op("sqrt", float_sqrt, name="SqrtBackward0", maths="1/(2*out)")
def sqrt(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (div(g, 2.0 * out),)


# d sin(a) = cos(a) da
@define_op("sin", float_sin, name="SinBackward0", maths="cos(a)")
def sin(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * cos(a),)


# d cos(a) = -sin(a) da
@define_op("cos", float_cos, name="CosBackward0", maths="-sin(a)")
def cos(g: Num, out: Num, a: Num) -> tuple[Num]:
    return (g * -sin(a),)


# d(x1 + ... + xn) = dx1 + ... + dxn
@define_op("sum", float_sum, name="SumBackward0", maths="1")
def sum_of(g: Num, out: Num, *xs: Num) -> tuple[Num, ...]:
    return (g,) * len(xs)


# d mean(x1 ... xn) = (dx1 + ... + dxn) / n
@define_op("mean", float_mean, name="MeanBackward0", maths="1/n")
def mean_of(g: Num, out: Num, *xs: Num) -> tuple[Num, ...]:
    return (div(g, float(len(xs))),) * len(xs)


# d mean((p_i - t_i)²) = 2/n (p_i - t_i) dp_i + 2/n (t_i - p_i) dt_i; predictions first
@define_op("mse", float_mse, name="MseLossBackward0", maths="2/m * (x - y)")
def mse_loss(g: Num, out: Num, *xs: Num) -> tuple[Num, ...]:
    n = len(xs) // 2
    scale = 2.0 / n
    predictions, targets = xs[:n], xs[n:]
    d_pred = [scale * (p - t) * g for p, t in zip(predictions, targets)]
    d_target = [scale * (t - p) * g for p, t in zip(predictions, targets)]
    return (*d_pred, *d_target)


# d(a b + c) = b da + a db + dc: the fused multiply-add, rounded once
@define_op("fma", float_fma, name="FmaBackward0", maths=("b", "a", "1"))
def fma(g: Num, out: Num, a: Num, b: Num, c: Num) -> tuple[Num, Num, Num]:
    return g * b, g * a, g


BUILT_IN.update(REGISTRY)
