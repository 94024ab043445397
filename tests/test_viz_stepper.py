"""The step-through page's steps: forward then backward, each with the rule's own text."""

from __future__ import annotations

from pathlib import Path

import pytest

from micrograd_lite import Value
from micrograd_lite.viz import stepper
from tests.conftest import can_lay_out

pytest.importorskip("graphviz", reason="the graphviz package is in the viz and dev sets")
pytestmark = pytest.mark.skipif(not can_lay_out(), reason="no layout program")


def texts(root: Value) -> list[str]:
    return [step["text"] for step in stepper(root).steps]


def test_steps_go_forward_node_by_node_then_backward() -> None:
    """A start, one step per operation forward, the seed, one per operation backward."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    phases = [step["phase"] for step in stepper(c).steps]
    assert phases == ["start", "forward", "backward", "backward"]
    assert texts(c)[1:] == [
        "c = a × b = 2 × (-3) = -6",
        "c.grad = 1, the seed: dc/dc = 1",
        "a.grad += c.grad × b = 1 × (-3) = -3\nb.grad += c.grad × a = 1 × 2 = 2",
    ]


def test_the_chain_rule_step_is_the_ops_maths_with_the_numbers_in() -> None:
    """Division's step reads as a learner writes its derivative: 1/b and −a/b²."""
    a, b = Value(1.0, label="a"), Value(4.0, label="b")
    q = a / b
    q.label = "q"
    assert texts(q)[-1].splitlines() == [
        "a.grad += q.grad × 1/b = 1 × 1/4 = 0.25",
        "b.grad += q.grad × −a/b² = 1 × −1/4² = -0.0625",
    ]


def test_the_lectures_neuron_reads_as_the_lecture_writes_it() -> None:
    """tanh's step is 1 − o², not the fused multiply-add the rule computes it with."""
    n = Value(0.8813735870195432, label="n")
    o = n.tanh()
    o.label = "o"
    assert texts(o)[-1] == "n.grad += o.grad × (1 − o²) = 1 × (1 − 0.7071²) = 0.5"


def test_every_backward_step_of_the_lectures_neuron_speaks_maths() -> None:
    """The neuron o = tanh(x1·w1 + x2·w2 + b): each step as the lecture writes it."""
    from tests.test_micrograd_compat import lecture_neuron

    o = lecture_neuron()["o"]
    backward = [s["text"] for s in stepper(o).steps if s["phase"] == "backward"]
    assert backward == [
        "o.grad = 1, the seed: do/do = 1",
        "n.grad += o.grad × (1 − o²) = 1 × (1 − 0.7071²) = 0.5",
        "(x1*w1 + x2*w2).grad += n.grad = 0.5\nb.grad += n.grad = 0.5",
        "(x1*w1).grad += (x1*w1 + x2*w2).grad = 0.5\n(x2*w2).grad += (x1*w1 + x2*w2).grad = 0.5",
        "x2.grad += (x2*w2).grad × w2 = 0.5 × 1 = 0.5\nw2.grad += (x2*w2).grad × x2 = 0.5 × 0 = 0",
        "x1.grad += (x1*w1).grad × w1 = 0.5 × (-3) = -1.5\n"
        "w1.grad += (x1*w1).grad × x1 = 0.5 × 2 = 1",
    ]


def test_a_number_in_the_expression_is_written_into_the_maths() -> None:
    """x ** 2: the exponent is a constant, so the step shows 2 and names no box."""
    x = Value(3.0, label="x")
    y = x**2
    y.label = "y"
    assert texts(y)[-1] == "x.grad += y.grad × 2·x^(2 − 1) = 1 × 2·3^(2 − 1) = 6"


def test_a_label_of_several_words_is_bracketed_before_grad() -> None:
    a = Value(2.0, label="x1*w1")
    out = a * 3.0
    out.label = "x1*w1 + b"
    assert texts(out)[-1] == "(x1*w1).grad += (x1*w1 + b).grad × 3 = 1 × 3 = 3"


def test_an_op_without_maths_shows_its_rule_read_symbolically() -> None:
    """A user's op defined without maths= still shows what its rule computes."""
    from micrograd_lite import define_op, ops

    @define_op("cube", lambda a: a * a * a)
    def cube(g: ops.Num, out: ops.Num, a: ops.Num) -> tuple[ops.Num]:
        return (g * (3.0 * (a * a)),)

    try:
        x = Value(2.0, label="x")
        y = cube(x)
        y.label = "y"
        assert texts(y)[-1] == "x.grad += y.grad × (3.0 × (x × x)) = 1 × (3.0 × (2 × 2)) = 12"
    finally:
        del ops.REGISTRY["cube"]


def test_steps_end_with_the_gradients_backward_leaves_and_change_nothing() -> None:
    """The last grad each step sets is backward()'s; no .grad is touched by the walk."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b + b**2).tanh()
    walk = stepper(out)
    assert (a.grad, b.grad) == (0.0, 0.0)
    final: dict[int, str] = {}
    for step in walk.steps:
        for index, kind, text in step["set"]:
            if kind == "grad":
                final[index] = text
    out.backward()
    assert final[walk.index[a]] == f"{a.grad:.4g}"
    assert final[walk.index[b]] == f"{b.grad:.4g}"


def test_a_thousand_steps_cost_one_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Graphviz runs once for the whole walk, however many steps it has."""
    from micrograd_lite.viz import dot

    calls = []
    real = dot.run_dot
    monkeypatch.setattr(dot, "run_dot", lambda *a, **k: calls.append(1) or real(*a, **k))
    x = Value(0.5, label="x")
    y = x
    for _ in range(250):
        y = (y * 1.001).tanh()
    walk = stepper(y)
    assert len(walk) > 1000
    assert len(calls) == 1


def test_saved_page_needs_nothing_from_outside(tmp_path: Path) -> None:
    """The saved page has its script and data inline and loads no URL."""
    page = stepper(Value(2.0, label="a") * 3).save(tmp_path / "steps.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    page = page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a name, not a fetch
    for outside in ("http://", "https://", "src=", "href="):
        assert outside not in page


def test_a_big_graphs_boxes_are_headed_by_their_operation_and_name() -> None:
    """Above 1,000 nodes there are no ellipses: a box reads `* 1.001 → t1`, then data, grad."""
    import re

    x = Value(0.5, label="x")
    y = x
    for _ in range(400):
        y = (y * 1.001).tanh()
    walk = stepper(y)
    titles = re.findall(r'line-0">([^<]*)<', walk.svg)
    assert titles[:3] == ["x", "* 1.001 → t1", "tanh → t2"]
    assert walk.steps[1]["text"] == "t1 = x × 1.001 = 0.5 × 1.001 = 0.5005"


def test_a_node_with_a_backward_closure_steps_through_with_its_closures_numbers() -> None:
    """micrograd's way of adding an op: the walk runs the closure, as backward() does."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    d = Value(a.data * b.data, (a, b), "*", label="d")

    def _backward() -> None:
        a.grad += b.data * d.grad
        b.grad += a.data * d.grad

    d._backward = _backward
    assert texts(d)[-1].splitlines() == [
        "a.grad += 3  (BackwardClosure)",
        "b.grad += 2  (BackwardClosure)",
    ]
    assert (a.grad, b.grad, d.grad) == (0.0, 0.0, 0.0)  # the walk changes no .grad


def test_in_jupyter_the_last_step_is_a_picture_and_the_script_holds_no_tag() -> None:
    """Where no script runs (an untrusted notebook, a viewer that strips scripts) the
    output is an `<img>` of the last step, every data and grad in; the script that swaps
    the widget in keeps its markup in a string with no `<`, so no `</script>` ends it
    early and no `<!--` changes how the page reads it."""
    import base64
    import re

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    output = stepper(c)._repr_html_()
    before, script = output.split("<script>\n", 1)
    assert "<svg" not in before
    (encoded,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]*)"', before)
    picture = base64.b64decode(encoded).decode()
    for line in ("data -6", "grad 1", "grad -3", "grad 2"):
        assert f">{line}<" in picture
    assert script.endswith("\n</script>")
    body = script[: -len("\n</script>")]
    assert "</" not in body
    assert "<!" not in body
    assert "<svg" not in body
