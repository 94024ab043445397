"""Find the learner's class: in a .py file, in a notebook's cell, or in pasted text.

From a notebook only the cell that defines the class runs, after the import statements of
the cells before it: no other cell (a training loop, a plot) runs. The source is compiled
and run from memory, so no `__pycache__` is written beside the learner's file.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any


class LoadError(ValueError):
    """The class cannot be loaded: no file, a syntax error, no such class, too slow."""


def source_of(path: str | os.PathLike[str], name: str) -> str:
    """The code to run to define the class `name` in the file at path (.py or .ipynb)."""
    file = Path(path)
    if not file.is_file():
        raise LoadError(f"no file {str(file)!r}")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LoadError(f"cannot read {str(file)!r}: {error}") from None
    if file.suffix != ".ipynb":
        _parse(text, str(file))
        return text
    return _from_notebook(text, str(file), name)


def _parse(text: str, where: str) -> ast.Module:
    try:
        return ast.parse(text, where)
    except SyntaxError as error:
        raise LoadError(f"{where}, line {error.lineno}: syntax error: {error.msg}") from None


def _from_notebook(text: str, where: str, name: str) -> str:
    try:
        cells = [c for c in json.loads(text)["cells"] if c.get("cell_type") == "code"]
    except (ValueError, KeyError, TypeError):
        raise LoadError(f"{where} is not a notebook (.ipynb JSON)") from None
    codes = [_code(cell) for cell in cells]
    imports: list[str] = []
    for k, code in enumerate(codes):
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        if any(isinstance(s, ast.ClassDef) and s.name == name for s in tree.body):
            last = max(
                j for j, c in enumerate(codes) if _defines(c, name)
            )  # a class defined again later: the last cell's
            if last != k:
                continue
            return "\n".join([*imports, code])
        for statement in tree.body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                imports.append(ast.unparse(statement))
    raise LoadError(f"no cell of {where} defines a class {name}")


def _defines(code: str, name: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return any(isinstance(s, ast.ClassDef) and s.name == name for s in tree.body)


def _code(cell: dict[str, Any]) -> str:
    """A cell's code, its IPython lines (`%time`, `!pip`) left out."""
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()
    )


def define(source: str, name: str, where: str) -> type:
    """Run source (already time-limited by the caller) and return its class `name`."""
    code = compile(_parse(source, where), where, "exec")
    scope: dict[str, Any] = {"__name__": "__check__", "__file__": where}
    exec(code, scope)  # the learner's code, run to check it
    found = scope.get(name)
    if not isinstance(found, type):
        raise LoadError(f"{where} defines no class {name}")
    return found
