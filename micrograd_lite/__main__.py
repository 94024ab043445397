"""Command line: draw an expression's graph after backward; check a learner's Value class.

    python -m micrograd_lite graph "tanh(a * b + c)" --var a=2 --var b=-3 --var c=1 -o out.svg
    python -m micrograd_lite check my_engine.py        # or notebook.ipynb, or file.py:MyValue

The expression is parsed with `ast` and walked here; it is never passed to `eval`.
Only numbers, the variables given with --var, `+ - * / **`, unary `-` and `+` and calls
of the one-input operations in `ops.REGISTRY` (exp, log, tanh, relu, sqrt, sin, ...) are
accepted. Arithmetic is the
library's: `1/0` is inf and `(-8) ** (1/3)` is nan, as they are for Values.

Every mistake (an expression outside that grammar, a bad number, an output path that is
not a new or regular `.svg` file) exits with status 2 and one line on stderr, and no
file is written. The output is written only as a regular file: a new one, or one that
replaces a regular file atomically (a temporary file beside it, renamed over it). A
directory, symbolic link, FIFO, device or socket at the path is refused, never replaced.
"""

from __future__ import annotations

import argparse
import ast
import keyword
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from micrograd_lite import ops
from micrograd_lite.engine import Value, apply

#: The calls an expression may make: every one-input operation, by its symbol.
FUNCTIONS: dict[str, ops.Op] = {
    op.symbol: op for op in ops.REGISTRY.values() if op.arity == 1 and op.symbol.isidentifier()
}
_FUNCTION_NAMES = ", ".join(list(FUNCTIONS)[:-1]) + f" or {list(FUNCTIONS)[-1]}"

BINARY: dict[type[ast.operator], Callable[[Value | float, Value | float], Value | float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}

GRAMMAR = f"use numbers, --var names, + - * / **, and {', '.join(FUNCTIONS)}"

#: Operators Python has and the command line does not, in the user's own symbols.
OTHER_OPERATORS: dict[type[ast.AST], str] = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
}

#: What other syntax is, in words (anything not listed is named by its Python class).
SYNTAX: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (`.`)",
    ast.Subscript: "indexing (`[]`)",
    ast.Compare: "a comparison",
    ast.BoolOp: "`and` / `or`",
    ast.IfExp: "`if ... else`",
    ast.Lambda: "`lambda`",
    ast.NamedExpr: "`:=`",
    ast.Starred: "`*` unpacking",
    ast.JoinedStr: "an f-string",
    ast.Tuple: "a tuple (`,`)",
    ast.List: "a list",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
}


class ExpressionError(ValueError):
    """The expression uses something the command line does not accept."""


class OutputError(ValueError):
    """The output path is not one the command line writes to."""


#: Symbols of written maths that Python does not read as operators, and what to type
#: (minus, times, middle dot, dot operator, asterisk operator, divide, squared, cubed).
#: Python reads the middle dot as part of a name: `x·y` would be one unknown name.
MATH_SYMBOLS = {
    "\u2212": "-",
    "\u00d7": "*",
    "\u00b7": "*",
    "\u22c5": "*",
    "\u2217": "*",
    "\u00f7": "/",
    "\u00b2": "**2",
    "\u00b3": "**3",
}


def evaluate(expression: str, variables: dict[str, Value]) -> Value:
    """Build the expression from Values, accepting only the grammar above."""
    _check_text(expression)
    # Leading spaces are no indent here (" -x" keeps argparse from reading an option).
    text = expression.lstrip(" \t")
    indent = len(expression) - len(text)
    if not text.strip():
        raise ExpressionError('the expression is empty: write one, such as "tanh(a * b + c)"')
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(_syntax_error(error, indent)) from None
    except (RecursionError, MemoryError):  # Python's parser gives up on deep nesting
        raise ExpressionError(
            "the expression is nested too deeply for Python's parser; draw a smaller one"
        ) from None
    if indent:
        for node in ast.walk(tree):  # columns count from the text as given
            if getattr(node, "lineno", 0) == 1:
                node.col_offset += indent  # type: ignore[attr-defined]
    result = _build(tree.body, variables)
    if not isinstance(result, Value) or not result.requires_grad:
        raise ExpressionError(
            "the expression uses no variable, so there is no graph to draw: "
            "use a name given with --var NAME=NUMBER"
        )
    return result


def _syntax_error(error: SyntaxError, indent: int) -> str:
    """Python's complaint, with what to write where it reads as maths written by hand."""
    where = f" (column {error.offset + indent})" if error.offset else ""
    if error.msg == "invalid decimal literal":  # 2x
        return f"a number followed by a name{where}: write `*` to multiply, as in 2*x"
    if error.msg.startswith("Exceeds the limit"):  # an int literal of thousands of digits
        return (
            f"a whole number has more than {sys.get_int_max_str_digits()} digits; "
            "write it with an exponent, as in 1e5000 or 10**5000 (both inf)"
        )
    return f"not a valid expression: {error.msg}"


def _check_text(expression: str) -> None:
    """Refuse what Python's parser would misreport or quietly change: a byte that is not
    UTF-8 (the shell passes it through as a lone surrogate), a NUL, and a name Python reads
    as another (full-width x is `x`, the micro sign is `μ`: Unicode's NFKC form)."""
    for column, ch in enumerate(expression, start=1):
        if "\udc80" <= ch <= "\udcff":  # how Python keeps an undecodable byte of argv
            raise ExpressionError(
                f"the expression holds the byte 0x{ord(ch) - 0xDC00:02x} (column {column}), "
                "which is not UTF-8 text; write it in UTF-8"
            )
        if "\ud800" <= ch <= "\udfff":
            raise ExpressionError(f"the expression holds a lone surrogate (column {column})")
        if ch == "\0":
            raise ExpressionError(f"the expression holds a NUL character (column {column})")
        if ch in MATH_SYMBOLS:
            raise ExpressionError(
                f"{ch!r} (column {column}) is written maths, not Python: "
                f"write {MATH_SYMBOLS[ch]!r} instead"
            )
    for match in re.finditer(r"[^\W\d]\w*", expression):
        name = match.group()
        folded = unicodedata.normalize("NFKC", name)
        if folded != name:
            raise ExpressionError(
                f"Python reads the name {name!r} (column {match.start() + 1}) as {folded!r}; "
                f"write {folded!r}"
            )


def _build(root: ast.expr, variables: dict[str, Value]) -> Value | float:
    """Evaluate the tree bottom-up with a stack, not recursion: a chain such as
    `x+x+...+x` that Python's parser accepts can be deeper than the recursion limit."""
    results: dict[int, Value | float] = {}  # id(node) -> its value, until its parent takes it
    stack: list[tuple[ast.expr, bool]] = [(root, False)]
    while stack:
        node, operands_done = stack.pop()
        operands = _operands(node, variables)  # also refuses everything outside the grammar
        if operands and not operands_done:
            stack.append((node, True))
            stack.extend((operand, False) for operand in reversed(operands))
            continue
        values = [results.pop(id(operand)) for operand in operands]
        results[id(node)] = _apply(node, values, variables)
    return results[id(root)]


def _operands(node: ast.expr, variables: dict[str, Value]) -> list[ast.expr]:
    """The sub-expressions node is computed from, or an error saying what is not allowed."""
    where = f" (column {node.col_offset + 1})"
    if isinstance(node, (ast.Constant, ast.Name)):
        return []
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return [node.operand]
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Constant) and isinstance(node.func.value, (int, float)):
            raise ExpressionError(
                f"a number before a bracket{where} is not a product here: "
                f"write `*` to multiply, as in {node.func.value!r}*(...)"
            )
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(f"call a function by its name, as in tanh(a){where}: {GRAMMAR}")
        name = node.func.id
        if name not in FUNCTIONS and name in variables:
            raise ExpressionError(
                f"{name!r} is a --var, not a function{where}: write `*` to multiply, "
                f"as in {name}*(...)"
            )
        if name not in FUNCTIONS:
            raise ExpressionError(f"unknown function {name!r}{where}: use {_FUNCTION_NAMES}")
        if node.keywords:
            raise ExpressionError(f"{name} takes no keyword arguments{where}: write {name}(x)")
        if len(node.args) != 1:
            raise ExpressionError(
                f"{name} takes one argument, got {len(node.args)}{where}: write {name}(x)"
            )
        return [node.args[0]]
    op = getattr(node, "op", None)
    if isinstance(op, ast.BitXor):
        raise ExpressionError(f"`^` is not a power; use `**`, as in a ** 2{where}")
    if isinstance(op, ast.AST) and type(op) in OTHER_OPERATORS:
        raise ExpressionError(f"`{OTHER_OPERATORS[type(op)]}` is not supported{where}: {GRAMMAR}")
    what = SYNTAX.get(type(node), type(node).__name__)
    raise ExpressionError(f"{what} is not supported{where}: {GRAMMAR}")


def _apply(
    node: ast.expr, values: list[Value | float], variables: dict[str, Value]
) -> Value | float:
    """node's value from its operands' values (the node passed `_operands`)."""
    where = f" (column {node.col_offset + 1})"
    if isinstance(node, ast.Constant):
        return _number(node.value, where)
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(
                f"{node.id!r} is a function{where}: call it on a value, as in {node.id}(x)"
            )
        if node.id not in variables:
            raise ExpressionError(f"unknown name {node.id!r}: give it with --var {node.id}=NUMBER")
        return variables[node.id]
    if isinstance(node, ast.BinOp):
        left, right = values
        if isinstance(left, Value) or isinstance(right, Value):
            return BINARY[type(node.op)](left, right)
        # Two numbers: computed as Values do it, so 9**9**9 is inf and 1/0 is inf, where
        # Python's floats would raise OverflowError and ZeroDivisionError.
        constant = BINARY[type(node.op)](
            Value(left, requires_grad=False), Value(right, requires_grad=False)
        )
        assert isinstance(constant, Value)
        return constant.data
    if isinstance(node, ast.UnaryOp):
        (operand,) = values
        return -operand if isinstance(node.op, ast.USub) else operand
    assert isinstance(node, ast.Call)  # for the type checker: _operands let nothing else by
    assert isinstance(node.func, ast.Name)
    (arg,) = values
    return apply(FUNCTIONS[node.func.id], arg)


def _number(value: object, where: str) -> float:
    """A literal as the float a Value would hold (10**400 is inf, as Value(10**400))."""
    if isinstance(value, bool) or value is None:  # True is an int to Python, not a number here
        raise ExpressionError(f"{value} is not a number{where}")
    if isinstance(value, (int, float)):
        return Value(value, requires_grad=False).data
    if isinstance(value, complex):
        raise ExpressionError(f"{value!r} is not a real number{where}")
    raise ExpressionError(f"{value!r} is text, not a number{where}: {GRAMMAR}")


def parse_var(text: str) -> tuple[str, float]:
    """`a=2.5` -> ("a", 2.5)."""
    name, sep, number = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"--var takes NAME=NUMBER, got {text!r}")
    folded = unicodedata.normalize("NFKC", name)
    if folded != name:  # as Python would read the name in the expression
        raise argparse.ArgumentTypeError(
            f"--var {name}: Python reads the name {name!r} as {folded!r}; write --var {folded}="
        )
    if keyword.iskeyword(name) or name in FUNCTIONS:
        raise argparse.ArgumentTypeError(
            f"--var {name}: {name!r} is a {'keyword' if keyword.iskeyword(name) else 'function'}"
            " in expressions; choose another name"
        )
    try:
        return name, float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--var {name}: {number!r} is not a number") from None


# -- the output file ---------------------------------------------------------------------

#: What a path that is not a regular file is, for the refusal.
FILE_KINDS: list[tuple[Callable[[int], bool], str]] = [
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
]


def check_output(path: str) -> Path:
    """The path, if the command line may write it: a new or regular file named `*.svg`."""
    if not path:
        raise OutputError("-o needs a file name ending in .svg, such as -o graph.svg")
    target = Path(path)
    kind = _kind_of(target)
    if kind == "a directory" or path.endswith(("/", os.sep)) or target.name in ("", ".", ".."):
        raise OutputError(
            f"-o {path} is a directory: give a file name ending in .svg, such as "
            f"{os.path.join(path, 'graph.svg')}"
        )
    if target.suffix.lower() != ".svg":
        raise OutputError(
            f"-o {path}: the command line writes SVG, so give a file name ending in .svg "
            "(for PNG or PDF, use micrograd_lite.viz.render from Python)"
        )
    if kind not in (None, "a regular file"):
        raise OutputError(
            f"-o {path} is {kind}, not a regular file: the command line writes only regular "
            "files (a new one, or one it replaces); give another name"
        )
    if not target.parent.is_dir():
        raise OutputError(
            f"-o {path}: there is no directory {str(target.parent)!r}; create it first"
        )
    return target


def _kind_of(target: Path) -> str | None:
    """What is at target itself (a link is not followed), or None if nothing is."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return None
    except ValueError:  # a NUL character in the name
        raise OutputError("-o: the file name contains a NUL character") from None
    except OSError as error:
        raise OutputError(f"-o {target}: {error.strerror}") from None
    for test, kind in FILE_KINDS:
        if test(mode):
            return kind
    return "a regular file"


# -- the command ---------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, with each usage error on one line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _parser() -> _Parser:
    parser = _Parser(prog="python -m micrograd_lite")
    commands = parser.add_subparsers(dest="command", required=True)
    graph = commands.add_parser("graph", help="draw an expression's graph after backward")
    # nargs="?": an expression that starts with "-" ("-x+1") looks like an option to
    # argparse; main() takes it from the unrecognised arguments instead.
    graph.add_argument("expression", nargs="?", help='e.g. "tanh(a * b + c)" or "-x + 1"')
    graph.add_argument("--var", action="append", type=parse_var, default=[], metavar="NAME=NUMBER")
    graph.add_argument("-o", "--output", required=True, help="the .svg file to write")
    graph.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    check = commands.add_parser("check", help="check your own Value class, op by op")
    check.add_argument("target", help="FILE[:NAME]: a .py file or notebook, the class (Value)")
    check.add_argument("--op", action="append", help="check only this op, e.g. __mul__ or tanh")
    return parser


#: An unrecognised argument that is a mistyped option, not an expression: --name, --name=...
_OPTION_LIKE = re.compile(r"--[A-Za-z][\w-]*(=.*)?")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "check":
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        return check_command(args.target, args.op)
    if args.expression is None and len(extra) == 1 and not _OPTION_LIKE.fullmatch(extra[0]):
        args.expression = extra.pop()  # "-x+1", taken by argparse for an option
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.expression is None:
        parser.error('graph needs an expression, e.g. "tanh(a * b + c)"')
    names = [name for name, _ in args.var]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        parser.error(f"--var {', '.join(twice)} given more than once")

    from micrograd_lite.viz import GraphvizNotFoundError, GraphvizTimeoutError, to_svg
    from micrograd_lite.viz.files import write_file

    variables = {name: Value(number, label=name) for name, number in args.var}
    try:
        target = check_output(args.output)
        out = evaluate(args.expression, variables)
        out.label = "out"
        out.backward()
        svg = to_svg(out, rankdir=args.rankdir).encode("utf-8")
        write_file(target, svg)  # whole or not at all, as render writes
    # ValueError: ours (ExpressionError, OutputError), and draw_dot's for a graph larger
    # than max_nodes; ImportError: the graphviz package is not installed.
    except (ValueError, GraphvizNotFoundError, GraphvizTimeoutError, ImportError) as error:
        return _fail(str(error))
    except OSError as error:  # writing failed: no permission, no space, /proc ...
        return _fail(f"cannot write {args.output}: {error.strerror or error}")
    print(f"out = {out.data:.6g}; wrote {target}")
    return 0


def check_command(target: str, ops: list[str] | None) -> int:
    """`check FILE[:NAME]`: print the report; 0 all right, 1 anything wrong, 2 not loaded."""
    from micrograd_lite.checker import LoadError, check_file

    path, name = target, "Value"
    head, _, tail = target.rpartition(":")
    if head and tail.isidentifier():
        path, name = head, tail
    try:
        report = check_file(path, name, ops=ops)
    except (LoadError, ValueError) as error:
        return _fail(str(error))
    print(report)
    return 0 if report.ok else 1


def _fail(message: str) -> int:
    print(f"error: {message.splitlines()[0] if message else 'failed'}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
