"""Write a recording out as one straight-line Python function: forward, guards, backward.

Each value gets one local: `v3` holds a node's data and `g3` its gradient. The forward
computes the nodes in the order fn made them; the backward visits them in the order of
`autograd.graph_below`, the order `backward()` uses (newest first), and accumulates each
gradient exactly as `backward()` does (the first contribution as it is, then `+=` in the
same order; a leaf's sum added to its `.grad` once), so the results are bit-identical to
an eager run. The code of every line comes from `micrograd_lite.ops` through
`symbolic.expressions`.

For `tanh(a * b)` with `a`, `b` the arguments, the function reads:

    def f(inputs, captured, seeds, backward):
        v0 = inputs[0].data  # input 0
        v1 = inputs[1].data  # input 1
        v2 = v0 * v1  # MulBackward0
        v3 = tanh(v2)  # TanhBackward0
        outputs = (v3,)
        if not backward:
            return outputs
        g3 = seeds[0]
        g2 = g3 * float_fma((-v3), v3, 1.0)  # TanhBackward0
        g0 = g2 * v1  # MulBackward0
        g1 = g2 * v0
        olds = (inputs[1].grad, inputs[0].grad)
        try:
            inputs[1].grad = g1 if olds[0] is None or olds[0] is UNTOUCHED else olds[0] + g1
            inputs[0].grad = g0 if olds[1] is None or olds[1] is UNTOUCHED else olds[1] + g0
            return outputs
        except BaseException:
            for leaf, old in zip((inputs[1], inputs[0]), olds):
                leaf.grad = old
            raise

A Ctrl-C that lands among the writes to `.grad` puts every `.grad` back as it was.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from micrograd_lite.autograd import graph_below
from micrograd_lite.compiler.recording import Guard, Recording
from micrograd_lite.compiler.symbolic import NotSymbolicError, expressions, literal, name_of
from micrograd_lite.compiler.tape import earlier_graph_error
from micrograd_lite.engine import Value
from micrograd_lite.ops import Op

__all__ = [
    "SOURCE_LIMIT",
    "Program",
    "SourceTooLongError",
    "check_gradients_stay_inside",
    "function_name",
    "generate",
]


#: The most characters of source generated for one recording. Python's `compile()` takes
#: about 2.7 KB per line of about 40 characters, so this allows about 1.3 GB, what the
#: largest graph code is generated for (`GENERATE_LIMIT` values) takes; long lines (a
#: user's op whose rule inlines to a long expression) reach it with fewer values.
SOURCE_LIMIT = 20_000_000


class SourceTooLongError(Exception):
    """The generated source would be over `SOURCE_LIMIT`: the recording stays on its tape."""


@dataclass(frozen=True)
class Program:
    """The generated function's source and what it needs to be called with."""

    source: str
    name: str
    captured: tuple[Value, ...]  # leaves fn reached that are not arguments: parameters, constants
    differentiable: tuple[int, ...]  # which outputs require grad, so get a seed


def generate(
    recording: Recording,
    outputs: Sequence[Value],
    inputs: dict[Value, int],
    name: str,
    captured: Sequence[Value] = (),
) -> Program:
    """The program that replays `recording` on new data.

    `outputs` are the Values fn returned; `inputs` maps the argument leaves of the
    recording to their position in the `inputs` list the program is called with;
    `captured` is the order of the other leaves where a tape has already chosen it.
    """
    traced = set(recording.nodes)
    differentiable = tuple(i for i, v in enumerate(outputs) if v.requires_grad)
    roots = [outputs[i] for i in differentiable]
    check_gradients_stay_inside(roots, traced)
    writer = _Writer(inputs, captured)
    needed = _needed(outputs, recording.guards, traced)

    guards_at: dict[int, list[Guard]] = {}
    for guard in recording.guards:
        guards_at.setdefault(guard.position, []).append(guard)
    for position, node in enumerate(recording.nodes):
        for guard in guards_at.get(position, ()):
            writer.guard(guard)
        if node in needed:
            writer.forward(node)
    for guard in guards_at.get(len(recording.nodes), ()):
        writer.guard(guard)

    writer.emit(f"outputs = {_tuple([writer.value(v) for v in outputs])}")
    writer.emit("if not backward:")
    writer.emit("    return outputs")
    results, leaves = graph_below(roots) if roots else ([], [])
    for k, i in enumerate(differentiable):
        writer.accumulate(outputs[i], f"seeds[{k}]")
    for node in results:
        writer.backward(node)
    # each leaf's sum added to its .grad, and every .grad put back if that is interrupted
    holders = [writer.holder(leaf) for leaf in leaves]
    writer.emit(f"olds = {_tuple([f'{h}.grad' for h in holders])}")
    writer.emit("try:")
    for k, (leaf, holder) in enumerate(zip(leaves, holders)):
        g = writer.grads[leaf]
        first = f"olds[{k}] is None or olds[{k}] is UNTOUCHED"
        writer.emit(f"    {holder}.grad = {g} if {first} else olds[{k}] + {g}")
    writer.emit("    return outputs")
    writer.emit("except BaseException:")
    writer.emit(f"    for leaf, old in zip({_tuple(holders)}, olds):")
    writer.emit("        leaf.grad = old")
    writer.emit("    raise")

    header = (
        f"def {name}(inputs, captured, seeds, backward):\n"
        f'    """Generated by micrograd_lite.compile: {len(needed)} values, '
        f'{len(recording.guards)} guards, {len(results) + len(leaves)} in backward."""\n'
    )
    source = header + "".join(f"    {line}\n" for line in writer.lines)
    return Program(source, name, tuple(writer.captured), differentiable)


def function_name(fn: Callable[..., Any]) -> str:
    """A name for the generated function: fn's own where it is a plain identifier."""
    name = getattr(fn, "__name__", "")
    if name.isidentifier() and not keyword.iskeyword(name) and name not in _RESERVED:
        return name
    return "compiled"


_RESERVED = {"inputs", "captured", "seeds", "backward", "outputs"}


def check_gradients_stay_inside(roots: list[Value], traced: set[Value]) -> None:
    """Refuse a gradient that would have to flow into a graph built before the call."""
    seen: set[Value] = set()
    stack = list(roots)
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        if v in traced:
            stack.extend(p for p in v.parents if p.requires_grad)
        elif v.op is not None:
            raise earlier_graph_error(v)


def _needed(outputs: Sequence[Value], guards: list[Guard], traced: set[Value]) -> set[Value]:
    """Every value the outputs and the guards depend on; nodes fn made and dropped are not."""
    needed: set[Value] = set()
    stack = [*outputs]
    for guard in guards:
        stack.extend(guard.values())
    while stack:
        v = stack.pop()
        if v not in needed:
            needed.add(v)
            if v in traced:
                stack.extend(v.parents)
    return needed


class _Writer:
    """Emits the lines of the generated function and names every value in it."""

    def __init__(self, inputs: dict[Value, int], captured: Sequence[Value]) -> None:
        self.inputs = inputs
        self.lines: list[str] = []
        self.size = 0  # characters emitted so far
        self.names: dict[Value, str] = {}
        self.grads: dict[Value, str] = {}
        self.captured: list[Value] = list(captured)
        self.captured_index: dict[Value, int] = {v: i for i, v in enumerate(captured)}
        self.templates: dict[tuple[Any, ...], list[str] | None] = {}

    def emit(self, line: str, comment: str = "") -> None:
        self.size += len(line) + len(comment)
        if self.size > SOURCE_LIMIT:
            raise SourceTooLongError(
                f"its code would be over SOURCE_LIMIT = {SOURCE_LIMIT:,} characters"
            )
        self.lines.append(f"{line}  # {comment}" if comment else line)

    def holder(self, leaf: Value) -> str:
        """Where the generated code finds a value made outside fn's recorded operations."""
        if leaf in self.inputs:
            return f"inputs[{self.inputs[leaf]}]"
        if leaf not in self.captured_index:
            self.captured_index[leaf] = len(self.captured)
            self.captured.append(leaf)
        return f"captured[{self.captured_index[leaf]}]"

    def value(self, v: Value) -> str:
        """The local holding v's data; a value from outside fn is read on first use."""
        name = self.names.get(v)
        if name is None:
            name = self.names[v] = f"v{len(self.names)}"
            self.emit(f"{name} = {self.holder(v)}.data", self._describe(v))
        return name

    def _describe(self, v: Value) -> str:
        if v in self.inputs:
            what = f"input {self.inputs[v]}"
        elif v.op is not None:
            what = f"made by {v.op.name()} before the call"
        elif v.requires_grad:
            what = "leaf"
        else:
            what = f"constant, {v.data!r} when recorded"
        return f"{what}: {v.label}" if v.label else what

    def _arguments(self, node: Value) -> list[str | float]:
        op = node.op
        assert op is not None
        return [
            p.data if i in op.constant_inputs else self.value(p) for i, p in enumerate(node.parents)
        ]

    def forward(self, node: Value) -> None:
        op = node.op
        assert op is not None
        args = self._arguments(node)
        code = None if op.arity == 0 else self._expressions(op, op.forward, "forward", args)
        if code is None:  # an n-ary forward (`sum()` differs between Python versions) or a call
            call = name_of(op.forward, op, "forward")
            code = [f"{call}({', '.join(_code(a) for a in args)})"]
        self.names[node] = name = f"v{len(self.names)}"
        self.emit(f"{name} = {code[0]}", op.name())

    def guard(self, guard: Guard) -> None:
        right = self.value(guard.right) if isinstance(guard.right, Value) else literal(guard.right)
        condition = f"{self.value(guard.left)} {guard.symbol} {right}"
        test = f"not ({condition})" if guard.outcome else condition
        self.emit(f"if {test}:")
        self.emit("    return None", "guard: fn would branch otherwise, so record it again")

    def accumulate(self, v: Value, contribution: str, comment: str = "") -> bool:
        """Add a contribution to v's gradient, as `backward()` adds into `v.grad`; whether
        that took a line.

        The first contribution is v's gradient as it is (`backward()` adds it to -0.0,
        which changes no bit). Where it is a name, v's gradient goes by that name until
        a second contribution comes (add passes its `g` on to both inputs unchanged): a
        name that is not assigned again, since a node's gradient is complete before its
        rule runs.
        """
        g = self.grads.get(v)
        own = "g" + self.names[v][1:]
        if g is None and contribution.isidentifier():
            self.grads[v] = contribution
            return False
        if g is None:
            self.grads[v] = own
            self.emit(f"{own} = {contribution}", comment)
        elif g != own:  # a second contribution to a gradient known by another's name
            self.grads[v] = own
            term = contribution if _is_simple(contribution) else f"({contribution})"
            self.emit(f"{own} = {g} + {term}", comment)
        else:
            self.emit(f"{g} += {contribution}", comment)
        return True

    def backward(self, node: Value) -> None:
        op = node.op
        assert op is not None
        args: list[str | float] = [self.grads[node], self.names[node], *self._arguments(node)]
        code = self._expressions(op, op.rule, "rule", args)
        if code is None:  # the rule branches on float() of an input: call it
            result = f"d{self.names[node][1:]}"
            self.emit(f"{result} = {name_of(op.rule, op, 'rule')}({', '.join(map(_code, args))})")
            code = [f"{result}[{i}]" for i in range(len(node.parents))]
        wanted = [i for i, p in enumerate(node.parents) if p.requires_grad]
        counts: dict[str, int] = {}
        for i in wanted:
            counts[code[i]] = counts.get(code[i], 0) + 1
        for i, (expression, count) in enumerate(counts.items()):
            if count > 1 and not _is_simple(expression):  # the same term for many inputs
                temporary = f"t{self.names[node][1:]}_{i}"
                self.emit(f"{temporary} = {expression}")
                code = [temporary if c == expression else c for c in code]
        comment = op.name()
        for i in wanted:
            if self.accumulate(node.parents[i], code[i], comment):
                comment = ""

    def _expressions(
        self, op: Op, fn: Callable[..., Any], role: str, args: list[str | float]
    ) -> list[str] | None:
        """fn's results as code over `args`, from a template kept per op and constants."""
        # constants by their bits: 0.0 == -0.0, but `(-0.0) ** x` is not `0.0 ** x`
        key = (op, role, len(args), *[a.hex() if isinstance(a, float) else None for a in args])
        if key not in self.templates:
            slots: list[str | float] = [
                a if isinstance(a, float) else f"{{{i}}}" for i, a in enumerate(args)
            ]
            try:
                self.templates[key] = [
                    _without_outer_parentheses(t) for t in expressions(fn, slots)
                ]
            except NotSymbolicError:
                self.templates[key] = None
        template = self.templates[key]
        if template is None:
            return None
        return [t.format(*args) for t in template]


def _tuple(items: list[str]) -> str:
    """The code of a tuple of `items`: `(a, b)`, `(a,)`, `()`."""
    return f"({', '.join(items)}{',' if len(items) == 1 else ''})"


def _code(x: str | float) -> str:
    return x if isinstance(x, str) else literal(x)


def _without_outer_parentheses(expression: str) -> str:
    """`(a * b)` as `a * b`, where the first parenthesis closes at the very end."""
    if not (expression.startswith("(") and expression.endswith(")")):
        return expression
    depth = 0
    for i, char in enumerate(expression):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(expression) - 1:
            return expression  # `(a) * (b)`: the first pair closes early
    return expression[1:-1]


def _is_simple(expression: str) -> bool:
    return expression.isidentifier() or expression.replace(".", "", 1).isdigit()
