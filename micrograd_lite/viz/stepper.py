"""Step through a graph's forward pass and then its backward pass, one node at a time.

    from micrograd_lite.viz import stepper
    steps = stepper(L)       # in Jupyter, the cell shows the page itself
    steps.save("steps.html") # a standalone page: no network, no kernel

The page has previous / play / next buttons, a slider and the arrow keys. Going forward,
each operation's result appears in its box; going backward, each gradient does, with the
chain-rule step beside the graph: `a.grad += c.grad × b = 1 × -3 = -3`. The text of that
step is the operation's own derivative rule (`op.vjp`) read symbolically, not a second copy
of the calculus. Graphviz lays the graph out once; a step changes only texts and colours,
so a walk of a thousand steps costs one layout.
"""

from __future__ import annotations

import ast
import hashlib
import html
import itertools
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from micrograd_lite.autograd import input_grads, topological_order
from micrograd_lite.engine import Value
from micrograd_lite.viz.dot import DEFAULT_TIMEOUT, check_rankdir, check_timeout
from micrograd_lite.viz.files import file_format, target_file, write_file
from micrograd_lite.viz.graph import (
    DEFAULT_MAX_NODES,
    Box,
    Drawing,
    build,
    number,
    operation_text,
)
from micrograd_lite.viz.svg import image, lay_out, picture

if TYPE_CHECKING:
    from micrograd_lite.nn import Module

__all__ = ["HEADLESS_CHROMIUM", "Stepper", "stepper"]

BLANK = "·"  # a number not computed yet

#: Chromium's flags for opening a saved page headless (tests, screenshots) on a machine
#: without network: no sandbox or GPU needed, and no background requests or first-run work.
HEADLESS_CHROMIUM = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_page_ids = itertools.count()


class Stepper:
    """The forward and backward walk of one graph, as a page (`stepper(root)` makes one)."""

    def __init__(
        self,
        root: Value,
        *,
        names: Mapping[str, Any] | None = None,
        model: Module | None = None,
        rankdir: str = "LR",
        max_nodes: int = DEFAULT_MAX_NODES,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        check_rankdir(rankdir)
        timeout = check_timeout(timeout)
        drawing = build(root, names=names, model=model, max_nodes=max_nodes)
        values = [v for v in drawing.boxes_of]  # parents first, as build adds them
        self.index = {v: i for i, v in enumerate(values)}
        self.name = _display_names(drawing, values)
        self.steps: list[dict[str, Any]] = _steps(root, values, self.name)
        for step in self.steps:  # a step lights every drawing of its Value, and its ellipse
            lit: list[str] = []
            if "value" in step:
                value = values[step.pop("value")]
                lit = [*drawing.boxes_of[value]]
                if value in drawing.op_of and drawing.op_of[value] not in lit:
                    lit.append(drawing.op_of[value])
            step["boxes"] = lit
            # backward: the Values the gradient flows into, lit apart, with the edges to them
            step["to"] = [i for r in step.pop("receivers", ()) for i in drawing.boxes_of[values[r]]]
        self.boxes = [drawing.boxes_of[v] for v in values]

        def title(box: Box) -> str:  # a box's first line: its name, after its operation
            assert box.value is not None
            if box.kind == "op" or drawing.op_of.get(box.value) != box.id:
                return box.label if box.kind == "op" else self.name[box.value]
            # A big graph has no ellipses: the operation heads its result's box.
            return operation_text(replace(box, name=self.name[box.value]), ellipse=False)

        def start(box: Box) -> list[str]:  # what each box shows before the first step
            if box.kind == "op":
                return [box.label]
            assert box.value is not None
            data = number(box.value.data) if box.value.op is None else BLANK
            return [title(box), f"data {data}", f"grad {BLANK}"]

        def widest(box: Box) -> list[str]:  # the lines a box is sized for
            return [title(box)] if box.kind == "op" else [title(box), "data", "grad"]

        shown: dict[tuple[int, str], str] = {}  # what the last step shows: every number set
        for step in self.steps:
            shown.update(((i, field), text) for i, field, text in step["set"])

        def end(box: Box) -> list[str]:  # what each box shows at the last step
            lines = start(box)
            if box.kind == "op":
                return lines
            i = self.index[cast(Value, box.value)]
            return [lines[0]] + [
                f"{field} {shown[i, field]}" if (i, field) in shown else line
                for field, line in zip(("data", "grad"), lines[1:])
            ]

        placed = lay_out(drawing, widest, rankdir, timeout=timeout)
        self.svg = picture(drawing, placed, start)
        self.last_svg = picture(drawing, placed, end)  # the picture with no script
        digest = hashlib.sha1(self.svg.encode()).hexdigest()[:8]
        self.element_id = f"mgl-steps-{digest}-{next(_page_ids)}"

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"<Stepper: {len(self.steps)} steps>"

    def _repr_html_(self) -> str:
        """For Jupyter: a picture of the last step, which shows where no script runs (an
        untrusted notebook keeps images and drops scripts; a static viewer), and a script
        that puts the widget in its place where scripts run."""
        inner, code = self._inner(keys_on_page=False)
        # No `<` in the script's text: `</script>` would end it early.
        markup = json.dumps(inner).replace("<", "\\u003c")
        caption = (
            f"The last of {len(self.steps) - 1} steps: every data and grad filled in. To step "
            "through them, run this cell (Shift+Enter), or trust the notebook."
        )
        return (
            f'<div id="{self.element_id}" class="mgl-stepper" tabindex="0" data-step="0">'
            f'<p style="font-family: Helvetica, Arial, sans-serif">{caption}</p>'
            f"{image(self.last_svg, 'the graph at the last step')}</div>\n<script>\n"
            f'document.getElementById("{self.element_id}").innerHTML = {markup};\n{code}\n'
            "</script>"
        )

    def fragment(self, *, keys_on_page: bool) -> str:
        """The widget: its style, controls, graph, step text and the script that runs it."""
        inner, code = self._inner(keys_on_page=keys_on_page)
        return (
            f'<div id="{self.element_id}" class="mgl-stepper" tabindex="0" data-step="0">\n'
            f"{inner}\n<script>\n{code}\n</script>\n</div>"
        )

    def _inner(self, *, keys_on_page: bool) -> tuple[str, str]:
        """The widget's markup inside its element, and the script that runs it."""
        data = json.dumps({"steps": self.steps, "boxes": self.boxes}, separators=(",", ":"))
        # No `<` at all: `</script>` would end the element early, and `<!--` followed by
        # `<script` (in a label) would make it swallow the page's own script.
        data = data.replace("<", "\\u003c")
        inner = _INNER.format(
            id=self.element_id,
            last=len(self.steps) - 1,
            svg=self.svg,
            data=data,
            first=html.escape(self.steps[0]["text"]),
        )
        code = _CODE.format(id=self.element_id, keys="document" if keys_on_page else "root")
        return inner, code

    def html(self) -> str:
        """A whole standalone page: open it in any browser, offline."""
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            "<title>micrograd_lite: forward and backward, step by step</title></head>"
            f"<body>{self.fragment(keys_on_page=True)}</body></html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the standalone page to `path` (e.g. "steps.html"): whole, or not at all."""
        target = target_file(path, "save the page to")
        file_format(target, ("html", "htm"), "save the page to", default="html")
        return write_file(target, self.html().encode("utf-8"))


def stepper(root: Value, **options: Any) -> Stepper:
    """Step through `root`'s forward and backward passes in Jupyter or a saved page."""
    return Stepper(root, **options)


def _display_names(drawing: Drawing, values: list[Value]) -> dict[Value, str]:
    """Each Value's name on the page: its label or parameter name, else t1, t2, ..."""
    labelled = {
        # A box headed by its operation keeps the Value's own name apart from its label.
        b.value: b.name if drawing.op_of.get(b.value) == b.id else b.label
        for b in drawing.boxes
        if b.kind != "op" and b.value is not None and not b.copy
    }
    unnamed = (f"t{k}" for k in itertools.count(1))
    return {v: labelled.get(v) or next(unnamed) for v in values}


def _steps(root: Value, values: list[Value], name: dict[Value, str]) -> list[dict[str, Any]]:
    """The walk: a start, each operation forward, the seed, each node backward.

    Each step says which Value it is about, what text to show, and which numbers it sets:
    `set` is a list of [value index, "data" or "grad", text]. The gradients are those of
    a fresh backward pass; no `.grad` is changed.
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
    order = topological_order([root])
    grads: dict[Value, float] = {root: 1.0}
    steps.append(
        {
            "phase": "backward",
            "value": index[root],
            "text": f"{grad_of(name[root])} = 1, the seed: "
            f"d{term(name[root])}/d{term(name[root])} = 1",
            "set": [[index[root], "grad", "1"]],
        }
    )
    for node in reversed(order):  # the order backward visits nodes in
        op = node.op
        if op is None or node not in grads:
            continue
        g = grads[node]
        maths = _maths_of(op, node, name, g)
        codes = None if maths else _rule_codes(op, [p in index for p in node.parents], node.parents)
        # The rule's variables: g, out and x0, x1 ... (the inputs), by name and by number.
        names = {"g": grad_of(name[node]), "out": name[node]}
        numbers = {"g": _operand(g), "out": _operand(node.data)}
        for i, p in enumerate(node.parents):
            names[f"x{i}"] = name.get(p) or _operand(p.data)
            numbers[f"x{i}"] = _operand(p.data)
        contributions = cast("tuple[float, ...]", input_grads(node, g))  # floats in, floats out
        lines, sets = [], []
        for k, (parent, contribution) in enumerate(zip(node.parents, contributions)):
            if not parent.requires_grad or parent not in index:
                continue
            # the first gradient as it is, as backward stores it: 0.0 + -0.0 would be 0.0
            grads[parent] = grads[parent] + contribution if parent in grads else contribution
            total = number(contribution)
            if maths:  # the op's derivative as a learner writes it, then with the numbers in
                by_name, by_number = maths[k]
                worked = f" = {by_number}" if by_number.replace("−", "-") != total else ""
                lines.append(f"{grad_of(name[parent])} += {by_name}{worked} = {total}")
            elif codes is None:  # the rule could not be read: its result alone
                lines.append(f"{grad_of(name[parent])} += {total}  ({op.name()})")
            else:
                by_name, by_number = _show(codes[k], names), _show(codes[k], numbers)
                worked = f" = {by_number}" if by_number != total else ""  # not "= 0.5 = 0.5"
                lines.append(f"{grad_of(name[parent])} += {by_name}{worked} = {total}")
            sets.append([index[parent], "grad", number(grads[parent])])
        if not lines:
            continue
        receivers = [s[0] for s in sets]  # the Values whose .grad this step adds to
        steps.append(
            {
                "phase": "backward",
                "value": index[node],
                "receivers": receivers,
                "text": "\n".join(lines),
                "set": sets,
            }
        )
    return steps


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


def _maths_of(op: Any, node: Value, name: Mapping[Value, str], g: float) -> list[tuple[str, str]]:
    """Each input's step as the op's `maths` gives it, by name and with the numbers in:
    `o.grad × (1 − o²)` and `1 × (1 − 0.7071²)`; [] for an op without maths."""
    if not op.maths:
        return []
    parents = node.parents

    def word(p: Value) -> str:
        return name.get(p) or _operand(p.data)

    def digits(p: Value) -> str:
        return _operand(p.data)

    by_name = {"out": name[node]}
    by_number = {"out": _operand(node.data)}
    if op.arity:  # the rule's own names for its inputs
        for variable, p in zip(op.vjp.__code__.co_varnames[2:], parents):
            by_name[variable] = word(p)
            by_number[variable] = digits(p)
    steps = []
    count, pairs = len(parents), len(parents) // 2
    for k, p in enumerate(parents):
        text = op.maths[k] if op.arity else op.maths[0]
        if not op.arity:  # one text for every input: x, its partner y, n and m
            partner = parents[(k + pairs) % count]
            by_name.update(x=word(p), y=word(partner), n=str(count), m=str(pairs))
            by_number.update(x=digits(p), y=digits(partner), n=str(count), m=str(pairs))
        steps.append(
            (
                _times(grad_of(name[node]), text, maths_text(text, by_name)),
                _times(_operand(g), text, maths_text(text, by_number)),
            )
        )
    return steps


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

    The rule `op.vjp(g, out, *inputs)` is followed symbolically, so the text is the code
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
        codes: list[str] = expressions(op.vjp, variables)
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


#: The widget inside its element: style, controls, step text, graph and the walk's data.
_INNER = """<style>
#{id} {{ font-family: Helvetica, Arial, sans-serif; font-size: 13px; outline: none; }}
#{id} .mgl-controls {{ display: flex; gap: 8px; align-items: center; margin: 4px 0; }}
#{id} .mgl-controls input {{ flex: 1; max-width: 420px; }}
#{id} .mgl-text {{ background: #f8f9fa; border-left: 4px solid #ffc107; padding: 6px 10px;
  margin: 4px 0; white-space: pre; font-family: Menlo, Consolas, monospace; min-height: 1.3em; }}
#{id} .mgl-view {{ overflow: auto; max-height: 640px; border: 1px solid #dee2e6; }}
#{id} g.current rect, #{id} g.current ellipse {{ fill: #ffe69c; stroke-width: 2.5; }}
#{id} path.hot {{ stroke: #d9480f; stroke-width: 2.5; }}
#{id} g.receiving rect {{ fill: #ffd8a8; stroke: #d9480f; stroke-width: 2.5; }}
#{id} path.back {{ marker-start: url(#mgl-arrow-back); marker-end: none; }}
</style>
<div class="mgl-controls">
<button type="button" data-action="prev" title="previous step (left arrow)">&#9664; prev</button>
<button type="button" data-action="play" title="play or pause (space)">&#9654; play</button>
<button type="button" data-action="next" title="next step (right arrow)">next &#9654;</button>
<input type="range" min="0" max="{last}" value="0" aria-label="step"
 title="every step (Home and End: the first and the last)">
<span class="mgl-counter">step 0 / {last}</span> <span class="mgl-phase">start</span>
</div>
<div class="mgl-text">{first}</div>
<div class="mgl-view">{svg}</div>
<script type="application/json" class="mgl-data">{data}</script>"""

#: The script that runs the widget inside the element `id`.
_CODE = """(function () {{
  var root = document.getElementById("{id}");
  var data = JSON.parse(root.querySelector(".mgl-data").textContent);
  var steps = data.steps, boxes = data.boxes, svg = root.querySelector("svg");
  var slider = root.querySelector("input"), playButton = root.querySelector("[data-action=play]");
  // Look every element up once: a step then touches only the boxes it changes.
  var lines = {{}}, start = {{}}, edgesInto = {{}}, groups = {{}};
  svg.querySelectorAll("g.box").forEach(function (g) {{ groups[g.id] = g; }});
  svg.querySelectorAll("path.edge").forEach(function (p) {{
    (edgesInto[p.dataset.head] = edgesInto[p.dataset.head] || []).push(p);
  }});
  boxes.forEach(function (ids) {{ ids.forEach(function (id) {{
    lines[id] = [groups[id].querySelector(".line-1"), groups[id].querySelector(".line-2")];
    start[id] = [lines[id][0].textContent, lines[id][1].textContent];
  }}); }});
  var current = 0, timer = null, lit = [];
  function apply(j) {{  // step j's numbers
    steps[j].set.forEach(function (s) {{
      boxes[s[0]].forEach(function (id) {{
        lines[id][s[1] === "data" ? 0 : 1].textContent = s[1] + " " + s[2];
      }});
    }});
  }}
  function show(k) {{
    k = Math.max(0, Math.min(steps.length - 1, k));
    if (k < current) {{  // back: from the start again, which is cheap
      Object.keys(start).forEach(function (id) {{
        lines[id][0].textContent = start[id][0];
        lines[id][1].textContent = start[id][1];
      }});
      for (var j = 0; j <= k; j++) apply(j);
    }} else {{
      for (var j = current + 1; j <= k; j++) apply(j);
    }}
    current = k;
    lit.forEach(function (el) {{ el.classList.remove("current", "receiving", "hot", "back"); }});
    lit = [];
    var step = steps[current], to = {{}}, mine = {{}};
    step.to.forEach(function (id) {{ to[id] = true; }});
    step.boxes.forEach(function (id) {{ mine[id] = true; }});
    step.boxes.forEach(function (id) {{
      groups[id].classList.add("current");
      lit.push(groups[id]);
      (edgesInto[id] || []).forEach(function (p) {{
        // forward: every edge into the new node; backward: only those the gradient
        // flows back along (to the inputs it reaches), arrows turned to point its way
        if (step.phase !== "backward") {{ p.classList.add("hot"); lit.push(p); }}
        else if (to[p.dataset.tail] || mine[p.dataset.tail]) {{
          p.classList.add("hot", "back");
          lit.push(p);
        }}
      }});
    }});
    step.to.forEach(function (id) {{
      groups[id].classList.add("receiving");
      lit.push(groups[id]);
    }});
    if (lit.length) follow(lit[0]);
    root.dataset.step = current;
    slider.value = current;
    root.querySelector(".mgl-text").textContent = steps[current].text;
    root.querySelector(".mgl-counter").textContent = "step " + current + " / " + (steps.length - 1);
    root.querySelector(".mgl-phase").textContent = steps[current].phase;
  }}
  var view = root.querySelector(".mgl-view");
  function follow(el) {{  // scroll the view (not the page) so the lit node is in sight
    var v = view.getBoundingClientRect(), r = el.getBoundingClientRect();
    if (r.left < v.left || r.right > v.right)
      view.scrollLeft += (r.left + r.right - v.left - v.right) / 2;
    if (r.top < v.top || r.bottom > v.bottom)
      view.scrollTop += (r.top + r.bottom - v.top - v.bottom) / 2;
  }}
  function pause() {{
    if (timer) {{ clearInterval(timer); timer = null; }}
    playButton.innerHTML = "&#9654; play";
  }}
  function play() {{
    if (timer) {{ pause(); return; }}
    if (current === steps.length - 1) show(0);
    playButton.innerHTML = "&#10074;&#10074; pause";
    timer = setInterval(function () {{
      if (current >= steps.length - 1) pause(); else show(current + 1);
    }}, 700);
  }}
  root.querySelector("[data-action=prev]").onclick = function () {{ pause(); show(current - 1); }};
  root.querySelector("[data-action=next]").onclick = function () {{ pause(); show(current + 1); }};
  playButton.onclick = play;
  slider.oninput = function () {{ pause(); show(parseInt(slider.value, 10)); }};
  {keys}.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowRight") {{ pause(); show(current + 1); e.preventDefault(); }}
    else if (e.key === "ArrowLeft") {{ pause(); show(current - 1); e.preventDefault(); }}
    else if (e.key === "Home") {{ pause(); show(0); e.preventDefault(); }}
    else if (e.key === "End") {{ pause(); show(steps.length - 1); e.preventDefault(); }}
    else if (e.key === " " && e.target.tagName !== "BUTTON") {{ play(); e.preventDefault(); }}
  }});
  current = -1;  // nothing applied yet
  show(0);
}})();"""


def chain_rule_steps(root: Value, names: Mapping[Value, str]) -> list[str]:
    """The backward pass from root as the stepper writes it, one line per input reached:
    `a.grad += c.grad × b = 1 × -2 = -2`; each Value called by its name in names, else
    by its label, else t1, t2, ..."""
    values = topological_order([root])
    unnamed = (f"t{k}" for k in itertools.count(1))
    name = {v: names.get(v) or v.label or next(unnamed) for v in values}
    steps = _steps(root, values, name)
    return [
        line for step in steps if step["phase"] == "backward" for line in step["text"].split("\n")
    ]
