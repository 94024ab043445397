"""The walkthroughs as a learner first sees them: opened in a real JupyterLab.

A fresh clone's notebooks are untrusted: JupyterLab shows none of their SVG outputs and
runs none of their scripts, but it shows an HTML `<img>`. So every picture (a graph, the
stepper's last step, the live view) is stored as such an image too, and the stepper's
script swaps its widget in where scripts may run. Nothing is run here but the server,
headless Chromium and, for a trusted notebook, the stored outputs' own scripts.
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


def stored_pictures(path: Path) -> int:
    """How many pictures a walkthrough's stored outputs show as an `<img>` of an SVG."""
    notebook = json.loads(path.read_text())
    return sum(
        "".join(output.get("data", {}).get("text/html", "")).count(PICTURE)
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )


def widgets_without_picture(path: Path) -> int:
    """How many stored steppers and live views carry no picture a page shows untrusted."""
    notebook = json.loads(path.read_text())
    pages = [
        "".join(output.get("data", {}).get("text/html", ""))
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    ]
    return sum(("mgl-stepper" in p or "mgl-live" in p) and PICTURE not in p for p in pages)


PICTURE = 'src="data:image/svg+xml;base64,'
WALKTHROUGHS = [p for p in sorted((ROOT / "notebooks").glob("*.ipynb")) if stored_pictures(p)]
STEPPER = ROOT / "notebooks" / "07_inside_backward.ipynb"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(folder: Path, home: Path) -> Iterator[str]:
    """A JupyterLab serving `folder`, with `home` as its home (its own trust database)."""
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
        env={**os.environ, **lab_home(home)},
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


def lab_home(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
    }


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Copies of the walkthroughs, with a home of their own: nothing has trusted them."""
    folder = tmp_path_factory.mktemp("walkthroughs")
    for path in WALKTHROUGHS:
        shutil.copy(path, folder / path.name)
    yield from serve(folder, tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def trusted_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The stepper's walkthrough, trusted as `make lab` trusts it (`jupyter trust`)."""
    folder, home = tmp_path_factory.mktemp("trusted"), tmp_path_factory.mktemp("home")
    shutil.copy(STEPPER, folder / STEPPER.name)
    subprocess.run(
        [sys.executable, "-m", "jupyter", "trust", str(folder / STEPPER.name)],
        env={**os.environ, **lab_home(home)},
        check=True,
        capture_output=True,
    )
    yield from serve(folder, home)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def open_walkthrough(browser: Any, lab: str, path: Path) -> tuple[Any, Any]:
    page = browser.new_page(viewport={"width": 1200, "height": 20000})
    page.goto(f"{lab}/lab/workspaces/{path.stem}/tree/{path.name}?reset&token={TOKEN}")
    return page, page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def wait_for(condition: Any) -> None:
    deadline = time.monotonic() + START_GUARD
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.5)


@pytest.mark.parametrize("path", WALKTHROUGHS, ids=[p.stem for p in WALKTHROUGHS])
def test_every_stored_picture_shows_untrusted(lab: str, browser: Any, path: Path) -> None:
    """Each graph, stepper and live view shows its picture without running anything: not
    `<...Digraph object at 0x...>`, buttons that do nothing, or one line of text."""
    assert widgets_without_picture(path) == 0
    page, panel = open_walkthrough(browser, lab, path)
    pictures = panel.locator('.jp-OutputArea-output img[src^="data:image/svg+xml;base64,"]')
    expected = stored_pictures(path)
    wait_for(lambda: pictures.count() >= expected)
    assert pictures.count() == expected
    assert all(pictures.nth(k).evaluate("img => img.naturalWidth > 0") for k in range(expected))
    text = panel.locator(".jp-OutputArea-output").all_inner_texts()
    assert not any("Digraph" in t for t in text)
    assert not any("prev" in t and "play" in t for t in text)  # no dead stepper buttons
    page.close()


def test_the_stepper_steps_in_a_trusted_walkthrough(trusted_lab: str, browser: Any) -> None:
    """Trusted, the stored stepper's script puts the widget in place of its picture, and
    its buttons step through the walk."""
    page, panel = open_walkthrough(browser, trusted_lab, STEPPER)
    widget = panel.locator(".mgl-stepper").first
    wait_for(lambda: widget.count() and widget.locator("[data-action=next]").count())
    assert widget.get_attribute("data-step") == "0"
    widget.locator("[data-action=next]").click()
    widget.locator("[data-action=next]").click()
    assert widget.get_attribute("data-step") == "2"
    assert widget.locator("svg g.current").count() > 0
    page.close()


@pytest.fixture(scope="module")
def viewer_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each walkthrough as a static notebook viewer shows it: nbconvert's HTML, which is
    what nbviewer serves."""
    nbconvert = pytest.importorskip("nbconvert", reason="nbconvert comes with jupyterlab")
    folder = tmp_path_factory.mktemp("viewer")
    pages = {}
    for path in WALKTHROUGHS:
        body, _ = nbconvert.HTMLExporter().from_filename(str(path))
        pages[path.stem] = folder / f"{path.stem}.html"
        pages[path.stem].write_text(body, encoding="utf-8")
    return pages


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts", "no-scripts"])
@pytest.mark.parametrize("path", WALKTHROUGHS, ids=[p.stem for p in WALKTHROUGHS])
def test_every_stored_picture_shows_in_a_static_viewer(
    browser: Any, viewer_pages: dict[str, Path], path: Path, scripts: bool
) -> None:
    """In a viewer's page every picture shows; where scripts run (nbviewer) the stepper
    is the widget, where they do not (a viewer that strips them) its last step's picture."""
    context = browser.new_context(java_script_enabled=scripts)
    page = context.new_page()
    page.goto(viewer_pages[path.stem].as_uri())
    steppers = path.read_text().count("mgl-stepper")
    widgets = page.locator(".mgl-stepper [data-action=next]").count()
    assert (widgets > 0) == (scripts and steppers > 0)
    pictures = page.locator('img[src^="data:image/svg+xml;base64,"]')
    sizes = [pictures.nth(k).evaluate("img => img.naturalWidth") for k in range(pictures.count())]
    # with scripts, each stepper's picture has made way for its widget (an inline SVG)
    assert len(sizes) + (widgets if scripts else 0) == stored_pictures(path)
    assert all(sizes)
    context.close()
