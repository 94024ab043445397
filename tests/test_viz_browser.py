"""The step-through page in a real browser: headless Chromium, driven by Playwright.

The page is the one `stepper(...).save()` writes for the graph of
`L = tanh(a*b + b**2)` with a = 2, b = -3. Its steps: 0 the start, 1-4 forward
(c, t1, d, L), 5 the seed, 6-9 backward (L, d, t1, c).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from micrograd_lite import Value
from micrograd_lite.viz import stepper
from micrograd_lite.viz.stepper import HEADLESS_CHROMIUM
from tests.conftest import can_lay_out

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if os.environ.get("CI") and (CHROMIUM is None or not can_lay_out()):
    # CI installs both (`make test`, as root): there, a missing one is a failure, not a skip
    raise RuntimeError("CI must run the browser tests: chromium or Graphviz's dot is missing")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev set")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or not can_lay_out(),
    reason="needs chromium and Graphviz (make test installs both)",
)


def graph() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + b**2
    d.label = "d"
    out = d.tanh()
    out.label = "L"
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=HEADLESS_CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stepper(graph()).save(tmp_path_factory.mktemp("page") / "steps.html")


@pytest.fixture
def page(browser: Any, saved: Path) -> Iterator[Any]:
    page = browser.new_page()
    page.clock.install()  # play's timer runs on a clock the test moves
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(saved.as_uri())
    yield page
    assert errors == []
    assert requests == [saved.as_uri()], "the page fetched something: it must work offline"
    page.close()


def step(page: Any) -> int:
    return int(page.locator(".mgl-stepper").get_attribute("data-step"))


def lit(page: Any) -> list[str]:
    """The labels of the highlighted boxes (ellipses give their symbol)."""
    return [g.locator(".line-0").text_content() for g in page.locator("g.current").all()]


def shown(page: Any, label: str) -> list[str]:
    """The data and grad lines of the box labelled `label`."""
    lines: list[str] = page.evaluate(
        """label => {
            for (const g of document.querySelectorAll("g.box"))
                if (g.querySelector(".line-0").textContent === label)
                    return [1, 2].map(k => g.querySelector(".line-" + k).textContent);
        }""",
        label,
    )
    return lines


def test_the_page_starts_with_only_the_leaves_known(page: Any) -> None:
    """Step 0: a and b show their data; every other number is still a dot."""
    assert step(page) == 0
    assert shown(page, "a") == ["data 2", "grad ·"]
    assert shown(page, "c") == ["data ·", "grad ·"]
    assert lit(page) == []


def test_next_computes_one_node_forward_and_highlights_it(page: Any) -> None:
    """next: c = a × b appears, c and its ellipse are lit, the text shows the numbers."""
    page.get_by_role("button", name="next").click()
    assert step(page) == 1
    assert sorted(lit(page)) == ["*", "c"]
    assert shown(page, "c") == ["data -6", "grad ·"]
    assert page.locator(".mgl-text").inner_text() == "c = a × b = 2 × (-3) = -6"
    assert page.locator("path.hot").count() == 3  # a -> *, b -> *, * -> c


def test_previous_undoes_the_step(page: Any) -> None:
    """previous after next, next: back at step 1, t1's data hidden again."""
    for _ in range(2):
        page.get_by_role("button", name="next").click()
    assert shown(page, "t1") == ["data 9", "grad ·"]
    page.get_by_role("button", name="prev").click()
    assert step(page) == 1
    assert shown(page, "t1") == ["data ·", "grad ·"]


def test_arrow_keys_walk_into_backward_with_the_chain_rule(page: Any) -> None:
    """Nine right arrows reach c's backward step: a's and b's gradients with their rule."""
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    assert step(page) == 9
    assert sorted(lit(page)) == ["*", "c"]
    assert page.locator(".mgl-text").inner_text().splitlines() == [
        "a.grad += c.grad × b = 0.009866 × (-3) = -0.0296",
        "b.grad += c.grad × a = 0.009866 × 2 = 0.01973",
    ]
    assert shown(page, "b") == ["data -3", "grad -0.03946"]  # t1's part and c's part
    page.keyboard.press("ArrowLeft")
    assert step(page) == 8
    assert shown(page, "b") == ["data -3", "grad -0.0592"]


def test_a_backward_step_marks_where_the_gradient_goes_and_points_its_way(page: Any) -> None:
    """c's backward step: c and its ellipse are read, a and b receive, and the three edges
    between are lit with their arrows turned to point from c back to a and b."""
    page.locator("input[type=range]").fill("9")
    assert sorted(lit(page)) == ["*", "c"]
    receiving = [g.locator(".line-0").text_content() for g in page.locator("g.receiving").all()]
    assert sorted(receiving) == ["a", "b"]
    back = page.locator("path.hot.back")
    assert back.count() == 3  # a <- *, b <- *, * <- c
    assert {back.nth(k).evaluate("p => getComputedStyle(p).markerStart") for k in range(3)} == {
        'url("#mgl-arrow-back")'
    }
    assert {back.nth(k).evaluate("p => getComputedStyle(p).markerEnd") for k in range(3)} == {
        "none"
    }
    page.locator("input[type=range]").fill("2")  # forward again: arrows point forward
    assert page.locator("path.back").count() == 0
    assert page.locator("g.receiving").count() == 0


def test_home_and_end_jump_to_the_first_and_last_steps(page: Any) -> None:
    page.locator(".mgl-stepper").focus()
    page.keyboard.press("End")
    assert step(page) == 9
    page.keyboard.press("Home")
    assert step(page) == 0


def test_the_view_follows_the_lit_node_through_a_big_graph(browser: Any, tmp_path: Path) -> None:
    """On an MLP's loss, far bigger than the view, every step's lit node is in sight."""
    from micrograd_lite import nn

    model = nn.MLP(3, [4, 4, 1], seed=1)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, [1.0, -1.0, -1.0, 1.0]))
    path = stepper(loss, model=model, max_nodes=5000).save(tmp_path / "mlp.html")
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    page.goto(path.as_uri())
    view = page.locator(".mgl-view")
    assert view.evaluate("v => v.scrollWidth > v.clientWidth && v.scrollHeight > v.clientHeight")
    last = int(page.locator("input[type=range]").get_attribute("max"))
    for k in (last // 4, last // 2, 3 * last // 4, last, 1):
        page.locator("input[type=range]").fill(str(k))
        in_sight = page.evaluate(
            """k => {  // the step's Value's own box (its ellipse may be drawn far off)
                const data = JSON.parse(document.querySelector(".mgl-data").textContent);
                const box = document.getElementById(data.steps[k].boxes[0]);
                const v = document.querySelector(".mgl-view").getBoundingClientRect();
                const r = box.getBoundingClientRect();
                return box.classList.contains("current") && r.left >= v.left
                    && r.right <= v.right && r.top >= v.top && r.bottom <= v.bottom;
            }""",
            k,
        )
        assert in_sight, f"step {k}: the lit node is outside the view"
    page.close()


def test_play_runs_to_the_end_and_pause_stops(page: Any) -> None:
    """play advances a step every 0.7 s; pause stops it where it is."""
    page.get_by_role("button", name="play").click()
    page.clock.run_for(2200)
    assert step(page) == 3
    page.get_by_role("button", name="pause").click()
    page.clock.run_for(5000)
    assert step(page) == 3
    page.get_by_role("button", name="play").click()
    page.clock.run_for(10_000)
    assert step(page) == 9
    assert page.get_by_role("button", name="play").is_visible()  # stopped at the end


def test_the_slider_jumps_to_a_step(page: Any) -> None:
    """Moving the slider to 5 shows the seed: L.grad = 1."""
    page.locator("input[type=range]").fill("5")
    assert step(page) == 5
    assert shown(page, "L") == ["data 0.9951", "grad 1"]
    assert page.locator(".mgl-phase").inner_text() == "backward"


def test_two_widgets_in_one_notebook_page_work_apart(browser: Any) -> None:
    """Two steppers' Jupyter fragments on one page: each button drives its own widget."""
    page = browser.new_page()
    fragments = stepper(graph())._repr_html_() + stepper(graph())._repr_html_()
    page.set_content(f"<html><body>{fragments}</body></html>")
    first, second = page.locator(".mgl-stepper").all()
    first.get_by_role("button", name="next").click()
    assert first.get_attribute("data-step") == "1"
    assert second.get_attribute("data-step") == "0"
    page.close()


def test_the_walkthroughs_stored_stepper_works(browser: Any) -> None:
    """The stepper output stored in walkthrough 07 runs in the browser as Jupyter shows it."""
    import nbformat

    path = Path(__file__).resolve().parent.parent / "notebooks" / "07_inside_backward.ipynb"
    notebook = nbformat.read(path, as_version=4)
    (fragment,) = [
        out["data"]["text/html"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "mgl-stepper" in out.get("data", {}).get("text/html", "")
    ]
    page = browser.new_page()
    page.set_content(f"<html><body>{fragment}</body></html>")
    page.locator(".mgl-stepper").focus()
    page.keyboard.press("ArrowRight")
    assert page.locator(".mgl-text").inner_text() == "e = a × b = 2 × (-3) = -6"
    page.close()
