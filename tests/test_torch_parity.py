"""Whole graphs against PyTorch float64: values, every leaf gradient, grad_fn names."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import micrograd_lite as mg
from micrograd_lite import Value

torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity is checked in CI")

# Steps of a random program. Each takes two operands from the pool of earlier results and
# stays well conditioned (no division by numbers near 0, no overflow), so a relative error
# of 1e-12 is a fair demand. The same lambdas run on Values and on 0-d float64 tensors.
STEPS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("rsub", lambda a, b: 1.5 - a),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / (1.0 + b * b)),
    ("rdiv", lambda a, b: 2.0 / (1.0 + a * a)),
    ("square", lambda a, b: a**2),
    ("pow", lambda a, b: (1.0 + a * a) ** b.tanh()),
    ("rpow", lambda a, b: 2.0 ** a.tanh()),
    ("neg", lambda a, b: -a),
    ("exp", lambda a, b: a.tanh().exp()),
    ("log", lambda a, b: (1.0 + a * a).log()),
    ("tanh", lambda a, b: a.tanh()),
    ("relu", lambda a, b: a.relu()),
    ("sigmoid", lambda a, b: a.sigmoid()),
]

program = st.lists(
    st.tuples(st.integers(0, len(STEPS) - 1), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1,
    max_size=25,
)
leaf = st.floats(-2.0, 2.0, allow_nan=False).filter(lambda x: abs(x) > 1e-3)
leaves = st.lists(leaf, min_size=1, max_size=4)


def run(
    steps: list[tuple[int, int, int]], pool: list[Any], total: Callable[[list[Any]], Any]
) -> Any:
    """Append each step's result to the pool, then reduce the new results with `total`."""
    for op, i, j in steps:
        pool.append(STEPS[op][1](pool[i % len(pool)], pool[j % len(pool)]))
    return total(pool)


def close(x: float, y: float) -> bool:
    return math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-13)


@given(program, leaves)
def test_random_graphs_match_pytorch(steps: list[tuple[int, int, int]], xs: list[float]) -> None:
    """Random expression graphs give PyTorch's value and every leaf gradient to 1e-12."""
    ours = [Value(x) for x in xs]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = run(steps, list(ours), lambda pool: mg.sum(pool[len(xs) :]))
    t_out = run(steps, list(theirs), lambda pool: torch.stack(pool[len(xs) :]).sum())
    out.backward()
    t_out.backward()
    assert close(out.data, t_out.item())
    for v, t in zip(ours, theirs):
        t_grad = 0.0 if t.grad is None else t.grad.item()
        assert close(v.grad, t_grad), (v.grad, t_grad)


@pytest.mark.parametrize(
    ("expression", "torch_expression"),
    [
        ("a + b", None),
        ("a + 2", None),
        ("2 + a", None),
        ("a - b", None),
        ("a - 2", None),
        ("2 - a", None),
        ("a * b", None),
        ("a * 2", None),
        ("2 * a", None),
        ("a / b", None),
        ("a / 2", None),
        ("a ** 2", None),
        ("a ** b", None),
        ("2 ** a", None),
        ("-a", None),
        ("a.exp()", None),
        ("a.log()", None),
        ("a.tanh()", None),
        ("a.relu()", None),
        ("a.sigmoid()", None),
        ("mg.sum([a, b])", "torch.stack([a, b]).sum()"),
        ("mg.mean([a, b])", "torch.stack([a, b]).mean()"),
        ("mg.nn.mse_loss([a], [b])", "torch.nn.functional.mse_loss(a, b)"),
    ],
)
def test_grad_fn_names_equal_pytorch(expression: str, torch_expression: str | None) -> None:
    """grad_fn.name() is PyTorch's for every expression of the table of operations."""
    ours = eval(expression, {"a": Value(1.5), "b": Value(0.5), "mg": mg})
    ta = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    theirs = eval(torch_expression or expression, {"a": ta, "b": tb, "torch": torch})
    assert ours.grad_fn.name() == theirs.grad_fn.name()


def test_number_over_value_is_one_node() -> None:
    """2 / a is one DivBackward0 node, where PyTorch shows MulBackward0 over a reciprocal."""
    a = Value(4.0)
    out = 2 / a
    out.backward()
    ta = torch.tensor(4.0, dtype=torch.float64, requires_grad=True)
    t_out = 2 / ta
    t_out.backward()
    assert out.grad_fn is not None
    assert out.grad_fn.name() == "DivBackward0"
    assert t_out.grad_fn.name() == "MulBackward0"
    assert (out.data, a.grad) == (t_out.item(), ta.grad.item())
