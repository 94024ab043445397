"""The catalogue of mistakes the engine core catches: `Value`, `backward()` and `grad()`.

As in test_mistakes.py, each test makes one mistake a learner or a PyTorch user makes and
checks that the error is of the right type with a message that says what to do, and that
nothing changed; where a PyTorch habit has a meaning here, it shows that it works.
"""

from __future__ import annotations

from typing import Any

import pytest

import micrograd_lite as mg
from micrograd_lite import Value


def state(*values: Value) -> list[tuple[float, Any, bool]]:
    """What a refused call must leave as it was."""
    return [(v.data, v.grad, v.is_leaf) for v in values]


class TestInPlaceUpdates:
    """`p -= lr * p.grad` outside no_grad: today the loop variable is silently rebound."""

    @pytest.mark.parametrize("update", ["-=", "+=", "*=", "/="])
    def test_in_place_on_a_leaf_that_requires_grad_raises(self, update: str) -> None:
        """PyTorch: RuntimeError 'a leaf Variable that requires grad is being used in an
        in-place operation.' Here the same words, with what to do."""
        w = Value(1.0)
        (w * 3).backward()
        before = state(w)
        namespace = {"w": w}
        with pytest.raises(
            RuntimeError,
            match=r"a leaf Value that requires grad is being used "
            r"in an in-place operation.*no_grad",
        ):
            exec(f"w {update} 0.1 * w.grad", namespace)
        assert namespace["w"] is w
        assert state(w) == before

    def test_the_training_loop_of_the_issue_fails_at_the_first_step(self) -> None:
        """The loop that kept the loss at 0.8099 for 50 steps now stops at once."""
        model = mg.nn.MLP(3, [4, 1], activation="tanh", seed=0)
        loss = (model([2.0, 3.0, -1.0]) - 1.0) ** 2
        loss.backward()
        before = [p.data for p in model.parameters()]
        p = model.parameters()[0]
        with pytest.raises(RuntimeError, match=r"in-place operation"):
            p -= 0.1 * p.grad  # the first step of `for p in model.parameters(): ...`
        assert [p.data for p in model.parameters()] == before

    def test_what_stays_allowed(self) -> None:
        """`loss += term` (not a leaf), a leaf that needs no grad, and no_grad updates."""
        w = Value(2.0)
        loss = w * 1.0
        loss += w * w
        assert loss.data == 6.0
        x = Value(1.0, requires_grad=False)
        x += 1
        assert x.data == 2.0
        v = Value(1.0)
        with mg.no_grad():
            v -= 0.5
        assert v.data == 0.5

    def test_a_non_number_is_a_type_error_first(self) -> None:
        """`w -= "a"` is the wrong type before it is the wrong place, as for `w - "a"`."""
        w = Value(1.0)
        with pytest.raises(TypeError, match=r"unsupported operand"):
            w -= "a"  # type: ignore[operator]
        assert state(w) == [(1.0, 0.0, True)]

    def test_compile_refuses_it_the_same_way(self) -> None:
        """Recording a compiled function runs it eagerly, so the same error stops it."""
        w = Value(1.0)

        def step(x: Value) -> Value:
            nonlocal w
            w += x
            return w

        with pytest.raises(RuntimeError, match=r"in-place operation"):
            mg.compile(step)(Value(2.0, requires_grad=False))
        assert state(w) == [(1.0, 0.0, True)]
