"""Every snippet in the README and in docs/ runs, and prints what the page shows.

A page's ```python blocks run in order in one namespace (a later one may use an
earlier one's names), in a folder of their own; a ```text block after one is what it
prints, compared exactly. The ```sh blocks that run the command line are run too; the
`make` commands are the README's own, which CI runs.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_lite import ops
from tests.conftest import can_lay_out

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)


def blocks(page: Path) -> list[tuple[str, str]]:
    """A page's fenced blocks, in order: (language, text)."""
    return FENCE.findall(page.read_text())


def snippets(page: Path) -> list[tuple[str, str | None]]:
    """Each python block, with the text block that follows it (what it prints) if any."""
    found: list[tuple[str, str | None]] = []
    for language, text in blocks(page):
        if language == "python":
            found.append((text, None))
        elif language == "text":
            assert found, f"{page.name}: output with no snippet before it"
            assert found[-1][1] is None, f"{page.name}: two outputs for one snippet"
            found[-1] = (found[-1][0], text)
    return found


def names(pages: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in pages]


def test_every_block_is_run_or_is_output() -> None:
    """No block escapes: each is python (run), text (its output) or sh (commands)."""
    for page in PAGES:
        for language, text in blocks(page):
            assert language in ("python", "text", "sh"), (page.name, language, text[:60])


@pytest.mark.parametrize("page", PAGES, ids=names(PAGES))
def test_every_snippet_prints_what_the_page_shows(page: Path, tmp_path: Path) -> None:
    found = snippets(page)
    if any("micrograd_lite.viz" in code for code, _ in found) and not can_lay_out():
        pytest.skip("a layout program is needed")
    registry = dict(ops.REGISTRY)  # a page may define ops; the next page starts afresh
    namespace: dict[str, object] = {"__name__": "__main__"}
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        for code, shown in found:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, str(page), "exec"), namespace)
            if shown is not None:
                assert out.getvalue().rstrip("\n") == shown.rstrip("\n"), code
    finally:
        os.chdir(cwd)
        ops.REGISTRY.clear()
        ops.REGISTRY.update(registry)


def test_the_command_line_snippets_run(tmp_path: Path) -> None:
    """Each `python -m micrograd_lite` command on a page writes the file it names."""
    if not can_lay_out():
        pytest.skip("a layout program is needed")
    commands = [
        text.replace("\\\n", " ")
        for page in PAGES
        for language, text in blocks(page)
        if language == "sh" and text.startswith("python -m micrograd_lite graph")
    ]
    assert commands
    for command in commands:
        args = shlex.split(command)
        output = tmp_path / args[args.index("-o") + 1]
        output.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, *args[1:]], cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert output.read_text().count("<svg") == 1


def section(page: Path, title: str) -> str:
    return page.read_text().split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_compiled_loop_prints_what_the_eager_loop_prints() -> None:
    """compile.md's loop is the README's training loop, compiled: the same printed lines."""
    (eager,) = [t for lang, t in FENCE.findall(section(PAGES[0], "Training")) if lang == "text"]
    compiled = next(text for _, text in snippets(ROOT / "docs" / "compile.md") if text)
    assert compiled == eager


def test_the_readme_is_a_front_door() -> None:
    """About 1,500 words (reference lives in docs/), and it links every page of docs/."""
    readme = PAGES[0].read_text()
    assert len(readme.split()) <= 1600
    for page in PAGES[1:]:
        assert f"](docs/{page.name})" in readme
