"""Plots with no matplotlib: lines, points, a legend, side by side, a decision boundary."""

from __future__ import annotations

import base64
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from micrograd_lite import Value
from micrograd_lite.nn import MLP
from micrograd_lite.viz import plot

SVG = "{http://www.w3.org/2000/svg}"


def parsed(picture: plot.Picture) -> ET.Element:
    return ET.fromstring(picture.svg())  # well-formed SVG, or this raises


def test_a_loss_curve_with_a_reference_line() -> None:
    fig = plot.Figure(title="loss per step", xlabel="step", ylabel="x² + 3")
    fig.line([7.0, 5.0, 4.0, 3.5, 3.2]).hline(3)
    root = parsed(fig)
    (curve,) = root.iter(f"{SVG}polyline")
    assert len(curve.get("points", "").split()) == 5
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"loss per step", "step", "x² + 3"} <= set(texts)
    assert any(line.get("stroke-dasharray") for line in root.iter(f"{SVG}line"))


def test_points_take_a_colour_each_and_a_legend() -> None:
    fig = plot.Figure().scatter([0, 1, 2], [1, 0, 1], label="data", colour=["#111", "#222"])
    dots = [c.get("fill") for c in parsed(fig).iter(f"{SVG}circle")]
    assert dots[:3] == ["#111", "#222", "#111"]  # colours repeat
    assert len(dots) == 4  # and the legend's
    assert "data" in fig.svg()


def test_nan_leaves_a_gap_in_a_line_and_no_point() -> None:
    fig = plot.Figure().line([1.0, 2.0, float("nan"), 3.0, float("inf"), 4.0])
    assert len(list(parsed(fig).iter(f"{SVG}polyline"))) == 3


def test_an_x_per_y() -> None:
    with pytest.raises(ValueError, match="3 xs and 2 ys"):
        plot.Figure().line([1.0, 2.0], [0.0, 1.0, 2.0])


def test_a_row_is_one_picture() -> None:
    a = plot.Figure(width=200, height=100).line([1, 2])
    b = plot.Figure(width=300, height=150).line([2, 1])
    root = parsed(plot.row(a, b))
    assert root.get("width") == "512"  # 12 between
    assert root.get("height") == "150"
    assert len(list(root.iter(f"{SVG}svg"))) == 3


def test_a_notebook_shows_it_as_an_image_too() -> None:
    """JupyterLab shows no SVG of an untrusted notebook; it shows the HTML image."""
    fig = plot.Figure(title="t").line([1, 2, 3])
    bundle = fig._repr_mimebundle_()
    encoded = bundle["text/html"].split("base64,", 1)[1].split('"', 1)[0]
    assert base64.b64decode(encoded).decode() == bundle["image/svg+xml"] == fig.svg()


def test_the_boundary_runs_the_model_once_per_cell_without_a_graph() -> None:
    model = MLP(2, [4, 1], seed=0)
    calls = []

    def counted(x: list[float]) -> Value:
        out = model(x)
        calls.append(out)
        return out  # type: ignore[return-value]

    picture = plot.boundary(counted, [[0.0, 0.0], [1.0, 1.0]], [1.0, -1.0], grid=8)
    root = parsed(picture)
    assert len(calls) == 64
    assert all(not out.parents for out in calls)  # under no_grad: nothing recorded
    assert len([r for r in root.iter(f"{SVG}rect")]) == 64
    fills = [c.get("fill") for c in root.iter(f"{SVG}circle")]
    assert fills == [plot.POSITIVE, plot.NEGATIVE]


def test_plotting_imports_neither_matplotlib_nor_numpy() -> None:
    code = (
        "import sys; from micrograd_lite.viz import plot; "
        "plot.Figure().line([1, 2]).svg(); "
        "print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_the_boundary_over_a_plane_given_by_xlim_and_ylim() -> None:
    """xlim and ylim fix the plane: the model runs at its cells, points outside it are
    left out, and each point drawn keeps its index for a page to click."""
    seen: list[tuple[float, float]] = []

    def model(p: list[float]) -> float:
        seen.append((p[0], p[1]))
        return p[0]

    picture = plot.boundary(
        model,
        [[0.5, 0.5], [3.0, 0.0], [-0.5, -0.5]],
        [1, -1, -1],
        grid=2,
        xlim=(-1, 1),
        ylim=(-1, 1),
    )
    assert seen == [(-0.5, 0.5), (0.5, 0.5), (-0.5, -0.5), (0.5, -0.5)]
    circles = list(parsed(picture).iter(f"{SVG}circle"))
    assert [c.get("data-index") for c in circles] == ["0", "2"]


def test_the_boundary_of_no_points_needs_the_plane() -> None:
    """With no points, xlim and ylim say where to draw; without them, what to give."""
    picture = plot.boundary(lambda p: 0.0, [], [], grid=2, xlim=(0, 1), ylim=(0, 1))
    assert list(parsed(picture).iter(f"{SVG}circle")) == []
    with pytest.raises(ValueError, match="or the plane to draw as xlim"):
        plot.boundary(lambda p: 0.0, [], [], xlim=(0, 1))


@pytest.mark.parametrize("xlim", [(1, 0), (0, float("inf")), "01", (0, 1, 2)])
def test_a_bad_xlim_says_what_to_write(xlim: object) -> None:
    """xlim is two finite numbers, low below high."""
    with pytest.raises(ValueError, match=r"xlim is \(low, high\): two finite numbers"):
        plot.boundary(lambda p: 0.0, [[0, 0]], [1], xlim=xlim)  # type: ignore[arg-type]
