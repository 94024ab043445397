"""Inputs chosen to break the visualiser: plots, saved files, the stepper's texts,
collapse and names, labels, the live view. Each test is one case that once crashed, hung
or drew something wrong, and now draws it or refuses clearly.

Grouped as they were found; one behaviour per test.
"""

from __future__ import annotations

import math
import os
import re
import signal
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from micrograd_lite import Value, nn

pytest.importorskip("graphviz", reason="the graphviz package is in the viz and dev sets")

from micrograd_lite.viz import draw_dot, live, plot, render, stepper, to_svg

#: The attributes of a plot's SVG that hold coordinates and sizes.
COORDINATES = ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "width", "height", "points")


def coordinates(svg: str) -> list[float]:
    """Every number in the coordinates of an SVG, which must be well-formed."""
    numbers: list[float] = []
    for element in ET.fromstring(svg).iter():
        for name, value in element.attrib.items():
            if name in COORDINATES or name == "transform":
                words = re.findall(r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)", value)
                numbers += [float(w) for w in words]
    return numbers


def all_finite(svg: str) -> bool:
    return all(math.isfinite(c) for c in coordinates(svg))


def note(svg: str) -> str:
    """The note a plot writes under itself about values it left out."""
    found = re.findall(r'class="mgl-note">([^<]*)<', svg)
    return found[0] if found else ""


def lecture_node() -> tuple[Value, Value]:
    """`y = n × c`, where n is labelled as the lecture labels it, `x1*w1 + x2*w2`."""  # noqa: RUF002
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    n = x1 * w1 + x2 * w2
    n.label = "x1*w1 + x2*w2"
    c = Value(2.0, label="c")
    y = n * c
    y.label = "y"
    return y, n


def texts(root: Value) -> list[str]:
    return [step["text"] for step in stepper(root).steps]


class TestPlotsAtTheirEdges:
    """Non-finite, huge, tiny and constant numbers, odd containers and markup in plots."""

    def test_an_hline_at_inf_is_left_out_with_a_note(self) -> None:
        """`hline(inf)` once raised OverflowError; it is not drawn, and the plot says so."""
        svg = plot.Figure().line([1.0, 2.0]).hline(math.inf).svg()
        assert all_finite(svg)
        assert note(svg) == "not drawn: 1 value at inf"

    def test_an_hline_at_nan_writes_no_nan_coordinate(self) -> None:
        """`hline(nan)` once wrote `y1="nan"`."""
        svg = plot.Figure().line([1.0, 2.0]).hline(math.nan).svg()
        assert all_finite(svg)
        assert note(svg) == "not drawn: 1 value at nan"

    def test_a_loss_diverging_to_the_largest_floats_is_still_drawn(self) -> None:
        """A loss curve up to 1.6e308 once got inf coordinates and vanished."""
        svg = plot.Figure().line([1.0, 1e300, 1.6e308]).svg()
        (curve,) = ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}polyline")
        assert len(curve.get("points", "").split()) == 3
        assert all_finite(svg)

    def test_points_at_both_ends_of_the_float_range_have_finite_coordinates(self) -> None:
        """-1.7e308 to 1.7e308: the axis' width is more than the largest float."""
        biggest = sys.float_info.max
        svg = plot.Figure().scatter([-biggest, biggest], [biggest, -biggest]).svg()
        assert all_finite(svg)

    def test_subnormal_data_gets_a_padded_axis(self) -> None:
        """5e-324 and 1e-323 once raised `math domain error`."""
        svg = plot.Figure().line([5e-324, 1e-323]).svg()
        assert all_finite(svg)

    @pytest.mark.parametrize("level", [1e17, -1e17, 1e300])
    def test_a_constant_line_at_a_large_number_gets_a_padded_axis(self, level: float) -> None:
        """A constant at 1e17 once raised `math domain error`: ±1 is lost in its digits."""
        svg = plot.Figure().line([level, level]).hline(level).svg()
        assert all_finite(svg)
        assert len([t for t in ET.fromstring(svg).iter() if t.text and "e+" in t.text]) >= 2

    def test_a_nan_in_a_line_is_a_gap_and_said(self) -> None:
        svg = plot.Figure().line([1.0, math.nan, 3.0, -math.inf]).svg()
        assert all_finite(svg)
        assert note(svg) == "not drawn: 2 values at nan or -inf"

    def test_a_line_of_a_generator_is_drawn(self) -> None:
        """`fig.line(x * x for x in range(5))` once failed: a generator has no len()."""
        svg = plot.Figure().line(x * x for x in range(5)).svg()
        (curve,) = ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}polyline")
        assert len(curve.get("points", "").split()) == 5

    def test_a_string_of_digits_is_not_taken_for_numbers(self) -> None:
        """`line("123")` once drew the digits 1, 2, 3."""
        with pytest.raises(TypeError, match="line: ys must be a list of numbers, got str"):
            plot.Figure().line("123")  # type: ignore[arg-type]

    def test_a_word_among_the_numbers_is_named_by_its_place(self) -> None:
        with pytest.raises(TypeError, match="scatter: ys must be numbers; item 1 is a str"):
            plot.Figure().scatter([1, 2], [1.0, "2"])  # type: ignore[list-item]

    def test_an_hline_at_a_string_is_refused(self) -> None:
        """`hline("0.5")` once drew a line at 0.5, a string read as a number."""
        with pytest.raises(TypeError, match="hline: y must be a number, got str"):
            plot.Figure().hline("0.5")  # type: ignore[arg-type]

    def test_an_empty_list_of_colours_is_refused_where_it_is_given(self) -> None:
        """`scatter(..., colour=[])` once raised ZeroDivisionError when drawn."""
        with pytest.raises(TypeError, match="scatter: colour= is a colour"):
            plot.Figure().scatter([1.0], [2.0], colour=[])

    def test_a_colour_with_a_quote_cannot_add_markup(self) -> None:
        """A colour is written into an attribute: its quote once ended it."""
        fig = plot.Figure().line([1.0, 2.0], colour='red" onload="alert(1)', label="a")
        svg = fig.svg()
        for element in ET.fromstring(svg).iter():
            assert "onload" not in element.attrib

    @pytest.mark.parametrize("size", [math.nan, math.inf, 0, -5, "300"])
    def test_a_figure_size_must_be_a_finite_number_of_pixels(self, size: Any) -> None:
        """`Figure(width=nan)` once drew every coordinate as nan."""
        with pytest.raises(ValueError, match="width must be a number of pixels >= 100"):
            plot.Figure(width=size)

    def test_a_row_of_nothing_is_refused(self) -> None:
        """`row()` once made an SVG of width -12."""
        with pytest.raises(ValueError, match="row takes the pictures to put side by side"):
            plot.row()

    def test_a_row_of_something_that_is_not_a_plot_is_refused(self) -> None:
        with pytest.raises(TypeError, match=r"row takes plots .* got str"):
            plot.row(plot.Figure(), "fig")  # type: ignore[arg-type]

    def test_a_boundary_with_no_points_is_refused(self) -> None:
        """It once raised `min() arg is an empty sequence`."""
        with pytest.raises(ValueError, match="boundary needs points"):
            plot.boundary(nn.MLP(2, [1], seed=0), [], [])

    def test_a_boundary_over_a_point_at_nan_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"the point \(nan, 1\) is not finite"):
            plot.boundary(nn.MLP(2, [1], seed=0), [[0.0, 0.0], [math.nan, 1.0]], [1, -1])

    @pytest.mark.parametrize("grid", [0, -1, 2.5, True])
    def test_a_boundary_grid_must_be_a_whole_number_of_cells(self, grid: Any) -> None:
        """`grid=0` once raised ZeroDivisionError, `grid=2.5` a TypeError from range()."""
        with pytest.raises(ValueError, match="grid must be a whole number of cells >= 1"):
            plot.boundary(nn.MLP(2, [1], seed=0), [[0.0, 1.0]], [1], grid=grid)

    def test_a_boundary_of_one_point_at_1e17_is_drawn(self) -> None:
        """Padding 1e17 by 0.1 once left a square of side 0 (ZeroDivisionError)."""
        svg = plot.boundary(nn.MLP(2, [1], seed=0), [[1e17, 1e17]], [1], grid=2).svg()
        assert all_finite(svg)

    def test_a_boundary_over_points_near_the_largest_float_is_drawn(self) -> None:
        svg = plot.boundary(
            lambda p: p[0] - p[1], [[1e308, -1e308], [-1e308, 1e308]], [1, -1], grid=2
        ).svg()
        assert all_finite(svg)

    def test_a_boundary_of_a_function_returning_a_number_is_drawn(self) -> None:
        """A plain function of two numbers once failed: a float has no `.data`."""
        svg = plot.boundary(lambda p: p[0] - p[1], [[0.0, 1.0], [1.0, 0.0]], [1, -1], grid=2)
        assert "#" in svg.svg()


class TestSavedFiles:
    """A file's extension says what it holds: what is written must be that."""

    def test_a_plot_saved_as_png_is_refused(self, tmp_path: Path) -> None:
        """`Figure.save("loss.png")` once wrote SVG text into a .png."""
        with pytest.raises(ValueError, match=r"cannot save the plot to \.png; the formats are svg"):
            plot.Figure().line([1.0, 2.0]).save(tmp_path / "loss.png")
        assert not list(tmp_path.iterdir())

    def test_a_stepper_saved_as_svg_is_refused(self, tmp_path: Path) -> None:
        """`Stepper.save("steps.svg")` once wrote an HTML page into a .svg."""
        with pytest.raises(
            ValueError, match=r"cannot save the page to \.svg; the formats are html"
        ):
            stepper(Value(1.0, label="a") * 2.0).save(tmp_path / "steps.svg")
        assert not list(tmp_path.iterdir())

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
    def test_saving_a_plot_onto_a_named_pipe_is_refused_at_once(self, tmp_path: Path) -> None:
        """Writing a plot into a FIFO nobody reads once blocked forever, as the page did."""
        pipe = tmp_path / "pipe.svg"
        os.mkfifo(pipe)
        outcome: list[BaseException | None] = []

        def save() -> None:
            try:
                plot.Figure().line([1.0, 2.0]).save(pipe)
                outcome.append(None)
            except BaseException as error:  # reported below
                outcome.append(error)

        worker = threading.Thread(target=save, daemon=True)
        worker.start()
        worker.join(60)  # a guard against hanging the suite, not a timing
        assert outcome, "save() blocked on the named pipe"
        assert isinstance(outcome[0], ValueError)
        assert "not a regular file" in str(outcome[0])

    def test_saving_a_plot_to_a_directory_says_so(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="is a directory, not a file to save the plot to"):
            plot.Figure().save(tmp_path)


class TestStepperTexts:
    """The stepper's words and numbers: labels of several words, signed zeros."""

    def test_a_label_of_several_words_is_bracketed_as_a_factor(self) -> None:
        """`c.grad += y.grad × x1*w1 + x2*w2` once read as a sum."""  # noqa: RUF002
        y, _ = lecture_node()
        lines = [line for text in texts(y) for line in text.splitlines()]
        assert "c.grad += y.grad × (x1*w1 + x2*w2) = 1 × (-6) = -6" in lines  # noqa: RUF001

    def test_a_label_of_several_words_is_bracketed_in_the_forward_step(self) -> None:
        """`y = x1*w1 + x2*w2 × c` once read as a sum."""  # noqa: RUF002
        y, _ = lecture_node()
        assert "y = (x1*w1 + x2*w2) × c = (-6) × 2 = -12" in texts(y)  # noqa: RUF001

    def test_the_seed_of_a_root_of_several_words_is_bracketed(self) -> None:
        """`dx1*w1 + x2*w2/dx1*w1 + x2*w2` once read as nonsense."""
        _, n = lecture_node()
        seed = [t for t in texts(n) if "the seed" in t]
        assert seed == ["(x1*w1 + x2*w2).grad = 1, the seed: d(x1*w1 + x2*w2)/d(x1*w1 + x2*w2) = 1"]

    def test_a_label_already_in_parentheses_is_not_bracketed_again(self) -> None:
        a = Value(2.0, label="(a + b)")
        y = a * 3.0
        y.label = "y"
        assert texts(y)[-1] == "(a + b).grad += y.grad × 3 = 1 × 3 = 3"  # noqa: RUF001

    def test_a_gradient_of_minus_zero_shows_as_minus_zero_in_its_box(self) -> None:
        """The box once showed 0 where the step's text, `.grad` and draw_dot say -0."""
        a = Value(1.0, label="a")
        y = a * -0.0
        y.label = "y"
        last = stepper(y).steps[-1]
        assert last["text"].endswith("= -0")
        assert last["set"] == [[0, "grad", "-0"]]

    def test_a_label_with_a_control_character_leaves_the_svg_well_formed(self) -> None:
        """`\\x01` in a label once made the page's SVG unreadable as XML."""
        page = stepper(Value(1.0, label="a\x01b") * 2.0)
        ET.fromstring(page.svg)
        assert "a\\x01b" in page.svg


class TestCollapseAndNames:
    """Collapsed boxes over models that reuse a matrix, and names that loop."""

    @staticmethod
    def rnn() -> tuple[Value, list[list[Value]]]:
        """Two time steps of `h = tanh(W h)`: the matrix W used twice."""
        w = [[Value(0.1 * (i + j), label=f"W{i}{j}") for j in range(2)] for i in range(2)]
        h = [Value(1.0, requires_grad=False), Value(2.0, requires_grad=False)]
        for _ in range(2):
            h = [(w[i][0] * h[0] + w[i][1] * h[1]).tanh() for i in range(2)]
        return h[0] + h[1], w

    def test_a_matrix_used_at_two_time_steps_is_a_box_per_step(self) -> None:
        """An RNN's matrix once raised `KeyError: 'g0'` (one box feeding itself)."""
        out, w = self.rnn()
        source = draw_dot(out, names={"W": w}, collapse="matrix").source
        assert "W (call 0)" in source
        assert "W (call 1)" in source

    def test_a_model_whose_parameters_are_named_as_one_list_is_drawn(self) -> None:
        """`names={'params': model.parameters()}` once raised `KeyError: 'g0'`."""
        model = nn.MLP(2, [3, 1], seed=0)
        out = model([1.0, -1.0])
        assert isinstance(out, Value)
        svg = to_svg(out, names={"params": model.parameters()}, collapse="matrix")
        assert "params (call 1)" in svg

    def test_an_l2_term_is_not_another_call_of_its_layer(self) -> None:
        """micrograd's demo loss: each `b*b` was once drawn as another call of its layer."""
        model = nn.MLP(2, [3, 1], seed=0)
        out = model([1.0, -1.0])
        assert isinstance(out, Value)
        loss = (out - 1.0) ** 2 + 1e-4 * sum((p * p for p in model.parameters()), Value(0.0))
        source = draw_dot(loss, model=model, collapse="layer").source
        assert "(call" not in source
        assert set(re.findall(r'label="(layers\.\d)', source)) == {"layers.0", "layers.1"}

    def test_a_names_dict_holding_itself_is_read_once(self) -> None:
        """A `names=` dict that contains itself once hung the drawing."""
        names: dict[str, Any] = {"a": Value(1.0)}
        names["self"] = names

        def hung(*_: Any) -> None:
            raise TimeoutError("draw_dot hung on a names= dict that holds itself")

        previous = signal.signal(signal.SIGALRM, hung)
        signal.alarm(60)  # a guard against hanging the suite, not a timing
        try:
            source = draw_dot(names["a"] * 2.0, names=names).source
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        assert "a | data 1" in source

    def test_a_matrix_name_with_a_nul_is_drawn_with_its_escape(self) -> None:
        """A name given to a collapsed matrix reaches Graphviz as a box's label."""
        out, w = self.rnn()
        svg = to_svg(out, names={"W\x00": w}, collapse="matrix")
        assert "W\\x00 (call 0)" in svg


class TestLabelsGraphvizCannotTake:
    """Labels that once failed inside `dot`, naming nothing."""

    def test_a_label_with_a_nul_is_drawn_with_its_escape(self) -> None:
        """A NUL in a label once failed inside `dot`: `syntax error in line 5`."""
        svg = to_svg(Value(1.0, label="a\x00b") * 2.0)
        assert "a\\x00b" in svg

    def test_a_label_of_twenty_thousand_characters_is_cut_saying_its_length(self) -> None:
        source = draw_dot(Value(1.0, label="x" * 20_000) * 2.0).source
        assert "x" * 101 not in source
        assert "… (20000 characters)" in source

    def test_a_label_with_a_nul_renders_to_a_file(self, tmp_path: Path) -> None:
        path = render(Value(1.0, label="\x00") * 2.0, tmp_path / "nul.svg")
        assert "\\x00" in path.read_text()


class TestLiveView:
    """The live view refuses at `live(...)` what would fail at `update`, and takes numbers."""

    def test_data_for_a_model_of_three_inputs_is_refused_naming_data(self) -> None:
        """It once failed only at update(): the MLP "takes 3 inputs, got 2"."""
        with pytest.raises(ValueError, match="data= draws the decision boundary of a model of two"):
            live(nn.MLP(3, [2, 1], seed=0), data=([[1.0, 2.0]], [1.0]))

    def test_inputs_of_the_wrong_length_are_refused_naming_inputs(self) -> None:
        with pytest.raises(ValueError, match="inputs= has 2 numbers, but the model takes 3"):
            live(nn.MLP(3, [2, 1], seed=0), inputs=[1.0, 2.0])

    def test_inputs_that_are_not_numbers_are_refused(self) -> None:
        """`inputs="12"` once failed at update() making a Value of "1"."""
        with pytest.raises(TypeError, match="inputs= is a list of numbers"):
            live(nn.MLP(2, [1], seed=0), inputs="12")

    def test_a_collapse_the_live_view_cannot_draw_is_refused_at_once(self) -> None:
        with pytest.raises(ValueError, match="collapse must be 'layer', 'neuron' or None"):
            live(nn.MLP(2, [1], seed=0), collapse="matrix")

    def test_a_float_loss_is_plotted(self) -> None:
        """`live().update(3.0)` was an AttributeError on float."""
        view = live()
        view.update(3.0)
        view.update(np.float32(2.0))
        assert view.losses == [3.0, 2.0]
        assert "step 1: loss 2" in view.html()

    def test_a_float_loss_with_a_model_draws_the_model(self) -> None:
        view = live(nn.MLP(2, [2, 1], seed=0))
        view.update(0.5)
        assert view.layouts == 1

    def test_a_loss_that_is_not_a_number_is_refused_by_name(self) -> None:
        with pytest.raises(TypeError, match="update takes this step's loss, a Value or a number"):
            live().update("0.5")  # type: ignore[arg-type]

    def test_a_loss_curve_near_the_largest_float_has_finite_coordinates(self) -> None:
        """Losses -1.7e308 and 1.7e308 once drew the curve at nan."""
        view = live()
        for loss in (1.0, -1.7e308, 1.7e308):
            view.update(loss)
        curve = re.findall(r'points="([^"]*)"', _decoded_images(view.html())[0])[0]
        assert all(math.isfinite(float(c)) for point in curve.split() for c in point.split(","))

    def test_the_view_of_one_step_says_step(self) -> None:
        view = live()
        view.update(1.0)
        assert repr(view) == "<Live: 1 step, laid out 0 times>"


def _decoded_images(page: str) -> list[str]:
    """The SVG inside each `<img>` of a page."""
    import base64

    return [
        base64.b64decode(data).decode("utf-8")
        for data in re.findall(r'src="data:image/svg\+xml;base64,([^"]*)"', page)
    ]
