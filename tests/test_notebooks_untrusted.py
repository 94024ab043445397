"""The walkthroughs as a learner first sees them: opened untrusted in a real JupyterLab.

JupyterLab shows no SVG output of a notebook it does not trust (a fresh clone's) and
runs none of its scripts, but it shows an HTML `<img>`; so every graph is stored with
such an image too. Nothing is run: the server, headless Chromium and the stored outputs.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytest.importorskip("jupyterlab", reason="jupyterlab is in the dev set")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev set")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (make test installs it)")

TOKEN = "micrograd-lite-test"
#: How long the server may take to start on a busy machine: a guard, not a measure.
START_GUARD = 120.0


def stored_graphs(path: Path) -> int:
    """How many of a walkthrough's stored outputs are drawings (an SVG)."""
    notebook = json.loads(path.read_text())
    return sum(
        "image/svg+xml" in output.get("data", {})
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )


WALKTHROUGHS = [p for p in sorted((ROOT / "notebooks").glob("*.ipynb")) if stored_graphs(p)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A JupyterLab serving copies of the walkthroughs, with a home of its own: nothing
    has ever trusted them."""
    home = tmp_path_factory.mktemp("home")
    folder = tmp_path_factory.mktemp("walkthroughs")
    for path in WALKTHROUGHS:
        shutil.copy(path, folder / path.name)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        f"--ServerApp.token={TOKEN}",
        f"--ServerApp.root_dir={folder}",
    ]
    if os.geteuid() == 0:  # a container's root: JupyterLab refuses unless told
        command.append("--allow-root")
    server = subprocess.Popen(
        command,
        env={**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_GUARD
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=5)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("JupyterLab did not start")
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


@pytest.mark.parametrize("path", WALKTHROUGHS, ids=[p.stem for p in WALKTHROUGHS])
def test_every_stored_graph_shows_untrusted(lab: str, browser: Any, path: Path) -> None:
    """Each drawing is a picture, not `<...Digraph object at 0x...>`, without running."""
    page = browser.new_page(viewport={"width": 1200, "height": 20000})
    page.goto(f"{lab}/lab/workspaces/{path.stem}/tree/{path.name}?reset&token={TOKEN}")
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    pictures = panel.locator('.jp-OutputArea-output img[src^="data:image/svg+xml"]')
    expected = stored_graphs(path)
    deadline = time.monotonic() + START_GUARD
    while pictures.count() < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    assert pictures.count() == expected
    assert all(pictures.nth(k).evaluate("img => img.naturalWidth > 0") for k in range(expected))
    text = panel.locator(".jp-OutputArea-output").all_inner_texts()
    assert not any("Digraph" in t for t in text)
    page.close()
