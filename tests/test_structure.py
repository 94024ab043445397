"""How the package hangs together: the core stands alone, and no module reaches into
another's private names.

The core is `engine`, `ops`, `autograd` and `grad_mode`; the compiler is a layer on top
that hooks in through `grad_mode.Observer`, so the core never imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "micrograd_lite"
CORE = ["engine.py", "ops.py", "autograd.py", "grad_mode.py"]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("name", CORE)
def test_the_core_never_imports_the_compiler(name: str) -> None:
    """Not even lazily: the compiler is a layer on top of the core."""
    modules = imported_modules(PACKAGE / name)
    assert not [m for m in modules if m.startswith("micrograd_lite.compiler")]


def private_reaches(path: Path) -> list[str]:
    """`from micrograd_lite.x import _y` and `x._y` for an imported micrograd_lite module x."""
    tree = ast.parse(path.read_text())
    modules = set()
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("micrograd_lite"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    problems.append(f"line {node.lineno}: imports {alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if "micrograd" in a.name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules | {"mg"}
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            problems.append(f"line {node.lineno}: uses {node.value.id}.{node.attr}")
    return problems


FILES = sorted([*PACKAGE.rglob("*.py"), *(ROOT / "tests").glob("*.py")])


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_no_module_uses_another_modules_private_names(path: Path) -> None:
    """What nn, the compiler and the tests need from another module is public."""
    assert private_reaches(path) == []
