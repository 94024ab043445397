"""What the visualiser draws for a graph of Values: the boxes, edges and labels, before
any Graphviz (`drawing.py` writes this as DOT; `svg.py` draws it from a layout).

Every Value is a box with its label, data and grad; every operation an ellipse with its
symbol. A Python number in an expression is not a box of its own: it is written into the
operation that uses it (`* 0.5`, `** 2`), so a graph shows each constant where it is used
instead of hundreds of "const" boxes. `collapse=` draws a model's neurons or layers (or
named matrices) as single boxes.

A Value used far apart in the graph (a weight used by every term of a loss written
`loss += ...`) is written by name into each distant operation (`w * 0.3`), or, if it has
no name, drawn again, dashed, beside that use. Its edges would otherwise cross the whole
graph, and Graphviz's layout time grows much faster than the number of such long edges:
a 100-term `x*x + x*x + ...` took over a minute drawn with edges from one `x` box, and
takes a tenth of a second drawn this way.

Box names come from the order of the walk over the graph, never from `id()`, so the same
graph gives byte-identical DOT (and SVG) in every process.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from micrograd_lite.engine import Value
from micrograd_lite.viz.dot import TOO_SLOW, TOO_SLOW_COLLAPSED

if TYPE_CHECKING:
    from micrograd_lite.nn import Module

__all__ = [
    "COLOURS",
    "DEFAULT_MAX_NODES",
    "Box",
    "Drawing",
    "build",
    "fields",
    "grad_shown",
    "group_outputs",
    "neurons_of",
    "number",
    "operation_text",
    "printable",
]

DEFAULT_MAX_NODES = 2000

#: How many ranks an edge may span before its tail is drawn again beside its head.
MAX_SPAN = 3

#: Above this many Values, an operation is written at the head of its result's box
#: rather than drawn as an ellipse: half the boxes, and Graphviz's layout time grows
#: faster than the number of boxes (2,000 Values: 20-40 s with ellipses, 1-3 s without).
ELLIPSES_UP_TO = 1000

#: fill colours, also the legend in docs/visualiser.md
COLOURS = {
    "parameter": "#cfe2ff",  # leaf that requires grad
    "input": "#e9ecef",  # leaf that does not (inputs)
    "output": "#d1e7dd",  # the root
    "intermediate": "#ffffff",
    "group": "#e2d9f3",  # a collapsed neuron or layer
    "op": "#ffffff",
    "current": "#ffe69c",  # the node being visited
}


@dataclass
class Box:
    """One thing drawn: a Value's box, an operation's ellipse, or a collapsed group."""

    id: str
    kind: str  # a key of COLOURS
    label: str  # a Value's name, an operation's symbol, a group's name
    value: Value | None = None  # the Value shown (for an ellipse: the Value it makes)
    copy: bool = False  # a second drawing of a Value, beside a distant use
    members: list[Value] = field(default_factory=list)  # a group's Values
    # An operation's inputs written into its text instead of drawn as edges: numbers, and
    # named leaves used far from where they are drawn.
    written: dict[Value, str] = field(default_factory=dict)
    name: str = ""  # the Value's own name, when the operation heads its box


@dataclass
class Drawing:
    """Boxes and edges, before Graphviz places them; `boxes_of` finds a Value's boxes."""

    boxes: list[Box]
    edges: list[tuple[str, str]]
    boxes_of: dict[Value, list[str]]
    op_of: dict[Value, str]  # the ellipse that makes each Value (or its box, if no ellipses)
    ellipses: bool = True
    nodes: int = 0  # the Values below the root, constants included
    collapsed: bool = False  # whether neurons or layers are drawn as single boxes

    def advice(self) -> str:
        """What to try when Graphviz takes too long: nothing this drawing already does."""
        return TOO_SLOW_COLLAPSED if self.collapsed else TOO_SLOW

    def size(self) -> str:
        """How big the graph is, for messages: "a graph of 1946 nodes (2154 boxes)"."""
        return f"a graph of {self.nodes} nodes ({len(self.boxes)} boxes)"

    def graph_attributes(self, rankdir: str = "LR") -> dict[str, str]:
        """Graphviz settings: a big graph spends a tenth of the usual effort on crossings."""
        # mclimit=0.1: 2,000 Values of an MLP lay out in 3.4 s of CPU instead of 5.2 s.
        return {"rankdir": rankdir} if self.ellipses else {"rankdir": rankdir, "mclimit": "0.1"}


def build(
    root: Value,
    *,
    names: Mapping[str, Any] | None = None,
    model: Module | None = None,
    collapse: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Drawing:
    """Decide what is drawn for the graph below `root`: boxes, ellipses, groups, copies."""
    if collapse not in (None, "neuron", "layer", "matrix"):
        raise ValueError(f"collapse must be None, 'neuron', 'layer' or 'matrix', got {collapse!r}")
    if collapse in ("neuron", "layer") and model is None:
        raise ValueError("collapse= needs model=, the Module whose neurons or layers to collapse")
    named, matrix_of = _named(names)
    if collapse == "matrix" and not matrix_of:
        raise ValueError(
            "collapse='matrix' needs names= holding lists (or dicts) of Values, as "
            "names={'wte': wte, 'attn_wq': attn_wq}: each is drawn as one box"
        )
    nodes = _walk(root, max_nodes, collapse)
    ids = {node: f"v{i}" for i, node in enumerate(nodes)}
    name_of = {value: name for name, value in (model.named_parameters() if model else [])}
    name_of.update(named)
    constant = {n for n in nodes if _is_constant(n) and n not in name_of and n is not root}
    if collapse == "matrix":
        group_of = _matrix_groups(nodes, matrix_of)
    elif model is not None and collapse:
        group_of = _groups(nodes, model, collapse)
    else:
        group_of = {}
    ellipses = len(nodes) - len(group_of) <= ELLIPSES_UP_TO

    boxes: list[Box] = []
    edges: dict[tuple[str, str], None] = {}  # a dict keeps the order and drops repeats
    boxes_of: dict[Value, list[str]] = {}
    op_of: dict[Value, str] = {}
    groups: dict[str, Box] = {}

    def box_of(value: Value) -> str:
        key = group_of.get(value)
        return groups[key].id if key is not None else ids[value]

    for node in reversed(nodes):  # parents before children, so groups exist when used
        if node in constant:
            continue
        key = group_of.get(node)
        if key is not None:
            if key not in groups:
                groups[key] = Box(f"g{len(groups)}", "group", printable(key))
                boxes.append(groups[key])
            groups[key].members.append(node)
            for parent in node.parents:
                if parent not in constant and group_of.get(parent) != key:
                    edges[box_of(parent), groups[key].id] = None
            continue
        name = printable(name_of.get(node) or node.label)
        box = Box(ids[node], _kind(node, root), name, node)
        numbers = {p: number(p.data) for p in node.parents if p in constant}
        if node.op is not None and not ellipses:  # the operation heads the Value's box
            op_of[node] = ids[node]
            box.written, box.name = numbers, name
            box.label = operation_text(box, ellipse=False)
            for parent in node.parents:
                if parent not in constant:
                    edges[box_of(parent), ids[node]] = None
        elif node.op is not None:  # the ellipse first: boxes stay parents-first
            op_of[node] = ids[node] + "_op"
            ellipse = Box(op_of[node], "op", "", node, written=numbers)
            ellipse.label = operation_text(ellipse, ellipse=True)
            boxes.append(ellipse)
            for parent in node.parents:
                if parent not in constant:
                    edges[box_of(parent), op_of[node]] = None
            edges[op_of[node], ids[node]] = None
        boxes.append(box)
        boxes_of[node] = [ids[node]]
    drawing = Drawing(boxes, list(edges), boxes_of, op_of, ellipses, len(nodes), bool(group_of))
    _copy_distant_tails(drawing)
    # What is drawn counts, after collapsing: each Value's box or group's box, not the
    # ellipses beside them or the dashed copies of a box drawn again near a distant use.
    drawn = sum(1 for box in drawing.boxes if box.kind != "op" and not box.copy)
    if drawn > max_nodes:
        raise _too_many(drawn, max_nodes, drawing.collapsed)
    return drawing


def _too_many(drawn: int, max_nodes: int, collapsed: bool, at_least: str = "") -> ValueError:
    """The refusal of a drawing over max_nodes, with ways out that work from here."""
    collapse = (
        ""
        if collapsed
        else (", draw a model's neurons or layers as single boxes (model=, collapse='layer')")
    )
    return ValueError(
        f"the drawing has {at_least}{drawn} nodes (Values and collapsed groups), more than "
        f"max_nodes={max_nodes}; Graphviz would be slow to lay it out. Pass "
        f"max_nodes={drawn} to draw it anyway{collapse}, or draw a sub-expression"
    )


def _copy_distant_tails(drawing: Drawing) -> None:
    """Replace each edge spanning more than MAX_SPAN ranks by something local.

    A named leaf (`w`, `x`) is written by name into the distant operation (`w * 0.3`):
    no box at all. Anything else is drawn again, dashed, beside the distant use. A box
    sits one rank before its furthest-from-the-output use (Graphviz ranks it there, or
    further, to keep its edges short); `depth` is the longest path to the output.
    """
    heads: dict[str, list[str]] = {box.id: [] for box in drawing.boxes}
    waiting = dict.fromkeys(heads, 0)  # how many heads of each box have no depth yet
    for tail, head in drawing.edges:
        heads[tail].append(head)
        waiting[tail] += 1
    tails: dict[str, list[str]] = {box.id: [] for box in drawing.boxes}
    for tail, head in drawing.edges:
        tails[head].append(tail)
    depth: dict[str, int] = {}
    ready = [box_id for box_id, n in waiting.items() if n == 0]
    while ready:  # from the output towards the leaves, each box once all its heads are done
        box_id = ready.pop()
        depth[box_id] = max((depth[h] + 1 for h in heads[box_id]), default=0)
        for tail in tails[box_id]:
            waiting[tail] -= 1
            if waiting[tail] == 0:
                ready.append(tail)
    by_id = {box.id: box for box in drawing.boxes}
    edges: list[tuple[str, str]] = []
    for tail, head in drawing.edges:
        box = by_id[tail]
        if box.kind == "op" or depth[tail] - depth[head] <= MAX_SPAN:
            edges.append((tail, head))
            continue
        user = by_id[head]
        if box.kind in ("parameter", "input") and box.label and box.value is not None:
            user.written[box.value] = box.label
            user.label = operation_text(user, ellipse=user.kind == "op")
            continue
        copy_id = f"{tail}_{head}"
        drawing.boxes.append(
            Box(copy_id, box.kind, box.label, box.value, copy=True, members=box.members)
        )
        if box.value is not None and box.kind != "group":
            drawing.boxes_of[box.value].append(copy_id)
        edges.append((copy_id, head))
    drawing.edges = edges


def _groups(nodes: list[Value], model: Module, collapse: str) -> dict[Value, str]:
    """The group (a neuron's or a layer's name) each Value of a collapsed module is in.

    A neuron's call is its products `w_i * x_i`, their sum with the bias, and its
    activation; its parameters are inside its box too. The k-th call of every neuron of a
    layer is the layer's k-th call, as `Layer.__call__` calls each neuron once per input.
    """
    neurons = neurons_of(model)
    owner: dict[Value, tuple[str, Any]] = {}  # each parameter: its neuron's name and neuron
    for name, neuron in neurons:
        for p in [*neuron.w, neuron.b]:
            owner[p] = (name, neuron)
    consumers: dict[Value, list[Value]] = {}
    for node in nodes:
        for parent in node.parents:
            consumers.setdefault(parent, []).append(node)
    calls: dict[str, int] = {}
    group: dict[Value, str] = {}
    for node in reversed(nodes):  # parents first: each sum comes before its activation
        neuron = _called(node, owner)
        if neuron is None:
            continue
        name, neuron = owner[neuron.b]
        call = calls[name] = calls.get(name, -1) + 1
        if collapse == "layer":
            name = name.split(".neurons.")[0] if ".neurons." in name else ""
        key = f"{name or type(model).__name__} (call {call})"
        call_nodes = [node, *[p for p in node.parents if p.op is not None and p not in owner]]
        after = consumers.get(node, [])
        activation = after[0].op if len(after) == 1 else None
        if neuron.nonlin and activation is not None and activation.symbol == neuron.activation:
            call_nodes.append(after[0])
        for member in call_nodes:
            group[member] = key
        for p in [*neuron.w, neuron.b]:
            group.setdefault(p, key)  # the parameters go in the box of their first call
    if calls and max(calls.values()) == 0:  # one call each: "(call 0)" says nothing
        group = {v: k.rsplit(" (call ", 1)[0] for v, k in group.items()}
    return group


def _called(node: Value, owner: Mapping[Value, tuple[str, Any]]) -> Any:
    """The neuron whose call `node` is, or None: a neuron's call is the sum of its bias
    (first) and the products of its weights, `sum([b, w0 * x0, w1 * x1, ...])`. Anything
    else that uses a bias (an L2 term `b * b`) is not a call of it."""
    op, parents = node.op, node.parents
    if op is None or op.symbol not in ("sum", "+") or not parents or parents[0] not in owner:
        return None
    neuron = owner[parents[0]][1]
    if neuron.b is not parents[0]:
        return None
    weights = set(neuron.w)
    products = [p for p in parents[1:] if p.op is not None and p.op.symbol == "*"]
    if not products or not all(any(q in weights for q in p.parents) for p in products):
        return None
    return neuron


def _matrix_groups(nodes: list[Value], matrix_of: Mapping[Value, str]) -> dict[Value, str]:
    """Each matrix's box: its parameters, every product of one of them (`w * x`), and
    every sum of those products alone (a dot product's chain of `+`).

    A matrix used again on what its earlier use made (an RNN's weights at each time
    step, or every parameter named as one list) gets a box per use, `W (call 0)`,
    `W (call 1)`, as a layer does: one box for both would feed itself. The parameters
    are in the box of the first call.
    """
    group: dict[Value, tuple[str, int]] = {}
    # For each Value: the latest call of each matrix it was computed from.
    reached: dict[Value, dict[str, int]] = {}
    for node in reversed(nodes):  # parents first, so a sum sees its terms' group
        seen: dict[str, int] = {}
        for p in node.parents:
            for matrix, call in reached.get(p, {}).items():
                seen[matrix] = max(seen.get(matrix, -1), call)
        key = _matrix_call(node, matrix_of, group, reached)
        if key is not None:
            group[node] = key
            seen[key[0]] = max(seen.get(key[0], -1), key[1])
        if seen:
            reached[node] = seen
    calls: dict[str, int] = {}
    for matrix, call in group.values():
        calls[matrix] = max(calls.get(matrix, 0), call)
    return {
        node: f"{matrix} (call {call})" if calls[matrix] else matrix
        for node, (matrix, call) in group.items()
    }


def _matrix_call(
    node: Value,
    matrix_of: Mapping[Value, str],
    group: Mapping[Value, tuple[str, int]],
    reached: Mapping[Value, Mapping[str, int]],
) -> tuple[str, int] | None:
    """The matrix and the call of it that `node` belongs to, or None: a call after every
    call the node's other inputs were computed from."""
    if node in matrix_of:
        return matrix_of[node], 0
    op = node.op
    if op is None:
        return None
    parents = [p for p in node.parents if not _is_constant(p)]
    matrix = None
    if op.symbol == "*":
        owners = [matrix_of[p] for p in parents if p in matrix_of]
        matrix = owners[0] if owners else None
    elif op.symbol in ("+", "sum") and parents:
        names = {group[p][0] if p in group else None for p in parents}
        matrix = names.pop() if len(names) == 1 else None
    if matrix is None:
        return None
    call = 0
    for p in parents:
        if p in group and group[p][0] == matrix:
            call = max(call, group[p][1])
        else:
            call = max(call, reached.get(p, {}).get(matrix, -1) + 1)
    return matrix, call


def neurons_of(model: Module) -> list[tuple[str, Any]]:
    """Each neuron of an nn.Neuron, nn.Layer or nn.MLP with its `named_parameters` prefix."""
    from micrograd_lite import nn

    if isinstance(model, nn.Neuron):
        return [("", model)]
    if isinstance(model, nn.Layer):
        return [(f"neurons.{j}", n) for j, n in enumerate(model.neurons)]
    if isinstance(model, nn.MLP):
        return [
            (f"layers.{i}.neurons.{j}", n)
            for i, layer in enumerate(model.layers)
            for j, n in enumerate(layer.neurons)
        ]
    raise TypeError(
        f"collapse= works on nn.Neuron, nn.Layer and nn.MLP, got {type(model).__name__}"
    )


def fields(
    box: Box,
    grad_of: Any = None,
    show_data: bool = True,
    show_grad: bool = True,
) -> list[str]:
    """The lines a box shows: its label, then its data and grad (a group: its output's)."""
    grad_of = grad_of or grad_shown
    if box.kind == "group":
        outputs = group_outputs(box)
        lines = [box.label]
        if len(outputs) == 1:
            (out,) = outputs
            if show_data:
                lines.append(f"data {number(out.data)}")
            if show_grad:
                lines.append(f"grad {number(grad_of(out))}")
        elif not outputs:  # parameters only: a matrix read by index (an embedding)
            lines.append(f"{len(box.members)} parameters")
            if show_grad:
                g = max((abs(grad_of(m)) for m in box.members), default=0.0)
                lines.append(f"max |grad| {number(g)}")
        else:
            lines.append(f"{len(outputs)} outputs")
            if show_grad:
                g = max((abs(grad_of(o)) for o in outputs), default=0.0)
                lines.append(f"max |grad| {number(g)}")
        return [line for line in lines if line]
    assert box.value is not None
    lines = [box.label]
    if show_data:
        lines.append(f"data {number(box.value.data)}")
    if show_grad:
        lines.append(f"grad {number(grad_of(box.value))}")
    return [line for line in lines if line]


def grad_shown(v: Value) -> float:
    """A Value's `.grad` as drawn: None (no gradient yet, after `zero_grad(set_to_none=True)`)
    is drawn as 0."""
    return 0.0 if v.grad is None else v.grad


def group_outputs(box: Box) -> list[Value]:
    """The Values of a group that nothing else in the group uses: its neurons' outputs."""
    used = {p for m in box.members for p in m.parents}
    return [m for m in box.members if m.op is not None and m not in used]


def _walk(root: Value, max_nodes: int, collapse: str | None) -> list[Value]:
    """Every Value below root (constants too), each after all the Values that use it."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot takes a Value, got {type(root).__name__}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a whole number >= 1, got {max_nodes!r}")
    # One walk: the reverse post-order of a depth-first walk (every node before its
    # parents), counting as it goes what will get a box, so that a huge graph is refused
    # before anything is built.
    drawn = 1  # the root; each Value but an unnamed constant gets at least one box
    order: list[Value] = []
    done = {root}
    stack: list[tuple[Value, int]] = [(root, 0)]
    while stack:
        node, i = stack.pop()
        if i < len(node.parents):
            stack.append((node, i + 1))
            parent = node.parents[i]
            if parent not in done:
                done.add(parent)
                stack.append((parent, 0))
                drawn += not _is_constant(parent)
        else:
            order.append(node)
    if drawn > max_nodes and collapse is None:  # with collapse=, count once grouped
        raise _too_many(drawn, max_nodes, collapsed=False, at_least="at least ")
    order.reverse()
    return order


def _is_constant(node: Value) -> bool:
    """A Python number in an expression: an unnamed leaf that does not require grad."""
    return node.op is None and not node.requires_grad and not node.label


def operation_text(box: Box, *, ellipse: bool) -> str:
    """The operation's symbol with its written-in inputs, `* 0.5`, `2 **`, `x * x`; at
    the head of a box (no ellipse), followed by the Value's name: `* 0.5 → y`."""
    node = box.value
    op = node.op if node is not None else None
    assert node is not None  # an operation's text is that of a Value's operation
    assert op is not None
    symbol = op.symbol
    texts = [box.written.get(p) for p in node.parents]
    if all(t is None for t in texts):
        text = symbol
    elif len(texts) == 2:
        text = " ".join(t for t in (texts[0], symbol, texts[1]) if t is not None)
    else:
        text = f"{symbol} " + ", ".join(t for t in texts if t is not None)
    return text if ellipse or not box.name else f"{text} → {box.name}"


def _kind(node: Value, root: Value) -> str:
    if node is root:
        return "output"
    if node.op is None:
        return "parameter" if node.requires_grad else "input"
    return "intermediate"


def number(x: float) -> str:
    """Compact and the same everywhere: 4 significant digits, nan and inf spelt out."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.4g}"


def _named(names: object) -> tuple[dict[Value, str], dict[Value, str]]:
    """The name of each Value in `names`, which maps a name to a Value or to lists,
    tuples and dicts of them (`{"wte": wte}` names `wte[3][5]`); and, for each Value
    found inside a container, the name of its top-level entry (its matrix)."""
    if names is None:
        return {}, {}
    if not isinstance(names, Mapping):
        raise TypeError(
            f"names maps a name to a Value, e.g. names={{'w': w}} (or pass model=model), "
            f"got a {type(names).__name__}"
        )
    name_of: dict[Value, str] = {}
    matrix_of: dict[Value, str] = {}
    opened: set[int] = set()  # containers already read: a dict holding itself is read once
    for top, held in names.items():
        if not isinstance(top, str):
            raise TypeError(f"names maps a str to a Value, e.g. names={{'w': w}}; got {top!r}")
        stack: list[tuple[str, object]] = [(top, held)]
        while stack:
            name, item = stack.pop()
            if isinstance(item, Value):
                name_of.setdefault(item, name)
                if name != top:
                    matrix_of.setdefault(item, top)
            elif isinstance(item, (Mapping, list, tuple)) and id(item) in opened:
                continue
            elif isinstance(item, Mapping):
                opened.add(id(item))
                stack.extend((f"{name}.{k}", v) for k, v in reversed(list(item.items())))
            elif isinstance(item, (list, tuple)):
                opened.add(id(item))
                stack.extend((f"{name}[{i}]", v) for i, v in reversed(list(enumerate(item))))
            else:
                raise TypeError(
                    "names maps a str to a Value, or to lists, tuples or dicts of Values, "
                    f"e.g. names={{'w': w}}; got {name!r}: {type(item).__name__}"
                )
    return name_of, matrix_of


#: The longest label drawn whole; a longer one is cut, saying how long it was.
MAX_LABEL = 100
#: Characters no SVG file, and no Graphviz, can hold: control characters but tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def printable(text: str) -> str:
    """Text any page, file or Graphviz can hold: a lone surrogate (from bytes decoded with
    surrogateescape) or a control character (a NUL) is written as its escape, `\\udc80`,
    `\\x00`, instead of failing; a label too long to draw (20,000 characters) is cut to
    its first MAX_LABEL characters and its length."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if len(text) > MAX_LABEL:
        text = f"{text[:MAX_LABEL]}… ({len(text)} characters)"
    return text
