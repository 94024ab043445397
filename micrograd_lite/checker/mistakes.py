"""The classic mistakes in a learner's engine, each one predicted by making it.

A small engine in the lecture's style is written here once, and each mistake is a switch
on it: the same engine with `self.grad = ...` in one op, with tanh's derivative `1 - t`,
with backward walking the nodes unreversed, and so on. A learner's wrong numbers are
matched against what each mistake predicts on the same cases; the mistake whose numbers
they are is named in plain words. Nothing is guessed from the learner's code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from micrograd_lite.checker.cases import Case, Result


@dataclass(frozen=True)
class Mistake:
    """One classic mistake: where it is made, and what it is in plain words."""

    key: str
    op: str  # the op whose code has it ("backward" for the walk)
    says: str  # in plain words


#: The local derivatives (d out / d input) of each op, as a learner writes them: from the
#: inputs' data xs and the output's data; a mistake replaces one of these.
Rule = Callable[[list[float], float], list[float]]

RULES: dict[str, Rule] = {
    "+": lambda xs, out: [1.0, 1.0],
    "-": lambda xs, out: [1.0, -1.0],
    "*": lambda xs, out: [xs[1], xs[0]],
    "/": lambda xs, out: [1 / xs[1], -xs[0] / xs[1] ** 2],
    "**": lambda xs, out: [xs[1] * xs[0] ** (xs[1] - 1)],
    "neg": lambda xs, out: [-1.0],
    "exp": lambda xs, out: [out],
    "log": lambda xs, out: [1 / xs[0]],
    "tanh": lambda xs, out: [1 - out**2],
    "relu": lambda xs, out: [1.0 if out > 0 else 0.0],
    "sigmoid": lambda xs, out: [out * (1 - out)],
}

#: Which rule each method of a learner's class uses, and its inputs' order (`2 - a` is
#: `-` with the number first).
METHOD_RULE = {
    "__add__": "+",
    "__radd__": "+",
    "__sub__": "-",
    "__rsub__": "-",
    "__mul__": "*",
    "__rmul__": "*",
    "__truediv__": "/",
    "__rtruediv__": "/",
    "__pow__": "**",
    "__neg__": "neg",
    "exp": "exp",
    "log": "log",
    "tanh": "tanh",
    "relu": "relu",
    "sigmoid": "sigmoid",
}

_ASSIGN = (
    "`self.grad = ...` where `+=` is needed: a node used twice (as in `a + a`) keeps "
    "only its last contribution instead of their sum"
)
_NO_CHAIN = (
    "the local derivative is not multiplied by `out.grad` (the chain rule): right only "
    "where the op's result is the output itself"
)

MISTAKES: list[Mistake] = [
    *(Mistake("assign", op, _ASSIGN) for op in METHOD_RULE),
    *(Mistake("no chain", op, _NO_CHAIN) for op in METHOD_RULE),
    Mistake(
        "own data",
        "__mul__",
        "each input's gradient uses its own data (`self.grad += self.data * out.grad`); "
        "the gradient of a * b with respect to a is b",
    ),
    Mistake(
        "own data",
        "__rmul__",
        "each input's gradient uses its own data; the gradient of 2 * a with respect to a is 2",
    ),
    *(
        Mistake(
            "sign",
            op,
            "the second input's gradient has the wrong sign: d(a - b)/db = -1",
        )
        for op in ("__sub__", "__rsub__")
    ),
    Mistake("sign", "__neg__", "the gradient of -a with respect to a is -1, not 1"),
    Mistake(
        "sign",
        "__truediv__",
        "the divisor's gradient has the wrong sign: d(a / b)/db = -a / b²",
    ),
    *(
        Mistake(
            "swapped",
            op,
            f"the number and the Value are swapped: `2 {symbol} a` is computed as "
            f"`a {symbol} 2` (in a reflected method, other is on the left)",
        )
        for op, symbol in (("__rsub__", "-"), ("__rtruediv__", "/"))
    ),
    Mistake(
        "pow n*x**n",
        "__pow__",
        "the exponent is not lowered: d(x**n)/dx = n * x**(n-1), not n * x**n",
    ),
    Mistake(
        "pow x**(n-1)",
        "__pow__",
        "the factor n is missing: d(x**n)/dx = n * x**(n-1), not x**(n-1)",
    ),
    Mistake(
        "pow (n-1)*x**(n-1)",
        "__pow__",
        "the factor is n, not n - 1: d(x**n)/dx = n * x**(n-1)",
    ),
    Mistake("pow n*x", "__pow__", "the power of x is n - 1: d(x**n)/dx = n * x**(n-1), not n * x"),
    Mistake("exp input", "exp", "the derivative of e**x is e**x (the output), not x (the input)"),
    Mistake("log out", "log", "the derivative of log(x) is 1/x, with x the input, not the output"),
    Mistake("tanh 1 - t", "tanh", "`1 - t` for `1 - t²`: the derivative of tanh is 1 - tanh(x)²"),
    Mistake(
        "tanh input",
        "tanh",
        "`1 - x²` with x the input: the derivative of tanh is 1 - t² with t = tanh(x), the output",
    ),
    Mistake(
        "relu through",
        "relu",
        "the gradient passes where the input is negative: relu's derivative is 0 there",
    ),
    Mistake(
        "sigmoid 1 + s",
        "sigmoid",
        "`s * (1 + s)` for `s * (1 - s)`: the derivative of sigmoid is s·(1 - s)",
    ),
    Mistake(
        "sigmoid 1 - s",
        "sigmoid",
        "`1 - s` for `s * (1 - s)`: the derivative of sigmoid is s·(1 - s)",
    ),
    Mistake(
        "order",
        "backward",
        "nodes visited before their parents: backward must call each node's `_backward` "
        "in reversed topological order (the output first), so a node's grad is complete "
        "before it is passed on",
    ),
    Mistake(
        "no visited",
        "backward",
        "a node reached along two paths has its `_backward` called twice: the "
        "topological sort must remember the nodes it has visited",
    ),
]

# A mistaken rule, by key: the derivatives it gives instead of the right ones.
_WRONG_RULES: dict[str, Rule] = {
    "own data": lambda xs, out: [xs[0], xs[1]],
    "sign": lambda xs, out: [1.0] * len(xs) if len(xs) == 1 else [1.0, -RULES["-"](xs, out)[1]],
    "pow n*x**n": lambda xs, out: [xs[1] * xs[0] ** xs[1]],
    "pow x**(n-1)": lambda xs, out: [xs[0] ** (xs[1] - 1)],
    "pow (n-1)*x**(n-1)": lambda xs, out: [(xs[1] - 1) * xs[0] ** (xs[1] - 1)],
    "pow n*x": lambda xs, out: [xs[1] * xs[0]],
    "exp input": lambda xs, out: [xs[0]],
    "log out": lambda xs, out: [1 / out],
    "tanh 1 - t": lambda xs, out: [1 - out],
    "tanh input": lambda xs, out: [1 - xs[0] ** 2],
    "relu through": lambda xs, out: [1.0],
    "sigmoid 1 + s": lambda xs, out: [out * (1 + out)],
    "sigmoid 1 - s": lambda xs, out: [1 - out],
}


def _sign_rule(rule: str) -> Rule:
    def wrong(xs: list[float], out: float) -> list[float]:
        right = RULES[rule](xs, out)
        if rule == "neg":
            return [1.0]
        if rule == "/":
            return [right[0], -right[1]]
        return [1.0, 1.0]  # a - b with b's gradient +1

    return wrong


def engine(mistake: Mistake | None = None) -> type:
    """The lecture's engine, with one mistake made (or none)."""
    wrong_in = mistake.op if mistake else ""
    key = mistake.key if mistake else ""

    def rule_of(method: str) -> Rule:
        rule = METHOD_RULE[method]
        if method != wrong_in or key in ("assign", "no chain", "swapped"):
            return RULES[rule]
        return _sign_rule(rule) if key == "sign" else _WRONG_RULES[key]

    def _number(x: Any) -> float:
        return float(x.data if isinstance(x, Model) else x)

    class Model:
        def __init__(self, data: float, parents: tuple[Any, ...] = ()) -> None:
            self.data = float(data)
            self.grad = 0.0
            self._prev = parents
            self._backward: Callable[[], None] = lambda: None

        def _apply(self, method: str, xs: list[Any], data: float) -> Model:
            nodes = [x for x in xs if isinstance(x, Model)]
            out = Model(data, tuple(nodes))
            numbers = [x.data if isinstance(x, Model) else float(x) for x in xs]
            rule = rule_of(method)

            def _backward() -> None:
                locals_ = rule(numbers, out.data)
                for x, local in zip(xs, locals_):
                    if not isinstance(x, Model):
                        continue
                    step = local if (method == wrong_in and key == "no chain") else local * out.grad
                    if method == wrong_in and key == "assign":
                        x.grad = step
                    else:
                        x.grad += step

            out._backward = _backward
            return out

        def __add__(self, other: Any) -> Model:
            return self._apply("__add__", [self, other], self.data + _number(other))

        def __radd__(self, other: Any) -> Model:
            return self._apply("__radd__", [other, self], _number(other) + self.data)

        def __mul__(self, other: Any) -> Model:
            return self._apply("__mul__", [self, other], self.data * _number(other))

        def __rmul__(self, other: Any) -> Model:
            return self._apply("__rmul__", [other, self], _number(other) * self.data)

        def __sub__(self, other: Any) -> Model:
            return self._apply("__sub__", [self, other], self.data - _number(other))

        def __rsub__(self, other: Any) -> Model:
            if wrong_in == "__rsub__" and key == "swapped":
                return self._apply("__rsub__", [self, other], self.data - _number(other))
            return self._apply("__rsub__", [other, self], _number(other) - self.data)

        def __truediv__(self, other: Any) -> Model:
            return self._apply("__truediv__", [self, other], self.data / _number(other))

        def __rtruediv__(self, other: Any) -> Model:
            if wrong_in == "__rtruediv__" and key == "swapped":
                return self._apply("__rtruediv__", [self, other], self.data / _number(other))
            return self._apply("__rtruediv__", [other, self], _number(other) / self.data)

        def __pow__(self, n: float) -> Model:
            return self._apply("__pow__", [self, n], self.data**n)

        def __neg__(self) -> Model:
            return self._apply("__neg__", [self], -self.data)

        def exp(self) -> Model:
            return self._apply("exp", [self], math.exp(self.data))

        def log(self) -> Model:
            return self._apply("log", [self], math.log(self.data))

        def tanh(self) -> Model:
            return self._apply("tanh", [self], math.tanh(self.data))

        def relu(self) -> Model:
            return self._apply("relu", [self], max(0.0, self.data))

        def sigmoid(self) -> Model:
            return self._apply("sigmoid", [self], 1 / (1 + math.exp(-self.data)))

        def backward(self) -> None:
            order: list[Model] = []
            seen: set[int] = set()
            stack: list[tuple[Model, bool]] = [(self, False)]
            while stack:  # iterative, so the deep case does not need recursion
                node, done = stack.pop()
                if done:
                    order.append(node)
                    continue
                if id(node) in seen and key != "no visited":
                    continue
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in reversed(node._prev))
            self.grad = 1.0
            for node in order if key == "order" else reversed(order):
                node._backward()

    return Model


def run(cls: type, case: Case) -> Result:
    """The case run with cls, in this process, errors kept as text."""
    try:
        inputs = {name: cls(x) for name, x in case.inputs.items()}
        scope: dict[str, Any] = dict(inputs)
        exec(case.code, scope)  # the checker's own case code
        out = scope[case.out]
        out.backward()
        if case.twice:
            out.backward()
        return Result(float(out.data), {n: float(v.grad) for n, v in inputs.items()})
    except Exception as error:  # a mistake's prediction may be an error
        return Result(error=f"{type(error).__name__}: {error}", kind=type(error).__name__)


def close(x: float | None, y: float | None) -> bool:
    """The same number, to the digits a learner's formula may round differently."""
    if x is None or y is None:
        return x is y
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9)


def same(a: Result, b: Result) -> bool:
    """Two results give the same numbers (or both failed)."""
    if a.error or b.error:
        return bool(a.error) and bool(b.error)
    return (
        close(a.value, b.value)
        and a.grads.keys() == b.grads.keys()
        and all(close(a.grads[n], b.grads[n]) for n in a.grads)
    )


def diagnose(op: str, cases: list[Case], got: list[Result]) -> Mistake | None:
    """The known mistake in op whose predictions are the learner's numbers on every case."""
    for mistake in MISTAKES:
        if mistake.op != op:
            continue
        if mistake.key == "no visited":  # its numbers depend on the order of a set: its sign
            right = engine()
            if all(
                same(run(right, case), result) != _reached_twice(case)
                for case, result in zip(cases, got)
            ):
                return mistake
            continue
        model = engine(mistake)
        if all(same(run(model, case), result) for case, result in zip(cases, got)):
            return mistake
    return None


def _reached_twice(case: Case) -> bool:
    """Whether a result of an op (not an input) in the case's graph is used twice."""
    model = engine()
    inputs = {name: model(x) for name, x in case.inputs.items()}
    scope: dict[str, Any] = dict(inputs)
    exec(case.code, scope)  # the checker's own case code
    uses: dict[int, int] = {}
    seen: set[int] = set()
    stack = [scope[case.out]]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for parent in node._prev:
            if parent._prev:
                uses[id(parent)] = uses.get(id(parent), 0) + 1
            stack.append(parent)
    return any(n > 1 for n in uses.values())
