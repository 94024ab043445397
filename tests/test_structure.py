"""How the package hangs together: the core stands alone, and no module reaches into
another's private names.

The core is `engine`, `ops`, `autograd` and `grad_mode`; the compiler is a layer on top
that hooks in through a subclass of Value (the op hook, `__made__`), so the core never
imports it.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
import textwrap
from pathlib import Path
from types import FrameType

import pytest

from micrograd_lite import engine as engine_module
from micrograd_lite import grad_mode as grad_mode_module
from micrograd_lite import ops

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "micrograd_lite"
CORE = [
    "engine.py",
    "ops.py",
    "floats.py",
    "autograd.py",
    "grad_mode.py",
    "compat.py",
    "formatting.py",
    "freeing.py",
    "tensor_only.py",
]


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


def test_the_engine_imports_nothing_that_imports_it() -> None:
    """engine.py imports only the modules below it (not autograd, not even lazily), so
    `Value.backward` and `backward()` check their seeds and run the pass in the engine."""
    above = {"autograd", "nn", "optim", "gradient_check", "compiler", "viz", "checker"}
    modules = imported_modules(PACKAGE / "engine.py")
    assert [m for m in modules if m.split(".")[1:2] and m.split(".")[1] in above] == []


VIZ = sorted(p for p in (PACKAGE / "viz").glob("*.py") if p.name != "__init__.py")


def test_no_viz_modules_import_each_other_in_a_cycle() -> None:
    """The visualiser's modules form layers (the graph model, its DOT, its SVG, the
    views): none imports, even lazily, a module that imports it back."""
    names = {f"micrograd_lite.viz.{p.stem}" for p in VIZ}
    imports = {f"micrograd_lite.viz.{p.stem}": imported_modules(p) & names for p in VIZ}
    cycles = []
    for start in imports:  # a depth-first walk from each module, looking for a way back
        stack, seen = [(start, [start])], set()
        while stack:
            module, path = stack.pop()
            for after in imports[module]:
                if after == start:
                    cycles.append(" -> ".join([*path, start]))
                elif after not in seen:
                    seen.add(after)
                    stack.append((after, [*path, after]))
    assert cycles == []


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


# ---------------------------------------------------------------------------------------
# The calculus is written once, and only the engine touches a node's insides.
# ---------------------------------------------------------------------------------------

#: A node's private fields: its number, its gradient, its parents and its place in order.
PRIVATE_FIELDS = {"_data", "_grad", "_a", "_b", "_seq"}
#: The engine, and the modules that hold parts of a node apart from it: micrograd's own
#: surface (its `_backward` steps a node), `repr`, and freeing a long graph in a browser.
NODE_MODULES = {"engine.py", "compat.py", "formatting.py", "freeing.py"}
LIBRARY = sorted(PACKAGE.rglob("*.py"))


def ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.mark.parametrize("path", LIBRARY, ids=ids(LIBRARY))
def test_only_the_engine_reads_a_nodes_private_fields(path: Path) -> None:
    """`v._a`, `v._data` and the like appear in engine.py and the modules that hold a
    node's parts apart from it alone: everything else uses `parents`, `data` and `grad`,
    as a user does."""
    if path.parent == PACKAGE and path.name in NODE_MODULES:
        return
    tree = ast.parse(path.read_text())
    reads = [
        f"line {node.lineno}: .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE_FIELDS
    ]
    assert reads == []


SOURCES = sorted([*LIBRARY, *(ROOT / "tests").glob("*.py"), *(ROOT / "benchmarks").glob("*.py")])


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_nothing_outside_the_engine_changes_the_value_class(path: Path) -> None:
    """No `setattr(Value, ...)` and no `Value.x = ...`: a tool that needs to see what
    Values do traces them with a subclass of Value (compile's `Traced`)."""
    if path.name == "engine.py":
        return
    tree = ast.parse(path.read_text())
    changes = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("setattr", "delattr")
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "Value"
        ):
            changes.append(f"line {node.lineno}: {node.func.id}(Value, ...)")
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and getattr(target.value, "id", "") == "Value":
                changes.append(f"line {node.lineno}: Value.{target.attr} = ...")
    assert changes == []


COMPILER = sorted((PACKAGE / "compiler").glob("*.py"))


@pytest.mark.parametrize("path", COMPILER, ids=ids(COMPILER))
def test_the_compiler_inspects_no_frames_and_patches_nothing(path: Path) -> None:
    """compile records through the core's hook: no frame inspection, no setattr at all."""
    text = path.read_text()
    for word in ("_getframe", "currentframe", "f_globals", "f_back", "setattr("):
        assert word not in text, word


def singled_out_ops(path: Path) -> list[str]:
    """Places that single out a built-in op by identity (`op is ops.mul`, `_ADD = ops.add`),
    which is how a second, hand-kept copy of its rule starts."""
    keys = set(ops.BUILT_IN)

    def names_an_op(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "ops"
            and node.attr in keys
        )

    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare) and any(
            names_an_op(side) for side in (node.left, *node.comparators)
        ):
            found.append(f"line {node.lineno}: compares with an op")
        if isinstance(node, ast.Assign):
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            if any(names_an_op(v) for v in values):
                found.append(f"line {node.lineno}: keeps an op under another name")
    return found


@pytest.mark.parametrize("path", LIBRARY, ids=ids(LIBRARY))
def test_no_module_singles_out_an_op_so_each_rule_runs_from_its_block(path: Path) -> None:
    """Every derivative is written once, in its block in ops.py, and every path (backward,
    grad, the tape, the generated code, the stepper) calls that block: none treats an op
    apart. (`test_rules.py` replaces a rule and sees every path follow it.)"""
    if path.name == "ops.py":
        return
    assert singled_out_ops(path) == []


def test_each_built_in_rule_is_defined_once_in_ops() -> None:
    """Each op's rule is one `def` in ops.py under `define_op`, and no other file of the
    library defines a rule."""
    defined: dict[str, list[str]] = {}
    for path in LIBRARY:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "id", "") == "define_op"
                for d in node.decorator_list
            ):
                defined.setdefault(node.name, []).append(path.name)
    assert defined == {key: ["ops.py"] for key in ops.BUILT_IN}


# ---------------------------------------------------------------------------------------
# The README's reading path names the lines that are there.
# ---------------------------------------------------------------------------------------


def spans(path: Path) -> dict[str, tuple[int, int]]:
    """Each top-level function and class of a file, and each method, by name: its lines."""
    found: dict[str, tuple[int, int]] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = (node.lineno, node.end_lineno or node.lineno)
            for member in node.body if isinstance(node, ast.ClassDef) else []:
                if isinstance(member, ast.FunctionDef):
                    found[f"{node.name}.{member.name}"] = (member.lineno, member.end_lineno or 0)
    return found


def how_it_works() -> str:
    return (ROOT / "README.md").read_text().split("## How it works\n", 1)[1].split("\n## ")[0]


def path_pieces() -> list[tuple[str, int, int]]:
    """The README's reading path: (file, first line, last line) for each row, in order."""
    rows = re.findall(
        r"^\| \d \| `micrograd_lite/(\w+\.py)` \| (\d+)-(\d+) \|", how_it_works(), re.M
    )
    return [(name, int(a), int(b)) for name, a, b in rows]


def line_of(path: Path, prefix: str) -> int:
    """The number of the line of a file that starts with `prefix`."""
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(prefix))


def test_the_readmes_reading_path_is_the_code_it_names() -> None:
    """Each row's lines are exactly its pieces, and the total the README states adds up."""
    ops_spans, engine = spans(PACKAGE / "ops.py"), spans(PACKAGE / "engine.py")
    add_comment = ops_spans["add"][0] - 2  # the maths comment sits above the decorator
    engine_py = PACKAGE / "engine.py"
    expected = [
        ("ops.py", add_comment, ops_spans["mul"][1]),
        ("engine.py", line_of(engine_py, "Operand = ") - 1, line_of(engine_py, "UNTOUCHED = ")),
        ("engine.py", engine["_operation"][0], line_of(engine_py, "_pow_value: ")),
        ("engine.py", engine["Value"][0], engine["Value.backward"][1]),
        ("engine.py", engine["backward"][0], engine["chain_rule"][1]),
    ]
    assert path_pieces() == expected
    total = sum(b - a + 1 for _, a, b in expected)
    assert f"{total} lines in two files" in how_it_works()
    assert total <= 300  # one sitting


def ideas() -> dict[str, str]:
    """The README's ideas beyond micrograd's, by each name a row gives: its idea."""
    table = how_it_works().split("| idea |", 1)[1]
    rows = re.findall(r"^\| (.+) \| (.*) \|$", table, re.M)[1:]  # the first is the --- row
    return {name: idea for idea, names in rows for name in re.findall(r"`(\w+)`", names)}


def _bound(tree: ast.AST) -> set[str]:
    """The names a piece of code binds: assigned, defined, parameters and loop targets."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound


def _pythons_own(path: Path) -> set[str]:
    """The names a file imports from Python's standard library (and typing_extensions)."""
    own: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and not (node.module or "").startswith("micrograd"):
            own |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            own |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return own - {"micrograd_lite"}


def names_off_the_path() -> dict[str, str]:
    """Each name the path's code uses that the path does not define and that is not
    Python's own (a builtin, or imported from the standard library), with where it is
    first used; a module of the package counts by its name (`ops` of `ops.tanh`)."""
    used: dict[str, str] = {}
    bound: set[str] = set()
    for name, first, last in path_pieces():
        path = PACKAGE / name
        own = _pythons_own(path)
        piece = textwrap.dedent("\n".join(path.read_text().splitlines()[first - 1 : last]))
        tree = ast.parse(piece)
        bound |= _bound(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
                continue
            if not hasattr(builtins, node.id) and node.id not in own:
                used.setdefault(node.id, f"{name}:{first + node.lineno - 1}")
    return {n: where for n, where in used.items() if n not in bound}


def test_every_name_on_the_reading_path_is_defined_there_or_is_one_of_its_ideas() -> None:
    """A reader never meets a name the path does not define, that is not Python's own,
    and that the README's ideas table does not name (with the idea it belongs to); the
    table has at most ten ideas, and every name it gives is used on the path."""
    off = names_off_the_path()
    named = ideas()
    assert {n: where for n, where in off.items() if n not in named} == {}
    assert sorted(set(named) - set(off)) == []  # no stale names in the table
    assert len(set(named.values())) <= 10


def test_a_times_b_then_backward_runs_only_the_reading_path() -> None:
    """Follow `a * b` then `backward()`: every line micrograd_lite runs is on the path,
    or inside a function that the ideas table names (read as its one line there)."""
    from micrograd_lite import Value

    a, b = Value(2.0), Value(-3.0)
    named = set(ideas())
    off: set[str] = set()

    def inside_a_named_function(frame: FrameType | None) -> bool:
        while frame is not None:
            if frame.f_code.co_name in named:
                return True
            frame = frame.f_back
        return False

    def trace(frame: FrameType, event: str, arg: object) -> object:
        path = Path(frame.f_code.co_filename)
        if PACKAGE in path.parents and not inside_a_named_function(frame):
            where = str(path.relative_to(PACKAGE))
            if not any(where == f and a <= frame.f_lineno <= b for f, a, b in path_pieces()):
                off.add(f"{where}:{frame.f_lineno} ({frame.f_code.co_name})")
        return trace

    sys.settrace(trace)
    try:
        c = a * b
        c.backward()
    finally:
        sys.settrace(None)
    assert (a.grad, b.grad) == (-3.0, 2.0)
    assert sorted(off) == []


def test_one_word_for_each_thing() -> None:
    """The code says "rule" where the README does: an op's derivative has no other name."""
    for path in PACKAGE.rglob("*.py"):
        assert "vjp" not in path.read_text(), path
    for name in ideas():  # each name the ideas table gives is the code's own
        assert any(hasattr(m, name) for m in (ops, engine_module, grad_mode_module)), name


@pytest.mark.parametrize("name", ["engine.py", "grad_mode.py", "autograd.py", "compat.py"])
def test_the_core_does_not_know_the_compiler_exists(name: str) -> None:
    """compile records through the op hook (a subclass of Value that watches the nodes
    made from it), so no name and no message in the core's code speaks of compiling or
    of an observer (its docstrings may say what the hook serves)."""
    tree = ast.parse((PACKAGE / name).read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    words = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]
    words += [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
    words += [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]
    assert [w for w in words if "compil" in w.lower() or "observ" in w.lower()] == []
