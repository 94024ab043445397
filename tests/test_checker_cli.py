"""`python -m micrograd_lite check FILE[:NAME]`: exit codes, the learner's folder untouched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_checker import LECTURE, MUTANTS, mutant

ROOT = Path(__file__).resolve().parent.parent


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command, run in folder (the learner's), with this worktree's package."""
    return subprocess.run(
        [sys.executable, "-m", "micrograd_lite", "check", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_correct_engine_exits_0(tmp_path: Path) -> None:
    """A right class: its report printed, exit status 0."""
    (tmp_path / "engine.py").write_text(LECTURE)
    done = run(tmp_path, "engine.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Checked Value:")


def test_a_wrong_engine_exits_1_and_names_the_mistake(tmp_path: Path) -> None:
    """A class with `=` for `+=` exits 1, and the text names the op and the mistake."""
    source, old, new, _, _ = MUTANTS["assign in +"]
    (tmp_path / "engine.py").write_text(mutant(source, old, new))
    done = run(tmp_path, "engine.py")
    assert done.returncode == 1
    assert "__add__ (a + b): wrong" in done.stdout
    assert "`+=` is needed" in done.stdout


@pytest.mark.parametrize(
    ("target", "says"),
    [("none.py", "no file"), ("bad.py", "syntax error"), ("engine.py:Node", "no class Node")],
)
def test_what_cannot_load_exits_2_in_one_line(tmp_path: Path, target: str, says: str) -> None:
    """No file, a syntax error or no such class: exit 2, one line on stderr."""
    (tmp_path / "engine.py").write_text(LECTURE)
    (tmp_path / "bad.py").write_text("class Value(:\n")
    done = run(tmp_path, target)
    assert done.returncode == 2
    assert says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_nothing_is_written_in_the_learner_s_folder(tmp_path: Path) -> None:
    """Checking a file that imports a module beside it writes no __pycache__, no file."""
    (tmp_path / "engine.py").write_text(LECTURE)
    (tmp_path / "mine.py").write_text("from engine import Value\n")
    before = listing(tmp_path)
    done = run(tmp_path, "mine.py:Value")
    assert done.returncode == 0, done.stderr
    assert listing(tmp_path) == before


def test_a_notebook_runs_only_the_class_cell_and_the_imports(tmp_path: Path) -> None:
    """From a notebook: the cell defining the class, after earlier imports; no other cell."""
    cells = ["import math\nimport random", "while True:\n    pass", LECTURE, "%timeit 1"]
    notebook = {
        "cells": [{"cell_type": "code", "source": c, "metadata": {}} for c in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "lecture.ipynb").write_text(json.dumps(notebook))
    done = run(tmp_path, "lecture.ipynb")
    assert done.returncode == 0, done.stdout + done.stderr
