"""A graph of Values as Graphviz DOT: `draw_dot` writes what `graph.build` decides is
drawn, and `dot` (the program) lays it out and renders it.

    draw_dot(loss)                                    # a graphviz.Digraph, inline in Jupyter
    draw_dot(loss, model=model)                       # parameters named as named_parameters()
    draw_dot(model(x), model=model, collapse="layer") # one box per layer
    render(loss, "loss.png")                          # the format comes from the extension
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

from micrograd_lite import autograd
from micrograd_lite.autograd import topological_order
from micrograd_lite.engine import Value
from micrograd_lite.viz.dot import DEFAULT_TIMEOUT, TOO_SLOW, check_rankdir, check_timeout, run_dot
from micrograd_lite.viz.files import file_format, target_file, write_file
from micrograd_lite.viz.graph import (
    COLOURS,
    DEFAULT_MAX_NODES,
    build,
    fields,
    grad_shown,
)
from micrograd_lite.viz.steps import float_table
from micrograd_lite.viz.svg import image

if TYPE_CHECKING:
    import graphviz

    from micrograd_lite.nn import Module

__all__ = ["backward_frames", "draw_dot", "render", "to_svg"]

#: the formats `render` writes, by file extension
FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "ps", "eps")


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    names: Mapping[str, Any] | None = None,
    model: Module | None = None,
    collapse: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    highlight: Value | None = None,
    emphasize_grad: bool = False,
    grads: Mapping[Value, float] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> graphviz.Digraph:
    """The graph below `root` as a `graphviz.Digraph` (DOT source; displays in Jupyter).

    `names` maps a name to a Value to label it (as torchviz's `params`), or to lists and
    dicts of Values (`{"wte": wte}` names each `wte[i][j]`); `model` names its
    parameters as `model.named_parameters()` does; `collapse="neuron"` or `"layer"` draws
    each neuron or layer of `model` as one box, `collapse="matrix"` each list in `names`
    (its parameters, their products and the sums of those products); `highlight` colours one node;
    `emphasize_grad` draws edges thicker for larger gradients; `grads` shows these
    gradients instead of `.grad`; `timeout` bounds the seconds Graphviz may take.
    """
    check_rankdir(rankdir)
    timeout = check_timeout(timeout)
    if grads is not None:
        _check_grads(grads)
    drawing = build(root, names=names, model=model, collapse=collapse, max_nodes=max_nodes)

    def grad_of(node: Value) -> float:
        return grads.get(node, 0.0) if grads is not None else grad_shown(node)

    values = [b.value for b in drawing.boxes if b.value is not None and b.kind != "op"]
    scale = max((abs(grad_of(v)) for v in values if math.isfinite(grad_of(v))), default=0.0)
    dot = _digraph_class()(
        "micrograd_lite",
        graph_attr=drawing.graph_attributes(rankdir),
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"color": "#555555"},
    )
    dot.timeout = timeout
    dot.what = drawing.size()
    dot.advice = drawing.advice()
    for box in drawing.boxes:
        if box.kind == "op":
            op = box.value.op if box.value is not None else None
            assert op is not None  # an ellipse always shows the operation of a Value
            dot.node(box.id, label=_escape(box.label), shape="ellipse", tooltip=op.name())
            continue
        current = box.value is not None and box.value is highlight
        style = "filled,bold" if current else "filled"
        dot.node(
            box.id,
            # Across the rank direction: with LR the fields stack, so boxes stay narrow.
            label=" | ".join(_escape(f) for f in fields(box, grad_of, show_data, show_grad)),
            shape="record",
            style=style + (",dashed" if box.copy else ""),
            fillcolor=COLOURS["current" if current else box.kind],
        )
    by_id = {box.id: box for box in drawing.boxes}
    for tail, head in drawing.edges:
        value = by_id[tail].value
        width = ""
        if emphasize_grad and scale > 0 and value is not None and math.isfinite(grad_of(value)):
            width = f"{1 + 4 * abs(grad_of(value)) / scale:.2f}"
        dot.edge(tail, head, **({"penwidth": width} if width else {}))
    return dot


def to_svg(root: Value, **options: Any) -> str:
    """The graph below `root` rendered to SVG text by Graphviz's `dot`."""
    dot = draw_dot(root, **options)
    svg: str = dot.pipe(format="svg").decode("utf-8")
    return svg


def render(
    root: Value,
    path: str | os.PathLike[str],
    format: str | None = None,  # noqa: A002  # the name graphviz and PyTorch tools use
    **options: Any,
) -> Path:
    """Render the graph to `path` in the format its extension names (.svg, .png, .pdf ...).

    The file is written whole or not at all. `format` is needed only for a path without
    an extension, and must agree with the extension if both are given.
    """
    target = target_file(path, "render to")
    fmt = file_format(target, FORMATS, "render to", given=format)
    write_file(target, draw_dot(root, **options).pipe(format=fmt))
    return target


def backward_frames(root: Value, **options: Any) -> list[graphviz.Digraph]:
    """One drawing per node that backward visits, in the engine's order.

    Frame k highlights the k-th node visited and shows every gradient as it stands once
    that node has passed its gradient to its parents. Nothing is changed: leaves show
    their `.grad` plus what this pass has added so far, so the last frame shows the
    gradients `root.backward()` would leave (it is `draw_dot(root, highlight=<last
    visited node>)` after `root.backward()`). `stepper(root)` shows the same walk, and
    the forward pass before it, as one page.
    """
    order = topological_order([root])
    if not order:
        raise RuntimeError("root does not require grad: backward visits no node")
    grads: dict[Value, float] = {n: (grad_shown(n) if n.op is None else 0.0) for n in order}
    grads[root] += 1.0
    return [  # the stepper's backward steps, each drawn once it has passed its gradient on
        draw_dot(root, highlight=node, grads=grads, **options)
        for node, _ in autograd.backward_steps(order, float_table(grads))
    ]


def _check_grads(grads: object) -> None:
    """`grads=` as draw_dot shows it: a mapping from Values to numbers."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must map Values to numbers, got {type(grads).__name__}")
    for v, g in grads.items():
        if not isinstance(v, Value):
            raise TypeError(f"grads must map Values to numbers; a key is a {type(v).__name__}")
        if isinstance(g, (bool, str, bytes)) or not isinstance(g, (Real, Value)):
            name = f"{v.label!r}" if v.label else "a Value"
            raise TypeError(
                f"grads must map Values to numbers; {name} maps to a {type(g).__name__}"
            )


def _escape(text: str) -> str:
    """Escape the characters that structure a Graphviz record label."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


_DIGRAPH: Any = None


def _digraph_class() -> Any:
    """graphviz.Digraph whose every rendering (Jupyter's too) runs `dot` with a time limit."""
    global _DIGRAPH
    if _DIGRAPH is None:
        try:
            import graphviz
        except ImportError as error:
            raise ImportError(
                "micrograd_lite.viz needs the graphviz package: pip install 'micrograd_lite[viz]'"
            ) from error

        class Digraph(graphviz.Digraph):  # type: ignore[misc]  # graphviz has no types
            """A graphviz.Digraph that renders through `run_dot`."""

            timeout = DEFAULT_TIMEOUT
            what = "the graph"
            advice = TOO_SLOW

            def pipe(
                self,
                format: str | None = None,  # noqa: A002  # graphviz's own name
                encoding: str | None = None,
                **_: Any,
            ) -> bytes | str:
                data = run_dot(
                    self.source,
                    format or "pdf",
                    timeout=self.timeout,
                    what=self.what,
                    advice=self.advice,
                )
                return data.decode(encoding) if encoding else data

            def _repr_mimebundle_(
                self,
                include: Any = None,
                exclude: Any = None,
                **_: Any,
            ) -> dict[str, Any]:
                """The SVG, and the same picture as an HTML `<img>`: JupyterLab will not
                show an untrusted notebook's SVG output, but does show that image."""
                bundle: dict[str, Any] = super()._repr_mimebundle_(include, exclude)
                svg = bundle.get("image/svg+xml")
                if svg is not None and (exclude is None or "text/html" not in exclude):
                    bundle["text/html"] = image(svg, "the graph")
                return bundle

        _DIGRAPH = Digraph
    return _DIGRAPH
