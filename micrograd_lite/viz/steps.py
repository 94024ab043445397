"""The steps of a graph's forward and backward passes, as a learner reads them: the
numbers each step sets and the text beside it (`a.grad += c.grad × b = 1 × -3 = -3`).

The stepper's page and `backward_frames` are views of these steps: both walk backward
with `autograd.backward_steps`, a table's view of `engine.chain_rule`, the pass
`backward()` and `grad()` run, whose numbers are the op's own rule. The text of a step
is the op's `maths=` (its derivative as a learner writes it), run on the numbers it
shows; where that does not give the rule's number (relu's kink at nan, 0 ** 0) the step
shows the rule's number, marked. An op without `maths=` shows its rule read
symbolically, or its number alone.
"""

from __future__ import annotations

import ast
import functools
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from types import CodeType
from typing import Any, cast

from micrograd_lite import autograd
from micrograd_lite.autograd import topological_order
from micrograd_lite.engine import Value
from micrograd_lite.floats import (
    float_cos,
    float_div,
    float_exp,
    float_log,
    float_pow,
    float_sin,
    float_sqrt,
)
from micrograd_lite.ops import Num, Op
from micrograd_lite.viz.graph import number

__all__ = [
    "AT_AN_EDGE",
    "MATHS_FUNCTIONS",
    "chain_rule_steps",
    "float_table",
    "maths_value",
    "steps_of",
]


def steps_of(root: Value, values: list[Value], name: Mapping[Value, str]) -> list[dict[str, Any]]:
    """The walk: a start, each operation forward, the seed, each node backward.

    Each step says which Value it is about, what text to show, and which numbers it sets:
    `set` is a list of [value index, "data" or "grad", text]. The gradients are those of
    a fresh backward pass (`autograd.backward_steps`); no `.grad` is changed.
    """
    index = {v: i for i, v in enumerate(values)}
    steps: list[dict[str, Any]] = [
        {"phase": "start", "text": "The inputs and parameters hold their data.", "set": []}
    ]
    for node in values:
        if node.op is None:
            continue
        args = [name.get(p) or number(p.data) for p in node.parents]
        formula = _formula(node, args)
        worked = _formula(node, [_operand(p.data) for p in node.parents])
        steps.append(
            {
                "phase": "forward",
                "value": index[node],
                "text": f"{name[node]} = {formula} = {worked} = {number(node.data)}",
                "set": [[index[node], "data", number(node.data)]],
            }
        )
    steps.append(
        {
            "phase": "backward",
            "value": index[root],
            "text": f"{grad_of(name[root])} = 1, the seed: "
            f"d{term(name[root])}/d{term(name[root])} = 1",
            "set": [[index[root], "grad", "1"]],
        }
    )
    grads: dict[Value, float] = {root: 1.0}
    # The steps of the one pass that gives `grad()` its numbers, the op's own rule.
    for node, all_passed in autograd.backward_steps(topological_order([root]), float_table(grads)):
        passed = [(k, parent, float(c)) for k, parent, c in all_passed if parent in index]
        if not passed:
            continue
        lines = [_step_line(node, k, grads[node], c, name) for k, _, c in passed]
        receivers = [index[parent] for _, parent, _ in passed]  # whose .grad this step adds to
        steps.append(
            {
                "phase": "backward",
                "value": index[node],
                "receivers": receivers,
                "text": "\n".join(lines),
                "set": [[index[p], "grad", number(grads[p])] for _, p, _ in passed],
            }
        )
    return steps


def float_table(grads: dict[Value, float]) -> dict[Value, Num]:
    """A table of float gradients as the pass takes it (it stays floats: no graph is built)."""
    return cast("dict[Value, Num]", grads)


#: (input's position, input, what it was passed): what one backward step passes on.
Passed = list[tuple[int, Value, float]]


#: What the stepper marks a step with where the op's maths, on the numbers shown, does not
#: give the number the rule computed (a kink, as relu's at nan; an edge, as 0 ** 0): the
#: step shows the rule's number, which is what backward runs.
AT_AN_EDGE = "(the rule at this edge)"


def _step_line(node: Value, k: int, g: float, passed: float, name: Mapping[Value, str]) -> str:
    """The step of input k of `node`: `a.grad += c.grad × b = 1 × -3 = -3`, the op's
    maths by name, then with the numbers in, then what the rule passed."""
    op = node.op
    assert op is not None  # only the result of an operation passes gradients back
    parent = node.parents[k]
    total = number(passed)
    receiver = grad_of(name[parent])
    if op.maths:  # the op's derivative as a learner writes it, then with the numbers in
        by_name, by_number = _maths_of(op, node, k, name, g)
        worked = f" = {by_number}" if by_number.replace("−", "-") != total else ""
        value = maths_value(op, k, [p.data for p in node.parents], node.data)
        agrees = value is not None and _same(g * value, passed)
        mark = "" if agrees else f" {AT_AN_EDGE}"
        return f"{receiver} += {by_name}{worked} = {total}{mark}"
    codes = _rule_codes(op, [p in name for p in node.parents], node.parents)
    if codes is None:  # the rule could not be read: its result alone
        return f"{receiver} += {total}  ({op.name()})"
    # The rule's variables: g, out and x0, x1 ... (the inputs), by name and by number.
    names = {"g": grad_of(name[node]), "out": name[node]}
    numbers = {"g": _operand(g), "out": _operand(node.data)}
    for i, p in enumerate(node.parents):
        names[f"x{i}"] = name.get(p) or _operand(p.data)
        numbers[f"x{i}"] = _operand(p.data)
    by_name, by_number = _show(codes[k], names), _show(codes[k], numbers)
    worked = f" = {by_number}" if by_number != total else ""  # not "= 0.5 = 0.5"
    return f"{receiver} += {by_name}{worked} = {total}"


def _same(shown: float, ran: float) -> bool:
    """Whether the maths' number is the rule's, as a reader sees them: equal, or the same
    to the digits shown (nan and nan too), or within rounding (1 - out² against a fused
    multiply-add)."""
    return shown == ran or number(shown) == number(ran) or math.isclose(shown, ran, rel_tol=1e-9)


def _or_nan(f: Callable[[float], float]) -> Callable[[float], float]:
    """`f` giving nan where Python's math raises (tan(inf), sinh(1000))."""

    def never_raising(x: float) -> float:
        try:
            return f(x)
        except (ValueError, OverflowError):
            return math.nan

    return never_raising


#: The functions a `maths` text may call (ops.MATHS_FUNCTIONS), in IEEE arithmetic, as
#: the rules compute: log(0) is -inf and sin(inf) is nan, where Python's math raises.
MATHS_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "log": float_log,
    "exp": float_exp,
    "sqrt": float_sqrt,
    "sin": float_sin,
    "cos": float_cos,
    "tan": _or_nan(math.tan),
    "sinh": _or_nan(math.sinh),
    "cosh": _or_nan(math.cosh),
    "tanh": math.tanh,
    "abs": abs,
    "sign": lambda v: math.copysign(1.0, v) if v and v == v else 0.0,  # 0 at 0 and nan
}


class _InIEEE(ast.NodeTransformer):
    """`a / b` and `a ** b` as the rules compute them: 1/0 is inf and 0 ** -1 is inf,
    where Python raises."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        helper = {ast.Div: "float_div", ast.Pow: "float_pow"}.get(type(node.op))
        if helper is None:
            return node
        call = ast.Call(ast.Name(helper, ast.Load()), [node.left, node.right], [])
        return ast.copy_location(call, node)


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> CodeType:
    """A `maths` text as code in IEEE arithmetic, compiled once: define_op has checked it
    is one expression over the rule's inputs, `out` and MATHS_FUNCTIONS."""
    tree = ast.fix_missing_locations(_InIEEE().visit(ast.parse(text, mode="eval")))
    return compile(tree, "<maths>", "eval")


def maths_value(op: Op, k: int, xs: Sequence[float], out: float) -> float | None:
    """The op's `maths` for input k, run on the numbers `xs` and `out` in IEEE arithmetic
    (as the rules are); None if it cannot be run there."""
    words: dict[str, object] = {
        "out": out,
        "float_div": float_div,
        "float_pow": float_pow,
        **MATHS_FUNCTIONS,
    }
    if op.arity:
        text = op.maths[k]
        words.update(zip(op.rule.__code__.co_varnames[2:], xs))
    else:  # one text for every input: x, its partner y in the other half, n and m
        text = op.maths[0]
        pairs = len(xs) // 2
        words.update(x=xs[k], y=xs[(k + pairs) % len(xs)], n=len(xs), m=pairs)
    try:
        value = eval(_compiled(text), {"__builtins__": {}}, words)
    except (ArithmeticError, ValueError, TypeError):
        return None
    return None if isinstance(value, complex) else float(value)


def _operand(x: float) -> str:
    """A number inside a formula: negative ones in parentheses, so -3 ** 2 reads right."""
    text = number(x)
    return f"({text})" if text.startswith("-") else text


def _formula(node: Value, args: Sequence[str]) -> str:
    """The operation written out: `a × b`, `tanh(n)`, `sum(a, b, c)`."""
    assert node.op is not None
    symbol = {"*": "×"}.get(node.op.symbol, node.op.symbol)
    if len(args) == 2 and not symbol.isalpha():
        return f"{term(args[0])} {symbol} {term(args[1])}"
    return f"{symbol}({', '.join(args)})"


def _maths_of(op: Op, node: Value, k: int, name: Mapping[Value, str], g: float) -> tuple[str, str]:
    """Input k's step as the op's `maths` gives it, by name and with the numbers in:
    `o.grad × (1 − o²)` and `1 × (1 − 0.7071²)`."""
    parents = node.parents

    def word(p: Value) -> str:
        return name.get(p) or _operand(p.data)

    by_name = {"out": name[node]}
    by_number = {"out": _operand(node.data)}
    if op.arity:  # the rule's own names for its inputs
        text = op.maths[k]
        for variable, p in zip(op.rule.__code__.co_varnames[2:], parents):
            by_name[variable] = word(p)
            by_number[variable] = _operand(p.data)
    else:  # one text for every input: x, its partner y, n and m
        text = op.maths[0]
        count, pairs = len(parents), len(parents) // 2
        p, partner = parents[k], parents[(k + pairs) % count]
        by_name.update(x=word(p), y=word(partner), n=str(count), m=str(pairs))
        by_number.update(x=_operand(p.data), y=_operand(partner.data), n=str(count), m=str(pairs))
    return (
        _times(grad_of(name[node]), text, maths_text(text, by_name)),
        _times(_operand(g), text, maths_text(text, by_number)),
    )


def grad_of(name: str) -> str:
    """`o.grad`, or `(x1*w1 + x2*w2).grad` for a label that is more than one word."""
    return f"{term(name)}.grad"


#: A word that reads as one term: a name (`x1`, `layers.0.w.1`, `wte[3][5]`), a number.
_NAME = re.compile(r"[\w.\[\]]+")
_NUMBER = re.compile(r"\d+(\.\d*)?e[+-]\d+")


def term(word: str) -> str:
    """`word` as one term of a formula: a label of more than one word, as `x1*w1 + x2*w2`
    or `-3`, in parentheses, so that `y.grad × (x1*w1 + x2*w2)` reads right."""
    inner = word.removesuffix(".grad")
    if _NAME.fullmatch(inner) or _NUMBER.fullmatch(inner) or _enclosed(inner):
        return word
    return f"({word})"


def _enclosed(text: str) -> bool:
    """Whether `text` is one pair of parentheses and what they hold: `(a + b)`, not
    `(a) + (b)`."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and i < len(text) - 1:
            return False
    return depth == 0


def _times(g: str, maths: str, factor: tuple[str, int]) -> str:
    """`g × factor`, written as a learner would: `g` where the maths is 1, `−g` for −1."""
    if maths.strip() in ("1", "-1"):
        return g if maths.strip() == "1" else f"−{g}"
    text, precedence = factor
    return f"{g} × {text}" if precedence > _ADD else f"{g} × ({text})"


# How tightly each form binds, for parentheses: an `if`, + and −, × and /, a sign, a
# power, a name or number.
_IF, _ADD, _MUL, _SIGN, _POW, _ATOM = range(6)
_BINARY: dict[type[ast.operator], tuple[str, int]] = {
    ast.Add: (" + ", _ADD),
    ast.Sub: (" − ", _ADD),
    ast.Mult: ("·", _MUL),
    ast.Div: ("/", _MUL),
}
_COMPARISONS: dict[type[ast.cmpop], str] = {ast.Gt: ">", ast.GtE: "≥", ast.Lt: "<", ast.LtE: "≤"}


def maths_text(text: str, words: Mapping[str, str]) -> tuple[str, int]:
    """An op's `maths` (Python syntax) as a learner writes it, each name replaced by its
    word: `1 - out**2` with out as `o` is `1 − o²`; and how tightly it binds."""
    return _written(ast.parse(text, mode="eval").body, words)


def _written(node: ast.expr, words: Mapping[str, str]) -> tuple[str, int]:
    def inner(child: ast.expr, at_least: int) -> str:
        text, precedence = _written(child, words)
        return text if precedence >= at_least else f"({text})"

    if isinstance(node, ast.Name):
        return term(words.get(node.id, node.id)), _ATOM
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return number(float(node.value)), _ATOM
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return f"−{inner(node.operand, _POW)}", _SIGN
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, exponent = inner(node.left, _ATOM), node.right
        if isinstance(exponent, ast.Constant) and exponent.value in (2, 3):
            return base + ("²" if exponent.value == 2 else "³"), _POW
        return f"{base}^{inner(exponent, _ATOM)}", _POW
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        symbol, binds = _BINARY[type(node.op)]
        # the right of − and / binds tighter: a − (b − c), a/(b·c)
        return f"{inner(node.left, binds)}{symbol}{inner(node.right, binds + 1)}", binds
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1:
        return f"{node.func.id} {inner(node.args[0], _ATOM)}", _SIGN
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARISONS:
        symbol = _COMPARISONS[type(node.ops[0])]
        return f"{inner(node.left, _ADD)} {symbol} {inner(node.comparators[0], _ADD)}", _IF
    if isinstance(node, ast.IfExp):
        test = _written(node.test, words)[0]
        return f"{inner(node.body, _ADD)} if {test}, else {inner(node.orelse, _ADD)}", _IF
    return ast.unparse(node), _ATOM  # nothing else is written in ops.py's maths


def _rule_codes(op: Any, drawn: Sequence[bool], inputs: Sequence[Value]) -> list[str] | None:
    """The code of each input's part of the op's rule, in g, out, x0, x1 ...

    The rule `op.rule(g, out, *inputs)` is followed symbolically, so the text is the code
    the engine runs; a constant input is passed as its number, as the engine passes it.
    None if the rule cannot be followed (it branches on the data of a Value).
    """
    try:
        from micrograd_lite.compiler.symbolic import expressions
    except ImportError:  # the symbolic reader moved: the steps show numbers only
        return None
    variables: list[str | float] = ["g", "out"]
    variables += [f"x{i}" if d else float(v.data) for i, (d, v) in enumerate(zip(drawn, inputs))]
    try:
        codes: list[str] = expressions(op.rule, variables)
    except Exception:  # NotSymbolicError, or anything else: the numbers are still right
        return None
    return codes


def _show(code: str, words: Mapping[str, str]) -> str:
    """A rule's code as a reader writes it, each variable replaced by its word in `words`."""

    class Readable(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            infix = {"float_div": ast.Div(), "div": ast.Div(), "float_pow": ast.Pow()}
            if isinstance(node.func, ast.Name) and node.func.id in infix and len(node.args) == 2:
                return ast.BinOp(node.args[0], infix[node.func.id], node.args[1])
            return node

        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.Name(id=term(words.get(node.id, node.id)))

    tree = Readable().visit(ast.parse(code, mode="eval"))
    return ast.unparse(tree).replace(" * ", " × ")


def chain_rule_steps(root: Value, names: Mapping[Value, str]) -> list[str]:
    """The backward pass from root as the stepper writes it, one line per input reached:
    `a.grad += c.grad × b = 1 × -2 = -2`; each Value called by its name in names, else
    by its label, else t1, t2, ..."""
    values = topological_order([root])
    unnamed = (f"t{k}" for k in itertools.count(1))
    name = {v: names.get(v) or v.label or next(unnamed) for v in values}
    steps = steps_of(root, values, name)
    return [
        line for step in steps if step["phase"] == "backward" for line in step["text"].split("\n")
    ]
