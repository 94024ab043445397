"""Graphs built the way a learner writes them lay out in seconds, up to max_nodes.

Each shape once hung Graphviz for minutes: a Value used at every step of a long sum makes
edges that span the whole graph. Each test renders with a time limit well above what the
shape takes (at most about 3 s of CPU here) and well below what it used to take.
"""

from __future__ import annotations

import shutil

import pytest

from micrograd_lite import Value
from micrograd_lite.nn import MLP
from micrograd_lite.viz import to_svg

pytest.importorskip("graphviz", reason="the graphviz package is in the viz and dev sets")
pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
LIMIT = 15.0  # seconds: dot is stopped, and the test fails, past this


def line_fit_loss(points: int) -> Value:
    """`loss += (w*x + b - y)**2` over the points: w and b are used by every term."""
    w, b = Value(0.5, label="w"), Value(0.1, label="b")
    loss = Value(0.0, requires_grad=False, label="zero")
    for i in range(points):
        x, y = i / points, 2 * i / points + 1
        loss += (w * x + b - y) ** 2
    return loss


def reused_input(uses: int) -> Value:
    """`y = y + x*0.5`, one x used at every step."""
    x, y = Value(1.0, label="x"), Value(0.0, label="y")
    for _ in range(uses):
        y = y + x * 0.5
    return y


def sum_of_squares(terms: int) -> Value:
    """`x*x + x*x + ...`."""
    x = Value(1.5, label="x")
    s = x * x
    for _ in range(terms - 1):
        s = s + x * x
    return s


def long_chain(steps: int) -> Value:
    x = Value(0.1, label="x")
    y = x
    for _ in range(steps):
        y = (y * 1.01).tanh()
    return y


def mlp_loss(points: int) -> Value:
    """micrograd's demo MLP summed over a few points."""
    model = MLP(2, [16, 16, 1], seed=1)
    total = Value(0.0, requires_grad=False, label="zero")
    for i in range(points):
        total = total + model([0.1 * i, -0.2])  # type: ignore[operator]
    return total


@pytest.mark.parametrize(
    ("build", "size"),
    [
        (line_fit_loss, 50),  # 403 nodes, the table
        (line_fit_loss, 70),  # 563
        (line_fit_loss, 100),  # 803
        (reused_input, 100),  # 302
        (sum_of_squares, 100),  # 200
        (line_fit_loss, 249),  # 1,995: near max_nodes
        (reused_input, 666),  # 2,000
        (sum_of_squares, 1000),  # 2,000
        (long_chain, 666),  # 1,999
        (mlp_loss, 1),  # 740
        (mlp_loss, 4),  # 1,946
    ],
)
def test_shape_lays_out_within_the_limit(build, size: int) -> None:  # type: ignore[no-untyped-def]
    """The graph renders to SVG before dot's time limit runs out."""
    root = build(size)
    root.backward()
    assert to_svg(root, timeout=LIMIT).startswith("<?xml")
