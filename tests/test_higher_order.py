"""grad(): gradients without touching .grad, and second and third derivatives."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

import micrograd_lite as mg
from micrograd_lite import GradcheckError, Value, gradcheck, gradgradcheck


def derivatives(f: Callable[[Value], Value], x0: float, order: int) -> list[float]:
    """[f'(x0), f''(x0), ...] up to `order`, each by grad() of the previous one."""
    x = Value(x0)
    y = f(x)
    out = []
    for _ in range(order):
        (y,) = mg.grad(y, x, create_graph=True)  # type: ignore[assignment]
        out.append(y.data)
    return out


X = 0.7
T, S = math.tanh(X), 1 / (1 + math.exp(-X))
CLOSED_FORMS = [
    ("x**3", lambda x: x**3, [3 * X**2, 6 * X, 6.0]),
    ("tanh", lambda x: x.tanh(), [1 - T**2, -2 * T * (1 - T**2), (1 - T**2) * (6 * T**2 - 2)]),
    (
        "sigmoid",
        lambda x: x.sigmoid(),
        [S * (1 - S), S * (1 - S) * (1 - 2 * S), S * (1 - S) * (1 - 6 * S + 6 * S**2)],
    ),
    ("exp", lambda x: x.exp(), [math.exp(X)] * 3),
    ("log", lambda x: x.log(), [1 / X, -1 / X**2, 2 / X**3]),
    ("x**b (base)", lambda x: x ** Value(2.5), [2.5 * X**1.5, 3.75 * X**0.5, 1.875 * X**-0.5]),
    (
        "a**x (exponent)",
        lambda x: Value(1.7) ** x,
        [1.7**X * math.log(1.7) ** k for k in (1, 2, 3)],
    ),
    ("2**x", lambda x: 2**x, [2**X * math.log(2) ** k for k in (1, 2, 3)]),
]


@pytest.mark.parametrize(("name", "f", "expected"), CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_first_second_third_derivatives(
    name: str, f: Callable[[Value], Value], expected: list[float]
) -> None:
    """Three orders of derivative agree with the closed forms."""
    assert derivatives(f, X, 3) == pytest.approx(expected, rel=1e-12)


def test_grad_leaves_dot_grad_alone() -> None:
    """grad() returns gradients and changes no .grad."""
    x = Value(2.0)
    y = x * x
    assert mg.grad(y, x) == (4.0,)
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_unused_input_raises_unless_allowed() -> None:
    """An input the output does not depend on is an error, or None with allow_unused."""
    x, unused = Value(1.0), Value(2.0)
    with pytest.raises(RuntimeError, match="not have been used"):
        mg.grad(x * 2, [x, unused])
    assert mg.grad(x * 2, [x, unused], allow_unused=True) == (2.0, None)


def test_mixed_partial_derivative() -> None:
    """d²(a² b³)/da db = 6 a b²."""
    a, b = Value(1.5), Value(-2.0)
    (da,) = mg.grad(a**2 * b**3, a, create_graph=True)
    assert isinstance(da, Value)
    assert mg.grad(da, b) == (pytest.approx(6 * 1.5 * 4.0, rel=1e-15),)


def test_hessian_vector_products_match_pytorch() -> None:
    """Hessian-vector products of random graphs equal torch.autograd.grad's (1e-12)."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity runs in CI")

    def f(a: object, b: object, c: object) -> object:
        return (a * b).tanh() * c + (a / (1 + c * c)).sigmoid() + (b * b + 1).log() * a**3  # type: ignore[operator]

    @given(st.lists(st.floats(-2, 2, allow_nan=False), min_size=6, max_size=6))
    def check(xs: list[float]) -> None:
        point, v = xs[:3], xs[3:]
        ours = [Value(x) for x in point]
        gs = mg.grad(f(*ours), ours, create_graph=True)  # type: ignore[arg-type]
        hvp = mg.grad(mg.sum([g * vi for g, vi in zip(gs, v)]), ours, allow_unused=True)  # type: ignore[misc]
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
        t_gs = torch.autograd.grad(f(*ts), ts, create_graph=True)
        t_hvp = torch.autograd.grad(sum(g * vi for g, vi in zip(t_gs, v)), ts)
        for h, t in zip(hvp, t_hvp):
            assert math.isclose(h or 0.0, t.item(), rel_tol=1e-12, abs_tol=1e-12)  # type: ignore[arg-type]

    check()


def test_gradcheck_passes_for_correct_gradients() -> None:
    """gradcheck and gradgradcheck accept the engine's own derivatives."""
    inputs = [Value(0.3), Value(-1.2)]
    assert gradcheck(lambda a, b: (a * b).tanh() + a**3 / b, inputs)
    assert gradgradcheck(lambda a, b: (a * b).sigmoid() + a.exp() * b, inputs)


def test_gradcheck_report_names_input_and_both_numbers() -> None:
    """A function that hides a dependency from the graph fails, naming input and numbers."""
    w = Value(1.0, label="w")
    with pytest.raises(GradcheckError, match=r"input 0 \('w'\).*analytical 0.0.*numerical 2.99"):
        gradcheck(lambda x: Value(x.data * 3.0), [w])
    assert gradcheck(lambda x: Value(x.data * 3.0), [w], raise_exception=False) is False
    assert w.data == 1.0
