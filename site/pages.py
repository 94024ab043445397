"""Write the site's own pages and its copies of the walkthroughs.

    python site/pages.py dist/site              # the landing page and the stepper page
    python site/pages.py --notebooks FOLDER     # the walkthroughs (and 09's solutions),
                                                # for `jupyter lite build`

The landing page lists every walkthrough by its title, each opened in place. The stepper
page is the library's stepper (`Stepper.fragment`) on the lecture's neuron, with a
heading: it needs no Python in the browser. The walkthroughs are copied with each stored
output's text as one string, not a list of lines, which JupyterLite shows joined by commas.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

from micrograd_lite import Value
from micrograd_lite.viz import stepper


def neuron() -> Value:
    """o = tanh(x1*w1 + x2*w2 + b), named as the lecture names its pieces."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1w1", "x2w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def site_head(root: str = "") -> str:
    """What every page's <head> holds: the favicon, and site/needs-server.js, the note a
    page opened from a folder (file://) shows. `root` leads from the page to the site's
    root ("../" for a page one folder down)."""
    return (
        f'<link rel="icon" href="{root}favicon.svg" type="image/svg+xml">\n'
        f'<script src="{root}needs-server.js"></script>'
    )


def include_the_note_in_jupyterlite(site: Path) -> None:
    """JupyterLite's own pages (lab/, notebooks/, tree/, ...) include the note too."""
    for page in sorted(site.glob("*/index.html")):
        text = page.read_text(encoding="utf-8")
        if "needs-server.js" not in text and "<head>" in text:
            head = site_head("../").split("\n")[1]  # JupyterLite keeps its own icon
            page.write_text(text.replace("<head>", f"<head>\n{head}", 1), encoding="utf-8")


NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

LANDING = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>micrograd_lite in your browser</title>
{head}
<!-- JupyterLite's apps read the site's configuration from the root page: keep it here -->
<script id="jupyter-config-data" type="application/json" data-jupyter-lite-root=".">
{{}}
</script>
<style>
  body {{ font-family: Helvetica, Arial, sans-serif; max-width: 760px; margin: 32px auto;
         padding: 0 16px; color: #212529; line-height: 1.55; }}
  li {{ margin: 4px 0; }}
  .note {{ color: #555; }}
</style>
</head>
<body>
<h1>micrograd_lite in your browser</h1>
<p>micrograd_lite is a small scalar autograd engine for learning how backpropagation works:
build an expression from <code>Value</code>s, call <code>backward()</code>, read each
<code>.grad</code>, with the numbers PyTorch gives. Here it runs in this browser, with
nothing to install: Python compiled to WebAssembly (Pyodide), the library, the
walkthroughs and Graphviz are all on this site, and nothing is fetched from anywhere else.</p>
<p class="note">The first start takes a while (Python loads, about 40 MB in all); later
starts come from the browser's cache. A walkthrough runs cell by cell with Shift+Enter, or
all at once from the Run menu.</p>
<h2>Walkthroughs</h2>
<ol>
{walkthroughs}
</ol>
<p>All of them in <a href="lab/index.html">JupyterLab</a>.</p>
<h2>Without a notebook</h2>
<ul>
  <li><a href="playground.html">Playground</a>: choose the data (or click your own points),
  the network and how it trains, and watch it learn; the address keeps the setup, to share.</li>
  <li><a href="stepper.html">Forward and backward, step by step</a>: a neuron,
  o = tanh(x1·w1 + x2·w2 + b), each operation and each chain-rule step in turn.</li>
  <li><a href="live.html">Watch a network train</a>: its layers, its loss and its
  decision boundary, redrawn at every step.</li>
  <li><a href="check.html">Check your own Value class</a>: paste the engine you wrote
  along the lecture, and see which ops are right, and for a wrong one the smallest graph
  that shows it.</li>
</ul>
</body>
</html>
"""


def landing() -> str:
    """The landing page, linking every walkthrough under the title its first cell gives."""
    items = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        first = "".join(json.loads(path.read_text())["cells"][0]["source"]).splitlines()[0]
        title = re.sub(r"^\d+\.\s*", "", first.lstrip("# ").replace("`", ""))  # <ol> numbers
        items.append(
            f'  <li><a href="notebooks/index.html?path={path.name}">{html.escape(title)}</a></li>'
        )
    return LANDING.format(walkthroughs="\n".join(items), head=site_head())


STEPPER = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>micrograd_lite: forward and backward, step by step</title>
{head}
<style>
  body {{ font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #212529; }}
  p {{ max-width: 760px; line-height: 1.5; }}
  #expression {{ display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: end;
                margin: 12px 0 4px; }}
  #expression label {{ display: flex; flex-direction: column; font-size: 13px; color: #495057; }}
  #expression input {{ font: 15px Menlo, Consolas, monospace; padding: 5px 8px; }}
  #expression button {{ font-size: 15px; padding: 5px 14px; }}
  #message {{ min-height: 1.5em; margin: 4px 0 10px; color: #555; }}
  #message.error {{ color: #c92a2a; font-family: Menlo, Consolas, monospace;
                   white-space: pre-wrap; }}
</style>
</head>
<body>
<p><a href="./">← micrograd_lite in the browser</a></p>
<h1>Forward and backward, step by step</h1>
<p>Going forward, each operation's result appears in its box; going backward, each
gradient does, with the chain-rule step above the graph. Press next or play, drag the
slider, or use the arrow keys (Home and End jump to the ends). It starts on the lecture's
neuron, o = tanh(x1·w1 + x2·w2 + b); write your own expression and its numbers to step
through it instead.</p>
<form id="expression" autocomplete="off">
  <label>Expression <input id="expr" name="expr" size="34" spellcheck="false"
    value="tanh(x1*w1 + x2*w2 + b)"></label>
  <label>Its numbers <input id="numbers" name="numbers" size="44" spellcheck="false"
    value="x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432"></label>
  <button type="submit" id="step-it">Step through it</button>
</form>
<p id="message" role="status">Write numbers, names, + - * / **, and functions such as tanh,
exp, log or relu; give every name a number, as in x=2.</p>
<div id="widget">{widget}</div>
<script type="text/python" id="python">
{python}
</script>
<script type="module">
{script}
</script>
</body>
</html>
"""

#: The stepper page's Python: the command line's reader builds the learner's expression
#: from Values (it parses the text and walks it: nothing typed is run as Python).
STEPPER_PYTHON = """
import json
from argparse import ArgumentTypeError

from micrograd_lite import Value
from micrograd_lite.__main__ import evaluate, parse_var
from micrograd_lite.viz import stepper

#: the command line's words for the numbers, in the page's words
WORDS = [
    ("--var takes NAME=NUMBER", "write each number as NAME=NUMBER"),
    ("is a --var, not a function", "is one of the numbers, not a function"),
    ("--var names", "names given numbers"),
    ("use a name given with --var NAME=NUMBER", "use a name, and give it a number, as in x=2"),
    ("give it with --var", "give it a number in the numbers box, as in"),
    ("--var ", ""),
]


def in_page(message):
    for said, meant in WORDS:
        message = message.replace(said, meant)
    return message


def step_through(expression, items):
    \"\"\"The stepper's widget for the expression, or what to write instead, as JSON.\"\"\"
    try:
        variables = {}
        for item in items:
            name, number = parse_var(item)
            if name in variables:
                raise ValueError(f"{name} is given two numbers: give it one")
            variables[name] = Value(number, label=name)
        if not items:
            raise ValueError("give every name in the expression a number, as in x=2, w=-3")
        out = evaluate(expression, variables)
        out.label = "out"
        out.backward()
        widget = stepper(out).fragment(keys_on_page=False)
    except (ValueError, ArgumentTypeError, RuntimeError) as error:
        return json.dumps({"error": in_page(str(error))})
    return json.dumps({"widget": widget, "out": out.data})
"""

#: The stepper page's script: the URL's setup into the boxes, Python started at once (the
#: neuron is on the page meanwhile), the learner's expression stepped when they ask.
STEPPER_SCRIPT = """
const form = document.getElementById("expression");
const exprBox = document.getElementById("expr"), numbersBox = document.getElementById("numbers");
const message = document.getElementById("message"), holder = document.getElementById("widget");

function say(text, isError) {
  message.textContent = text;
  message.className = isError ? "error" : "";
}

// The URL's hash, read here and not by URLSearchParams, which reads "+" as a space:
// #expr=tanh(x*w+b)&x=2&w=-3 works as written.
function decode(text) {
  try { return decodeURIComponent(text); } catch (error) { return text; }
}
function fromHash() {
  let expr = null;
  const numbers = [];
  for (const part of location.hash.slice(1).split("&")) {
    if (!part) continue;
    const at = part.indexOf("=");
    const key = decode(at < 0 ? part : part.slice(0, at));
    const value = at < 0 ? "" : decode(part.slice(at + 1));
    if (key === "expr" && expr === null) expr = value;
    else numbers.push(key + "=" + value);
  }
  return expr === null ? null : { expr, numbers };
}
function encode(text) {  // readable: + / , and = stay as they are
  return encodeURIComponent(text).replace(/%2B/g, "+").replace(/%2F/g, "/")
    .replace(/%2C/g, ",").replace(/%3D/g, "=");
}
function items(text) {  // "x=2, w = -3" -> ["x=2", "w=-3"]
  return text.trim().replace(/\\s*=\\s*/g, "=").split(/[,;\\s]+/).filter(Boolean);
}

// The arrow keys step the widget from anywhere on the page, except while typing.
document.addEventListener("keydown", (event) => {
  if (event.target.closest && event.target.closest("form, .mgl-stepper")) return;
  const widget = holder.querySelector(".mgl-stepper");
  if (!widget) return;
  const copy = new KeyboardEvent("keydown", { key: event.key, cancelable: true });
  widget.dispatchEvent(copy);
  if (copy.defaultPrevented) event.preventDefault();
});

let python = null;
function startPython() {
  python = python || (async () => {
    // Graphviz's WebAssembly is fetched while Python starts (the same module, later)
    import("./static/viz/viz.js").catch(() => {});
    const { loadPyodide } = await import("./static/pyodide/pyodide.mjs");
    const pyodide = await loadPyodide({
      indexURL: new URL("./static/pyodide/", location.href).href,
      packages: ["micrograd_lite"],
    });
    await pyodide.runPythonAsync("import micrograd_lite.viz.browser as b; await b.load()");
    pyodide.runPython(document.getElementById("python").textContent);
    return pyodide.globals.get("step_through");
  })();
  return python;
}

async function stepThrough(expr, numbers) {
  exprBox.value = expr;
  numbersBox.value = numbers.join(", ");
  const started = performance.now();
  if (!(await Promise.race([python, Promise.resolve(false)]))) say("Starting Python…");
  let stepThroughIt;
  try {
    stepThroughIt = await startPython();
  } catch (error) {
    say("Python could not start here: " + error, true);
    return;
  }
  const result = JSON.parse(stepThroughIt(expr, numbers));
  if (result.error) {
    say(result.error, true);
    return;
  }
  holder.innerHTML = result.widget;
  for (const old of holder.querySelectorAll("script:not([type])")) {  // run its script
    const script = document.createElement("script");
    script.textContent = old.textContent;
    old.replaceWith(script);
  }
  const hash = "#expr=" + encode(expr) + numbers.map((n) => "&" + encode(n)).join("");
  if (location.hash !== hash) history.replaceState(null, "", hash);
  const last = holder.querySelector(".mgl-stepper input[type=range]").max;
  const took = ((performance.now() - started) / 1000).toFixed(1);
  say(`out = ${result.out}, in ${last} steps forward and backward (ready in ${took} s)`);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  stepThrough(exprBox.value, items(numbersBox.value));
});
function fromUrl() {
  const setup = fromHash();
  if (setup) stepThrough(setup.expr, setup.numbers);
}
window.addEventListener("hashchange", fromUrl);
fromUrl();
startPython().catch(() => {});
"""


def stepper_page() -> str:
    """The stepper page: the neuron's widget at once, and a box for the learner's own."""
    return STEPPER.format(
        head=site_head(),
        widget=stepper(neuron()).fragment(keys_on_page=False),
        python=STEPPER_PYTHON.strip(),
        script=STEPPER_SCRIPT.strip(),
    )


def copy_notebooks(folder: Path) -> None:
    """The walkthroughs into `folder`, each stored output's text joined into one string,
    and the files beside them that they name (09's solutions)."""
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py")):
        (folder / path.name).write_text(path.read_text(), encoding="utf-8")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        for cell in notebook["cells"]:
            for output in cell.get("outputs", []):
                if isinstance(output.get("text"), list):
                    output["text"] = "".join(output["text"])
                for kind, value in output.get("data", {}).items():
                    if isinstance(value, list):
                        output["data"][kind] = "".join(value)
        (folder / path.name).write_text(json.dumps(notebook, indent=1), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1] == "--notebooks":
        copy_notebooks(Path(sys.argv[2]))
        sys.exit()
    site = Path(sys.argv[1])
    (site / "index.html").write_text(landing(), encoding="utf-8")
    (site / "stepper.html").write_text(stepper_page(), encoding="utf-8")
    include_the_note_in_jupyterlite(site)
    print(f"wrote {site / 'index.html'} and {site / 'stepper.html'}")
