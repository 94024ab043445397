"""Draw a laid-out graph as SVG ourselves, so numbers and colours change without Graphviz.

Graphviz places the boxes once (`dot.layout`); `picture` draws them with the texts and
colours of the moment. The step-through page changes those texts in the browser, the
live view redraws the SVG in Python: neither lays the graph out again.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping

from micrograd_lite.viz.dot import DEFAULT_TIMEOUT, Layout, layout
from micrograd_lite.viz.graph import COLOURS, Box, Drawing

__all__ = ["LINE_HEIGHT", "image", "lay_out", "picture"]

LINE_HEIGHT = 14.0  # points per line of a box; 11-point text
FONT = "Helvetica, Arial, sans-serif"

#: the widest a number gets with 4 significant digits: boxes are laid out this wide
WIDEST_NUMBER = "-8.888e-888"


def lay_out(
    drawing: Drawing,
    texts: Callable[[Box], list[str]],
    rankdir: str = "LR",
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> Layout:
    """Let Graphviz place `drawing`'s boxes, each sized for `texts(box)` and any number."""
    lines = ["digraph g {", _attributes("graph", drawing.graph_attributes(rankdir))]
    lines.append('node [fontname="Helvetica" fontsize=11 margin="0.1,0.04"];')
    for box in drawing.boxes:
        if box.kind == "op":
            lines.append(f'"{box.id}" [shape=ellipse label="{_dot_text(box.label)}"];')
            continue
        rows = texts(box)
        widest = max([*rows, f"grad {WIDEST_NUMBER}"], key=len)
        label = "\\n".join([_dot_text(widest)] * len(rows))
        lines.append(f'"{box.id}" [shape=box label="{label}"];')
    edges = drawing.edges
    if drawing.collapsed:  # a layer's neurons 0, 1, 2 ... in order (Graphviz began at 10)
        made = {box.id: i for i, box in enumerate(drawing.boxes)}
        edges = sorted(edges, key=lambda edge: made[edge[1]])  # heads in the order made
        lines.append("ordering=out;")  # and each tail's edges kept in that order
    lines += [f'"{tail}" -> "{head}";' for tail, head in edges]
    lines.append("}")
    return layout("\n".join(lines), timeout=timeout, what=drawing.size(), advice=drawing.advice())


def picture(
    drawing: Drawing,
    placed: Layout,
    texts: Callable[[Box], list[str]],
    *,
    colour: Callable[[Box], str] | None = None,
    element_id: str = "",
) -> str:
    """The drawing as an SVG element: each box shows `texts(box)`, one line per item.

    Every box is a `<g id="<element_id>-<box id>">` and its lines `<tspan class="line-k">`,
    every edge a `<path data-tail=... data-head=...>`, so a script can find and change them.
    """
    colour = colour or (lambda box: COLOURS[box.kind])
    margin = 4.0
    out = [
        # sized in points, as Graphviz's own SVG: the layout is in points, so the picture
        # and its text come out the size draw_dot's do
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgl-graph" '
        f'width="{placed.width + 2 * margin:.0f}pt" height="{placed.height + 2 * margin:.0f}pt" '
        f'viewBox="{-margin} {-margin} {placed.width + 2 * margin:.0f} '
        f'{placed.height + 2 * margin:.0f}" font-family="{FONT}" font-size="11">',
        '<defs><marker id="mgl-arrow" viewBox="0 0 10 10" refX="1" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker>'
        # the same arrow at an edge's start, tip on the tail: a gradient flowing back
        '<marker id="mgl-arrow-back" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker></defs>',
    ]
    for tail, head, points in placed.edges:
        path = f"M {points[0][0]} {points[0][1]}" + "".join(
            f" C {a[0]} {a[1]} {b[0]} {b[1]} {c[0]} {c[1]}"
            for a, b, c in zip(points[1::3], points[2::3], points[3::3])
        )
        out.append(
            f'<path class="edge" data-tail="{tail}" data-head="{head}" d="{path}" '
            'fill="none" stroke="#555555" marker-end="url(#mgl-arrow)"/>'
        )
    for box in drawing.boxes:
        x, y, w, h = placed.boxes[box.id]
        group_id = f"{element_id}-{box.id}" if element_id else box.id
        fill = colour(box)
        out.append(f'<g id="{html.escape(group_id)}" class="box {box.kind}">')
        if box.kind == "op":
            out.append(
                f'<ellipse cx="{x}" cy="{y}" rx="{w / 2}" ry="{h / 2}" fill="{fill}" '
                'stroke="#333333"/>'
            )
        else:
            dash = ' stroke-dasharray="4 2"' if box.copy else ""
            out.append(
                f'<rect x="{x - w / 2}" y="{y - h / 2}" width="{w}" height="{h}" rx="3" '
                f'fill="{fill}" stroke="#333333"{dash}/>'
            )
        lines = texts(box)
        top = y - LINE_HEIGHT * len(lines) / 2
        for k, line in enumerate(lines):
            baseline = top + LINE_HEIGHT * k + LINE_HEIGHT * 0.75
            out.append(
                f'<text x="{x}" y="{baseline:.2f}" text-anchor="middle">'
                f'<tspan class="line-{k}">{html.escape(line)}</tspan></text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def _attributes(kind: str, attributes: Mapping[str, str]) -> str:
    return f"{kind} [" + " ".join(f'{k}="{v}"' for k, v in attributes.items()) + "];"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def image(svg: str, alt: str) -> str:
    """An SVG as an HTML `<img>` holding it (a data URL): a picture that needs no script
    and no trust, so an untrusted notebook in JupyterLab shows it where it drops `<svg>`."""
    start = svg.index("<svg")
    if "xmlns=" not in svg[start : svg.index(">", start)]:  # an image's SVG names its namespace
        svg = f'{svg[:start]}<svg xmlns="http://www.w3.org/2000/svg"{svg[start + 4 :]}'
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{encoded}">'
