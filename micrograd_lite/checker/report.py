"""What the checker says: one entry per op, printed as text or shown in a notebook.

Each case's result is judged against micrograd_lite's own numbers for the same code. An
op's entry takes its first failing case (the smallest graph that shows the mistake), the
chain rule for that graph step by step, with the numbers in, and the mistake named where
the learner's numbers are those a known mistake predicts.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

from micrograd_lite.checker.cases import OPS, REFLECTED, Case, Result
from micrograd_lite.checker.mistakes import close, engine, same

STATUSES = ("ok", "wrong", "missing", "todo", "unchecked", "error", "timeout")


@dataclass
class Failure:
    """The smallest case an op fails: its code, numbers, and what came out."""

    code: str
    inputs: dict[str, float]
    out: str
    expected: dict[str, float]  # "value" and each input's grad
    got: dict[str, float]
    error: str = ""
    steps: list[str] = field(default_factory=list)  # the chain rule, with numbers in


@dataclass
class Entry:
    """One op's verdict: its status, the text that says it, the smallest failing case."""

    op: str
    title: str
    status: str
    text: str = ""
    case: Failure | None = None
    mistake: str | None = None
    explanation: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Right, or not there (a missing op is listed, not wrong)."""
        return self.status in ("ok", "missing")


class Report:
    """The checker's verdict on a class: `report.ok`, an entry per op, printed as text."""

    def __init__(self, name: str, entries: list[Entry]) -> None:
        self.name = name
        self.entries = entries

    @property
    def ok(self) -> bool:
        """True when no op is wrong, not done, failing or too slow (missing ones are fine)."""
        return all(entry.ok for entry in self.entries)

    def __getitem__(self, op: str) -> Entry:
        for entry in self.entries:
            if entry.op == op:
                return entry
        raise KeyError(f"{op!r} was not checked; checked: {', '.join(e.op for e in self.entries)}")

    def __repr__(self) -> str:
        counts = {s: sum(e.status == s for e in self.entries) for s in STATUSES}
        shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        return f"<Report on {self.name}: {shown}>"

    def __str__(self) -> str:
        words = {"ok": "right", "todo": "not done yet", "unchecked": "not checked yet"}
        counts = [
            f"{n} {words.get(s, s)}"
            for s in STATUSES
            if (n := sum(e.status == s for e in self.entries))
        ]
        done = " Well done." if self.ok and any(e.status == "ok" for e in self.entries) else ""
        lines = [f"Checked {self.name}: {', '.join(counts)}.{done}"]
        lines += [e.text for e in self.entries]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """As plain data (JSON), to cross a process boundary."""
        return {"name": self.name, "entries": [asdict(e) for e in self.entries]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        entries = []
        for e in data["entries"]:
            found = e.pop("case")
            case = Failure(**found) if found else None
            entries.append(Entry(**e, case=case))
        return cls(data["name"], entries)

    def _repr_html_(self) -> str:
        """In a notebook: the text, and the smallest failing graph drawn and stepped."""
        parts = [f"<pre>{html.escape(str(self))}</pre>"]
        failing = next((e for e in self.entries if e.case and not e.case.error), None)
        if failing is not None and failing.case is not None:
            parts.append(_pictures(failing, failing.case))
        return "\n".join(parts)


def _pictures(entry: Entry, case: Failure) -> str:
    """micrograd_lite's graph of the failing case, the learner's wrong grads in the labels,
    and its backward pass in the stepper. Empty where nothing can lay a graph out."""
    try:
        from micrograd_lite.viz import stepper, to_svg

        root, inputs = reference_graph(case)
        for name, value in inputs.items():
            got = case.got.get(f"{name}.grad")
            if got is not None and not close(got, case.expected[f"{name}.grad"]):
                value.label = f"{name} (yours: grad {_num(got)})"
        svg = to_svg(root)
        steps = stepper(root)._repr_html_()
    except Exception as error:  # no Graphviz: the text says it all
        return (
            f"<p>(no picture: {html.escape(str(error).splitlines()[0] if str(error) else '')})</p>"
        )
    title = html.escape(f"{entry.title}: {case.code.splitlines()[-1]}, as it should be")
    return f"<p>{title}; your gradients are in the labels.</p>\n{svg}\n{steps}"


def reference_graph(case: Failure | Case) -> tuple[Any, dict[str, Any]]:
    """The case's graph built with micrograd_lite's Value, each Value labelled by its
    name in the code, after backward."""
    from micrograd_lite.engine import Value

    inputs = {name: Value(x, label=name) for name, x in case.inputs.items()}
    scope: dict[str, Any] = dict(inputs)
    exec(compile(case.code, "<case>", "exec"), scope)  # our own case code
    for name, value in scope.items():
        if isinstance(value, Value) and not value.label:
            value.label = name
    root = scope[case.out]
    root.backward()
    return root, inputs


def steps_of(case: Case) -> list[str]:
    """The chain rule on the case's graph, step by step, with its numbers."""
    if case.deep:
        return []
    try:
        from micrograd_lite.viz.steps import chain_rule_steps

        root, _ = reference_graph(case)
        return chain_rule_steps(root, {})
    except Exception:  # an op the stepper cannot write: no steps shown
        return []


def _num(x: float | None) -> str:
    return "nothing" if x is None else format(x, ".6g")


# -- judging one case, then an op ----------------------------------------------------------


def judge(case: Case, expected: Result, got: Result | None) -> tuple[str, str]:
    """A case's verdict (ok, note, wrong, todo, error, timeout, skipped) and a note."""
    if got is None:
        return "skipped", ""
    if got.kind == "timeout":
        return "timeout", ""
    if got.kind == "NotImplementedError":
        return "todo", ""
    if got.error:
        if case.deep and got.kind == "RecursionError":
            return "note", (
                "Note: a chain of 3000 ops is deeper than Python's recursion limit for your "
                "recursive topological sort (micrograd's own fails so too); an iterative sort "
                "(a stack) has no limit."
            )
        return "error", ""
    if same(expected, got):
        return "ok", ""
    if case.twice:
        micrograd = _model_run(case)
        once = Result(expected.value, {n: g / 2 for n, g in expected.grads.items()})
        if same(micrograd, got):
            return "note", (
                "Note: backward called twice adds every gradient again, intermediate ones "
                "included, as micrograd's does (PyTorch would refuse a second pass unless "
                "asked to keep the graph, then add the leaves' gradients once more)."
            )
        if same(once, got):
            return "note", "Note: backward called twice starts afresh (it zeroes the gradients)."
    if case.convention and close(expected.value, got.value):
        return "note", (
            f"Note: at exactly 0 your relu passes gradient {_num(got.grads.get('a'))}; "
            "micrograd_lite passes 0, as PyTorch does (a convention: relu has no "
            "derivative at 0)."
        )
    return "wrong", ""


def _model_run(case: Case) -> Result:
    from micrograd_lite.checker.mistakes import run

    return run(engine(), case)


def zeroed(expected: Result, got: Result) -> bool:
    """The forward is right and every gradient stayed 0 where some should not be."""
    return (
        not got.error
        and close(expected.value, got.value)
        and all(g == 0 for g in got.grads.values())
        and any(g != 0 for g in expected.grads.values())
    )


def failure(case: Case, expected: Result, got: Result) -> Failure:
    want = {"value": expected.value or 0.0, **{f"{n}.grad": g for n, g in expected.grads.items()}}
    came = {} if got.error else {"value": got.value or 0.0}
    came.update({f"{n}.grad": g for n, g in got.grads.items()})
    return Failure(case.code, dict(case.inputs), case.out, want, came, got.error, steps_of(case))


def block(entry: Entry) -> str:
    """The entry as printed: its title and status, then what shows the mistake."""
    head = f"{entry.title}: {entry.status}"
    lines = [head]
    case = entry.case
    if case is not None:
        numbers = ", ".join(f"{n} = {x!r}" for n, x in case.inputs.items())
        code = case.code.splitlines()
        lines += [f"  {line}" for line in code[:-1]]
        lines.append(f"  {code[-1]}  with {numbers}")
        if case.error:
            lines.append(f"  {case.error}")
        else:
            for key, want in case.expected.items():
                shown = f"{case.out}.data" if key == "value" else key
                got = case.got.get(key)
                if not close(want, got):
                    lines.append(f"  {shown} should be {_num(want)}, got {_num(got)}")
            if case.steps:
                lines.append("  The chain rule, step by step, as it should be:")
                lines += [f"    {step}" for step in case.steps]
    if entry.explanation:
        lines.append(f"  {entry.explanation}")
    lines += [f"  {note}" for note in entry.notes]
    return "\n".join(lines)


def missing_text(op: str) -> str:
    if op in REFLECTED:
        symbol = REFLECTED[op]
        return (
            f"`{OPS[op].written}` fails with a TypeError: Python tries the number's "
            f"{symbol} first, then the Value's {op}, which the class has not; e.g. "
            f"`def {op}(self, other): return ...` (other {symbol} self)."
        )
    return "The class has no such method (not wrong: not checked)."
