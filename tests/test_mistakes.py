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
import threading
from collections.abc import Iterator
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


class TestGradModeObjects:
    """no_grad, enable_grad and set_grad_enabled objects used in ways PyTorch allows."""

    def test_one_no_grad_object_entered_in_two_threads(self) -> None:
        """Both threads are inside the same object at once, and leave in crossed order."""
        shared = mg.no_grad()
        inside = threading.Barrier(2)
        first_left = threading.Event()
        seen: dict[str, tuple[bool, bool]] = {}
        errors: list[BaseException] = []

        def run(name: str) -> None:
            try:
                with shared:
                    inside.wait(timeout=10)
                    during = mg.is_grad_enabled()
                    if name == "second":
                        first_left.wait(timeout=10)  # "first" leaves while "second" is inside
                if name == "first":
                    first_left.set()
                seen[name] = (during, mg.is_grad_enabled())
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)
                first_left.set()

        threads = [threading.Thread(target=run, args=(n,)) for n in ("first", "second")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert errors == []
        assert seen == {"first": (False, True), "second": (False, True)}
        assert mg.is_grad_enabled()

    def test_one_set_grad_enabled_object_in_two_with_blocks(self) -> None:
        """Each block switches recording off and restores what it found."""
        off = mg.set_grad_enabled(False)
        assert not mg.is_grad_enabled()  # calling it switches at once, as in PyTorch
        with off:
            assert not mg.is_grad_enabled()
        assert mg.is_grad_enabled()  # the first block restores the mode from before the call
        with off:
            assert not mg.is_grad_enabled()
            assert (Value(1.0) * 2).requires_grad is False
        assert mg.is_grad_enabled()
        with mg.no_grad(), off:
            pass
        assert mg.is_grad_enabled()

    def test_no_grad_on_a_generator_function_covers_its_body(self) -> None:
        """`@no_grad()` holds while the generator runs, and not in the loop that reads it."""
        w = Value(2.0)

        @mg.no_grad()
        def steps(n: int) -> Iterator[tuple[bool, bool]]:
            for _ in range(n):
                product = w * 3.0
                yield mg.is_grad_enabled(), product.requires_grad

        seen = []
        for inside in steps(3):
            seen.append((inside, mg.is_grad_enabled()))
        assert seen == [((False, False), True)] * 3
        assert mg.is_grad_enabled()

    def test_generator_closed_early_or_thrown_into_restores_the_mode(self) -> None:
        """Breaking out of the loop or throwing into the generator leaves the mode alone."""
        modes_in_finally = []

        @mg.no_grad()
        def numbers() -> Iterator[int]:
            try:
                yield 1
                yield 2
            finally:
                modes_in_finally.append(mg.is_grad_enabled())

        gen = numbers()
        assert next(gen) == 1
        gen.close()
        gen = numbers()
        next(gen)
        with pytest.raises(KeyError):
            gen.throw(KeyError("from the caller"))
        assert modes_in_finally == [False, False]
        assert mg.is_grad_enabled()

    def test_no_grad_without_parentheses_decorates(self) -> None:
        """`@no_grad` works as `@torch.no_grad` does, with or without ()."""

        @mg.no_grad
        def inside() -> bool:
            return mg.is_grad_enabled()

        assert inside() is False
        assert mg.is_grad_enabled()

    @pytest.mark.parametrize("flag", [1, "yes", None])
    def test_set_grad_enabled_takes_a_bool(self, flag: Any) -> None:
        """Like torch, a non-bool is a TypeError, and the mode is not touched."""
        with pytest.raises(TypeError, match=r"set_grad_enabled takes True or False"):
            mg.set_grad_enabled(flag)
        assert mg.is_grad_enabled()

    def test_decorating_something_that_is_not_a_function(self) -> None:
        """`no_grad()(value)` is a mix-up with `with no_grad():`, and says so."""
        with pytest.raises(TypeError, match=r"no_grad\(\) decorates a function, got Value"):
            mg.no_grad()(Value(1.0))  # type: ignore[type-var]
        assert mg.is_grad_enabled()
