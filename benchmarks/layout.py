"""(g) how long Graphviz takes to lay out the graphs learners build, up to max_nodes.

    python -m benchmarks.layout

Each shape once hung Graphviz for minutes: a Value used at every step of a long sum makes
edges that span the whole graph. The test suite renders each (tests/test_viz_layout.py)
without timing it; this prints the seconds each takes, best of 3.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from micrograd_lite import Value
from micrograd_lite.nn import MLP


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


#: (builder, size): the shapes, with the number of nodes each draws.
SHAPES: list[tuple[Callable[[int], Value], int]] = [
    (line_fit_loss, 50),  # 403 nodes
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
]


def layout_times(repeat: int = 3) -> list[tuple[str, float]]:
    """Seconds to render each shape to SVG (the least of `repeat`), by name and size."""
    from micrograd_lite.viz import to_svg

    rows = []
    for build, size in SHAPES:
        root = build(size)
        root.backward()
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            to_svg(root, timeout=600)
            best = min(best, time.perf_counter() - start)
        rows.append((f"{build.__name__}({size})", best))
    return rows


if __name__ == "__main__":
    for name, seconds in layout_times():
        print(f"{name}\t{seconds:.2f}")
