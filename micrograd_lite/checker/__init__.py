"""Check a learner's own Value class, op by op, against micrograd_lite.

    import micrograd_lite
    report = micrograd_lite.check(Value)   # your class
    report.ok                               # True when every op it has is right
    print(report)                           # or, in a notebook, just `report`

    python -m micrograd_lite check my_engine.py        # the same, from the command line

Each op the class has is run on small graphs (`c = a + a` with a = 3.0), smallest first,
and its data and gradients compared with micrograd_lite's. A wrong op is shown on the
smallest graph that shows its mistake, with the chain rule step by step and the mistake
named where its numbers are those a known mistake gives. Each batch of cases runs with a
time limit, in a child process where there are processes: a class that loops forever,
exits or crashes is reported, and the whole check ends within two minutes.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from micrograd_lite.checker.cases import CASES, OPS, Case, Result, cases_of
from micrograd_lite.checker.loading import LoadError, define, source_of
from micrograd_lite.checker.mistakes import diagnose, run
from micrograd_lite.checker.report import (
    Entry,
    Failure,
    Report,
    block,
    failure,
    judge,
    missing_text,
    zeroed,
)
from micrograd_lite.checker.running import (
    OutOfTime,
    default_isolation,
    here,
    in_child,
    run_batch,
)

__all__ = ["CASES", "OPS", "Entry", "Failure", "LoadError", "Report", "check", "check_file"]

#: Seconds to load the class (its file may train a network first), and for the whole check.
LOAD_LIMIT = 20.0
BUDGET = 90.0


def check(
    cls_or_source: type | str,
    *,
    name: str = "Value",
    ops: Iterable[str] | None = None,
    limit: float = 3.0,
    isolation: str | None = None,
) -> Report:
    """Check a Value class (or Python source defining one): each op's data and gradients."""
    how = _isolation(isolation)
    selected = _selected(ops)
    limit = _limit(limit)
    if isinstance(cls_or_source, str):
        return _check_source(cls_or_source, name, "the code given", selected, limit, how, None)
    if not isinstance(cls_or_source, type):
        raise TypeError(
            f"check takes a class (check(Value)) or its source as a str, "
            f"got {type(cls_or_source).__name__}"
        )
    return _check_class(cls_or_source, selected, limit, how)


def check_file(
    path: str | os.PathLike[str],
    name: str = "Value",
    *,
    ops: Iterable[str] | None = None,
    limit: float = 3.0,
    isolation: str | None = None,
) -> Report:
    """Check the class `name` defined in a .py file or a notebook (.ipynb)."""
    source = source_of(path, name)
    folder = str(Path(path).resolve().parent)
    how = _isolation(isolation)
    return _check_source(source, name, str(path), _selected(ops), _limit(limit), how, folder)


def _isolation(isolation: str | None) -> str:
    if isolation is None:
        return default_isolation()
    if isolation not in ("fork", "trace"):
        raise ValueError(f"isolation must be 'fork', 'trace' or None, got {isolation!r}")
    if isolation == "fork" and not hasattr(os, "fork"):
        raise ValueError("isolation='fork' needs os.fork, which this system has not; use 'trace'")
    return isolation


def _limit(limit: float) -> float:
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 < limit <= 60:
        raise ValueError(f"limit must be a number of seconds above 0 and at most 60, got {limit!r}")
    return float(limit)


def _selected(ops: Iterable[str] | None) -> list[str]:
    if ops is None:
        return list(OPS)
    if isinstance(ops, str):
        ops = [ops]
    chosen = list(ops)
    unknown = [op for op in chosen if op not in OPS]
    if unknown:
        raise ValueError(
            f"ops: unknown {', '.join(map(repr, unknown))}; use some of {', '.join(OPS)}"
        )
    return [op for op in OPS if op in chosen]


# -- loading, with a limit -------------------------------------------------------------------


def _check_source(
    source: str,
    name: str,
    where: str,
    selected: list[str],
    limit: float,
    how: str,
    folder: str | None,
) -> Report:
    if how == "trace":
        if folder is not None and folder not in sys.path:
            sys.path.insert(0, folder)
        dont_write = sys.dont_write_bytecode
        sys.dont_write_bytecode = True
        try:
            loaded = here(lambda: _define_or_error(source, name, where), LOAD_LIMIT)
        finally:
            sys.dont_write_bytecode = dont_write
        if isinstance(loaded, OutOfTime):
            raise LoadError(f"loading {where} took more than {LOAD_LIMIT:g} s")
        if isinstance(loaded, str):
            raise LoadError(loaded)
        return _check_class(loaded, selected, limit, how)

    def work(send: Any) -> None:
        if folder is not None:
            sys.path.insert(0, folder)
        signal.signal(signal.SIGALRM, _out_of_time)
        signal.setitimer(signal.ITIMER_REAL, LOAD_LIMIT)
        try:
            loaded = _define_or_error(source, name, where)
        except OutOfTime:
            loaded = f"loading {where} took more than {LOAD_LIMIT:g} s"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if isinstance(loaded, str):
            send({"load_error": loaded})
            return
        send({"report": _check_class(loaded, selected, limit, "fork").to_dict()})

    messages = in_child(work, LOAD_LIMIT + BUDGET + 10, group=True)
    for message in messages:
        if "load_error" in message:
            raise LoadError(message["load_error"])
        if "report" in message:
            return Report.from_dict(message["report"])
        if "crashed" in message:
            raise RuntimeError(f"the checker failed checking {where}: {message['crashed']}")
    if messages and messages[-1].get("timeout"):
        raise LoadError(f"loading {where} and checking it took more than two minutes")
    raise LoadError(f"loading {where} ended the process (sys.exit? os._exit?)")


def _out_of_time(signum: int, frame: Any) -> None:
    raise OutOfTime


def _define_or_error(source: str, name: str, where: str) -> type | str:
    try:
        return define(source, name, where)
    except LoadError as error:
        return str(error)
    except OutOfTime:
        raise
    except BaseException as error:  # whatever the learner's file raises
        return f"loading {where} raised {type(error).__name__}: {error}".splitlines()[0]


# -- checking, op by op ----------------------------------------------------------------------


def _needed(selected: list[str]) -> list[str]:
    """The selected ops and those their cases lean on, in the catalogue's order."""
    need = set(selected)
    grown = True
    while grown:
        more = {n for case in CASES if case.op in need for n in case.needs} - need
        grown = bool(more)
        need |= more
    return [op for op in OPS if op in need]


def _check_class(cls: type, selected: list[str], limit: float, how: str) -> Report:
    deadline = time.monotonic() + BUDGET
    ops = _needed(selected)
    present = {op: getattr(cls, op, None) is not None for op in ops}
    results: dict[Case, Result | None] = {}
    verdicts: dict[Case, tuple[str, str]] = {}
    expected = {case: run(_reference(), case) for op in ops for case in cases_of(op)}

    def good(op: str) -> bool:
        ran = [verdicts[c][0] for c in cases_of(op) if c in verdicts]
        return present[op] and bool(ran) and all(v in ("ok", "note") for v in ran)

    def batch(op: str, cases: list[Case]) -> None:
        if not cases:
            return
        left = min(limit, deadline - time.monotonic())
        if left <= 0:
            got: list[Result | None] = [
                Result(kind="timeout", error="not run: the check's two minutes were up")
            ] * len(cases)
        else:
            got = run_batch(cls, cases, left, how)
        for case, result in zip(cases, got):
            results[case] = result
            verdicts[case] = judge(case, expected[case], result)

    stages = [
        [(op, [c for c in cases_of(op) if not c.needs]) for op in ops if op != "backward"],
        [("backward", cases_of("backward"))] if "backward" in ops else [],
        [(op, [c for c in cases_of(op) if c.needs]) for op in ops if op != "backward"],
    ]
    skipped: dict[str, set[str]] = {op: set() for op in ops}
    for stage in stages:
        for op, cases in stage:
            if not present[op]:
                continue
            runnable = []
            for case in cases:
                blocking = [n for n in case.needs if n != op and not good(n)]
                if blocking:
                    skipped[op].update(blocking)
                else:
                    runnable.append(case)
            batch(op, runnable)
    entries = [_entry(op, present[op], expected, results, verdicts, skipped[op]) for op in selected]
    return Report(cls.__name__, entries)


def _reference() -> type:
    from micrograd_lite.engine import Value

    return Value


def _entry(
    op: str,
    present: bool,
    expected: dict[Case, Result],
    results: dict[Case, Result | None],
    verdicts: dict[Case, tuple[str, str]],
    skipped: set[str],
) -> Entry:
    info = OPS[op]
    entry = Entry(op, info.title, "ok")
    if not present:
        entry.status = "missing"
        entry.explanation = missing_text(op)
        entry.text = block(entry)
        return entry
    ran = [c for c in cases_of(op) if c in verdicts and verdicts[c][0] != "skipped"]
    entry.notes = [verdicts[c][1] for c in ran if verdicts[c][1]]
    needs = ", ".join(OPS[n].title for n in sorted(skipped, key=list(OPS).index))
    if skipped and not ran:  # nothing could be tried yet: not known to be right or wrong
        entry.status = "unchecked"
        entry.explanation = f"Not checked yet: it needs {needs} to be right first."
        entry.text = block(entry)
        return entry
    if skipped:
        entry.notes.append(f"Not run: its bigger cases, which need {needs} to be right first.")
    worst = None
    for status in ("timeout", "todo", "error", "wrong"):
        worst = next((c for c in ran if verdicts[c][0] == status), None)
        if worst is not None:
            entry.status = status
            break
    if worst is None:
        entry.text = block(entry)
        return entry
    got = results[worst]
    assert got is not None
    if entry.status == "wrong":
        # Not written yet: on the op alone, every gradient that should not be 0 stayed 0.
        alone = [c for c in ran if not c.needs and verdicts[c][0] in ("ok", "wrong")]
        if alone and all(
            zeroed(expected[c], _some(results[c])) or not any(expected[c].grads.values())
            for c in alone
        ):
            entry.status = "todo"
    if entry.status == "todo":
        entry.explanation = (
            f"Not written yet: {got.where or 'it'} raises NotImplementedError."
            if got.kind == "NotImplementedError"
            else "Not written yet: every gradient stayed 0 (its `_backward` does nothing, "
            "or backward() does not start from out.grad = 1)."
        )
        entry.text = block(entry)
        return entry
    if entry.status == "timeout":
        entry.case = failure(worst, expected[worst], got)
        entry.case.error = f"did not finish within the time limit ({got.error})"
    elif entry.status == "error":
        entry.case = failure(worst, expected[worst], got)
        where = f" in {got.where}" if got.where and got.where != "<module>" else ""
        entry.case.error = f"{got.error}{where}"
        if any(isinstance(x, float) for x in _numbers_in(worst)) and got.kind in (
            "AttributeError",
            "TypeError",
        ):
            entry.status = "wrong"
            entry.mistake = "number"
            entry.explanation = (
                "Mistake: a number beside a Value is not turned into a Value first; e.g. "
                "`other = other if isinstance(other, Value) else Value(other)`."
            )
    else:
        entry.case = failure(worst, expected[worst], got)
        plain = [c for c in ran if not (c.twice or c.deep or c.convention)]
        mistake = diagnose(op, plain, [_some(results[c]) for c in plain])
        if mistake is not None:
            entry.mistake = mistake.key
            entry.explanation = f"Mistake: {mistake.says}."
    entry.text = block(entry)
    return entry


def _some(result: Result | None) -> Result:
    assert result is not None
    return result


def _numbers_in(case: Case) -> list[object]:
    """The constants written in the case's code (2.0 in `a + 2.0`)."""
    import ast

    return [n.value for n in ast.walk(ast.parse(case.code)) if isinstance(n, ast.Constant)]
