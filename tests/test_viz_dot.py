"""Running Graphviz: a time limit on every `dot`, and no `dot` left behind by a dead Python."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from micrograd_lite.demo import tanh_neuron
from micrograd_lite.viz import GraphvizTimeoutError, draw_dot, to_svg
from micrograd_lite.viz.dot import layout
from tests.conftest import GUARD, HANGING_DOT_TIMEOUT, can_lay_out

pytest.importorskip("graphviz", reason="the graphviz package is in the viz and dev sets")
pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find dot processes"),
    pytest.mark.skipif(not can_lay_out(), reason="no layout program (graphviz-pure or dot)"),
]
ROOT = Path(__file__).resolve().parent.parent


def dot_children(parent: int) -> list[int]:
    """The pids of running layout programs (`dot`, `graphviz-pure`) whose parent is `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if name in ("dot", "graphviz-pure") and fields[0] != "Z" and int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition, seconds: float = GUARD) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def start_rendering_child(dot: str) -> tuple[subprocess.Popen[bytes], int]:
    """A Python process stuck in a render that never ends, and the pid of its `dot`."""
    code = (
        "from micrograd_lite.viz.dot import run_dot\nrun_dot('digraph { a }', 'svg', timeout=600)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "MICROGRAD_LITE_DOT": dot},
    )
    assert wait_until(lambda: dot_children(child.pid)), "dot did not start"
    (dot,) = dot_children(child.pid)
    return child, dot


def test_dot_out_of_time_is_stopped_and_the_error_says_what_to_do(hanging_dot: str) -> None:
    """Past its time limit dot is killed; the error names the graph's size and the ways out."""
    from benchmarks.layout import mlp_loss

    with pytest.raises(
        GraphvizTimeoutError,
        match=r"more than 0.3 s to lay out a graph of 1946 nodes \(\d+ boxes\).*collapse",
    ):
        to_svg(mlp_loss(4), timeout=HANGING_DOT_TIMEOUT)
    assert wait_until(lambda: not dot_children(os.getpid()))


def test_killing_python_mid_render_kills_dot(hanging_dot: str) -> None:
    """SIGKILL to the Python process that started dot leaves no dot running."""
    child, dot = start_rendering_child(hanging_dot)
    child.kill()
    child.communicate()
    assert wait_until(lambda: not alive(dot)), "dot outlived the Python that started it"


def test_terminating_python_mid_render_kills_dot(hanging_dot: str) -> None:
    """SIGTERM, which runs no Python cleanup, leaves no dot running either."""
    child, dot = start_rendering_child(hanging_dot)
    child.terminate()
    child.communicate()
    assert wait_until(lambda: not alive(dot)), "dot outlived the Python that started it"


def test_interrupting_python_mid_render_kills_dot(hanging_dot: str) -> None:
    """Ctrl-C (SIGINT) raises KeyboardInterrupt in Python, which stops dot first."""
    child, dot = start_rendering_child(hanging_dot)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=GUARD)
    assert b"KeyboardInterrupt" in err
    assert wait_until(lambda: not alive(dot))


def test_jupyter_display_goes_through_the_time_limit(
    hanging_dot: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """draw_dot's Digraph renders for Jupyter with draw_dot's timeout too."""
    with pytest.raises(GraphvizTimeoutError):
        draw_dot(tanh_neuron(), timeout=HANGING_DOT_TIMEOUT)._repr_image_svg_xml()
    monkeypatch.delenv("MICROGRAD_LITE_DOT")
    assert "<svg" in draw_dot(tanh_neuron())._repr_image_svg_xml()


def test_layout_reads_every_box_and_edge() -> None:
    """layout() gives a position and size for each box and the points of each edge."""
    placed = layout('digraph { rankdir=LR; a [label="a"]; "b c" [shape=box]; a -> "b c" }')
    assert set(placed.boxes) == {"a", "b c"}
    (a_x, _, _, _), (b_x, _, b_w, b_h) = placed.boxes["a"], placed.boxes["b c"]
    assert a_x < b_x
    assert min(b_w, b_h, placed.width, placed.height) > 0
    ((tail, head, points),) = placed.edges
    assert (tail, head) == ("a", "b c")
    assert len(points) >= 4
