"""The offline site (`make site`) in a real browser: every walkthrough runs in the page.

Serves dist/site on 127.0.0.1, opens it in headless Chromium, and, for each walkthrough,
starts the in-browser kernel and runs every cell top to bottom; what each cell prints
must be what the stored walkthrough printed. Then the stepper's buttons, and the live
training page. Every request the pages and their workers make is recorded: any host but
127.0.0.1 fails the test. Slow (minutes): it runs with MICROGRAD_LITE_SITE=1, as
`make site-test` (and CI) run it, after `make site`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from micrograd_lite.viz.stepper import HEADLESS_CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "dist" / "site"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    os.environ.get("MICROGRAD_LITE_SITE") != "1", reason="the site's test: make site-test"
)
WALKTHROUGHS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Guards against a hang, not measures: a cold kernel start, a cell, a page.
START_GUARD, CELL_GUARD = 240_000, 600_000
#: ms between checks of a page: a busy page (Python training on its main thread) may
#: draw no animation frame for long, which is what checks wait for by default
POLL = 250


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    assert (SITE / "index.html").is_file(), "build the site first: make site"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(SITE)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + START_GUARD / 1000  # a guard against a hang, not a measure
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("the file server did not start")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    assert CHROMIUM is not None, "chromium is needed (sh scripts/ensure_chromium.sh)"
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            # and no name but 127.0.0.1 resolves: Chromium's own requests cannot leave either
            args=[*HEADLESS_CHROMIUM, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context whose every request (pages and workers) is recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("worker", lambda worker: requests.append(worker.url))
    yield page
    context.close()
    outside = sorted(
        {
            url
            for url in requests
            if urlparse(url).scheme in ("http", "https", "ws", "wss")
            and urlparse(url).hostname != "127.0.0.1"
        }
    )
    assert not outside, f"requests left 127.0.0.1: {outside}"
    assert requests


def printed(path: Path) -> list[str]:
    """What each code cell of the stored walkthrough printed (its stdout)."""
    notebook = json.loads(path.read_text())
    return [
        "".join(
            "".join(output["text"])
            for output in cell.get("outputs", [])
            if output["output_type"] == "stream" and output["name"] == "stdout"
        )
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
    ]


def test_the_landing_page_opens_every_walkthrough(site: str, page: Any) -> None:
    page.goto(f"{site}/index.html")
    links = page.locator("a[href^='notebooks/index.html?path=']")
    assert sorted(link.get_attribute("href").split("=")[1] for link in links.all()) == [
        p.name for p in WALKTHROUGHS
    ]
    assert page.locator("a[href='stepper.html']").count() == 1
    assert page.locator("a[href='live.html']").count() == 1


@pytest.mark.parametrize("path", WALKTHROUGHS, ids=[p.stem for p in WALKTHROUGHS])
def test_every_walkthrough_runs_and_prints_its_stored_numbers(
    site: str, page: Any, path: Path
) -> None:
    page.goto(f"{site}/notebooks/index.html?path={path.name}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=START_GUARD)
    cells = len(json.loads(path.read_text())["cells"])
    expected = iter(printed(path))
    page.locator(".jp-Notebook .jp-Cell").first.click()
    for k in range(cells):
        cell = page.locator(".jp-Notebook .jp-Cell.jp-mod-active").element_handle()
        is_code = "jp-CodeCell" in (cell.get_attribute("class") or "")
        page.keyboard.press("Control+Enter")
        if is_code:  # run: its prompt gets a number once the kernel (started on the
            # first cell, which is the cold start) has run it
            page.wait_for_function(
                "cell => /\\[\\d+\\]/.test(cell.querySelector('.jp-InputPrompt').textContent)",
                arg=cell,
                timeout=START_GUARD + CELL_GUARD if k < 2 else CELL_GUARD,
                polling=POLL,
            )
            shown = cell.query_selector(".jp-OutputArea").inner_text()
            assert "Traceback" not in shown, shown
            for line in next(expected).splitlines():
                assert line.strip() in shown, (path.name, k, line, shown[:2000])
            if "mgl-stepper" in (cell.inner_html() or ""):
                check_the_stepper_steps(cell)
            if "mgl-live" in (cell.inner_html() or ""):
                assert "step 99: loss" in shown
        page.keyboard.press("Escape")
        page.keyboard.press("j")


def check_the_stepper_steps(cell: Any) -> None:
    """A stepper run in the page is the widget: its next button steps."""
    widget = cell.query_selector(".mgl-stepper")
    assert widget.get_attribute("data-step") == "0"
    widget.query_selector("[data-action=next]").click()
    widget.query_selector("[data-action=next]").click()
    assert widget.get_attribute("data-step") == "2"
    assert widget.query_selector("svg g.current") is not None


def test_the_stepper_page_steps(site: str, page: Any) -> None:
    page.goto(f"{site}/stepper.html")
    page.locator("[data-action=next]").click()
    page.keyboard.press("End")
    last = int(page.locator(".mgl-stepper").get_attribute("data-step"))
    assert last > 5
    assert "grad" in page.locator(".mgl-text").inner_text()


def test_the_live_page_trains_and_redraws(site: str, page: Any) -> None:
    page.goto(f"{site}/live.html")
    button = page.locator("#train")
    page.wait_for_function(
        "() => !document.getElementById('train').disabled", timeout=START_GUARD, polling=POLL
    )
    button.click()

    def reached(step: int) -> None:  # a check may fall between two steps: at least `step`
        page.wait_for_function(
            "step => +(/^step (\\d+):/.exec(document.getElementById('status').textContent)"
            " || [0, -1])[1] >= step",
            arg=step,
            timeout=CELL_GUARD,
            polling=POLL,
        )

    reached(1)
    first = page.locator("#view").inner_html()
    reached(59)
    assert page.locator("#view").inner_html() != first
    assert page.locator("#view img").count() == 3  # the layers, the loss, the boundary
    pictures = page.locator("#view img")
    assert all(pictures.nth(k).evaluate("img => img.naturalWidth > 0") for k in range(3))


# -- the stepper's box, and a site a teacher can hand out --------------------------------

SHOTS = ROOT / "build" / "site-screenshots"  # for a person to look at after a run


def stepper_ready(page: Any) -> None:
    """Wait until the stepper page's Python has started (its box's first answer shown)."""
    page.wait_for_function(
        "() => /ready in|could not start/.test(document.getElementById('message').textContent)"
        " || document.getElementById('message').className === 'error'",
        timeout=START_GUARD,
        polling=POLL,
    )


def test_the_stepper_page_steps_an_expression_typed_in_its_box(site: str, page: Any) -> None:
    """An expression and its numbers typed in the box replace the neuron, and step."""
    page.goto(f"{site}/stepper.html")
    assert page.locator(".mgl-stepper svg").count() == 1  # the neuron, before Python starts
    page.fill("#expr", "tanh(x*w + b)")
    page.fill("#numbers", "x=2, w=-3, b=6.88")
    page.get_by_role("button", name="Step through it").click()
    stepper_ready(page)
    assert page.locator("#message").inner_text().startswith("out = 0.70641932"), page.locator(
        "#message"
    ).inner_text()
    widget = page.locator(".mgl-stepper")
    assert "x1" not in widget.locator("svg").text_content()  # not the neuron any more
    widget.locator("[data-action=next]").click()
    page.keyboard.press("End")
    assert widget.get_attribute("data-step") == widget.locator("input").get_attribute("max")
    assert "w.grad" in page.locator(".mgl-text").inner_text()
    assert "#expr=tanh(x*w%20+%20b)&x=2&w=-3&b=6.88" in page.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "stepper-typed.png"))


def test_the_stepper_page_reads_its_url_with_plus_as_written(site: str, page: Any) -> None:
    """stepper.html#expr=tanh(x*w+b)&x=2&w=-3&b=6.88 steps that expression: + is a plus."""
    page.goto(f"{site}/stepper.html#expr=tanh(x*w+b)&x=2&w=-3&b=6.88")
    stepper_ready(page)
    assert page.locator("#expr").input_value() == "tanh(x*w+b)"
    assert page.locator("#numbers").input_value() == "x=2, w=-3, b=6.88"
    assert page.locator("#message").inner_text().startswith("out = 0.70641932")
    page.keyboard.press("End")  # the arrow keys step it from anywhere on the page
    assert int(page.locator(".mgl-stepper").get_attribute("data-step")) > 5
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "stepper-url.png"))


def test_the_stepper_page_says_what_to_write_for_a_bad_expression(site: str, page: Any) -> None:
    """A bad expression gets the reader's message, and the graph shown stays as it was."""
    page.goto(f"{site}/stepper.html")
    page.fill("#expr", "2x + y")
    page.fill("#numbers", "x=1")
    page.get_by_role("button", name="Step through it").click()
    stepper_ready(page)
    assert "write `*` to multiply, as in 2*x" in page.locator("#message").inner_text()
    page.fill("#expr", "x * y")
    page.get_by_role("button", name="Step through it").click()
    page.wait_for_function(
        "() => /unknown name 'y'/.test(document.getElementById('message').textContent)",
        timeout=CELL_GUARD,
        polling=POLL,
    )
    assert "as in y=NUMBER" in page.locator("#message").inner_text()
    assert "--var" not in page.locator("#message").inner_text()
    assert "x1" in page.locator(".mgl-stepper svg").text_content()  # still the neuron
    assert "expr=" not in page.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "stepper-error.png"))


PAGES = ["index.html", "stepper.html", "live.html", "notebooks/index.html"]


@pytest.mark.parametrize("path", PAGES)
def test_a_page_opened_from_a_folder_says_it_needs_a_web_server(page: Any, path: str) -> None:
    """Opened from file://, a page says at once it needs a server, and the command."""
    page.goto((SITE / path).as_uri())
    note = page.locator("#needs-server")
    note.wait_for(timeout=CELL_GUARD)
    text = note.inner_text()
    assert "This page needs a web server" in text
    assert f'python3 -m http.server -d "{SITE}"' in text
    assert f"http://localhost:8000/{path}" in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"file-{path.replace('/', '-')}.png"))


def test_a_page_served_shows_no_server_note_and_has_a_favicon(site: str, page: Any) -> None:
    """Served over http, no page shows the note, and each names the site's SVG icon."""
    for path in ("index.html", "stepper.html", "live.html"):
        page.goto(f"{site}/{path}")
        assert page.locator("#needs-server").count() == 0
        assert page.locator("link[rel=icon]").get_attribute("href") == "favicon.svg"
    assert page.request.get(f"{site}/favicon.svg").ok
