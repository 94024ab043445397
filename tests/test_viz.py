"""The visualiser: DOT source, real Graphviz SVG, frames of backward, the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import micrograd_lite as mg
from micrograd_lite import Value
from micrograd_lite.demo import tanh_neuron as neuron
from micrograd_lite.viz import (
    GraphvizNotFoundError,
    backward_frames,
    draw_dot,
    render,
    to_svg,
)
from micrograd_lite.viz.graph import build
from tests.conftest import HANGING_DOT_TIMEOUT, can_lay_out

pytest.importorskip("graphviz", reason="the graphviz package is in the viz and dev sets")
needs_dot = pytest.mark.skipif(
    not can_lay_out(), reason="no layout program: pip install '.[viz]' installs graphviz-pure"
)
ROOT = Path(__file__).resolve().parent.parent


def svg_text(svg: str) -> list[str]:
    """All text drawn in an SVG document."""
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


@needs_dot
def test_svg_from_real_dot_shows_every_label_data_and_grad() -> None:
    """The SVG parses as XML and contains each node's label, data and grad."""
    texts = svg_text(to_svg(neuron()))
    for expected in ["x1", "w1", "b", "n", "o", "data 0.7071", "grad 0.5", "grad -1.5", "tanh"]:
        assert expected in texts, expected
    assert "data 6.881" in texts


def test_dot_source_is_identical_across_processes() -> None:
    """Two processes with different hash seeds give byte-identical DOT."""
    code = (
        "import sys; from micrograd_lite.demo import tanh_neuron;"
        "from micrograd_lite.viz import draw_dot;"
        "sys.stdout.write(draw_dot(tanh_neuron()).source)"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1]
    assert b"digraph" in outputs[0]


@needs_dot
def test_svg_is_identical_across_calls() -> None:
    """The same graph renders to the same SVG bytes."""
    assert to_svg(neuron()) == to_svg(neuron())


def test_constants_are_written_into_their_operation_and_leaf_kinds_differ() -> None:
    """A Python number is written into the ellipse that uses it; leaf kinds differ in colour."""
    w = Value(3.0, label="w")
    x = Value(2.0, label="x", requires_grad=False)
    source = draw_dot(w * x + 1.5).source
    assert "const" not in source
    assert 'label="+ 1.5"' in source
    colours = {
        line.split("fillcolor=")[1].split()[0]
        for line in source.splitlines()
        if "fillcolor" in line
    }
    assert len(colours) >= 3


def test_each_use_of_a_number_shows_that_number_and_no_box() -> None:
    """y + x*0.5 a hundred times draws no constant box at all."""
    x, y = Value(1.0, label="x"), Value(0.0, label="y")
    for _ in range(100):
        y = y + x * 0.5
    source = draw_dot(y).source
    assert source.count('* 0.5"') == 100  # "* 0.5", or "x * 0.5" far from x's box
    boxes = [line for line in source.splitlines() if "shape=record" in line]
    originals = [line for line in boxes if "dashed" not in line]
    assert len(originals) == 2 + 200  # x, y, and the 100 products and 100 sums


def test_names_label_values() -> None:
    """names= maps a name to a Value, as torchviz's params."""
    a = Value(1.0)
    source = draw_dot(a * 2, names={"weight": a}).source
    assert "weight" in source


def test_numbers_are_compact_and_nan_inf_spelt_out() -> None:
    """Numbers use 4 significant digits; nan and inf read as such."""
    a = Value(0.0, label="a")
    source = draw_dot(a.log() + Value(float("nan"), label="n") + 1 / 3).source
    assert "data -inf" in source
    assert "data nan" in source
    assert "+ 0.3333" in source


def test_labels_with_record_characters_are_escaped() -> None:
    """Characters that structure a record label are escaped, so labels show as typed."""
    source = draw_dot(Value(1.0, label="a|b{c}") * 2).source
    assert "a\\|b\\{c\\}" in source


def test_hundred_thousand_op_chain_gives_dot_source() -> None:
    """A 100,000-op chain walks iteratively to DOT source when the limit allows it."""
    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    source = draw_dot(y, max_nodes=300_000).source
    assert source.count("->") == 100_000  # one edge per op: its ellipse is in its box


def test_max_nodes_error_says_how_many_and_what_to_do() -> None:
    """Above max_nodes the call refuses, naming the count and the ways out."""
    x = Value(1.0)
    y = x
    for _ in range(100):
        y = y * 1.0
    with pytest.raises(
        ValueError,
        match=r"at least 101 nodes .*, more than max_nodes=50.*max_nodes=101.*sub-expression",
    ):
        draw_dot(y, max_nodes=50)


def demo_loss(points: int) -> tuple[Any, Value]:
    """micrograd's demo: MLP(2, [16, 16, 1]) and its mean hinge loss over `points` points."""
    from micrograd_lite import nn

    model = nn.MLP(2, [16, 16, 1], seed=1)
    xs = [[(i % 10) / 5 - 1.0, (i // 10) / 5 - 1.0] for i in range(points)]
    ys = [1.0 if x[0] * x[1] > 0 else -1.0 for x in xs]
    losses = [(1.0 + -y * model(x)).relu() for x, y in zip(xs, ys)]
    return model, mg.sum(losses) * (1.0 / points)


def test_the_limit_counts_what_is_drawn_after_collapsing() -> None:
    """The demo MLP's loss over 100 points has 37,638 Values to draw in full, and was
    refused with collapse="layer" too (the limit counted before collapsing)."""
    model, loss = demo_loss(100)
    with pytest.raises(ValueError, match="collapse='layer'"):
        draw_dot(loss, model=model)
    source = draw_dot(loss, model=model, collapse="layer").source
    assert source.count("(call 99)") == 3  # each layer's 100th call, one box each


def test_a_collapsed_drawing_over_the_limit_is_not_told_to_collapse() -> None:
    """The advice names only ways out that work: no collapse= for a collapsed drawing."""
    model, loss = demo_loss(20)
    with pytest.raises(ValueError, match=r"the drawing has \d+ nodes") as refusal:
        draw_dot(loss, model=model, collapse="layer", max_nodes=50)
    assert "collapse=" not in str(refusal.value)
    assert "Pass max_nodes=" in str(refusal.value)


@needs_dot
def test_a_collapsed_drawing_out_of_time_is_not_told_to_collapse(hanging_dot: str) -> None:
    from micrograd_lite.viz import GraphvizTimeoutError

    model, loss = demo_loss(20)
    with pytest.raises(GraphvizTimeoutError) as stopped:
        draw_dot(
            loss, model=model, collapse="layer", timeout=HANGING_DOT_TIMEOUT
        )._repr_image_svg_xml()
    assert "collapse=" not in str(stopped.value)
    assert "larger timeout=" in str(stopped.value)


def gpt_position_loss() -> tuple[Any, Value]:
    """A GPT-shaped model on scalars, its parameters in a dict of matrices (lists of
    rows), and the loss of predicting one next token."""
    from benchmarks import gpt

    model = gpt.Model(Value)
    probs = gpt.softmax(gpt.gpt(model, 3, 0, [], []))
    return model, -probs[5].log()


def test_parameters_kept_in_a_dict_of_matrices_are_named() -> None:
    model, loss = gpt_position_loss()
    source = draw_dot(loss, names=model.state, max_nodes=20_000).source
    assert "wte[3][5]" in source
    assert "lm_head[5][15]" in source


def test_a_gpt_kept_in_dicts_is_drawn_one_box_per_matrix() -> None:
    """collapse="matrix": each matrix's parameters, products and their sums in one box."""
    model, loss = gpt_position_loss()
    drawing = build(loss, names=model.state, collapse="matrix")  # within max_nodes
    groups = [b.label for b in drawing.boxes if b.kind == "group" and not b.copy]
    assert sorted(groups) == sorted(model.state)
    assert len(drawing.boxes) < drawing.nodes // 10


def test_collapse_matrix_without_matrices_says_what_it_needs() -> None:
    a = Value(1.0)
    with pytest.raises(ValueError, match="collapse='matrix' needs names= holding lists"):
        draw_dot(a * 2.0, names={"a": a}, collapse="matrix")


def test_names_holding_something_else_than_values_are_refused() -> None:
    a = Value(1.0)
    with pytest.raises(TypeError, match=r"got 'w\[1\]': str"):
        draw_dot(a * 2.0, names={"w": [a, "b"]})


def test_no_layout_program_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """With neither graphviz-pure nor dot, the error says pip installs one."""
    from micrograd_lite.viz import dot

    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv(dot.PROGRAM_VARIABLE, raising=False)
    monkeypatch.setattr(dot, "_beside_python", lambda name: None)
    with pytest.raises(GraphvizNotFoundError, match=r"pip install 'micrograd_lite\[viz\]'"):
        to_svg(neuron())
    assert "digraph" in draw_dot(neuron()).source


def test_graphviz_pure_draws_by_default_and_dot_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unset, the program is graphviz-pure (the viz extra); MICROGRAD_LITE_DOT=dot asks for
    a system Graphviz, and the picture comes from it."""
    from micrograd_lite.viz import dot

    monkeypatch.delenv(dot.PROGRAM_VARIABLE, raising=False)
    assert Path(dot.program()).name == "graphviz-pure"
    assert "<svg" in to_svg(neuron())
    if shutil.which("dot") is not None:
        monkeypatch.setenv(dot.PROGRAM_VARIABLE, "dot")
        assert Path(dot.program()).name == "dot"
        assert "<svg" in to_svg(neuron())


def test_graphviz_pure_svg_is_the_same_bytes_in_every_process() -> None:
    code = (
        "from micrograd_lite.demo import tanh_neuron; from micrograd_lite.viz import to_svg;"
        "import sys; sys.stdout.write(to_svg(tanh_neuron()))"
    )
    env = {k: v for k, v in os.environ.items() if k != "MICROGRAD_LITE_DOT"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, check=True
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert runs[0].startswith(b"<?xml")


def test_a_format_graphviz_pure_cannot_write_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from micrograd_lite.viz import dot

    monkeypatch.setenv(dot.PROGRAM_VARIABLE, "graphviz-pure")
    with pytest.raises(
        ValueError, match=r"graphviz-pure does not write pdf.*MICROGRAD_LITE_DOT=dot"
    ):
        render(neuron(), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


@needs_dot
def test_missing_dot_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Asked for a system dot that is not on PATH, rendering explains how to install
    Graphviz; DOT source still works."""
    monkeypatch.setenv("PATH", "")
    monkeypatch.setenv("MICROGRAD_LITE_DOT", "dot")
    with pytest.raises(
        GraphvizNotFoundError,
        match=r"apt-get install graphviz[\s\S]*brew[\s\S]*conda[\s\S]*Windows",
    ):
        to_svg(neuron())
    with pytest.raises(GraphvizNotFoundError):
        render(neuron(), tmp_path / "x.svg")
    assert not (tmp_path / "x.svg").exists()
    assert "digraph" in draw_dot(neuron()).source


@needs_dot
def test_render_writes_the_whole_file(tmp_path: Path) -> None:
    """render() writes a complete SVG and leaves no temporary file beside it."""
    path = render(neuron(), tmp_path / "sub" / "neuron.svg")
    assert ET.parse(path).getroot().tag.endswith("svg")
    assert [p.name for p in path.parent.iterdir()] == ["neuron.svg"]


def test_backward_frames_one_per_visited_node_and_last_matches_backward() -> None:
    """One frame per node backward visits; the last frame shows backward()'s gradients."""
    from micrograd_lite import topological_order

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b + b**2).tanh()
    order = topological_order([out])
    frames = backward_frames(out)
    assert len(frames) == len(order)
    out.backward()
    assert frames[-1].source == draw_dot(out, highlight=order[0]).source
    # frame 0: the output is visited and has passed 1 - tanh² on to its parent
    (pre,) = out.parents
    assert frames[0].source == draw_dot(out, highlight=out, grads={out: 1.0, pre: pre.grad}).source


def test_backward_frames_change_nothing() -> None:
    """Stepping through backward leaves every .grad as it was."""
    a = Value(2.0)
    out = a * a
    backward_frames(out)
    assert (a.grad, out.grad) == (0.0, 0.0)


def test_emphasize_grad_sets_edge_widths() -> None:
    """emphasize_grad draws edges with widths that grow with the gradient."""
    a, b = Value(1.0), Value(10.0)
    out = a * b
    out.backward()
    source = draw_dot(out, emphasize_grad=True).source
    assert "penwidth=5.00" in source  # a's gradient (10) is the largest


# -- the command line ---------------------------------------------------------------


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "micrograd_lite", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@needs_dot
@pytest.mark.parametrize(
    "expression",
    [
        "a * b + c",
        "tanh(a * b + c)",
        "-a ** 2 / b",
        "sigmoid(relu(a) - log(exp(b)))",
        "2 ** a - 1.5",
    ],
)
def test_cli_draws_good_expressions(expression: str, tmp_path: Path) -> None:
    """Accepted expressions give an SVG and the output's value."""
    result = cli(
        "graph",
        expression,
        "--var",
        "a=2",
        "--var",
        "b=-3",
        "--var",
        "c=1",
        "-o",
        "out.svg",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert ET.parse(tmp_path / "out.svg").getroot().tag.endswith("svg")


@pytest.mark.parametrize(
    "expression",
    [
        "a.real",  # attribute access
        "__import__('os').system('true')",
        "(lambda: a)()",
        "[x for x in (a,)]",
        "c * 2",  # unknown name / missing --var
        "floor(a)",  # a call that is not allowed
        "a if a else a",
        "a @ a",
        "'text'",
        "True * a",
        "a +",  # not Python
    ],
)
def test_cli_rejects_bad_expressions_without_writing(expression: str, tmp_path: Path) -> None:
    """Everything outside the grammar exits non-zero with one line and writes no file."""
    result = cli("graph", expression, "--var", "a=2", "-o", "out.svg", cwd=tmp_path)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out.svg").exists()


# -- readable big graphs ------------------------------------------------------------


def test_a_named_leaf_used_far_away_is_written_into_that_use() -> None:
    """A weight used by every term of `loss += ...` is named in the distant operations."""
    w = Value(0.5, label="w")
    loss = Value(0.0, requires_grad=False, label="zero")
    for i in range(20):
        loss += (w * i - 1.0) ** 2
    source = draw_dot(loss).source
    assert source.count('"w | ') == 1  # one box for w
    assert 10 < source.count('label="w * ') < 20  # the distant uses: "w * 7"
    assert "dashed" not in source


def test_an_unnamed_value_used_far_away_is_drawn_again_beside_that_use() -> None:
    """Without a name to write, a distant use gets a dashed copy of the box."""
    w = Value(0.5)
    loss = Value(0.0, requires_grad=False, label="zero")
    for i in range(20):
        loss += (w * i - 1.0) ** 2
    copies = [line for line in draw_dot(loss).source.splitlines() if "dashed" in line]
    assert 10 < len(copies) < 20
    assert all('"data 0.5 | ' in c for c in copies)


def test_model_names_its_parameters() -> None:
    """model= labels each parameter by its named_parameters() name."""
    from micrograd_lite.nn import MLP

    model = MLP(2, [2, 1], seed=0)
    source = draw_dot(model([1.0, 2.0]), model=model).source  # type: ignore[arg-type]
    for name, _ in model.named_parameters():
        assert f'"{name} | ' in source, name


def test_collapse_neuron_draws_each_neuron_as_one_box_with_its_output() -> None:
    """collapse="neuron" draws one box per neuron, showing its output's data and grad."""
    from micrograd_lite.nn import MLP

    model = MLP(2, [16, 16, 1], seed=0)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    assert isinstance(out, Value)
    out.backward()
    source = draw_dot(out, model=model, collapse="neuron").source
    neurons = [line for line in source.splitlines() if "neurons." in line and "->" not in line]
    assert len(neurons) == 33
    (last,) = [line for line in neurons if "layers.2.neurons.0" in line]
    assert f"data {out.data:.4g}" in last
    assert "grad 1" in last
    assert source.count("shape=record") == 33 + 2  # the neurons and the two inputs


def test_collapse_layer_draws_three_boxes_for_the_demo_mlp() -> None:
    """collapse="layer" draws micrograd's demo MLP as its inputs and three layer boxes."""
    from micrograd_lite.nn import MLP

    model = MLP(2, [16, 16, 1], seed=0)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    source = draw_dot(out, model=model, collapse="layer").source  # type: ignore[arg-type]
    assert source.count("shape=record") == 3 + 2
    assert "layers.0 | 16 outputs" in source
    assert source.count("->") == 2 + 2  # x1, x2 -> layers.0 -> layers.1 -> layers.2


def test_collapse_keeps_each_call_of_a_layer_apart() -> None:
    """Two inputs through the same model: each call of each layer is its own box."""
    from micrograd_lite import nn

    model = nn.MLP(2, [3, 1], seed=0)
    a, b = model([1.0, 2.0]), model([3.0, 4.0])
    source = draw_dot(a + b, model=model, collapse="layer").source  # type: ignore[operator]
    assert "layers.0 (call 0)" in source
    assert "layers.0 (call 1)" in source
    assert source.count("shape=record") == 4 + 1


def test_collapse_needs_a_model() -> None:
    """collapse= without model= says what it needs."""
    with pytest.raises(ValueError, match="collapse= needs model="):
        draw_dot(Value(1.0) * 2, collapse="layer")


@needs_dot
@pytest.mark.parametrize(
    ("name", "magic"),
    [("g.svg", b"<?xml"), ("g.png", b"\x89PNG"), ("g.pdf", b"%PDF"), ("G.PNG", b"\x89PNG")],
)
def test_render_takes_the_format_from_the_extension(
    name: str, magic: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """render() writes the format its file's extension names (pdf with a system dot)."""
    if name.endswith(".pdf"):
        if shutil.which("dot") is None:
            pytest.skip("pdf needs a system Graphviz")
        monkeypatch.setenv("MICROGRAD_LITE_DOT", "dot")
    assert render(neuron(), tmp_path / name).read_bytes().startswith(magic)


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("g.png", "svg", "does not match"),
        ("g.txt", None, "cannot render to .txt"),
        ("g", None, "no extension"),
    ],
)
def test_render_refuses_a_format_it_cannot_tell_or_that_disagrees(
    name: str, fmt: str | None, message: str, tmp_path: Path
) -> None:
    """A mismatched, unknown or missing format is refused before anything is written."""
    with pytest.raises(ValueError, match=message):
        render(neuron(), tmp_path / name, format=fmt)
    assert list(tmp_path.iterdir()) == []


def test_a_grad_of_none_is_drawn_as_zero() -> None:
    """After zero_grad(set_to_none=True) a parameter's grad is None: drawn as 0, not a crash."""
    w = Value(2.0, label="w")
    out = (w * 3.0).tanh()
    w.grad = None  # type: ignore[assignment]
    assert "grad 0" in draw_dot(out).source
    assert len(backward_frames(out)) == 3  # tanh, the product, then the leaf
