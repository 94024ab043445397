"""Watch a model train: one picture in the notebook, redrawn in place at every step.

    view = viz.live(model=model)    # the model's layers (or neurons), and the loss curve
    for step in range(100):
        loss = ...; model.zero_grad(); loss.backward(); ...
        view.update(loss)            # the same output cell changes; nothing scrolls

With a model, the picture is the model applied to one input (`inputs=`, zeros by
default), each layer (or neuron, `collapse="neuron"`) one box showing its output for that
input and the largest gradient of its parameters, which the training's backward left in
`.grad`. Without one, it is the loss's own graph with its data and grads. Graphviz lays
the picture out only when the graph's structure changes; each update after that only
writes new numbers into the same layout, and the loss curve is plain inline SVG.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

from micrograd_lite.engine import Value
from micrograd_lite.viz import plot
from micrograd_lite.viz.dot import DEFAULT_TIMEOUT, Layout, check_timeout
from micrograd_lite.viz.graph import (
    COLOURS,
    DEFAULT_MAX_NODES,
    Box,
    Drawing,
    build,
    fields,
    grad_shown,
    group_outputs,
    neurons_of,
    number,
)
from micrograd_lite.viz.svg import image, lay_out, picture

if TYPE_CHECKING:
    from micrograd_lite.nn import Module

__all__ = ["Live", "live"]

CURVE_WIDTH, CURVE_HEIGHT = 320.0, 180.0
_view_ids = itertools.count()


class Live:
    """A training picture: call `update(loss)` once per step (`live(...)` makes one)."""

    def __init__(
        self,
        model: Module | None = None,
        *,
        inputs: Sequence[float] | None = None,
        collapse: str = "layer",
        every: int = 1,
        max_nodes: int = DEFAULT_MAX_NODES,
        timeout: float = DEFAULT_TIMEOUT,
        data: tuple[Sequence[Sequence[float]], Sequence[float]] | None = None,
    ) -> None:
        """A picture of training that `view.update(loss)` redraws in place, once per step.

        `model` (an nn.Neuron, Layer or MLP) is drawn applied to `inputs` (one number per
        input; zeros by default), one box per layer (`collapse="layer"`), neuron
        (`"neuron"`) or Value (None); without a model, the loss's own graph is drawn.
        `every` redraws every that many steps; `max_nodes` is the most Values drawn before
        refusing; `timeout` the seconds Graphviz may take to lay out; `data=(points, labels)`
        adds a two-input model's decision boundary over those points.
        """
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a whole number of steps >= 1, got {every!r}")
        if model is not None and collapse not in (None, "neuron", "layer"):
            raise ValueError(
                f"collapse must be 'layer', 'neuron' or None (every Value), got {collapse!r}"
            )
        self.data = _check_data(data, model)
        self.model = model
        self.collapse = collapse
        self.inputs = _check_inputs(inputs, model)
        self.every = every
        self.max_nodes = max_nodes
        self.timeout = check_timeout(timeout)
        self.losses: list[float] = []
        self.layouts = 0  # how many times Graphviz laid the picture out
        self.largest_grad = 0.0  # the largest |grad| of any group in the run so far
        self._structure: tuple[Any, ...] | None = None
        self._layout: Layout | None = None
        self._handle: Any = None
        self._html = ""
        self.element_id = f"mgl-live-{next(_view_ids)}"

    def update(self, loss: Value | float, *, draw: bool = False) -> None:
        """Record this step's loss and redraw the picture in place (every `every` steps,
        and at this one if `draw`: pass `draw=step == last` to show a loop's end).

        The loss is a Value, or a number (`loss.item()`): then, without a model, the
        picture is the loss curve alone."""
        if isinstance(loss, Value):
            value = float(loss.data)
        elif isinstance(loss, Real) and not isinstance(loss, bool):
            value = float(loss)
        else:
            raise TypeError(
                f"update takes this step's loss, a Value or a number, got {type(loss).__name__}"
            )
        self.losses.append(value)
        if (len(self.losses) - 1) % self.every and not draw:
            return
        graph = ""
        if self.model is not None or isinstance(loss, Value):
            graph = self._graph(loss if isinstance(loss, Value) else None)
        boundary = (
            plot.boundary(self.model, *self.data, grid=GRID, size=PANEL).svg()
            if self.data is not None
            else ""
        )
        self._html = _page(self.element_id, graph, self.losses, boundary)
        self._show()

    def _graph(self, loss: Value | None) -> str:
        """The model's picture (or the loss's graph), laid out again only if it changed."""
        drawing = self._drawing(loss)
        structure = (
            tuple((b.id, b.kind, b.label) for b in drawing.boxes),
            tuple(drawing.edges),
        )
        if structure != self._structure or self._layout is None:
            self._layout = lay_out(drawing, _texts, timeout=self.timeout)
            self._structure = structure
            self.layouts += 1
        groups = [b for b in drawing.boxes if b.kind == "group"]
        self.largest_grad = max([self.largest_grad, *map(_largest_grad, groups)])
        return picture(drawing, self._layout, _texts, colour=_colour(self.largest_grad))

    def html(self) -> str:
        """The picture as it stands, as HTML."""
        return self._html

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        times = "time" if self.layouts == 1 else "times"
        steps = "step" if len(self.losses) == 1 else "steps"
        return f"<Live: {len(self.losses)} {steps}, laid out {self.layouts} {times}>"

    def _drawing(self, loss: Value | None) -> Drawing:
        if self.model is None:
            assert loss is not None  # a number alone draws no graph
            return build(loss, max_nodes=self.max_nodes)
        inputs = self.inputs
        if inputs is None:
            inputs = [0.0] * (_inputs_of(self.model) or 0)
        xs = [Value(x, label=f"x{i}", requires_grad=False) for i, x in enumerate(inputs)]
        out = self.model(xs)
        outputs = out if isinstance(out, list) else [out]
        root = outputs[0] if len(outputs) == 1 else _gather(outputs)
        return build(root, model=self.model, collapse=self.collapse, max_nodes=self.max_nodes)

    def _show(self) -> None:
        """Put the picture in the notebook: a new output first, that same one afterwards."""
        try:
            import IPython
            import IPython.display
        except ImportError:  # no IPython: html() still has the picture
            return
        if IPython.get_ipython() is None:  # plain Python: printed HTML objects only clutter
            return
        ipython_display: Any = IPython.display  # IPython's display has no type hints
        page = ipython_display.HTML(self._html)
        if self._handle is None:
            self._handle = ipython_display.display(page, display_id=True)
        else:
            self._handle.update(page)


#: `live(model, ...)` makes a Live: its arguments are Live's, each said there.
live = Live


def _gather(outputs: list[Value]) -> Value:
    from micrograd_lite.engine import sum as value_sum

    return value_sum(outputs)


def _texts(box: Box) -> list[str]:
    """A box's lines: a Value's data and grad; a neuron's output and its parameters' grad."""
    if box.kind == "op":
        return [box.label]
    if box.kind == "input":  # an input has no gradient to show
        return fields(box, show_grad=False)
    if box.kind != "group":
        return fields(box)
    outputs = group_outputs(box)
    shown = outputs[0].data if len(outputs) == 1 else max(o.data for o in outputs)
    word = "out" if len(outputs) == 1 else "max out"
    return [box.label, f"{word} {number(shown)}", f"max |grad| {number(_largest_grad(box))}"]


def _largest_grad(box: Box) -> float:
    """The largest |grad| among the parameters in a group (those with no parents)."""
    return max((abs(grad_shown(m)) for m in box.members if m.op is None), default=0.0)


def _colour(scale: float) -> Any:
    """Groups shade from pale to orange with their parameters' largest gradient, against
    `scale`, the largest of the run so far: a layer is orange when its gradient is as big
    as any layer's has been, not merely the biggest at this step."""

    def colour(box: Box) -> str:
        if box.kind != "group" or scale == 0:
            return COLOURS[box.kind]
        t = min(1.0, _largest_grad(box) / scale)
        low, high = (0xE2, 0xD9, 0xF3), (0xFD, 0x7E, 0x14)
        return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(low, high))

    return colour


def _page(element_id: str, graph: str, losses: list[float], boundary: str = "") -> str:
    """The graph (if any) beside the loss curve (and the decision boundary), with the
    step and the current loss. Each picture is an `<img>`: it shows in a notebook nobody
    trusted."""
    step = len(losses) - 1
    caption = f"step {step}: loss {number(losses[-1])}"
    model = (
        f'<div style="overflow: auto; max-height: 560px">{image(graph, "the model")}</div>'
        if graph
        else ""
    )
    return (
        f'<div id="{element_id}" class="mgl-live" style="font-family: Helvetica, Arial, '
        "sans-serif; font-size: 13px; display: flex; gap: 16px; align-items: flex-start; "
        f'flex-wrap: wrap">{model}'
        f'<div><div class="mgl-caption">{html.escape(caption)}</div>'
        f"<div>{image(_curve(losses).svg(), 'the loss at each step')}</div>"
        f"{image(boundary, 'the decision boundary') if boundary else ''}</div>"
        "</div>"
    )


def _curve(losses: list[float], points: int = 400) -> plot.Figure:
    """The loss against the step, as a plot of at most `points` points. A loss that spans
    two decades or more is drawn on a log axis, so that a first spike does not flatten the
    rest of the curve."""
    stride = max(1, len(losses) // points)
    steps = [i for i in range(len(losses)) if i % stride == 0 or i == len(losses) - 1]
    finite = [losses[i] for i in steps if math.isfinite(losses[i])]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    logarithmic = low > 0.0 and high / low >= 100.0
    figure = plot.Figure(
        xlabel="step",
        ylabel="loss",
        width=CURVE_WIDTH,
        height=CURVE_HEIGHT,
        yscale="log" if logarithmic else "linear",
    )
    return figure.line([losses[i] for i in steps], steps)


#: Cells along each side of the decision-boundary panel: the model runs once per cell.
GRID = 16
PANEL = 180.0


def _inputs_of(model: Any) -> int | None:
    """How many inputs an nn.Neuron, nn.Layer or nn.MLP takes; None for another model."""
    try:
        return len(neurons_of(model)[0][1].w)
    except (TypeError, IndexError, AttributeError):
        return None


def _check_inputs(inputs: Any, model: Any) -> list[float] | None:
    """`inputs=`: the one input the model is drawn applied to, a number per input."""
    if inputs is None:
        return None
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Iterable):
        raise TypeError(f"inputs= is a list of numbers, one per input; got {inputs!r}")
    numbers = list(inputs)
    if not all(isinstance(x, Real) and not isinstance(x, bool) for x in numbers):
        raise TypeError(f"inputs= is a list of numbers, one per input; got {numbers!r}")
    wanted = _inputs_of(model)
    if wanted is not None and len(numbers) != wanted:
        raise ValueError(
            f"inputs= has {len(numbers)} numbers, but the model takes {wanted} inputs: "
            "give one number per input"
        )
    return [float(x) for x in numbers]


def _check_data(data: Any, model: Any) -> tuple[list[list[float]], list[float]] | None:
    """`data=(xs, ys)`: points of two numbers and their labels, for a model of two inputs."""
    if data is None:
        return None
    if model is None:
        raise ValueError("data= draws the model's decision boundary: pass model= too")
    wanted = _inputs_of(model)
    if wanted is not None and wanted != 2:
        raise ValueError(
            f"data= draws the decision boundary of a model of two inputs, over the plane of "
            f"its points; this model takes {wanted}: leave data= out"
        )
    try:
        xs, ys = data
        points = [[float(a), float(b)] for a, b in xs]
        labels = [float(y) for y in ys]
    except (TypeError, ValueError):
        raise ValueError(
            "data= takes (xs, ys): points of two numbers each, and a label per point"
        ) from None
    if not points or len(points) != len(labels):
        raise ValueError(f"data= has {len(points)} points and {len(labels)} labels")
    return points, labels
