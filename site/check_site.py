"""Checks on a built site: the lock's wheels are there with their hashes, the kernel
loads the site's own Pyodide and no other package index, no configuration names an
outside address, and the site's own pages are in place.

    python site/check_site.py dist/site      # (site/build.sh runs it)
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any


def check(site: Path) -> str:
    pyodide = site / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    for entry in lock["packages"].values():
        wheel = pyodide / entry["file_name"]
        assert wheel.is_file(), f"the lock names {wheel}, which is not there"
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert digest == entry["sha256"], f"{wheel} has another hash than the lock's"
    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs", kernel
    assert kernel.get("disablePyPIFallback") is True, kernel
    for path in site.rglob("jupyter-lite.json"):
        outside = re.findall(r"https?://[^\"' ]+", path.read_text())
        assert not outside, (path, outside)
    index = json.loads((site / "pypi" / "all.json").read_text())
    assert "micrograd-lite" in index or "micrograd_lite" in index, sorted(index)
    for page in (
        "index.html",
        "stepper.html",
        "live.html",
        "playground.html",
        "check.html",
        "playground.py",
        "static/viz/viz.js",
    ):
        assert (site / page).is_file(), f"{page} is missing"
    notebooks = Path(__file__).resolve().parent.parent / "notebooks"
    for notebook in [*notebooks.glob("*.ipynb"), *notebooks.glob("[0-9][0-9]_*.py")]:
        assert (site / "files" / notebook.name).is_file(), f"{notebook.name} is missing"
    check_handout(site, lock["packages"], kernel)
    return f"site checked: {len(lock['packages'])} wheels in the lock, the pages in place"


def check_handout(site: Path, packages: dict[str, Any], kernel: dict[str, Any]) -> None:
    """What lets the site be handed out: the wheels Pyodide loads as the kernel starts are
    in the lock, and every page (the site's own and JupyterLite's) includes the note a
    page opened from a folder shows, beside the favicon."""
    for name in kernel.get("loadPyodideOptions", {}).get("packages", []):
        key = re.sub(r"[-_.]+", "-", name).lower()
        assert key in packages, f"the kernel starts with {name}, which the lock lacks"
    for file in ("favicon.svg", "needs-server.js"):
        assert (site / file).is_file(), f"{file} is missing"
    for page in [*site.glob("*.html"), *site.glob("*/index.html")]:
        text = page.read_text(encoding="utf-8")
        assert "needs-server.js" in text, f"{page.relative_to(site)} lacks needs-server.js"


if __name__ == "__main__":
    print(check(Path(sys.argv[1])))
