"""Freeing a deep graph without recursing: what a browser's small stack needs.

In a browser (Pyodide) `Value.__del__` is `freeing.free_without_recursing`; here it is
put in place for each test, and a counting wrapper sees how deep the frees nest.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import micrograd_lite as mg
from micrograd_lite import Value, engine, freeing

DEPTH = 5_000


@pytest.fixture
def nesting(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[int]]:
    """Install the unlinking `__del__`, wrapped to record how deep the calls nest and how
    many nodes still held a parent when theirs returned (CPython then frees that parent
    inside the node's own free: the recursion a browser's stack cannot take)."""
    seen = [0, 0, 0]  # now, deepest, still linked

    def install() -> list[int]:
        def counted(self: Value) -> None:
            seen[0] += 1
            seen[1] = max(seen[1], seen[0])
            try:
                freeing.free_without_recursing(self)
            finally:
                seen[0] -= 1
            seen[2] += (
                getattr(self, "_a", None) is not None or getattr(self, "_b", None) is not None
            )

        monkeypatch.setattr(Value, "__del__", counted, raising=False)
        return seen

    return install


CHAINS: dict[str, Callable[[Value], Value]] = {
    "add": lambda y: y + 1.0,
    "x * x": lambda y: y * y * 0.5,
    "sum": lambda y: engine.sum([y, y, Value(1.0)]),
    "tanh": lambda y: y.tanh(),
}


@pytest.mark.parametrize("step", list(CHAINS.values()), ids=list(CHAINS))
def test_a_deep_chain_frees_one_level_at_a_time(
    nesting: Callable[[], list[int]], step: Callable[[Value], Value]
) -> None:
    seen = nesting()
    y = Value(0.5)
    for _ in range(DEPTH):
        y = step(y)
    assert len(mg.topological_order([y])) > DEPTH
    y.backward()
    del y
    assert seen[1] <= 2  # a free runs inside another at most once
    assert seen[2] == 0  # and leaves nothing for CPython to free inside it


def test_what_something_else_holds_keeps_its_parents(
    nesting: Callable[[], list[int]],
) -> None:
    nesting()
    a = Value(1.0)
    b = a * 2.0
    kept = b + 1.0
    out = (kept * 3.0).tanh()
    del out
    assert kept.parents[0] is b
    assert b.parents[0] is a
    kept.backward()
    assert a.grad == 2.0


def test_a_model_trains_with_it(nesting: Callable[[], list[int]]) -> None:
    """Parameters are held by the model: freeing each step's graph leaves them whole."""
    from micrograd_lite.nn import MLP

    nesting()
    model = MLP(2, [4, 1], seed=0)
    losses = []
    for _ in range(20):
        data = [([1.0, 0.0], 1.0), ([0.0, 1.0], -1.0)]
        loss = mg.mean([(model(x) - y) ** 2 for x, y in data])  # type: ignore[operator]
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        losses.append(loss.data)
    assert losses[-1] < losses[0]
    assert all(p.op is None for p in model.parameters())
