"""One table of every operation, which the per-op tests are parametrised over.

Every operation in `ops.REGISTRY` is covered with no row here by `test_rules.py` (its rule
against central differences, on floats and Values, second derivatives, edge values that
must not raise). A row adds what only that op knows: `test_ops.py` checks it against
`math` and PyTorch and at the edge values the Semantics table (docs/semantics.md) names.

A row says how to build the operation from its inputs (`build` takes one float or Value
per input; `"const"` inputs stay Python numbers), what `math` says its value is, where its
derivative is smooth (for central differences), the edge values docs/semantics.md's
table names, and how to do the same in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis.strategies as st

import micrograd_lite as mg
from micrograd_lite import Value, nn

inf = math.inf
nan = math.nan


def reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float, gap: float = 1e-2) -> st.SearchStrategy[float]:
    return reals(lo, hi).filter(lambda x: abs(x) > gap)


@dataclass(frozen=True)
class OpCase:
    name: str  # the grad_fn name, as PyTorch spells it
    kinds: tuple[str, ...]  # "var" (a Value) or "const" (a Python number), per input
    build: Callable[..., Any]  # the expression, from one float or Value per input
    reference: Callable[..., float]  # the value by `math` (on the smooth domain)
    domain: st.SearchStrategy[tuple[float, ...]]  # all inputs where the derivative is smooth
    edges: tuple[
        tuple[float, ...], ...
    ]  # the documented edge values: 0, negatives, ±inf, nan, ±1000
    torch_build: Callable[..., Any] = field(default=lambda *xs: None)


def _torch() -> Any:
    import torch

    return torch


def _torch_stack(*xs: Any) -> Any:
    """A 1-d float64 tensor of tensors and numbers, keeping the tensors' graphs."""
    torch = _torch()
    return torch.stack([torch.as_tensor(x, dtype=torch.float64) for x in xs])


CASES = [
    OpCase(
        "AddBackward0",
        ("var", "var"),
        lambda a, b: a + b,
        lambda a, b: a + b,
        st.tuples(reals(-1e3, 1e3), reals(-1e3, 1e3)),
        ((inf, -inf), (nan, 1.0), (1e308, 1e308), (0.0, -0.0)),
        lambda a, b: a + b,
    ),
    OpCase(
        "SubBackward0",
        ("var", "var"),
        lambda a, b: a - b,
        lambda a, b: a - b,
        st.tuples(reals(-1e3, 1e3), reals(-1e3, 1e3)),
        ((inf, inf), (nan, 1.0), (-1e308, 1e308)),
        lambda a, b: a - b,
    ),
    OpCase(
        "RsubBackward1",
        ("const", "var"),
        lambda c, a: c - a,
        lambda c, a: c - a,
        st.tuples(reals(-1e3, 1e3), reals(-1e3, 1e3)),
        ((2.0, inf), (inf, inf), (0.0, nan)),
        lambda c, a: c - a,
    ),
    OpCase(
        "MulBackward0",
        ("var", "var"),
        lambda a, b: a * b,
        lambda a, b: a * b,
        st.tuples(reals(-1e3, 1e3), reals(-1e3, 1e3)),
        ((0.0, inf), (1e200, 1e200), (-1000.0, 1000.0), (nan, 0.0)),
        lambda a, b: a * b,
    ),
    OpCase(
        "DivBackward0",
        ("var", "var"),
        lambda a, b: a / b,
        lambda a, b: a / b,
        st.tuples(reals(-1e3, 1e3), away_from_zero(-1e3, 1e3)),
        ((1.0, 0.0), (-1.0, 0.0), (0.0, 0.0), (1.0, -0.0), (inf, inf), (1.0, inf), (nan, 0.0)),
        lambda a, b: a / b,
    ),
    OpCase(
        "PowBackward0",
        ("var", "const"),
        lambda a, c: a**c,
        lambda a, c: a**c,
        st.one_of(
            st.tuples(reals(0.1, 10.0), reals(-3.0, 3.0)),
            st.tuples(reals(-10.0, -0.1), st.integers(-3, 3).map(float)),  # negative base
        ),
        (
            (-8.0, 1 / 3),
            (0.0, -1.0),
            (-0.0, -1.0),
            (0.0, 2.0),
            (0.0, 0.0),
            (0.0, 0.5),
            (-2.0, 3.0),
            (10.0, 1000.0),
            (-10.0, 1001.0),
            (nan, 0.0),
            (inf, -1.0),
        ),
        lambda a, c: a**c,
    ),
    OpCase(
        "PowBackward1",
        ("var", "var"),
        lambda a, b: a**b,
        lambda a, b: a**b,
        st.tuples(reals(0.1, 10.0), reals(-3.0, 3.0)),
        ((-8.0, 1 / 3), (0.0, -1.0), (0.0, 2.0), (0.0, 0.0), (0.0, 0.5), (-2.0, 3.0)),
        lambda a, b: a**b,
    ),
    OpCase(
        "PowBackward2",
        ("const", "var"),
        lambda c, a: c**a,
        lambda c, a: c**a,
        st.tuples(reals(0.1, 10.0), reals(-3.0, 3.0)),
        ((2.0, 1000.0), (0.0, 2.0), (0.0, -1.0), (0.0, 0.0), (-8.0, 1 / 3), (2.0, -inf)),
        lambda c, a: c**a,
    ),
    OpCase(
        "NegBackward0",
        ("var",),
        lambda a: -a,
        lambda a: -a,
        st.tuples(reals(-1e3, 1e3)),
        ((0.0,), (inf,), (nan,)),
        lambda a: -a,
    ),
    OpCase(
        "ExpBackward0",
        ("var",),
        lambda a: a.exp(),
        math.exp,
        st.tuples(reals(-700.0, 700.0)),  # up to where exp overflows
        ((1000.0,), (-1000.0,), (inf,), (-inf,), (nan,), (0.0,)),
        lambda a: a.exp(),
    ),
    OpCase(
        "LogBackward0",
        ("var",),
        lambda a: a.log(),
        math.log,
        st.tuples(reals(1e-3, 1e300)),
        ((0.0,), (-0.0,), (-1.0,), (inf,), (-inf,), (nan,), (1000.0,)),
        lambda a: a.log(),
    ),
    OpCase(
        "TanhBackward0",
        ("var",),
        lambda a: a.tanh(),
        math.tanh,
        st.tuples(reals(-700.0, 700.0)),
        ((1000.0,), (-1000.0,), (inf,), (-inf,), (nan,), (0.0,)),
        lambda a: a.tanh(),
    ),
    OpCase(
        "ReluBackward0",
        ("var",),
        lambda a: a.relu(),
        lambda a: max(a, 0.0),
        st.tuples(away_from_zero(-1e3, 1e3)),
        ((0.0,), (-0.0,), (-1000.0,), (1000.0,), (inf,), (-inf,), (nan,)),
        lambda a: a.relu(),
    ),
    OpCase(
        "SigmoidBackward0",
        ("var",),
        lambda a: a.sigmoid(),
        lambda a: 1.0 / (1.0 + math.exp(-a)),
        st.tuples(reals(-700.0, 700.0)),
        ((1000.0,), (-1000.0,), (inf,), (-inf,), (nan,), (0.0,)),
        lambda a: a.sigmoid(),
    ),
    OpCase(
        "AbsBackward0",
        ("var",),
        lambda a: abs(a),
        abs,
        st.tuples(away_from_zero(-1e3, 1e3)),
        ((0.0,), (-0.0,), (inf,), (-inf,), (nan,), (-1000.0,)),
        lambda a: a.abs(),
    ),
    OpCase(
        "SqrtBackward0",
        ("var",),
        lambda a: a.sqrt(),
        math.sqrt,
        st.tuples(reals(1e-3, 1e300)),
        ((0.0,), (-0.0,), (-1.0,), (inf,), (-inf,), (nan,), (1000.0,)),
        lambda a: a.sqrt(),
    ),
    OpCase(
        "SinBackward0",
        ("var",),
        lambda a: a.sin(),
        math.sin,
        st.tuples(reals(-1e3, 1e3)),
        ((0.0,), (-0.0,), (inf,), (-inf,), (nan,), (1000.0,)),
        lambda a: a.sin(),
    ),
    OpCase(
        "CosBackward0",
        ("var",),
        lambda a: a.cos(),
        math.cos,
        st.tuples(reals(-1e3, 1e3)),
        ((0.0,), (-0.0,), (inf,), (-inf,), (nan,), (1000.0,)),
        lambda a: a.cos(),
    ),
    OpCase(
        "SumBackward0",
        ("var", "var", "const"),
        lambda a, b, c: mg.sum([a, b, c]),
        lambda a, b, c: a + b + c,
        st.tuples(reals(-1e3, 1e3), reals(-1e3, 1e3), reals(-1e3, 1e3)),
        ((inf, -inf, 0.0), (1e308, 1e308, 0.0), (nan, 1.0, 2.0)),
        lambda a, b, c: _torch_stack(a, b, c).sum(),
    ),
    OpCase(
        "MeanBackward0",
        ("var", "var", "const"),
        lambda a, b, c: mg.mean([a, b, c]),
        lambda a, b, c: (a + b + c) / 3,
        st.tuples(reals(-1e3, 1e3), reals(-1e3, 1e3), reals(-1e3, 1e3)),
        ((inf, -inf, 0.0), (1e308, 1e308, 1e308), (nan, 1.0, 2.0)),
        lambda a, b, c: _torch_stack(a, b, c).mean(),
    ),
    OpCase(
        "MseLossBackward0",
        ("var", "var", "var", "const"),
        lambda p1, p2, t1, t2: nn.mse_loss([p1, p2], [t1, t2]),
        lambda p1, p2, t1, t2: ((p1 - t1) ** 2 + (p2 - t2) ** 2) / 2,
        st.tuples(reals(-1e3, 1e3), reals(-1e3, 1e3), reals(-1e3, 1e3), reals(-1e3, 1e3)),
        ((inf, 0.0, 0.0, 0.0), (1e200, 0.0, -1e200, 0.0), (nan, 1.0, 2.0, 3.0)),
        lambda p1, p2, t1, t2: _torch().nn.functional.mse_loss(
            _torch_stack(p1, p2), _torch_stack(t1, t2)
        ),
    ),
]


def evaluate(case: OpCase, xs: tuple[float, ...]) -> tuple[float, list[float | None]]:
    """The case's value at xs and the gradient of each input (None for constants)."""
    inputs = [Value(x) if kind == "var" else x for x, kind in zip(xs, case.kinds)]
    out = case.build(*inputs)
    assert out.grad_fn is not None
    assert out.grad_fn.name() == case.name
    out.backward()
    return out.data, [x.grad if isinstance(x, Value) else None for x in inputs]


def evaluate_torch(case: OpCase, xs: tuple[float, ...]) -> tuple[float, list[float | None]]:
    """The same in PyTorch, float64."""
    torch = _torch()
    inputs = [
        torch.tensor(x, dtype=torch.float64, requires_grad=True) if kind == "var" else x
        for x, kind in zip(xs, case.kinds)
    ]
    out = case.torch_build(*inputs)
    out.backward()
    return out.item(), [
        (x.grad.item() if x.grad is not None else 0.0) if isinstance(x, torch.Tensor) else None
        for x in inputs
    ]
