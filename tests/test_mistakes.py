"""The catalogue of mistakes the library catches, one class per kind of mistake.

Each test makes one mistake a learner or a PyTorch user makes, and checks two things: the
error is of the right type (`TypeError` for a wrong type, `ValueError` for a bad value,
`RuntimeError` for the wrong state) and its message says what was wrong and what to do;
and nothing changed (weights, gradients, optimizer state are as they were). Where a
PyTorch habit has a meaning here, the test shows that it works instead.

The command line's mistakes are in test_mistakes_cli.py.
"""

from __future__ import annotations

import builtins
from typing import Any

import pytest

import micrograd_lite as mg
from micrograd_lite import Value


class TestImports:
    """What `import` and `from micrograd_lite import ...` give."""

    def test_gradcheck_from_the_package_is_the_function(self) -> None:
        """`from micrograd_lite import gradcheck` gives the function the README calls."""
        from micrograd_lite import GradcheckError, gradcheck, gradgradcheck

        assert gradcheck(lambda a, b: a * b.tanh(), [Value(0.3), Value(-1.2)]) is True
        assert gradgradcheck(lambda a: a**3, [Value(0.7)]) is True
        assert issubclass(GradcheckError, RuntimeError)

    def test_star_import_keeps_the_builtins_sum_and_compile(self) -> None:
        """`from micrograd_lite import *` leaves Python's sum and compile alone."""
        namespace: dict[str, Any] = {}
        exec("from micrograd_lite import *", namespace)
        assert "sum" not in namespace
        assert "compile" not in namespace
        assert "Value" in namespace
        assert "gradcheck" in namespace
        exec("total = sum([1, 2, 3])", namespace)
        assert namespace["total"] == 6
        assert namespace["total"].__class__ is int

    def test_sum_and_compile_stay_attributes(self) -> None:
        """They are still there as `mg.sum` and `mg.compile`, as torch.sum and torch.compile."""
        assert mg.sum([Value(1.0), 2.0]).data == 3.0
        assert callable(mg.compile)
        assert mg.sum is not builtins.sum
        assert set(mg.__all__) <= set(dir(mg))


class TestGradcheck:
    """gradcheck given one Value, nothing to check, or something that is not a function."""

    def test_a_single_value_is_one_input(self) -> None:
        """`gradcheck(fn, v)` checks fn at v, as torch.autograd.gradcheck takes one tensor."""
        v = Value(0.5)
        assert mg.gradcheck(lambda a: a.exp(), v) is True
        assert mg.gradcheck(lambda a: a * 2.0, 1.5) is True
        with pytest.raises(mg.GradcheckError, match=r"input 0"):
            mg.gradcheck(lambda a: Value(a.data * 3.0), v)
        assert v.data == 0.5
        assert v.grad == 0.0

    @pytest.mark.parametrize("inputs", [[], [Value(1.0, requires_grad=False)]])
    def test_nothing_that_requires_grad_is_an_error(self, inputs: list[Any]) -> None:
        """A check of no input would pass whatever fn does, so it is refused (PyTorch's words)."""
        with pytest.raises(ValueError, match=r"at least one input to require grad"):
            mg.gradcheck(lambda *xs: mg.sum(list(xs)), inputs)

    @pytest.mark.parametrize("inputs", ["ab", b"ab", {"a": Value(1.0)}.values(), None])
    def test_inputs_of_the_wrong_type(self, inputs: Any) -> None:
        """Inputs are a Value, a number, or a list or tuple of them; anything else says so."""
        with pytest.raises(TypeError, match=r"inputs must be a Value, a number, or a list"):
            mg.gradcheck(lambda a: a, inputs)

    def test_fn_must_be_callable_and_eps_positive(self) -> None:
        """The arguments swapped, or a zero step, are named."""
        v = Value(1.0)
        with pytest.raises(TypeError, match=r"fn must be a function of the inputs, got Value"):
            mg.gradcheck(v, [v])  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"eps must be a positive step, got 0"):
            mg.gradcheck(lambda a: a, [v], eps=0)
        assert (v.data, v.grad) == (1.0, 0.0)
