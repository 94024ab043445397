"""Every operation, from the one table in op_cases.py: value, derivative, edges, PyTorch."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from micrograd_lite import ops
from tests.op_cases import CASES, OpCase, evaluate, evaluate_torch

inf, nan = math.inf, math.nan

by_name = pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])


def same_float(x: float, y: float, rel: float = 1e-12) -> bool:
    """Equal as IEEE results: nan matches nan, infinities match by sign, else close."""
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return math.isclose(x, y, rel_tol=rel, abs_tol=1e-300)


def test_every_case_names_a_registered_op() -> None:
    """Each row of the table is an operation of ops.py (a renamed op cannot leave a stale row)."""
    assert {c.name for c in CASES} <= {op.name() for op in ops.REGISTRY.values()}


@by_name
def test_forward_matches_math(case: OpCase) -> None:
    """On its smooth domain each op's value equals the `math` module's."""

    @given(case.domain)
    def check(xs: tuple[float, ...]) -> None:
        value, _ = evaluate(case, xs)
        assert same_float(value, case.reference(*xs), rel=1e-14)

    check()


@by_name
def test_gradient_matches_central_differences(case: OpCase) -> None:
    """Each input's gradient agrees with (f(x+h) - f(x-h)) / 2h over the op's domain."""

    @given(case.domain)
    def check(xs: tuple[float, ...]) -> None:
        _, grads = evaluate(case, xs)
        for i, kind in enumerate(case.kinds):
            if kind != "var":
                continue
            h = 1e-6 * max(1.0, abs(xs[i]))
            up = list(xs)
            down = list(xs)
            up[i] += h
            down[i] -= h
            numeric = (case.reference(*up) - case.reference(*down)) / (2 * h)
            scale = max(1.0, abs(numeric), abs(case.reference(*xs)) / max(1.0, abs(xs[i])))
            assert abs(grads[i] - numeric) <= 1e-5 * scale, (i, grads[i], numeric)  # type: ignore[operator]

    check()


@by_name
def test_edge_values_never_raise(case: OpCase) -> None:
    """At 0, negative bases, ±inf, nan and ±1000 each op returns floats, never an exception."""
    for xs in case.edges:
        value, grads = evaluate(case, xs)
        assert isinstance(value, float)
        assert all(g is None or isinstance(g, float) for g in grads)


@by_name
def test_edge_values_match_pytorch(case: OpCase) -> None:
    """At every edge value, the value and each gradient equal PyTorch's float64 results."""
    pytest.importorskip("torch", reason="PyTorch is not installed; parity is checked in CI")
    for xs in case.edges:
        value, grads = evaluate(case, xs)
        t_value, t_grads = evaluate_torch(case, xs)
        assert same_float(value, t_value), (xs, value, t_value)
        for g, t_g in zip(grads, t_grads):
            if g is not None:
                assert same_float(g, t_g), (xs, grads, t_grads)


@by_name
def test_smooth_domain_matches_pytorch(case: OpCase) -> None:
    """On the smooth domain values and gradients agree with PyTorch to 1e-12 relative."""
    pytest.importorskip("torch", reason="PyTorch is not installed; parity is checked in CI")

    @given(case.domain)
    def check(xs: tuple[float, ...]) -> None:
        value, grads = evaluate(case, xs)
        t_value, t_grads = evaluate_torch(case, xs)
        assert same_float(value, t_value)
        for g, t_g in zip(grads, t_grads):
            if g is not None:
                assert same_float(g, t_g), (xs, grads, t_grads)

    check()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Value(1.0) / 0", inf),
        ("Value(-1.0) / 0", -inf),
        ("Value(0.0) / 0", nan),
        ("Value(0.0).log()", -inf),
        ("Value(-1.0).log()", nan),
        ("Value(1000.0).exp()", inf),
        ("Value(-8.0) ** (1 / 3)", nan),
        ("Value(0.0) ** -1", inf),
        ("Value(1000.0).sigmoid()", 1.0),
        ("Value(-1000.0).sigmoid()", 0.0),
        ("2 ** Value(1e4)", inf),
    ],
)
def test_spec_edge_values(expression: str, expected: float) -> None:
    """The IEEE results the Semantics table (docs/semantics.md) lists, without PyTorch."""
    from micrograd_lite import Value

    result = eval(expression, {"Value": Value})
    assert same_float(result.data, expected)


@pytest.mark.parametrize(
    ("expression", "expected_grad"),
    [
        ("x.relu()", 0.0),  # relu'(0) = 0
        ("x ** 2", 0.0),
        ("x ** 0", 0.0),  # exponent 0: derivative 0 even at base 0
        ("x.sigmoid()", 0.25),
        ("x.tanh()", 1.0),
        ("x.exp()", 1.0),
        ("x.log()", inf),
        ("1 / x", -inf),
    ],
)
def test_derivatives_at_zero(expression: str, expected_grad: float) -> None:
    """Derivatives at x = 0, at kinks and poles, as PyTorch gives them."""
    from micrograd_lite import Value

    x = Value(0.0)
    eval(expression, {"x": x}).backward()
    assert same_float(x.grad, expected_grad)


def test_exponent_derivative_at_zero_base() -> None:
    """d/db of a ** b at a = 0 is 0 for b >= 0 (PyTorch's choice) and nan-free."""
    from micrograd_lite import Value

    a, b = Value(0.0), Value(2.0)
    (a**b).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)
