"""Step through a graph's forward pass and then its backward pass, one node at a time.

    from micrograd_lite.viz import stepper
    steps = stepper(L)       # in Jupyter, the cell shows the page itself
    steps.save("steps.html") # a standalone page: no network, no kernel

The page has previous / play / next buttons, a slider and the arrow keys. Going forward,
each operation's result appears in its box; going backward, each gradient does, with the
chain-rule step beside the graph: `a.grad += c.grad × b = 1 × -3 = -3`. That text is the
operation's `maths=` (its derivative as a learner writes it), run on the numbers shown; the
number after the last `=` is always what the rule (`op.rule`) computed, and where the two
differ (relu's kink at nan, 0 ** 0) the step says so: `(the rule at this edge)`. The steps
come from `steps.py`. Graphviz lays the graph out once; a step changes only texts and
colours, so a walk of a thousand steps costs one layout.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

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
from micrograd_lite.viz.steps import steps_of
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
        """Step through `root`'s forward and backward passes in Jupyter or a saved page.

        `names` maps a name to a Value (or to lists and dicts of them) to label it, as for
        `draw_dot`; `model` names its parameters as `model.named_parameters()` does;
        `rankdir` is the direction the graph runs ("LR", "TB", "RL", "BT"); `max_nodes` the
        most Values drawn before refusing; `timeout` the seconds Graphviz may take to lay the
        graph out (once). The gradients shown are a fresh backward pass: no `.grad` changes.
        """
        check_rankdir(rankdir)
        timeout = check_timeout(timeout)
        drawing = build(root, names=names, model=model, max_nodes=max_nodes)
        values = [v for v in drawing.boxes_of]  # parents first, as build adds them
        self.index = {v: i for i, v in enumerate(values)}
        self.name = _display_names(drawing, values)
        self.steps: list[dict[str, Any]] = steps_of(root, values, self.name)
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


#: `stepper(root, ...)` makes a Stepper: its arguments are Stepper's, each said there.
stepper = Stepper


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
