"""The catalogue of mistakes the engine core catches: `Value`, `backward()` and `grad()`.

As in test_mistakes.py, each test makes one mistake a learner or a PyTorch user makes and
checks that the error is of the right type with a message that says what to do, and that
nothing changed; where a PyTorch habit has a meaning here, it shows that it works.
"""

from __future__ import annotations

import math
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


class TestBackwardArguments:
    """PyTorch's keyword arguments of backward()."""

    @pytest.mark.parametrize("retain", [True, False, None])
    def test_retain_graph_is_accepted(self, retain: bool | None) -> None:
        """The graph is always retained here, so retain_graph has nothing to change."""
        w = Value(2.0)
        y = w * w
        y.backward(retain_graph=retain)
        y.backward(retain_graph=retain)
        assert w.grad == 8.0
        mg.backward([y], retain_graph=retain)
        assert w.grad == 12.0

    def test_retain_graph_must_be_a_bool(self) -> None:
        w = Value(2.0)
        with pytest.raises(TypeError, match=r"retain_graph must be True, False or None"):
            (w * w).backward(retain_graph="yes")  # type: ignore[arg-type]
        assert w.grad == 0.0

    def test_create_graph_says_to_use_grad(self) -> None:
        """`.grad` holds floats; differentiable gradients come from grad(create_graph=True)."""
        w = Value(2.0)
        y = w * w
        with pytest.raises(
            ValueError,
            match=r"create_graph=True.*micrograd_lite.grad\(.*"
            r"create_graph=True\)",
        ):
            y.backward(create_graph=True)
        assert w.grad == 0.0
        y.backward(create_graph=False)
        assert w.grad == 4.0

    def test_create_graph_must_be_a_bool(self) -> None:
        w = Value(2.0)
        with pytest.raises(TypeError, match=r"create_graph must be True or False, got str"):
            mg.backward(w * w, create_graph="no")  # type: ignore[arg-type]
        assert w.grad == 0.0

    def test_grad_takes_retain_graph_too(self) -> None:
        """`torch.autograd.grad(..., retain_graph=True)` carries over unchanged."""
        w = Value(2.0)
        y = w * w
        assert mg.grad(y, [w], retain_graph=True) == mg.grad(y, [w]) == (4.0,)
        with pytest.raises(TypeError, match=r"retain_graph must be True, False or None"):
            mg.grad(y, [w], retain_graph=1)  # type: ignore[arg-type]

    def test_a_huge_int_gradient_is_inf_as_value_makes_it(self) -> None:
        """`out.backward(10**400)`: OverflowError today, though Value(10**400) is inf."""
        w = Value(2.0)
        (w * 3).backward(10**400)
        assert w.grad == math.inf


class TestOneValueWhereAListIsExpected:
    """mg.backward, grad_outputs and topological_order given one item instead of a list."""

    def test_backward_of_one_value(self) -> None:
        """`mg.backward(loss)`, as `torch.autograd.backward(loss)`."""
        w = Value(2.0)
        mg.backward(w * w)
        assert w.grad == 4.0

    def test_grad_outputs_one_number(self) -> None:
        """`grad_outputs=1.0` for one output, in backward and in grad."""
        w = Value(2.0)
        y = w * w
        mg.backward([y], 2.0)
        assert w.grad == 8.0
        assert mg.grad(y, [w], grad_outputs=0.5) == (2.0,)

    def test_one_number_for_several_outputs_is_refused(self) -> None:
        w = Value(2.0)
        with pytest.raises(ValueError, match=r"one number for 2 outputs: give a list of 2"):
            mg.backward([w * 2, w * 3], 1.0)
        assert w.grad == 0.0

    def test_a_string_as_grad_outputs_is_a_wrong_type(self) -> None:
        """A str is a sequence, but not of gradients: the type is what is wrong."""
        w = Value(2.0)
        with pytest.raises(TypeError, match=r"a gradient must be a real number, got str"):
            mg.backward([w * 2, w * 3], "ab")  # type: ignore[arg-type]
        assert w.grad == 0.0

    def test_topological_order_of_one_value(self) -> None:
        w = Value(2.0)
        y = w * 3
        assert mg.topological_order(y) == mg.topological_order([y])


class TestGradInputs:
    """grad() with nothing to differentiate with respect to."""

    @pytest.mark.parametrize("inputs", [[], ()])
    def test_empty_inputs(self, inputs: list[Value]) -> None:
        """Today it returns (); PyTorch raises "`inputs` argument to `grad()` cannot be empty."."""
        w = Value(2.0)
        with pytest.raises(ValueError, match=r"`inputs` argument to `grad\(\)` cannot be empty"):
            mg.grad(w * w, inputs)
        assert w.grad == 0.0

    def test_empty_outputs(self) -> None:
        """As for inputs: nothing to differentiate is a bad value, in grad and backward."""
        w = Value(2.0)
        with pytest.raises(ValueError, match=r"`outputs` argument to `grad\(\)` cannot be empty"):
            mg.grad([], [w])
        with pytest.raises(ValueError, match=r"`outputs` argument to `backward\(\)` cannot be"):
            mg.backward([])
        assert state(w) == [(2.0, 0.0, True)]

    @pytest.mark.parametrize("where", ["outputs", "inputs"])
    def test_a_number_where_values_go(self, where: str) -> None:
        """`grad(3.0, [w])` or `grad(y, 3.0)`: not "'float' object is not iterable"."""
        w = Value(2.0)
        y = w * w
        args: list[Any] = [3.0, [w]] if where == "outputs" else [y, 3.0]
        with pytest.raises(TypeError, match=rf"grad\(\) {where} must be a Value or a list"):
            mg.grad(*args)
        assert state(w) == [(2.0, 0.0, True)]
