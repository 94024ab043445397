"""`micrograd_lite.check`: engines written as learners write them, and their mistakes.

The engines in tests/engines are correct; each mutant below changes one line of one of
them into a classic mistake. The correct engines pass; each mutant is caught, on the op
that has the mistake, and its mistake is named.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import micrograd_lite
from micrograd_lite import checker
from micrograd_lite.checker import Report, check

ENGINES = Path(__file__).parent / "engines"
LECTURE = (ENGINES / "lecture.py").read_text()
SLOTS = (ENGINES / "slots.py").read_text()


def mutant(source: str, old: str, new: str) -> str:
    """source with its one occurrence of old replaced by new."""
    assert source.count(old) == 1, old
    return source.replace(old, new)


# (engine, old, new, op, status, mistake)
MUTANTS = {
    "assign in +": (
        LECTURE,
        "self.grad += 1.0 * out.grad\n            other.grad += 1.0 * out.grad",
        "self.grad = 1.0 * out.grad\n            other.grad = 1.0 * out.grad",
        "__add__",
        "assign",
    ),
    "order": (LECTURE, "for node in reversed(topo):", "for node in topo:", "backward", "order"),
    "no visited set": (LECTURE, "if v not in visited:", "if True:", "backward", "no visited"),
    "tanh 1 - t": (LECTURE, "(1 - t**2)", "(1 - t)", "tanh", "tanh 1 - t"),
    "tanh without out.grad": (
        LECTURE,
        "(1 - t**2) * out.grad",
        "(1 - t**2)",
        "tanh",
        "no chain",
    ),
    "pow n*x**n": (
        LECTURE,
        "other * (self.data ** (other - 1))",
        "other * (self.data**other)",
        "__pow__",
        "pow n*x**n",
    ),
    "pow x**(n-1)": (
        LECTURE,
        "other * (self.data ** (other - 1))",
        "(self.data ** (other - 1))",
        "__pow__",
        "pow x**(n-1)",
    ),
    "pow (n-1)*x**(n-1)": (
        LECTURE,
        "other * (self.data ** (other - 1))",
        "(other - 1) * (self.data ** (other - 1))",
        "__pow__",
        "pow (n-1)*x**(n-1)",
    ),
    "mul own data": (
        LECTURE,
        "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        "self.grad += self.data * out.grad\n            other.grad += other.data * out.grad",
        "__mul__",
        "own data",
    ),
    "exp of the input": (
        LECTURE,
        "self.grad += out.data * out.grad",
        "self.grad += x * out.grad",
        "exp",
        "exp input",
    ),
    "number not wrapped": (
        LECTURE,
        "other = other if isinstance(other, Value) else Value(other)\n"
        '        out = Value(self.data + other.data, (self, other), "+")',
        'out = Value(self.data + other.data, (self, other), "+")',
        "__add__",
        "number",
    ),
    "sub sign": (SLOTS, "other.grad -= out.grad", "other.grad += out.grad", "__sub__", "sign"),
    "div sign": (
        SLOTS,
        "other.grad += -self.data / other.data**2",
        "other.grad += self.data / other.data**2",
        "__truediv__",
        "sign",
    ),
    "relu lets negatives through": (
        SLOTS,
        "(out.data > 0) * out.grad",
        "out.grad",
        "relu",
        "relu through",
    ),
    "sigmoid 1 + s": (SLOTS, "s * (1 - s)", "s * (1 + s)", "sigmoid", "sigmoid 1 + s"),
    "log of the output": (SLOTS, "out.grad / self.data", "out.grad / out.data", "log", "log out"),
    "rsub swapped": (
        SLOTS,
        "return Value.wrap(other) - self",
        "return self - other",
        "__rsub__",
        "swapped",
    ),
}


@pytest.mark.parametrize("source", [LECTURE, SLOTS], ids=["lecture", "slots"])
def test_a_correct_engine_passes(source: str) -> None:
    """Every op a correct engine has is right, and the report says so."""
    report = check(source)
    assert report.ok, str(report)
    assert {e.status for e in report.entries} <= {"ok", "missing"}


@pytest.mark.parametrize("name", list(MUTANTS))
def test_each_mutant_is_caught_and_its_mistake_named(name: str) -> None:
    """The mutant's op is wrong, and the mistake made is the one named."""
    source, old, new, op, mistake = MUTANTS[name]
    report = check(mutant(source, old, new), ops=[op])
    entry = report[op]
    assert not report.ok
    assert (entry.status, entry.mistake) == ("wrong", mistake), entry.text
    assert entry.text.startswith(entry.title + ": wrong")
    assert "Mistake: " in entry.text


def test_the_smallest_failing_graph_is_shown() -> None:
    """`=` for `+=` in + is shown on `c = a + a`, the first graph that exposes it."""
    source, old, new, op, _ = MUTANTS["assign in +"]
    entry = check(mutant(source, old, new), ops=[op])[op]
    assert entry.case is not None
    assert (entry.case.code, entry.case.inputs) == ("c = a + a", {"a": 3.0})
    assert (entry.case.expected["a.grad"], entry.case.got["a.grad"]) == (2.0, 1.0)
    assert "a.grad should be 2, got 1" in entry.text


def test_a_missing_reflected_method_is_missing_not_wrong() -> None:
    """Without __rmul__, `2 * a` is listed as missing, with what to add; the report is ok."""
    source = mutant(
        LECTURE, "    def __rmul__(self, other):  # other * self\n        return self * other\n", ""
    )
    report = check(source, ops=["__rmul__", "__mul__"])
    assert report["__rmul__"].status == "missing"
    assert "def __rmul__(self, other)" in report["__rmul__"].text
    assert report.ok


@pytest.mark.parametrize("blank", ["pass", "...", "raise NotImplementedError"])
def test_a_blank_backward_is_not_done_yet(blank: str) -> None:
    """A `_backward` left blank is reported as todo: not written yet."""
    source = mutant(SLOTS, "self.grad += (1 - t * t) * out.grad", blank)
    entry = check(source, ops=["tanh"])["tanh"]
    assert entry.status == "todo", entry.text
    assert "Not written yet" in entry.text


def test_an_op_none_of_whose_cases_could_run_is_unchecked() -> None:
    """backward, checked while `+` is still blank, is unchecked, not ok: it could not be
    tried."""
    source = mutant(
        LECTURE,
        "self.grad += 1.0 * out.grad\n            other.grad += 1.0 * out.grad",
        "raise NotImplementedError",
    )
    report = check(source, ops=["backward"])
    assert report["backward"].status == "unchecked", report["backward"].text
    assert "Not checked yet: it needs __add__ (a + b)" in report["backward"].text
    assert not report.ok


def test_an_all_right_report_says_well_done() -> None:
    """The first line of a report with nothing wrong or missing-only ends in well done."""
    assert str(check(LECTURE, ops=["__add__"])).splitlines()[0].endswith("Well done.")


def test_relu_at_zero_is_a_note() -> None:
    """A relu passing gradient 1 at exactly 0 is a convention: a note, not a mistake."""
    source = mutant(SLOTS, "(out.data > 0) * out.grad", "(self.data >= 0) * out.grad")
    entry = check(source, ops=["relu"])["relu"]
    assert entry.status == "ok"
    assert any("at exactly 0" in note for note in entry.notes)


def test_a_recursive_sort_on_a_deep_graph_is_a_note() -> None:
    """The lecture's recursive sort failing on 3000 ops is a note; backward stays ok."""
    entry = check(LECTURE, ops=["backward"])["backward"]
    assert entry.status == "ok"
    assert any("recursion limit" in note for note in entry.notes)


HANG = "self.grad = 1\n        while True:\n            pass"


@pytest.mark.parametrize("isolation", ["fork", "trace"])
def test_a_backward_that_never_ends_is_reported(isolation: str) -> None:
    """A backward looping forever is a timeout, under either way of running."""
    if isolation == "fork" and not hasattr(os, "fork"):
        pytest.skip("no fork here")
    source = mutant(SLOTS, "self.grad = 1", HANG)
    entry = check(source, ops=["__add__"], limit=0.3, isolation=isolation)["__add__"]
    assert entry.status == "timeout"
    assert "did not finish" in entry.text


@pytest.mark.parametrize("isolation", ["fork", "trace"])
def test_a_mistake_is_named_either_way(isolation: str) -> None:
    """In a child process or in this one, the same mistake is found and named."""
    source, old, new, op, mistake = MUTANTS["assign in +"]
    entry = check(mutant(source, old, new), ops=[op], isolation=isolation)[op]
    assert entry.mistake == mistake


@pytest.mark.parametrize(
    "ending",
    [
        "raise ValueError('no')",
        "import sys; sys.exit(3)",
        "import os; os._exit(0)",
        "print('x' * 10**7)",
    ],
)
def test_a_backward_that_raises_or_exits_is_an_error(ending: str) -> None:
    """A backward that raises, exits or ends its process is an error; printing is harmless."""
    source = mutant(SLOTS, "self.grad = 1\n", f"self.grad = 1\n        {ending}\n")
    entry = check(source, ops=["__mul__"], limit=2.0)["__mul__"]
    assert entry.status == ("ok" if ending.startswith("print") else "error"), entry.text


def test_no_child_process_is_left_behind() -> None:
    """After checking a class that hangs, every child process has been reaped."""
    check(mutant(SLOTS, "self.grad = 1", HANG), ops=["__add__"], limit=0.2, isolation="fork")
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("isolation", ["fork", "trace"])
def test_a_file_that_loops_forever_on_import_cannot_load(
    isolation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A class whose module never finishes loading is refused within the load limit."""
    monkeypatch.setattr(checker, "LOAD_LIMIT", 0.3)
    with pytest.raises(checker.LoadError, match="took more than"):
        check("while True:\n    pass\n" + SLOTS, isolation=isolation)


def test_only_the_ops_asked_for_are_reported() -> None:
    """`ops=["tanh"]` reports tanh alone; the ops its bigger cases use are checked quietly."""
    report = check(LECTURE, ops=["tanh"])
    assert [e.op for e in report.entries] == ["tanh"]
    assert report["tanh"].status == "ok"


def test_an_unknown_op_is_refused_with_the_known_ones() -> None:
    """An op the checker does not know raises ValueError listing those it knows."""
    with pytest.raises(ValueError, match="__rmul__"):
        check(LECTURE, ops=["matmul"])


def test_the_report_crosses_processes_unchanged() -> None:
    """A report is plain data: to_dict and from_dict give the same text."""
    source, old, new, _op, _ = MUTANTS["tanh 1 - t"]
    report = check(mutant(source, old, new))
    assert str(Report.from_dict(report.to_dict())) == str(report)


def test_check_is_the_package_s() -> None:
    """`micrograd_lite.check` is the checker's function."""
    assert micrograd_lite.check is check
