"""Run Graphviz's `dot` so that it can never hang a session or outlive it.

The layout program is `graphviz-pure` (a port of Graphviz's `dot`, one program that the
`viz` extra installs with pip, writing the same bytes on every platform) where it is
installed, else a system Graphviz's `dot`; `MICROGRAD_LITE_DOT=dot` (or a path) asks for
a particular one.

Every call to `dot` in the visualiser goes through `run_dot`: it has a time limit, it
kills `dot` when the limit runs out or when Python is interrupted, and on Linux `dot` is
told to die with the Python process that started it, so killing Python leaves no `dot`.
In a browser (the offline site), `run_dot` lays graphs out with Graphviz compiled to
WebAssembly instead (`browser.py`). `layout` asks `dot` only where it puts each box and
edge, so the step-through page and the live view can draw (and redraw) the picture
themselves from one layout.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_TIMEOUT",
    "GraphvizNotFoundError",
    "GraphvizTimeoutError",
    "Layout",
    "layout",
    "program",
    "run_dot",
]

#: seconds; every shape we know of up to 2,000 nodes lays out in well under this
DEFAULT_TIMEOUT = 30.0

#: The environment variable that asks for a layout program: "dot" for a system
#: Graphviz, "graphviz-pure", or a path to either.
PROGRAM_VARIABLE = "MICROGRAD_LITE_DOT"
PURE = "graphviz-pure"
#: The formats graphviz-pure writes, of those the visualiser asks for.
PURE_FORMATS = frozenset({"svg", "png", "jpg", "jpeg", "plain"})

#: One line each, so that a command line that prints an error's first line prints all of it.
INSTALL_PURE = (
    "no Graphviz layout program was found: pip install 'micrograd_lite[viz]' (or pip "
    "install graphviz-pure) installs one, with no system package needed; a system "
    "Graphviz works too. DOT source works without either: draw_dot(root).source"
)
INSTALL_GRAPHVIZ = (
    "Graphviz's `dot` program was not found on PATH; install Graphviz "
    "(Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install -c conda-forge graphviz; Windows: winget install graphviz, then "
    "add Graphviz's bin folder to PATH). DOT source works without it: draw_dot(root).source"
)

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` program is not installed or not on PATH."""


class GraphvizTimeoutError(RuntimeError):
    """`dot` ran out of its time limit and was stopped."""


def program() -> str:
    """The layout program to run: `$MICROGRAD_LITE_DOT` if set, else graphviz-pure if
    installed, else a system Graphviz's `dot`; GraphvizNotFoundError if there is none."""
    asked = os.environ.get(PROGRAM_VARIABLE, "")
    if asked:
        found = shutil.which(asked) or (_beside_python(asked) if asked == PURE else None)
        if found is None:
            raise GraphvizNotFoundError(
                INSTALL_GRAPHVIZ
                if asked == "dot"
                else f"{PROGRAM_VARIABLE}={asked!r} names no program that can be run; "
                f"unset it to use graphviz-pure. {INSTALL_PURE}"
            )
        return found
    found = shutil.which(PURE) or _beside_python(PURE) or shutil.which("dot")
    if found is None:
        raise GraphvizNotFoundError(INSTALL_PURE)
    return found


def _beside_python(name: str) -> str | None:
    """A program pip installed beside this Python (a Jupyter kernel may run a virtual
    environment's Python without its bin folder on PATH)."""
    path = Path(sys.executable).parent / name
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None


def check_timeout(timeout: object) -> float:
    """A time limit as given to `draw_dot`, the stepper or the live view: a positive,
    finite number of seconds, or ValueError."""
    ok = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    if not (ok and 0.0 < timeout < math.inf):  # type: ignore[operator]  # a number if ok
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)  # type: ignore[arg-type]  # a number: checked just above


def check_rankdir(rankdir: object) -> str:
    """The direction a graph is laid out in, as Graphviz names it, or ValueError."""
    if not isinstance(rankdir, str) or rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    return rankdir


#: What to try when dot takes too long on a graph drawn in full, and on a collapsed one.
TOO_SLOW = (
    "Draw a sub-expression, pass model= and collapse='layer' to draw layers as single "
    "boxes, or pass a larger timeout="
)
TOO_SLOW_COLLAPSED = "Draw a sub-expression, or pass a larger timeout="


def run_dot(
    source: str,
    fmt: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    what: str = "the graph",
    advice: str = TOO_SLOW,
) -> bytes:
    """`dot -T<fmt>` on `source`, stopped after `timeout` seconds or on any interruption.

    `what` names the graph in the error, e.g. "a graph of 1946 nodes (2154 boxes)", and
    `advice` says what to try instead.
    """
    if sys.platform == "emscripten":  # a browser: no program to run, Graphviz in WebAssembly
        from micrograd_lite.viz import browser

        return browser.run_dot(source, fmt)
    command = program()
    if Path(command).name.startswith(PURE) and fmt not in PURE_FORMATS:
        raise ValueError(
            f"graphviz-pure does not write {fmt}; it writes svg, png and jpg. For {fmt}, "
            f"use a system Graphviz: set the environment variable {PROGRAM_VARIABLE}=dot"
        )
    process = subprocess.Popen(
        [command, f"-T{fmt}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Its own session: a Ctrl-C in a terminal reaches Python, which stops dot itself,
        # and killing the group cannot reach Python.
        start_new_session=True,
        preexec_fn=_die_with_parent(os.getpid()) if sys.platform == "linux" else None,
    )
    try:
        out, err = process.communicate(source.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise GraphvizTimeoutError(
            f"Graphviz's dot took more than {timeout:g} s to lay out {what} and was "
            f"stopped. {advice}"
        ) from None
    except BaseException:  # KeyboardInterrupt, SystemExit, ...: dot must not outlive us
        _kill(process)
        raise
    if process.returncode != 0:
        message = err.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz's dot failed (exit status {process.returncode}): {message}")
    return out


def _die_with_parent(parent: int) -> Callable[[], None]:
    """Run in the child before `dot` starts: ask Linux to kill it when Python dies."""

    def preexec() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # Python died before prctl took effect
            os._exit(1)

    return preexec


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):  # gone, or not POSIX
        process.kill()
    process.wait()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):  # stdin: the rest of the input cannot be written
                pipe.close()


@dataclass(frozen=True)
class Layout:
    """Where `dot` put things, in points with y growing downwards (as SVG)."""

    width: float
    height: float
    boxes: dict[str, tuple[float, float, float, float]]  # id: (centre x, centre y, w, h)
    edges: list[tuple[str, str, list[tuple[float, float]]]]  # tail, head, spline points


def layout(
    source: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    what: str = "the graph",
    advice: str = TOO_SLOW,
) -> Layout:
    """Lay out DOT `source` once, with `dot -Tplain`, and read the positions back."""
    text = run_dot(source, "plain", timeout=timeout, what=what, advice=advice).decode("utf-8")
    width = height = 0.0
    nodes: dict[str, tuple[float, float, float, float]] = {}
    edges: list[tuple[str, str, list[tuple[float, float]]]] = []

    def y(v: str) -> float:  # plain output is in inches with y growing upwards
        return round((height - float(v)) * 72, 2)

    for parts in _plain_records(text):
        if not parts:
            continue
        if parts[0] == "graph":
            width, height = float(parts[2]), float(parts[3])
        elif parts[0] == "node":
            x, w, h = (round(float(v) * 72, 2) for v in (parts[2], parts[4], parts[5]))
            nodes[parts[1]] = (x, y(parts[3]), w, h)
        elif parts[0] == "edge":
            n = int(parts[3])
            coords = parts[4 : 4 + 2 * n]
            points = [
                (round(float(coords[i]) * 72, 2), y(coords[i + 1])) for i in range(0, 2 * n, 2)
            ]
            edges.append((parts[1], parts[2], points))
    return Layout(round(width * 72, 2), round(height * 72, 2), nodes, edges)


#: A word of `-Tplain` output ("double quoted", with backslash escapes, or bare), or the
#: newline that ends a record.
_PLAIN_WORD = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s"]+)|(\n)', re.DOTALL)


def _plain_records(text: str) -> list[list[str]]:
    """Split `-Tplain` output into records (lines) of words, a quoted word kept whole:
    a label may hold a newline of its own, and a quoted word runs on past it."""
    records: list[list[str]] = [[]]
    for quoted, bare, newline in _PLAIN_WORD.findall(text):
        if newline:
            records.append([])
        else:
            records[-1].append(bare or quoted)
    return records
