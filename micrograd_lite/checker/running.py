"""Run a learner's code with a time limit, so a class that hangs or crashes is reported.

Two ways, one result. Where the system can fork (Linux, macOS), each batch of cases runs
in a child process: it sends one JSON line as it starts a case and one with the case's
result, through a pipe; past the limit the child is killed and reaped, so nothing is left
behind, and whatever the learner's code does (loops, `sys.exit`, `os._exit`, printing a
lot) ends with the child. Where there are no processes (Pyodide, in a browser), the cases
run here, under a trace function that raises once the limit has passed.
"""

from __future__ import annotations

import io
import json
import os
import select
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from types import FrameType, TracebackType
from typing import Any, TypeVar

from micrograd_lite.checker.cases import Case, Result

T = TypeVar("T")

_HERE = os.path.dirname(os.path.abspath(__file__))
_MOST = 1_000_000  # bytes a child may send: the results of a batch are a few hundred


class OutOfTime(BaseException):
    """Raised by the trace function past the limit (a BaseException: `except Exception`
    in the learner's code does not swallow it)."""


def default_isolation() -> str:
    """ "fork" where processes exist, else "trace" (in a browser)."""
    return "fork" if hasattr(os, "fork") and sys.platform != "emscripten" else "trace"


# -- one case, in whatever process runs it ----------------------------------------------


def run_case(cls: type, case: Case) -> Result:
    """The case run with the learner's class: the output's data and the inputs' grads."""
    try:
        inputs = {name: cls(x) for name, x in case.inputs.items()}
        scope: dict[str, Any] = dict(inputs)
        exec(compile(case.code, "<case>", "exec"), scope)  # our own case code
        out = scope[case.out]
        out.backward()
        if case.twice:
            out.backward()
        value = _number(out, "data", case.out)
        grads = {n: _number(v, "grad", n) for n, v in inputs.items()}
        return Result(value, grads)
    except (OutOfTime, KeyboardInterrupt):
        raise
    except BaseException as error:  # SystemExit too: the learner's code ended
        return Result(
            error=_message(error), kind=type(error).__name__, where=_where(error.__traceback__)
        )


class NotANumberError(TypeError):
    """The learner's data or grad is not a number."""


def _number(value: Any, field: str, name: str) -> float:
    """value.data or value.grad as a float; NotANumberError if it is not a number."""
    x = getattr(value, field)
    what = f"{name}.{field}"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        try:
            return float(x)  # numpy's floats, Fractions ...
        except BaseException:  # anything at all may come back
            raise NotANumberError(f"{what} is {type(x).__name__}, not a number") from None
    return float(x)


def _message(error: BaseException) -> str:
    try:
        text = str(error)
    except BaseException:  # a learner's exception whose str fails
        text = ""
    text = text.splitlines()[0] if text else ""
    text = text if len(text) <= 200 else text[:200] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _where(tb: TracebackType | None) -> str:
    """The learner's function the error came from: the last frame outside the checker."""
    found = ""
    for frame, _ in traceback.walk_tb(tb):
        name = frame.f_code.co_filename
        if name != "<case>" and not name.startswith(_HERE):
            found = frame.f_code.co_name
    return found


def run_cases(cls: type, cases: list[Case], report: Callable[[int, Result | None], None]) -> None:
    """Run each case, telling `report` as each starts (None) and ends (its result)."""
    for i, case in enumerate(cases):
        report(i, None)
        report(i, run_case(cls, case))


# -- in a child process --------------------------------------------------------------------


def in_child(
    work: Callable[[Callable[[dict[str, Any]], None]], None], limit: float, *, group: bool = False
) -> list[dict[str, Any]]:
    """Run work(send) in a forked child, killed past limit seconds; the messages it sent.
    With group=True the child leads a process group, all killed at the end.

    The last message is {"timeout": True} if the child was killed, {"ended": True} if it
    ended before it said it was done (`os._exit`, a crash).
    """
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():  # Python 3.12 warns of forking with threads running
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        try:
            os.close(read_end)
            if group:
                os.setpgid(0, 0)
            _quiet()

            def send(message: dict[str, Any]) -> None:
                data = (json.dumps(message) + "\n").encode()
                while data:
                    data = data[os.write(write_end, data) :]

            try:
                work(send)
            except BaseException as error:  # said, then the child ends
                send({"crashed": _message(error)})
            send({"done": True})
        finally:
            os._exit(0)
    if group:  # here as well as in the child, so a kill right away reaches the group
        with suppress(OSError):  # the child has set it already, or has ended
            os.setpgid(pid, pid)
    os.close(write_end)
    messages: list[dict[str, Any]] = []
    try:
        messages = _read(read_end, time.monotonic() + limit)
    finally:
        os.close(read_end)
        _end(pid, group)
    if messages and messages[-1].get("done"):
        messages.pop()
    elif not messages or "timeout" not in messages[-1]:
        messages.append({"ended": True})
    return messages


def _quiet() -> None:
    """In the child: no output to the terminal, no input, no .pyc files, its own signals."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdin = io.StringIO("")
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115  # ends with the child
    sys.dont_write_bytecode = True
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _read(fd: int, deadline: float) -> list[dict[str, Any]]:
    data = b""
    while True:
        left = deadline - time.monotonic()
        ready = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            lines = _lines(data)
            return [*lines, {"timeout": True}]
        chunk = os.read(fd, 65536)
        if not chunk or len(data) > _MOST:
            return _lines(data)
        data += chunk


def _lines(data: bytes) -> list[dict[str, Any]]:
    messages = []
    for line in data.split(b"\n"):
        try:
            message = json.loads(line)
        except ValueError:  # a partial last line, or the learner's own writes
            continue
        if isinstance(message, dict):
            messages.append(message)
    return messages


def _end(pid: int, group: bool) -> None:
    """Kill the child if it still runs, and reap it: no process is left behind."""
    if group:  # the children it forked, even if it has ended
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    except ChildProcessError:
        pass


# -- here, under a trace function ----------------------------------------------------------


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise OutOfTime inside the code run in this block once seconds have passed."""
    deadline = time.monotonic() + seconds
    previous = sys.gettrace()

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise OutOfTime
        return tracer

    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


@contextmanager
def silenced() -> Iterator[None]:
    """No output from the learner's prints, and no input for its `input()`."""
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(""), _Null(), _Null()
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


class _Null(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def here(work: Callable[[], T], limit: float) -> T | OutOfTime:
    """work() under the time limit, quiet; OutOfTime if it ran out."""
    try:
        with silenced(), time_limit(limit):
            return work()
    except OutOfTime as stop:
        return stop


# -- a batch of cases, either way ------------------------------------------------------------


def run_batch(cls: type, cases: list[Case], limit: float, isolation: str) -> list[Result | None]:
    """Each case's result (None: not run, after one that timed out or ended the process)."""
    results: list[Result | None] = [None] * len(cases)
    if isolation == "trace":
        deadline = time.monotonic() + limit
        for i, case in enumerate(cases):
            got = here(partial(run_case, cls, case), deadline - time.monotonic())
            if isinstance(got, OutOfTime):
                results[i] = Result(kind="timeout", error="did not finish in time")
                break
            results[i] = got
        return results

    def work(send: Callable[[dict[str, Any]], None]) -> None:
        def report(i: int, result: Result | None) -> None:
            send({"start": i} if result is None else {"case": i, **vars(result)})

        run_cases(cls, cases, report)

    started = -1
    for message in in_child(work, limit):
        if "start" in message:
            started = message["start"]
        elif "case" in message:
            i = message.pop("case")
            results[i] = Result(**message)
        elif 0 <= started < len(cases) and results[started] is None:
            if message.get("timeout"):
                results[started] = Result(kind="timeout", error="did not finish in time")
            else:
                results[started] = Result(
                    kind="ended", error="the process ended (sys.exit in a thread? os._exit?)"
                )
    return results
