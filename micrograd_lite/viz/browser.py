"""Lay graphs out in a web browser: Graphviz compiled to WebAssembly, called from Python.

In a browser (Pyodide, as in the offline site `make site` builds) there is no program to
run, so `dot.run_dot` comes here instead. The site ships Graphviz as WebAssembly (the
npm package `@viz-js/viz`: one JavaScript module with the WebAssembly inside) at
`<site>/static/viz/viz.js`. Loading it is asynchronous; the first layout waits for it
with Pyodide's `run_sync`, so `draw_dot`, the stepper and the live view stay ordinary
calls. Nothing here is imported outside a browser.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["VIZ_PATH", "run_dot"]

#: where the site keeps Graphviz's WebAssembly module, from the site's root
VIZ_PATH = "static/viz/viz.js"
#: the formats Graphviz in WebAssembly writes, of those the visualiser asks for
FORMATS = frozenset({"svg", "plain"})

_viz: Any = None  # the loaded Graphviz, once


def run_dot(source: str, fmt: str) -> bytes:
    """`dot -T<fmt>` on `source`, in WebAssembly, as `dot.run_dot` returns it."""
    import js  # type: ignore[import-not-found]  # Pyodide's bridge to JavaScript
    from pyodide.ffi import to_js  # type: ignore[import-not-found]

    if fmt not in FORMATS:
        raise ValueError(
            f"in a browser, Graphviz writes svg (and plain), not {fmt}: render to an .svg file"
        )
    options = to_js({"format": fmt, "engine": "dot"}, dict_converter=js.Object.fromEntries)
    result = _graphviz().render(source, options)
    if result.status != "success":
        messages = "; ".join(str(error.message) for error in result.errors)
        raise RuntimeError(f"Graphviz (WebAssembly) failed: {messages}")
    return str(result.output).encode("utf-8")


def _graphviz() -> Any:
    """Graphviz's WebAssembly module, loaded the first time it is needed."""
    global _viz
    if _viz is None:
        from pyodide.ffi import can_run_sync, run_sync

        if not can_run_sync():
            raise RuntimeError(
                "Graphviz (WebAssembly) is not loaded yet, and this browser cannot wait "
                "for it inside a call: run `await micrograd_lite.viz.browser.load()` once"
            )
        run_sync(load())
    return _viz


async def load() -> Any:
    """Load Graphviz's WebAssembly module from the site (once) and return it."""
    global _viz
    if _viz is None:
        from pyodide.code import run_js  # type: ignore[import-not-found]

        module = await run_js(f"import({json.dumps(_viz_url())})")
        _viz = await module.instance()
    return _viz


def _viz_url() -> str:
    """viz.js's address. The kernel runs in a worker whose address is
    <site>/extensions/<the kernel's files>; on a page, the page's folder is the site."""
    import js

    here = str(js.location.href)
    cut = here.find("/extensions/")
    root = here[: cut + 1] if cut >= 0 else here.rsplit("/", 1)[0] + "/"
    return str(js.URL.new(VIZ_PATH, root).href)
