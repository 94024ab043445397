"""The checks after the exercises of walkthroughs 01, 06 and 07 say right to right answers
and what is wrong to wrong ones.

Each walkthrough ends with its exercise, a cell of answers (None until the learner writes
them) and a cell that checks them. Here those two cells run with answers put in, in a
namespace holding what the walkthrough's earlier cells made that the check reads.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from micrograd_lite import Value, no_grad

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def answered(name: str, answers: dict[str, Any], scope: dict[str, Any]) -> str:
    """What the check cell prints after the answers cell, each answer's line rewritten."""
    cells = json.loads((NOTEBOOKS / name).read_text())["cells"]
    answers_cell, check_cell = ("".join(cell["source"]) for cell in cells[-2:])
    lines = answers_cell.splitlines()
    for answer, value in answers.items():
        (k,) = [k for k, line in enumerate(lines) if line.startswith(f"{answer} = ")]
        lines[k] = f"{answer} = {value!r}"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec("\n".join(lines) + "\n" + check_cell, scope)
    return printed.getvalue()


def steps_to_one(rate: float) -> int:
    """Descent on (x - 1)**2 + 3 from 2, counted: steps until x is within 0.001 of 1."""
    x = Value(2.0)
    steps = 0
    while abs(x.data - 1) >= 0.001:
        x.zero_grad()
        ((x - 1) ** 2 + 3).backward()
        with no_grad():
            x -= rate * x.grad
        steps += 1
    return steps


def test_01_says_right_to_the_numbers_descent_gives() -> None:
    """The gradient 2, the step counts a real descent takes, and "diverges" are right."""
    answers = {
        "gradient_at_start": 2.0,
        "steps_at_0_01": steps_to_one(0.01),
        "steps_at_0_1": steps_to_one(0.1),
        "with_1_1": "diverges",
    }
    printed = answered("01_minimizing_a_loss.ipynb", answers, {})
    assert printed.count(": right") == 4, printed


def test_01_says_what_is_wrong() -> None:
    """A wrong gradient, a count one short and "converges" are each named as wrong."""
    answers = {
        "gradient_at_start": 4.0,
        "steps_at_0_01": steps_to_one(0.01) - 1,
        "steps_at_0_1": None,
        "with_1_1": "converges",
    }
    printed = answered("01_minimizing_a_loss.ipynb", answers, {})
    assert "gradient at the start: not 4.0" in printed
    assert f"steps at learning rate 0.01: not {steps_to_one(0.01) - 1}" in printed
    assert "(within 0.001: False)" in printed
    assert "steps at learning rate 0.1: not answered yet" in printed
    assert "learning rate 1.1: not 'converges'" in printed
    assert ": right" not in printed


def trained(activation: str, first: int) -> dict[str, Any]:
    """What walkthrough 06's cells leave: a model, its accuracies per step, an optimizer."""
    from micrograd_lite.nn import MLP
    from micrograd_lite.optim import Adam

    model = MLP(2, [16, 16, 1], activation=activation, seed=1337)
    accuracies = [0.9] * first + [1.0] * (100 - first)
    return {"model": model, "accuracies": accuracies, "optimizer": Adam(model.parameters())}


def test_06_says_right_to_the_first_step_at_100_percent() -> None:
    """The first step at 100%, or the first printed one (every tenth), is right."""
    for answer in (23, 30):
        printed = answered(
            "06_micrograd_demo.ipynb", {"steps_to_100_with_tanh": answer}, trained("tanh", 23)
        )
        assert "right, first at step 23 (printed at step 30)" in printed, printed
        assert "optimizer: Adam" in printed


def test_06_says_what_is_wrong() -> None:
    """A step too early is wrong; a model still on relu is told to use tanh."""
    printed = answered(
        "06_micrograd_demo.ipynb", {"steps_to_100_with_tanh": 10}, trained("tanh", 23)
    )
    assert "not 10" in printed
    printed = answered(
        "06_micrograd_demo.ipynb", {"steps_to_100_with_tanh": 23}, trained("relu", 23)
    )
    assert "use relu, not tanh" in printed
    assert "right" not in printed


def inside_backward() -> dict[str, Any]:
    """What walkthrough 07's cells leave that its check reads."""
    import micrograd_lite as mg
    from micrograd_lite.viz import stepper

    return {
        "Value": Value,
        "stepper": stepper,
        "mg": mg,
        "w1": Value(-3.0),
        "w2": Value(1.0),
        "b": Value(6.8813735870195432),
    }


def gradients() -> dict[str, float]:
    """a, b and c's gradients in L = (a * b + c).tanh() with a = 2, b = -3, c = 10."""
    a, b, c = Value(2.0), Value(-3.0), Value(10.0)
    (a * b + c).tanh().backward()
    return {"a": a.grad, "b": b.grad, "c": c.grad}


def test_07_says_right_to_the_gradients_the_step_and_relus_rule() -> None:
    """Gradients within 1%, the product's step 5, and relu's backward line are right."""
    answers = {
        "predicted": {name: round(grad, 5) for name, grad in gradients().items()},
        "second_contribution_step": 5,
        "relu_rule": "g7 = 0.0 if (v8 <= 0.0) else g8  # ReluBackward0",
    }
    printed = answered("07_inside_backward.ipynb", answers, inside_backward())
    assert printed.count(": right") == 5, printed
    assert "its two inputs are the same Value" in printed


def test_07_says_what_is_wrong() -> None:
    """A gradient's sign flipped, the step before, and relu's forward line are wrong."""
    predicted = gradients()
    predicted["a"] = -predicted["a"]
    answers = {
        "predicted": predicted,
        "second_contribution_step": 4,
        "relu_rule": "v8 = 0.0 if (v7 < 0.0) else v7",
    }
    printed = answered("07_inside_backward.ipynb", answers, inside_backward())
    assert "a.grad: not" in printed
    assert printed.count(": right") == 2  # b and c
    assert "second contribution: not 4" in printed
    assert "that line is in the source, but not the rule" in printed
