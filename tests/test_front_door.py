"""What a newcomer reads first: the README's snippets run, and the walkthroughs can be opened."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

from tests.conftest import can_lay_out

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.skipif(not can_lay_out(), reason="a layout program is needed")
def test_the_from_python_snippet_defines_what_it_draws(tmp_path: Path) -> None:
    """ "Seeing the graph" runs as written: `o` is defined before it is drawn, and the
    picture and the stepper's page are written."""
    pytest.importorskip("graphviz")
    code = re.findall(r"```python\n(.*?)```", section("Seeing the graph"), re.S)[0]
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        namespace: dict[str, object] = {}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, "README.md", "exec"), namespace)
    finally:
        os.chdir(cwd)
    assert f"{namespace['o'].data:.4f}" == "0.7071"  # type: ignore[attr-defined]
    assert b"<svg" in (tmp_path / "neuron.svg").read_bytes()
    assert "mgl-stepper" in (tmp_path / "steps.html").read_text()


def test_make_lab_installs_a_pinned_jupyterlab_and_opens_the_notebooks() -> None:
    """`make lab` installs the `lab` extra (JupyterLab and a kernel, exactly pinned) and viz,
    none of the development tools, and opens notebooks/."""
    # (read with a pattern: tomllib is not in Python 3.10, which the project supports)
    (pins,) = re.findall(r"^lab = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.M)
    names = []
    for pin in pins.split(", "):
        assert re.fullmatch(r'"[a-z]+==\d+(\.\d+)+"', pin), pin
        names.append(pin.strip('"').split("==")[0])
    assert sorted(names) == ["ipykernel", "jupyterlab"]
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "jupyter lab notebooks/" in recipe
    assert '-e ".[viz,lab]"' in makefile.split("$(VENV)/.lab-installed:", 1)[1].split("\n\n")[0]
    assert "`make lab`" in section("Walkthroughs")


def test_the_readme_says_how_to_install_into_ones_own_environment() -> None:
    """A line shows the pip command for a clone, with the viz extra."""
    quick_start = section("Quick start")
    assert "pip install /path/to/micrograd_lite" in quick_start
    assert "[viz]" in quick_start
