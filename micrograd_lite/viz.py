"""Draw a graph of Values with Graphviz, and watch backward fill in its gradients.

    from micrograd_lite.viz import draw_dot, to_svg, render, backward_frames
    draw_dot(loss)                 # a graphviz.Digraph: shows inline in Jupyter
    render(loss, "loss.svg")       # the real Graphviz `dot` writes the SVG
    frames = backward_frames(loss) # one drawing per node the backward pass visits

Every Value is a box with its label, data and grad; every operation is an ellipse with its
symbol. Parameters (leaves that require grad) are blue, inputs and constants (leaves that
do not) grey, the output green. Node names come from the order of the walk over the
graph, never from `id()`, so the same graph gives byte-identical DOT (and SVG) in every
process. The walk is iterative, so deep graphs work; `max_nodes` stops graphs that
Graphviz would take minutes to lay out.

Needs the `graphviz` Python package (`pip install micrograd_lite[viz]`) and, to render,
Graphviz's `dot` program; building the DOT source needs only the package.
"""

from __future__ import annotations

import math
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from micrograd_lite.autograd import backward_steps, topological_order
from micrograd_lite.engine import Value

if TYPE_CHECKING:
    import graphviz

__all__ = ["GraphvizNotFoundError", "backward_frames", "draw_dot", "render", "to_svg"]

DEFAULT_MAX_NODES = 2000

INSTALL_GRAPHVIZ = """Graphviz's `dot` program was not found on PATH. Install Graphviz:
  Debian/Ubuntu: sudo apt-get install graphviz
  macOS:         brew install graphviz
  conda:         conda install -c conda-forge graphviz
  Windows:       winget install graphviz, then add Graphviz's bin folder to PATH
DOT source still works without it: draw_dot(root).source"""

#: fill colours, also the legend in the README
COLOURS = {
    "parameter": "#cfe2ff",  # leaf that requires grad
    "input": "#e9ecef",  # leaf that does not (inputs and constants)
    "output": "#d1e7dd",  # the root
    "intermediate": "#ffffff",
    "current": "#ffe69c",  # backward_frames: the node being visited
}


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` program is not installed or not on PATH."""


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    names: Mapping[str, Value] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    highlight: Value | None = None,
    emphasize_grad: bool = False,
    grads: Mapping[Value, float] | None = None,
) -> graphviz.Digraph:
    """The graph below `root` as a `graphviz.Digraph` (DOT source; displays in Jupyter).

    `names` maps a name to a Value to label it (as torchviz's `params`); `highlight`
    colours one node; `emphasize_grad` draws edges thicker for larger gradients; `grads`
    shows these gradients instead of `.grad`.
    """
    graphviz = _import_graphviz()
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    nodes = _walk(root, max_nodes)
    ids = {node: f"v{i}" for i, node in enumerate(nodes)}
    name_of = {value: name for name, value in (names or {}).items()}

    def grad_of(node: Value) -> float:
        return grads.get(node, 0.0) if grads is not None else node.grad

    scale = max((abs(grad_of(n)) for n in nodes if math.isfinite(grad_of(n))), default=0.0)
    dot = graphviz.Digraph(
        "micrograd_lite",
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"color": "#555555"},
    )
    for node in nodes:
        fields = [_escape(str(name_of.get(node) or node.label or _constant_label(node)))]
        if show_data:
            fields.append(f"data {_number(node.data)}")
        if show_grad:
            fields.append(f"grad {_number(grad_of(node))}")
        kind = _kind(node, root)
        dot.node(
            ids[node],
            # Across the rank direction: with LR the fields stack, so boxes stay narrow.
            label=" | ".join(f for f in fields if f),
            shape="record",
            style="filled,bold" if node is highlight else "filled",
            fillcolor=COLOURS["current" if node is highlight else kind],
        )
        if node.op is not None:
            op_id = ids[node] + "_op"
            dot.node(op_id, label=_escape(node.op.symbol), shape="ellipse", tooltip=node.op.name())
            dot.edge(op_id, ids[node])
            for parent in node.parents:
                width = ""
                if emphasize_grad and scale > 0 and math.isfinite(grad_of(parent)):
                    width = f"{1 + 4 * abs(grad_of(parent)) / scale:.2f}"
                dot.edge(ids[parent], op_id, **({"penwidth": width} if width else {}))
    return dot


def to_svg(root: Value, **options: Any) -> str:
    """The graph below `root` rendered to SVG text by Graphviz's `dot`."""
    return _pipe(draw_dot(root, **options), "svg").decode("utf-8")


def render(
    root: Value,
    path: str | os.PathLike[str],
    format: str = "svg",  # noqa: A002  # the name graphviz and PyTorch tools use
    **options: Any,
) -> Path:
    """Render the graph to `path` (svg, png, pdf ...); the file is written whole or not at all."""
    data = _pipe(draw_dot(root, **options), format)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write a temporary file beside the target, then rename it over the target: the
    # rename is atomic, so readers see the old file or the new one, never half of one.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "xb") as f:  # created with the user's umask, unlike mkstemp's 0600
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def backward_frames(root: Value, **options: Any) -> list[graphviz.Digraph]:
    """One drawing per node that backward visits, in the engine's order.

    Frame k highlights the k-th node visited and shows every gradient as it stands once
    that node has passed its gradient to its parents. Nothing is changed: leaves show
    their `.grad` plus what this pass has added so far, so the last frame shows the
    gradients `root.backward()` would leave (it is `draw_dot(root, highlight=<last
    visited node>)` after `root.backward()`).
    """
    order = topological_order([root])
    if not order:
        raise RuntimeError("root does not require grad: backward visits no node")
    grads: dict[Value, Any] = {n: (n.grad if n.op is None else 0.0) for n in order}
    grads[root] += 1.0
    return [
        draw_dot(root, highlight=node, grads=grads, **options)
        for node in backward_steps(order, grads)  # the order Value.backward visits nodes in
    ]


def _walk(root: Value, max_nodes: int) -> list[Value]:
    """Every Value below root (constants too), root first, in a fixed depth-first order."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot takes a Value, got {type(root).__name__}")
    seen = {root}
    nodes = [root]
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                nodes.append(parent)
                stack.append(parent)
                if len(nodes) > max_nodes:
                    total = _count(root)
                    raise ValueError(
                        f"the graph has {total} nodes, more than max_nodes={max_nodes}; "
                        f"Graphviz would be slow to lay it out. Pass max_nodes={total} to "
                        "draw it anyway, or draw a sub-expression"
                    )
    return nodes


def _count(root: Value) -> int:
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


def _kind(node: Value, root: Value) -> str:
    if node is root:
        return "output"
    if node.op is None:
        return "parameter" if node.requires_grad else "input"
    return "intermediate"


def _constant_label(node: Value) -> str:
    return "" if node.op is not None or node.requires_grad else "const"


def _number(x: float) -> str:
    """Compact and the same everywhere: 4 significant digits, nan and inf spelt out."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.4g}"


def _escape(text: str) -> str:
    """Escape the characters that structure a Graphviz record label."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


def _pipe(dot: graphviz.Digraph, fmt: str) -> bytes:
    if shutil.which("dot") is None:
        raise GraphvizNotFoundError(INSTALL_GRAPHVIZ)
    data: bytes = dot.pipe(format=fmt)
    return data


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            "micrograd_lite.viz needs the graphviz package: pip install 'micrograd_lite[viz]'"
        ) from error
    return graphviz
