"""Walkthrough 09: the learner writes each op's backward, and each cell checks it.

Run as stored (every blank still there), each check says its ops are not written yet and
nothing raises; with the solutions of notebooks/09_solutions.py in the blanks, every
check passes; with `=` for `+=` in `__add__`, the checker names that mistake.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("nbclient", reason="nbclient is in the dev set")

import nbformat

from notebooks.execute import execute

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WALKTHROUGH = NOTEBOOKS / "09_build_it_yourself.ipynb"
#: What the lecture's class has not: listed as missing by the whole check, not as wrong.
NOT_IN_THE_LECTURE = {"log", "sigmoid"}

# The statuses of every report the notebook showed, cell by cell, in order.
STATUSES = """
import json
print(json.dumps([
    [[e.op, e.status, e.mistake] for e in report.entries]
    for _, report in sorted(Out.items())
    if type(report).__name__ == "Report"
]))
"""


def solutions() -> ModuleType:
    spec = importlib.util.spec_from_file_location("solutions", NOTEBOOKS / "09_solutions.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(nb: Any, tmp_path: Path) -> list[list[list[Any]]]:
    """The notebook run from a fresh kernel: each report's [op, status, mistake]s."""
    nb.cells.append(nbformat.v4.new_code_cell(STATUSES))
    path = tmp_path / WALKTHROUGH.name
    nbformat.write(nb, path)
    last = execute(path).cells[-1]
    return json.loads("".join(out.text for out in last.outputs if out.output_type == "stream"))


def exercise_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code" and solutions().BLANK in c.source]


def reports_shown(nb: Any) -> list[str]:
    """The text of each report the notebook shows (its `<pre>`)."""
    return [
        html.unescape(found)
        for cell in nb.cells
        for out in cell.get("outputs", [])
        for found in re.findall(r"<pre>(.*?)</pre>", out.get("data", {}).get("text/html", ""), re.S)
    ]


def test_the_blank_walkthrough_says_every_op_is_not_written_yet(tmp_path: Path) -> None:
    """As stored, each check reports each of its ops as todo (the whole one lists log
    and sigmoid as missing), and no cell raises."""
    reports = run(nbformat.read(WALKTHROUGH, as_version=4), tmp_path)
    assert len(reports) == len(exercise_cells(nbformat.read(WALKTHROUGH, as_version=4))) + 1
    for report in reports:
        for op, status, _ in report:
            # backward is built of + and *, still blank: it cannot be tried yet
            blank = "unchecked" if op == "backward" else "todo"
            assert status == ("missing" if op in NOT_IN_THE_LECTURE else blank), (op, status)


def test_the_solved_walkthrough_passes_every_check(tmp_path: Path) -> None:
    """With 09_solutions.py's lines in the blanks, every op of every check is right."""
    nb = nbformat.read(WALKTHROUGH, as_version=4)
    for cell in exercise_cells(nb):
        cell.source = solutions().solved(cell.source)
    reports = run(nb, tmp_path)
    assert reports[-1], "the whole check ran"
    for report in reports:
        for op, status, _ in report:
            assert status == ("missing" if op in NOT_IN_THE_LECTURE else "ok"), (op, status)


def test_the_walkthrough_names_assignment_for_addition(tmp_path: Path) -> None:
    """Solved but with `=` for `+=` in __add__ (its first exercise), the check of __add__
    says wrong and names the mistake."""
    nb = nbformat.read(WALKTHROUGH, as_version=4)
    for cell in exercise_cells(nb):
        cell.source = solutions().solved(cell.source)
    add = exercise_cells(nbformat.read(WALKTHROUGH, as_version=4))[0]
    first = next(c for c in nb.cells if c.get("id") == add.get("id"))
    first.source = first.source.replace("grad += out.grad", "grad = out.grad")
    assert first.source.count("grad = out.grad") == 2
    reports = run(nb, tmp_path)
    assert reports[0] == [["__add__", "wrong", "assign"]]


def test_every_blank_has_a_solution_and_every_exercise_a_hint() -> None:
    """Each blank's method has a solution (each solution is used), and each exercise
    cell is followed by a collapsed hint."""
    nb = nbformat.read(WALKTHROUGH, as_version=4)
    module = solutions()
    used = set()
    for cell in exercise_cells(nb):
        method = ""
        for line in cell.source.splitlines():
            if line.startswith("def "):
                method = line[4:].split("(")[0]
            if line.strip() == module.BLANK:
                used.add(method)
        after = nb.cells[nb.cells.index(cell) + 1]
        assert after.cell_type == "markdown"
        assert after.source.startswith("<details><summary>Hint</summary>")
    assert used == set(module.SOLUTIONS)


def test_the_stored_reports_are_a_fresh_runs() -> None:
    """The reports stored in the walkthrough (run with its blanks, as a learner first
    opens it) say what a fresh run's say."""
    stored = reports_shown(nbformat.read(WALKTHROUGH, as_version=4))
    assert stored
    assert stored == reports_shown(execute(WALKTHROUGH))
    assert all(
        "not written yet" in text.lower() or "not checked yet" in text.lower()
        for text in stored[:-1]
    )
