"""The package as pip builds it: a wheel with the code and py.typed, and no tests."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_holds_the_package_and_py_typed(tmp_path: Path) -> None:
    """pip wheel . builds a wheel with micrograd_lite/, py.typed and no tests."""
    pytest.importorskip("hatchling", reason="hatchling is in the dev set")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("micrograd_lite-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "micrograd_lite/py.typed" in names
    assert "micrograd_lite/engine.py" in names
    assert not [n for n in names if n.startswith("tests/")]


def test_engine_needs_no_third_party_package() -> None:
    """Importing micrograd_lite and running backward imports nothing outside the stdlib."""
    code = (
        "import sys; before = set(sys.modules);"
        "import micrograd_lite as mg; x = mg.Value(2.0); (x * x).backward();"
        "new = {m.split('.')[0] for m in set(sys.modules) - before};"
        "print(sorted(new - set(sys.stdlib_module_names) - {'micrograd_lite'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
