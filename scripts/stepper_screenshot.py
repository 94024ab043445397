"""Draw docs/stepper.png: the README's tanh neuron in the step-through page, in Chromium.

    python scripts/stepper_screenshot.py   # (make graphs runs it)

Builds the neuron o = tanh(x1*w1 + x2*w2 + b), saves its step-through page, opens it in
headless Chromium, presses the right arrow until tanh's backward step (its maths,
1 - o squared, with the numbers in) and takes a screenshot of the page.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from micrograd_lite import Value
from micrograd_lite.viz import stepper
from micrograd_lite.viz.stepper import HEADLESS_CHROMIUM


def neuron() -> Value:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def main(target: str = "docs/stepper.png") -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium is not installed (sh scripts/ensure_chromium.sh)")
    with tempfile.TemporaryDirectory() as folder:
        walk = stepper(neuron())
        page_path = walk.save(Path(folder) / "steps.html")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=HEADLESS_CHROMIUM)
            page = browser.new_page(viewport={"width": 1560, "height": 430})
            page.goto(page_path.as_uri())
            maths = "(1 \N{MINUS SIGN} o²)"  # tanh's derivative, as the step shows it
            tanh = next(k for k, step in enumerate(walk.steps) if maths in step["text"])
            for _ in range(tanh):
                page.keyboard.press("ArrowRight")
            page.screenshot(path=target)
            browser.close()
    print(f"wrote {target}")


if __name__ == "__main__":
    main(*sys.argv[1:])
