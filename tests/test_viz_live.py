"""The live training view: one output redrawn in place, laid out only when the graph changes."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from micrograd_lite import Value
from micrograd_lite.nn import MLP
from micrograd_lite.viz import live
from tests.conftest import can_lay_out

pytest.importorskip("graphviz", reason="the graphviz package is in the viz and dev sets")
pytestmark = pytest.mark.skipif(not can_lay_out(), reason="no layout program")


def shown(view: Any) -> str:
    """The view's HTML with each picture's SVG written out in place of its `<img>`."""
    return re.sub(
        r'<img alt="[^"]*" src="data:image/svg\+xml;base64,([^"]*)">',
        lambda m: base64.b64decode(m.group(1)).decode("utf-8"),
        view.html(),
    )


def train_step(model: MLP, lr: float = 0.1) -> Value:
    """One step of fitting y = x0 - x1 on four points."""
    data = [([1.0, 0.0], 1.0), ([0.0, 1.0], -1.0), ([1.0, 1.0], 0.0), ([2.0, 0.5], 1.5)]
    loss = Value(0.0, requires_grad=False, label="zero")
    for x, y in data:
        loss = loss + (model(x) - y) ** 2  # type: ignore[operator]
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss


def test_updates_with_the_same_graph_lay_out_once() -> None:
    """Twenty updates of a model's picture: one Graphviz layout, twenty losses."""
    model = MLP(2, [4, 1], seed=0)
    view = live(model)
    for _ in range(20):
        view.update(train_step(model))
    assert view.layouts == 1
    assert len(view.losses) == 20


def test_the_picture_shows_the_current_loss_and_gradients() -> None:
    """The HTML has the step, the loss, each layer and its parameters' largest gradient."""
    model = MLP(2, [4, 1], seed=0)
    view = live(model)
    loss = train_step(model)
    view.update(loss)
    page = shown(view)
    assert f"step 0: loss {loss.data:.4g}" in page
    assert "layers.0" in page
    assert "layers.1" in page
    largest = max(abs(p.grad) for p in model.layers[1].parameters())
    assert f"max |grad| {largest:.4g}" in page
    assert "<polyline" in page


def test_collapse_neuron_shows_one_box_per_neuron() -> None:
    """collapse="neuron": a box per neuron, named as named_parameters names it."""
    model = MLP(2, [4, 1], seed=0)
    view = live(model, collapse="neuron")
    view.update(train_step(model))
    for j in range(4):
        assert f"layers.0.neurons.{j}" in shown(view)


def test_a_changed_graph_is_laid_out_again() -> None:
    """Without a model the loss's own graph is drawn; a new shape means a new layout."""
    w = Value(0.5, label="w")
    view = live()
    view.update(w * 2.0)
    w.data = 0.7
    view.update(w * 2.0)  # the same shape: the numbers change, the layout does not
    assert view.layouts == 1
    assert "data 1.4" in shown(view)
    view.update(w * 2.0 + w)
    assert view.layouts == 2


def test_in_jupyter_the_first_update_displays_and_later_ones_replace_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One display(display_id=True), then handle.update() for every later step."""
    import IPython
    import IPython.display

    calls: list[str] = []

    class Handle:
        def update(self, obj: Any) -> None:
            calls.append("update")

    def display(obj: Any, display_id: bool = False) -> Handle:
        assert display_id is True
        calls.append("display")
        return Handle()

    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", display)
    model = MLP(2, [3, 1], seed=0)
    view = live(model)
    for _ in range(3):
        view.update(train_step(model))
    assert calls == ["display", "update", "update"]


def test_every_n_redraws_only_every_nth_step() -> None:
    """every=5: all losses are kept, the picture is redrawn at steps 0, 5, 10."""
    model = MLP(2, [3, 1], seed=0)
    view = live(model, every=5)
    pages = set()
    for _ in range(11):
        view.update(train_step(model))
        pages.add(shown(view))
    assert len(view.losses) == 11
    assert len(pages) == 3


def test_draw_redraws_a_step_that_every_would_skip() -> None:
    """every=5 with draw=True at step 7: the picture shows step 7, the loop's last."""
    model = MLP(2, [3, 1], seed=0)
    view = live(model, every=5)
    for step in range(8):
        view.update(train_step(model), draw=step == 7)
    assert "step 7:" in shown(view)


def test_walkthrough_06_stores_the_last_step_of_its_live_view() -> None:
    """The demo walkthrough's one live output was updated in place up to its last step."""
    from pathlib import Path

    import nbformat

    path = Path(__file__).resolve().parent.parent / "notebooks" / "06_micrograd_demo.ipynb"
    notebook = nbformat.read(path, as_version=4)
    pages = [
        out["data"]["text/html"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "mgl-live" in out.get("data", {}).get("text/html", "")
    ]
    assert len(pages) == 1  # one output, not one per step
    assert "step 99: loss 0.0155" in pages[0]
    (model, *_) = re.findall(r'src="data:image/svg\+xml;base64,([^"]*)"', pages[0])
    assert "layers.2" in base64.b64decode(model).decode("utf-8")


def group_fills(page: str) -> dict[str, str]:
    """Each group box's label and fill colour in the live view's picture."""
    import re

    fills = {}
    for group in re.findall(r'<g [^>]*class="box[^"]*"[^>]*>.*?</g>', page, re.DOTALL):
        label = re.search(r'class="line-0"[^>]*>([^<]*)<', group)
        fill = re.search(r'fill="(#[0-9a-f]{6})"', group)
        if label and fill:
            fills[label.group(1)] = fill.group(1)
    return fills


def test_shading_is_against_the_largest_gradient_of_the_run_so_far() -> None:
    """Once every layer was orange at each step (shaded against that step's largest);
    a step whose gradients are a hundredth of the first's is pale."""
    model = MLP(2, [4, 1], seed=0)
    view = live(model)
    view.update(train_step(model))
    first = group_fills(shown(view))
    assert "#fd7e14" in first.values()  # the largest so far: full orange
    for p in model.parameters():
        p.grad *= 0.01
    view.update(Value(1.0))
    later = group_fills(shown(view))
    assert "#fd7e14" not in later.values()
    assert set(later) == set(first)


def test_a_loss_spanning_decades_is_drawn_on_a_log_axis() -> None:
    view = live()
    x = Value(1.0)
    for loss in (1000.0, 10.0, 1.0, 0.1):
        view.update(x * loss)
    assert "log scale" in shown(view)
    flat = live()
    for loss in (2.0, 1.5, 1.0):
        flat.update(x * loss)
    assert "log scale" not in shown(flat)


def test_the_input_boxes_show_no_gradient() -> None:
    """An input is data, not a parameter: its box once showed `grad 0`."""
    model = MLP(2, [4, 1], seed=0)
    view = live(model, inputs=[0.5, -1.0])
    view.update(train_step(model))
    page = shown(view)
    for name in ("x0", "x1"):
        box = page.split(f">{name}<", 1)[1].split("</g>", 1)[0]
        assert "data" in box
        assert "grad" not in box


def test_the_picture_is_sized_in_points_as_draw_dots_is() -> None:
    """Its text was 25% smaller than draw_dot's: the layout's points were drawn as pixels."""
    model = MLP(2, [4, 1], seed=0)
    view = live(model)
    view.update(train_step(model))
    svg = shown(view).split('<svg xmlns="http://www.w3.org/2000/svg" class="mgl-graph"', 1)[1]
    assert svg.split(">", 1)[0].count('pt"') == 2  # width and height


def test_a_layers_neurons_are_drawn_in_order() -> None:
    """collapse="neuron" once put neurons 10-15 above 0-9."""
    model = MLP(2, [16, 16, 1], seed=1)
    view = live(model, collapse="neuron")
    view.update(Value(0.0))
    boxes = re.findall(
        r'<rect x="[^"]*" y="([^"]*)"[^>]*/>\s*<text[^>]*><tspan class="line-0">'
        r"layers\.0\.neurons\.(\d+)<",
        shown(view),
    )
    by_height = sorted(boxes, key=lambda box: float(box[0]))
    assert [int(neuron) for _, neuron in by_height] == list(range(16))


POINTS = ([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.5]], [1.0, -1.0, 0.0, 1.5])


def boundary(page: str) -> str:
    return page.split('class="mgl-boundary"', 1)[1].split("</svg>", 1)[0]


def test_data_adds_a_decision_boundary_redrawn_with_the_model() -> None:
    """With data=, the model's output over the points' square (16 × 16 cells) and the
    points; a training step changes it, with no matplotlib."""
    model = MLP(2, [4, 1], seed=0)
    view = live(model, data=POINTS)
    view.update(train_step(model))
    first = boundary(shown(view))
    assert first.count("<rect") == 16 * 16
    assert first.count("<circle") == 4
    for _ in range(5):
        view.update(train_step(model, lr=0.2))
    assert boundary(shown(view)) != first


def test_no_data_no_boundary() -> None:
    model = MLP(2, [4, 1], seed=0)
    view = live(model)
    view.update(train_step(model))
    assert "mgl-boundary" not in shown(view)


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (None, POINTS, "pass model= too"),
        (MLP(2, [1], seed=0), ([[1.0, 2.0, 3.0]], [1.0]), "points of two numbers each"),
        (MLP(2, [1], seed=0), ([[1.0, 2.0]], [1.0, 2.0]), "1 points and 2 labels"),
    ],
    ids=["no model", "three numbers", "counts differ"],
)
def test_data_that_cannot_be_drawn_is_refused(model: Any, data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        live(model, data=data)


def test_every_picture_is_an_image_an_untrusted_notebook_shows() -> None:
    """JupyterLab drops `<svg>` from an untrusted notebook's HTML (the view was one line
    of text there); an `<img>` of each picture shows. No script either."""
    model = MLP(2, [4, 1], seed=0)
    view = live(model, data=POINTS)
    view.update(train_step(model))
    page = view.html()
    assert "<svg" not in page
    assert "<script" not in page
    assert page.count('<img alt="') == 3  # the model, the loss curve, the boundary
    for encoded in re.findall(r'src="data:image/svg\+xml;base64,([^"]*)"', page):
        assert base64.b64decode(encoded).startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
