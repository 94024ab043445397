"""(g) how long the layout programs take on the graphs learners build, up to max_nodes.

    python -m benchmarks.layout

Each shape once hung Graphviz for minutes: a Value used at every step of a long sum makes
edges that span the whole graph. The test suite renders each (tests/test_viz_layout.py)
without timing it; this prints the seconds each takes, best of 3, with each layout
program installed (graphviz-pure, the default, and a system Graphviz's dot).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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


@contextmanager
def _asking_for(name: str | None) -> Iterator[None]:
    """Inside, the visualiser runs the layout program `name` (None: its default)."""
    from micrograd_lite.viz.dot import PROGRAM_VARIABLE

    saved = os.environ.get(PROGRAM_VARIABLE)
    if name is not None:
        os.environ[PROGRAM_VARIABLE] = name
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(PROGRAM_VARIABLE, None)
        else:
            os.environ[PROGRAM_VARIABLE] = saved


def programs() -> list[str]:
    """The layout programs installed here, as MICROGRAD_LITE_DOT names them: graphviz-pure
    (the default) and a system Graphviz's dot."""
    from micrograd_lite.viz.dot import GraphvizNotFoundError, program

    found = []
    for name in ("graphviz-pure", "dot"):
        with _asking_for(name):
            try:
                program()
            except GraphvizNotFoundError:
                continue
        found.append(name)
    return found


def layout_times(repeat: int = 3, program: str | None = None) -> list[tuple[str, float]]:
    """Seconds to render each shape to SVG (the least of `repeat`), by name and size,
    with the layout program `program` (None: the default)."""
    from micrograd_lite.viz import to_svg

    with _asking_for(program):
        return _times(repeat, to_svg)


def _times(repeat: int, to_svg: Callable[..., str]) -> list[tuple[str, float]]:
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
    found = programs()
    columns = [layout_times(program=name) for name in found]
    print("shape\t" + "\t".join(found))
    for k, (name, _) in enumerate(columns[0]):
        print(name + "".join(f"\t{column[k][1]:.2f}" for column in columns))
