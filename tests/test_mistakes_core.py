"""The catalogue of mistakes the engine core catches: `Value`, `backward()` and `grad()`.

As in test_mistakes.py, each test makes one mistake a learner or a PyTorch user makes and
checks that the error is of the right type with a message that says what to do, and that
nothing changed; where a PyTorch habit has a meaning here, it shows that it works.
"""

from __future__ import annotations

import copy
import math
import pickle
from typing import Any

import pytest

import micrograd_lite as mg
from micrograd_lite import Value


def state(*values: Value) -> list[tuple[float, Any, bool]]:
    """What a refused call must leave as it was."""
    return [(v.data, v.grad, v.is_leaf) for v in values]


class TestInPlaceUpdates:
    """`p -= lr * p.grad` outside no_grad: it would rebind the name and train nothing."""

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

    def test_a_training_loop_without_no_grad_fails_at_the_first_step(self) -> None:
        """A loop whose loss would stay the same for every step stops at once instead."""
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
        """`out.backward(10**400)` is inf, as Value(10**400) is, not an OverflowError."""
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

    def test_topological_order_of_a_number(self) -> None:
        with pytest.raises(TypeError, match=r"topological_order\(\) roots must be Values"):
            mg.topological_order([3.0])  # type: ignore[list-item]


class TestGradInputs:
    """grad() with nothing to differentiate with respect to."""

    @pytest.mark.parametrize("inputs", [[], ()])
    def test_empty_inputs(self, inputs: list[Value]) -> None:
        """Not an empty tuple: PyTorch raises "`inputs` argument to `grad()` cannot be empty."."""
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


class TestPyTorchOnlyMethods:
    """Methods a PyTorch user reaches for: retain_grad works, the others say what to use."""

    def test_retain_grad_is_accepted(self) -> None:
        """Every Value keeps its gradient here, so retain_grad() has nothing to do."""
        w = Value(2.0)
        y = w * 3
        assert y.retain_grad() is None
        (y * y).backward()
        assert y.grad == 12.0

    def test_retain_grad_on_a_value_that_needs_no_grad(self) -> None:
        """PyTorch: "can't retain_grad on Tensor that has requires_grad=False"."""
        with pytest.raises(
            RuntimeError,
            match=r"can't retain_grad on a Value that has "
            r"requires_grad=False",
        ):
            Value(1.0, requires_grad=False).retain_grad()

    @pytest.mark.parametrize(
        ("name", "hint"),
        [("numpy", r"v\.item\(\)"), ("register_hook", r"micrograd_lite\.grad\(")],
    )
    def test_methods_that_do_not_exist_say_what_to_use(self, name: str, hint: str) -> None:
        """An AttributeError still (so hasattr is False), with the way to do it here."""
        w = Value(2.0)
        assert not hasattr(w, name)
        with pytest.raises(
            AttributeError, match=rf"'Value' object has no attribute '{name}'.*" + hint
        ):
            getattr(w, name)

    @pytest.mark.parametrize(
        ("name", "hint"),
        [
            ("tolist", r"one float"),
            ("cuda", r"no device"),
            ("to", r"no device"),
            ("shape", r"no shape"),
            ("size", r"no shape"),
        ],
    )
    def test_tensor_attributes_say_a_value_is_one_float(self, name: str, hint: str) -> None:
        with pytest.raises(AttributeError, match=rf"no attribute '{name}': .*{hint}"):
            getattr(Value(2.0), name)

    def test_retains_grad(self) -> None:
        """PyTorch's flag: True where `.grad` holds a result's gradient (here, always)."""
        w = Value(2.0)
        assert (w * 3).retains_grad
        assert not w.retains_grad
        assert not Value(1.0, requires_grad=False).retains_grad

    def test_copy_and_pickle_still_work(self) -> None:
        """They probe for missing attributes; those must stay plain AttributeErrors."""
        w = Value(2.0, label="w")
        for twin in (copy.copy(w), copy.deepcopy(w), pickle.loads(pickle.dumps(w))):
            assert (twin.data, twin.grad, twin.label) == (2.0, 0.0, "w")

    def test_other_missing_attributes_are_plain(self) -> None:
        """copy, pickle and hasattr probe attributes: those get the usual error."""
        with pytest.raises(AttributeError, match=r"^'Value' object has no attribute 'nope'$"):
            Value(1.0).nope  # type: ignore[attr-defined]  # noqa: B018


class TestNoneGradients:
    """`w.grad = None` (or zero_grad(set_to_none=True)) means "no gradient yet"."""

    def test_backward_after_grad_none(self) -> None:
        """Not "unsupported operand type(s) for +=: 'NoneType' and 'float'"."""
        w, b = Value(2.0), Value(1.0)
        w.grad = None
        (w * 3 + b).backward()
        assert (w.grad, b.grad) == (3.0, 1.0)

    def test_model_zero_grad_set_to_none_then_backward(self) -> None:
        model = mg.nn.Neuron(2, seed=0)
        model.zero_grad(set_to_none=True)
        model([1.0, 2.0]).backward()
        assert all(isinstance(p.grad, float) for p in model.parameters())

    def test_repr_of_a_value_with_no_gradient(self) -> None:
        """repr says None rather than failing to format it."""
        w = Value(2.0)
        w.grad = None
        assert repr(w) == "Value(data=2.0, grad=None)"

    def test_compiled_call_after_set_to_none(self) -> None:
        """The generated code adds into `.grad`: a None there must count as 0 too."""
        w = Value(2.0)
        f = mg.compile(lambda x: w * x)
        f(Value(3.0, requires_grad=False))
        w.grad = None
        f(Value(3.0, requires_grad=False))
        assert w.grad == 3.0

    def test_intermediate_grad_none_then_backward(self) -> None:
        """A result's `.grad` set to None is overwritten by the next pass, as any other."""
        w = Value(2.0)
        y = w * 3
        z = y * y
        y.grad = None
        z.backward()
        assert (y.grad, w.grad) == (12.0, 36.0)

    def test_micrograd_closure_node_after_grad_none(self) -> None:
        """A `_backward` closure's `+=` into a parent whose `.grad` was None works too."""
        a = Value(3.0)
        out = Value(a.data * 2, (a,), "*2")

        def _backward() -> None:
            a.grad += 2 * out.grad

        out._backward = _backward
        a.grad = None
        out.backward()
        assert a.grad == 2.0

    def test_propagate_of_a_node_with_no_gradient_passes_nothing(self) -> None:
        """micrograd's `node._backward()` by hand, on a node whose `.grad` is None."""
        w = Value(2.0)
        y = w * 3
        y.grad = None
        y._backward()
        assert state(w) == [(2.0, 0.0, True)]

    def test_propagate_into_a_parent_with_no_gradient(self) -> None:
        w = Value(2.0)
        y = w * 3
        y.grad = 1.0
        w.grad = None
        y._backward()
        assert w.grad == 3.0

    def test_grad_with_a_none_grad_leaves_it_none(self) -> None:
        """grad() leaves `.grad` alone, None included."""
        w = Value(2.0)
        w.grad = None
        assert mg.grad(w * w, [w]) == (4.0,)
        assert w.grad is None


class TestCompiledCallSeeds:
    """A compiled call's grad_outputs, as backward()'s: one number for one output."""

    def test_one_number_for_one_output(self) -> None:
        w = Value(2.0)
        f = mg.compile(lambda x: w * x)
        f(Value(3.0, requires_grad=False), grad_outputs=2.0)
        assert w.grad == 6.0

    def test_a_value_seed_counts_as_its_number_as_in_backward(self) -> None:
        """Seeds are checked in one place: a compiled call takes a Value as backward() does."""
        w = Value(2.0)
        f = mg.compile(lambda x: w * x)
        f(Value(3.0, requires_grad=False), grad_outputs=Value(2.0))
        assert w.grad == 6.0

    def test_one_number_for_two_outputs_is_refused(self) -> None:
        w = Value(2.0)
        f = mg.compile(lambda x: (w * x, w + x))
        with pytest.raises(ValueError, match=r"one number for 2 outputs: give a list of 2"):
            f(Value(3.0, requires_grad=False), grad_outputs=1.0)
        assert w.grad == 0.0
