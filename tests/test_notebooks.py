"""The walkthroughs: each runs clean in a real Jupyter kernel and shows the seeds' numbers.

Each notebook is executed from a fresh kernel; the numbers its tutorial printed must be
in the fresh outputs, and the outputs stored in the committed file must equal the fresh
ones, so the notebooks never drift from the code (`make notebooks` rewrites them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbclient", reason="nbclient is in the dev set")

import nbformat

from notebooks.execute import execute, notebooks, text_outputs

# What each walkthrough must show: the numbers of the tutorial it reproduces.
EXPECTED = {
    "01_minimizing_a_loss.ipynb": [
        "Gradient for weight = 2.0 = 4.0",
        "The next iteration of the weight is 1.96",
        "The loss is now 6.842\n\tThe gradient is now 3.92\n\t\tThe weight is now 1.921",
        "The loss is now 3.101\n\tThe gradient is now 0.636\n\t\tThe weight is now 0.312",
        "after 400 steps: weight = 0.0006",
        "steps at learning rate 0.01: not answered yet",
    ],
    "02_fitting_a_line.ipynb": [
        "Value(data=0.2942, grad_fn=<MeanBackward0>)",
        "1.0976",
        "dL/dw            18.1550     18.1550     18.1550",
        "True",
        "w = 0.8820, b = 0.4269",
        "<MseLossBackward0>",
    ],
    "03_autograd_basics.ipynb": [
        "Value(data=1.1475, grad_fn=<AddBackward0>)",
        "Value(data=-2.8525, grad_fn=<SubBackward0>)",
        "Value(data=-0.7042, grad_fn=<MeanBackward0>)",
        "[0.1, 1.0, 0.001]",
        "At the end of iteration : [9.0, 9.0, 9.0, 9.0]",
        "Value(data=0.5314, grad_fn=<PowBackward0>)",
        "After step weight = 1.3439",
        "hand-written: -120.0",
        "autograd:     -30.0",
        "gradcheck on the autograd loss: True",
        "by hand epoch 1: w = 1.200, loss = 30.00000000",
        "autograd epoch 1: w = 0.300, loss = 30.00000000",
        "Prediction after training: f(5) = 10.000",
    ],
    "04_gradient_descent_with_sgd.ipynb": [
        "Epoch 1: w = 1.220, loss = 11.000",
        "Prediction after training: f(5) = 10.000",
        "by hand 1.22, SGD 1.22",
    ],
    "05_loss_for_one_point.ipynb": ["  -1.0     0.00", "dL/dA at A = 1: 36.0", "found A = -1.0000"],
    "06_micrograd_demo.ipynb": [
        "number of parameters 337",
        "step 99 loss 0.015496, accuracy 100.0%",
        "the model's hidden layers use relu, not tanh:",
    ],
    "07_inside_backward.ipynb": [
        "backward visits:   ['L', 'd', 'e', 'a', 'b', 'c', 'f']",
        "{'f': 4.0, 'c': -2.0, 'b': -4.0, 'a': 6.0, 'e': -2.0, 'd': -2.0, 'L': 1.0}",
        "recursive walk: RecursionError",
        "iterative walk: 10001 nodes",
        "    g7 = g8 * float_fma((-v8), v8, 1.0)  # TanhBackward0",
        "compiled: {'x1': -1.5, 'x2': 0.5, 'w1': 1.0, 'w2': 0.0, 'b': 0.5}",
        "bit-identical: True",
        "x = -2.0: y =  -0.02, dy/dx = 0.01",
        "recordings: 2",
        "relu's rule: not answered yet",
    ],
    "08_coming_from_micrograd.ipynb": [
        "{'x1': -1.5, 'w1': 1.0, 'x2': 0.5, 'w2': 0.0}",
        "closure tanh: 1.089421592310616\nbuilt-in tanh: 1.089421592310616",
        "cannot differentiate the 'tanh' node made with Value(data, children, op)",
        "= cosh(0.5): True",
        "d2y/dx2 = 0.5210953054937474 = sinh(0.5): True",
        "gradgradcheck: True",
        "    g1 = g2 * cosh(v1)  # SinhBackward0",
    ],
    # its checks' reports are HTML: tests/test_build_it_yourself.py reads them
    "09_build_it_yourself.ipynb": ["Value(data=3.0, grad=0.0)"],
}

PATHS = notebooks()


def test_every_notebook_is_checked() -> None:
    """Every walkthrough has its expected numbers listed here."""
    assert sorted(p.name for p in PATHS) == sorted(EXPECTED)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_and_matches_its_stored_outputs(path: Path) -> None:
    """A fresh run has no error, shows the tutorial's numbers and equals the stored outputs."""
    fresh = text_outputs(execute(path))
    joined = "\n".join(fresh)
    for expected in EXPECTED[path.name]:
        assert expected in joined, expected
    stored = text_outputs(nbformat.read(path, as_version=4))
    assert stored == fresh, "stored outputs are stale: run `make notebooks`"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_small_clean_and_ends_with_an_exercise(path: Path) -> None:
    """Stored as run top to bottom, under 300 kB, no machine paths, prose first, exercise
    last (its text, then at most the cells that check its answers)."""
    text = path.read_text()
    assert len(text) < 300_000
    for machine_path in ("/work/", "/home/", "/root/", "/tmp/", "site-packages"):
        assert machine_path not in text
    nb = json.loads(text)
    assert nb["cells"][0]["cell_type"] == "markdown"
    prose = [k for k, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"]
    assert "Exercise" in "".join(nb["cells"][prose[-1]]["source"])
    assert len(nb["cells"]) - prose[-1] <= 3
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_needs_only_the_library(path: Path) -> None:
    """No numpy, matplotlib or other package: the walkthroughs run where only the
    library is installed (a browser's Python has no numpy or matplotlib wheels on PyPI)."""
    import ast

    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top in ("micrograd_lite", *sys.stdlib_module_names), (path.name, module)
