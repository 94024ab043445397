"""The ops a learner's Value may have, and the graphs each is checked on, smallest first.

A case is a graph written once as code with its numbers (`c = a + a` with a = 3.0). The
checker runs the same code with the learner's class and with micrograd_lite's `Value`, and
compares the result's data and each input's gradient. An op's first failing case is the
smallest graph that shows its mistake, since the cases are listed smallest first: the op
alone, a node used twice, a number beside a Value, then chains and graphs with two paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OpInfo:
    """One op a learner's class may define: its method and how it is written."""

    op: str  # the method's name; "backward" for the walk itself
    written: str  # as a learner writes it: "a * b", "2 * a", "a.tanh()"

    @property
    def title(self) -> str:
        """`__mul__ (a * b)`: the method, then the op as written."""
        return self.op if self.op == "backward" else f"{self.op} ({self.written})"


#: Every op the checker knows, in the order they are checked and reported.
OPS: dict[str, OpInfo] = {
    info.op: info
    for info in [
        OpInfo("__add__", "a + b"),
        OpInfo("__mul__", "a * b"),
        OpInfo("__radd__", "2 + a"),
        OpInfo("__rmul__", "2 * a"),
        OpInfo("__neg__", "-a"),
        OpInfo("__sub__", "a - b"),
        OpInfo("__rsub__", "2 - a"),
        OpInfo("__pow__", "a ** 3"),
        OpInfo("__truediv__", "a / b"),
        OpInfo("__rtruediv__", "2 / a"),
        OpInfo("exp", "a.exp()"),
        OpInfo("log", "a.log()"),
        OpInfo("tanh", "a.tanh()"),
        OpInfo("relu", "a.relu()"),
        OpInfo("sigmoid", "a.sigmoid()"),
        OpInfo("backward", "out.backward()"),
    ]
}

#: The reflected methods, each with the method Python tries first (`2 * a`: int's __mul__).
REFLECTED = {"__radd__": "+", "__rmul__": "*", "__rsub__": "-", "__rtruediv__": "/"}


@dataclass(frozen=True, eq=False)  # each case is one object: a dict key by identity
class Case:
    """A graph for one op: its code, its inputs' numbers, and what else it leans on."""

    op: str
    code: str  # Python; its last assignment is the output
    inputs: dict[str, float]
    needs: tuple[str, ...] = ()  # other ops it uses; "backward" when it has more than one op
    twice: bool = False  # call backward twice (micrograd's accumulation)
    deep: bool = False  # a chain too deep for a recursive topological sort
    convention: str = ""  # a difference here is a note: the convention it is about

    @property
    def out(self) -> str:
        """The name of the output: the last assignment's target."""
        last = [line for line in self.code.splitlines() if " = " in line][-1]
        return last.split(" = ", 1)[0].strip()

    def shown(self) -> str:
        """`c = a + a  with a = 3.0`: the code, then its numbers."""
        numbers = ", ".join(f"{name} = {x!r}" for name, x in self.inputs.items())
        return f"{self.code}  with {numbers}"


def _cases() -> list[Case]:
    a3b = {"a": 3.0, "b": -2.0}
    a3 = {"a": 3.0}
    neuron = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.881373587019543}
    mlp = {"x": 0.5, "w1": -0.8, "w2": 0.6, "b1": 0.1, "v1": 1.2, "v2": -0.7, "y": 1.0}
    return [
        # -- each op alone, used twice, and beside a number ----------------------------
        Case("__add__", "c = a + b", a3b),
        Case("__add__", "c = a + a", a3),
        Case("__add__", "c = a + 2.0", a3),
        Case("__add__", "c = a + b\nd = c + a", a3b, ("backward",)),
        Case("__add__", "c = a + b\nd = c + c\ne = d + b", a3b, ("backward",)),
        Case("__mul__", "c = a * b", a3b),
        Case("__mul__", "c = a * a", a3),
        Case("__mul__", "c = a * 2.0", a3),
        Case("__mul__", "c = a * b\nd = c * a", a3b, ("backward",)),
        Case("__mul__", "c = a * b\nd = c * c\ne = d * b", a3b, ("backward",)),
        Case("__radd__", "c = 2.0 + a", a3),
        Case("__radd__", "c = sum([a, b, a])", a3b, ("__add__", "backward")),
        Case("__rmul__", "c = 2.0 * a", a3),
        Case("__rmul__", "c = 2.0 * a\nd = c * a", a3, ("__mul__", "backward")),
        Case("__neg__", "c = -a", a3),
        Case("__neg__", "c = -a\nd = c * a", a3, ("__mul__", "backward")),
        Case("__sub__", "c = a - b", a3b),
        Case("__sub__", "c = a - a", a3),
        Case("__sub__", "c = a - 2.0", a3),
        Case("__sub__", "c = a - b\nd = c - b", a3b, ("backward",)),
        Case("__rsub__", "c = 2.0 - a", a3),
        Case("__rsub__", "c = 2.0 - a\nd = c * a", a3, ("__mul__", "backward")),
        Case("__pow__", "c = a ** 3", {"a": 2.5}),
        Case("__pow__", "c = a ** -1", {"a": 2.5}),
        Case("__pow__", "c = a ** 0.5", {"a": 2.5}),
        Case("__pow__", "c = a ** 3\nd = c ** 2", {"a": 1.5}, ("backward",)),
        Case("__truediv__", "c = a / b", a3b),
        Case("__truediv__", "c = a / a", a3),
        Case("__truediv__", "c = a / 2.0", a3),
        Case("__truediv__", "c = a / b\nd = c / b", a3b, ("backward",)),
        Case("__rtruediv__", "c = 2.0 / a", a3),
        Case("__rtruediv__", "c = 2.0 / a\nd = c * a", a3, ("__mul__", "backward")),
        Case("exp", "c = a.exp()", {"a": 0.5}),
        Case("exp", "c = a.exp()\nd = c.exp()", {"a": 0.5}, ("backward",)),
        Case("exp", "c = a.exp()\nd = c * a", {"a": 0.5}, ("__mul__", "backward")),
        Case("log", "c = a.log()", {"a": 2.5}),
        Case("log", "c = a.log()\nd = c * a", {"a": 2.5}, ("__mul__", "backward")),
        Case("tanh", "c = a.tanh()", {"a": 0.5}),
        Case("tanh", "c = a.tanh()\nd = c.tanh()", {"a": 0.5}, ("backward",)),
        Case("tanh", "c = a.tanh()\nd = c * a", {"a": 0.5}, ("__mul__", "backward")),
        Case(
            "tanh",
            "n = x1*w1 + x2*w2 + b\no = n.tanh()",
            neuron,
            ("__add__", "__mul__", "backward"),
        ),
        Case(
            "tanh",
            "h1 = (x*w1 + b1).tanh()\nh2 = (x*w2).tanh()\no = h1*v1 + h2*v2\nloss = (o - y) ** 2",
            mlp,
            ("__add__", "__mul__", "__sub__", "__pow__", "backward"),
        ),
        Case("relu", "c = a.relu()", {"a": 1.5}),
        Case("relu", "c = a.relu()", {"a": -1.5}),
        Case("relu", "c = a.relu()\nd = c * a", {"a": 1.5}, ("__mul__", "backward")),
        Case("relu", "c = a.relu()", {"a": 0.0}, convention="relu at 0"),
        Case("sigmoid", "c = a.sigmoid()", {"a": 0.5}),
        Case("sigmoid", "c = a.sigmoid()\nd = c * a", {"a": 0.5}, ("__mul__", "backward")),
        # -- the walk: order, a node reached twice, depth, twice ------------------------
        Case("backward", "c = a * b\nd = c + a", a3b, ("__add__", "__mul__")),
        Case("backward", "c = a * b\nd = c + a\ne = d * c", a3b, ("__add__", "__mul__")),
        Case("backward", "c = a * b\nd = c + b\ne = d * a", a3b, ("__add__", "__mul__")),
        Case(
            "backward",
            "c = a\nfor _ in range(3000):\n    c = c + a",
            {"a": 0.5},
            ("__add__",),
            deep=True,
        ),
        Case("backward", "c = a * b\nd = c + a", a3b, ("__add__", "__mul__"), twice=True),
    ]


CASES: list[Case] = _cases()


def cases_of(op: str) -> list[Case]:
    """The cases of one op, smallest first."""
    return [case for case in CASES if case.op == op]


@dataclass
class Result:
    """What one case gave: the output's data and each input's gradient, or an error."""

    value: float | None = None
    grads: dict[str, float] = field(default_factory=dict)
    error: str = ""  # "TypeError: unsupported operand ..." when the case raised
    kind: str = ""  # the exception's class name, "timeout" or "ended"
    where: str = ""  # the learner's function the exception came from
