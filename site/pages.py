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


NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

LANDING = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>micrograd_lite in your browser</title>
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
    return LANDING.format(walkthroughs="\n".join(items))


STEPPER = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>micrograd_lite: forward and backward, step by step</title>
<style>
  body {{ font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #212529; }}
  p {{ max-width: 760px; line-height: 1.5; }}
</style>
</head>
<body>
<p><a href="./">← micrograd_lite in the browser</a></p>
<h1>Forward and backward, step by step</h1>
<p>A neuron, o = tanh(x1·w1 + x2·w2 + b). Going forward, each operation's result appears
in its box; going backward, each gradient does, with the chain-rule step above the graph.
Press next or play, drag the slider, or use the arrow keys (Home and End jump to the
ends).</p>
{widget}
</body>
</html>
"""


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
    widget = stepper(neuron()).fragment(keys_on_page=True)
    (site / "stepper.html").write_text(STEPPER.format(widget=widget), encoding="utf-8")
    print(f"wrote {site / 'index.html'} and {site / 'stepper.html'}")
