"""Command line: draw an expression's graph after backward.

    python -m micrograd_lite graph "tanh(a * b + c)" --var a=2 --var b=-3 --var c=1 -o out.svg

The expression is parsed with `ast` and walked here; it is never passed to `eval`.
Only numbers, the variables given with --var, `+ - * / **`, unary minus and calls of the
one-input operations in `ops.REGISTRY` (exp, log, tanh, relu, sigmoid, ...) are accepted;
anything else exits with status 2 and a one-line error, and no file is written.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Callable, Sequence

from micrograd_lite import ops
from micrograd_lite.engine import Value, apply

#: The calls an expression may make: every one-input operation, by its symbol.
FUNCTIONS: dict[str, ops.Op] = {
    op.symbol: op for op in ops.REGISTRY.values() if op.arity == 1 and op.symbol.isidentifier()
}

BINARY: dict[type[ast.operator], Callable[[Value | float, Value | float], Value | float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


class ExpressionError(ValueError):
    """The expression uses something the command line does not accept."""


def evaluate(expression: str, variables: dict[str, Value]) -> Value:
    """Build the expression from Values, accepting only the grammar above."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"not a valid expression: {error.msg}") from None
    result = _build(tree.body, variables)
    if not isinstance(result, Value):
        raise ExpressionError("the expression uses no variable, so it has no graph")
    return result


def _build(node: ast.AST, variables: dict[str, Value]) -> Value | float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        if isinstance(node.value, bool):  # True and False are ints to Python, not numbers here
            raise ExpressionError(f"{node.value} is not a number")
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in variables:
            raise ExpressionError(f"unknown name {node.id!r}: give it with --var {node.id}=NUMBER")
        return variables[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _build(node.left, variables), _build(node.right, variables)
        return BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_build(node.operand, variables)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in FUNCTIONS
        and len(node.args) == 1
        and not node.keywords
    ):
        arg = _build(node.args[0], variables)
        return apply(FUNCTIONS[node.func.id], arg)
    where = f" at column {node.col_offset + 1}" if hasattr(node, "col_offset") else ""
    raise ExpressionError(
        f"{type(node).__name__}{where} is not allowed: use numbers, --var names, "
        f"+ - * / **, unary minus and {', '.join(FUNCTIONS)}"
    )


def parse_var(text: str) -> tuple[str, float]:
    """`a=2.5` -> ("a", 2.5)."""
    name, sep, number = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"--var takes NAME=NUMBER, got {text!r}")
    try:
        return name, float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--var {name}: {number!r} is not a number") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m micrograd_lite")
    commands = parser.add_subparsers(dest="command", required=True)
    graph = commands.add_parser("graph", help="draw an expression's graph after backward")
    graph.add_argument("expression", help='e.g. "tanh(a * b + c)"')
    graph.add_argument("--var", action="append", type=parse_var, default=[], metavar="NAME=NUMBER")
    graph.add_argument("-o", "--output", required=True, help="the file to write (.svg, .png, .pdf)")
    graph.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    args = parser.parse_args(argv)

    from micrograd_lite.viz import GraphvizNotFoundError, render

    variables = {name: Value(number, label=name) for name, number in args.var}
    try:
        out = evaluate(args.expression, variables)
        out.label = "out"
        out.backward()
        fmt = args.output.rsplit(".", 1)[-1] if "." in args.output else "svg"
        path = render(out, args.output, format=fmt, rankdir=args.rankdir)
    except (ExpressionError, GraphvizNotFoundError, ImportError) as error:
        print(f"error: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    print(f"out = {out.data:.6g}; wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
