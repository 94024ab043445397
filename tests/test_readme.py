"""The README's examples run and print what the README says they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def run(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    return out.getvalue()


def test_ten_lines_print_what_their_comments_say() -> None:
    """Each print in "Ten lines" shows the text in its comment."""
    code = re.search(r"```python\n(.*?)```", section("Ten lines"), re.S).group(1)  # type: ignore[union-attr]
    expected = [
        re.search(r"# (.*)$", line).group(1).split("   ")[0].split(", as")[0]  # type: ignore[union-attr]
        for line in code.splitlines()
        if line.startswith("print(")
    ]
    printed = run(code).splitlines()
    assert len(expected) == 3
    assert printed == expected


def test_training_example_prints_its_shown_output() -> None:
    """The "Training" loop prints exactly the block under it."""
    text = section("Training")
    code, shown = re.findall(r"```(?:python)?\n(.*?)```", text, re.S)[:2]
    assert run(code) == shown


def test_compiled_training_prints_what_the_eager_loop_prints() -> None:
    """The "Compiling a training step" loop prints the block under it, the eager output."""
    text = section("Compiling a training step")
    code, shown = re.findall(r"```(?:python)?\n(.*?)```", text, re.S)[:2]
    assert run(code) == shown
    assert shown == re.findall(r"```(?:python)?\n(.*?)```", section("Training"), re.S)[1]


def test_the_generated_neuron_is_what_the_compiler_writes() -> None:
    """The neuron's generated code shown in the README is compile()'s source, verbatim."""
    import micrograd_lite as mg
    from micrograd_lite import Value

    shown = re.findall(r"```python\n(def neuron.*?)```", README, re.S)[0]
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.88, label="b")

    def neuron(x: list[Value]) -> Value:
        return mg.sum([w1 * x[0], w2 * x[1], b]).tanh()

    compiled = mg.compile(neuron)
    compiled([Value(2.0, label="x1"), Value(0.0, label="x2")])
    assert compiled.source() == shown


def test_coming_from_micrograd_prints_the_lectures_gradients() -> None:
    """The lecture's manual `_backward` walk prints the block under it."""
    code, shown = re.findall(r"```(?:python)?\n(.*?)```", section("Coming from micrograd"), re.S)[
        :2
    ]
    assert run(code) == shown


def test_defining_an_op_prints_its_shown_output() -> None:
    """The `sin` example of "Defining an op" prints the block under it."""
    from micrograd_lite import ops

    code, shown = re.findall(r"```(?:python)?\n(.*?)```", section("Defining an op"), re.S)[:2]
    try:
        assert run(code) == shown
    finally:
        del ops.REGISTRY["sin"], ops.REGISTRY["cos"]
