"""Inputs chosen to break the engine: backward and interrupts, in-place updates, pickling
and subclasses. Each test is one case that once lost a gradient, silently did nothing or
dropped an attribute, and now behaves as PyTorch does or refuses clearly.

Grouped as they were found; one behaviour per test.
"""

from __future__ import annotations

import copy
import functools
import math
import pickle
import re
import struct
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import micrograd_lite as mg
from micrograd_lite import Value
from micrograd_lite.autograd import pass_lock

PACKAGE = str(Path(mg.__file__).parent)


class InterruptAt:
    """A trace hook raising KeyboardInterrupt at the n-th step (opcode or line) run in the
    package's code or in a `_backward` closure: a Ctrl-C landing exactly there."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.steps = 0
        self.fired = False

    def __call__(self, frame: FrameType, event: str, arg: object) -> Any:
        code = frame.f_code
        if not (code.co_filename.startswith(PACKAGE) or code.co_name == "_backward"):
            return None
        frame.f_trace_opcodes = True
        return self.step

    def step(self, frame: FrameType, event: str, arg: object) -> Any:
        if event in ("opcode", "line"):
            self.steps += 1
            if self.steps == self.n:
                self.fired = True
                raise KeyboardInterrupt
        return self.step


def run_interrupted(n: int, action: Callable[[], object]) -> bool:
    """Run `action` with a Ctrl-C at its n-th step; whether the Ctrl-C came. Grad mode is
    turned back on after it, for the next run (a test of the mode reads it inside).

    A `with pass_lock:` exits through a few steps outside its own guard, where a trace
    hook can raise; CPython 3.11 handles a signal only at calls and loops' jumps back,
    so a real Ctrl-C does not land there. The lock a hook leaves held is let go of here,
    or every later backward in another thread would wait for it.
    """
    hook = InterruptAt(n)
    sys.settrace(hook)
    try:
        action()
    except KeyboardInterrupt:
        assert hook.fired
    finally:
        sys.settrace(None)
        mg.set_grad_enabled(True)
        while pass_lock._is_owned():  # type: ignore[attr-defined]  # RLock's own check
            pass_lock.release()
    return hook.fired


def bits(x: float | None) -> str:
    """A gradient exactly: None, or the float's bits (so -0.0 differs from 0.0)."""
    return "None" if x is None else struct.pack("<d", x).hex()


def interrupt_everywhere(
    build: Callable[[], tuple[list[Value], Callable[[], object]]],
) -> Iterator[tuple[list[str], list[str], list[str]]]:
    """For every step n of the action `build` returns, until the action runs to its end
    with no Ctrl-C: the grads before, the grads after a Ctrl-C at step n, and the grads
    after a run with no Ctrl-C, each on a fresh graph."""
    values, action = build()
    action()
    done = [bits(v._grad) for v in values]
    n = 0
    while True:
        n += 1
        values, action = build()
        before = [bits(v._grad) for v in values]
        fired = run_interrupted(n, action)
        yield before, [bits(v._grad) for v in values], done
        if not fired:
            return


def small_graph() -> tuple[list[Value], Callable[[], object]]:
    """Leaves with earlier grads (a number, None, -0.0, 0.0), a constant, a Value used
    twice, results of ops of one, two and any number of inputs, one with a grad from
    an earlier pass, and a micrograd closure node with the constant as a child."""
    x, y, z, w = Value(0.2), Value(-1.5), Value(3.0), Value(0.5)
    c = Value(2.0, requires_grad=False)
    x.grad, z.grad, w.grad = 0.2, -0.0, 0.0
    y.grad = None  # type: ignore[assignment]
    h = (x * y).tanh()
    h.grad = 7.0
    s = mg.sum([h, x * x, z * c, w])
    boom = Value(s.data * c.data, (s, c), "*")

    def _backward() -> None:  # micrograd's rule adds into the constant's .grad too
        s.grad += c.data * boom.grad
        c.grad += s.data * boom.grad

    boom._backward = _backward
    out = boom + h * z
    return [x, y, z, w, c, h, s, boom, out], out.backward


class TestBackwardSurvivesInterrupts:
    """A Ctrl-C at any step of a backward leaves every `.grad` as it was, or as done."""

    def test_a_ctrl_c_at_any_step_of_backward_leaves_every_grad_as_before_or_done(self) -> None:
        """Once a Ctrl-C while clearing the leaves or adding the old grads back lost them."""
        for before, after, done in interrupt_everywhere(small_graph):
            assert after in (before, done)

    def test_a_closure_that_fails_leaves_its_constant_childs_grad_as_it_was(self) -> None:
        """micrograd's rule adds into every child; a failed pass now takes that back too."""
        x, c = Value(2.0), Value(3.0, requires_grad=False)
        out = Value(x.data * c.data, (x, c), "*")

        def _backward() -> None:
            x.grad += c.data * out.grad
            c.grad += x.data * out.grad
            raise KeyboardInterrupt

        out._backward = _backward
        with pytest.raises(KeyboardInterrupt):
            out.backward()
        assert (x.grad, c.grad) == (0.0, 0.0)

    def test_a_ctrl_c_at_any_step_of_backward_of_two_outputs_leaves_every_grad(self) -> None:
        """`mg.backward([a, b], [1.0, -2.0])` interrupted anywhere loses no `.grad`."""

        def build() -> tuple[list[Value], Callable[[], object]]:
            values, _ = small_graph()
            a, b = values[-1], values[5]
            return values, lambda: mg.backward([a, b], [1.0, -2.0])

        for before, after, done in interrupt_everywhere(build):
            assert after in (before, done)

    def test_a_ctrl_c_at_any_step_of_grad_through_a_closure_changes_no_grad(self) -> None:
        """`grad()` runs a micrograd closure on borrowed `.grad` slots and puts them back."""

        def build() -> tuple[list[Value], Callable[[], object]]:
            values, _ = small_graph()
            x, out = values[0], values[-1]
            return values, lambda: mg.grad(out, [x])

        for before, after, _ in interrupt_everywhere(build):
            assert after == before

    def test_a_ctrl_c_at_any_step_of_grad_leaves_grad_mode_as_it_was(self) -> None:
        """`grad()` turns recording off for its pass; a Ctrl-C once left it off."""
        n = 0
        while True:
            n += 1
            values, _ = small_graph()
            enabled: list[bool] = []
            fired = run_interrupted(n, functools.partial(grad_then_mode, values, enabled))
            assert enabled == [True]
            if not fired:
                break


def grad_then_mode(values: list[Value], enabled: list[bool]) -> None:
    """`grad()` of the last value by the first, then whether grad mode is on, in `enabled`."""
    try:
        mg.grad(values[-1], [values[0]])
    finally:
        sys.settrace(None)  # no Ctrl-C in the reading
        enabled.append(mg.is_grad_enabled())


class TestGradientsAsPyTorchStoresThem:
    """Signed zeros, inf reaching constants, and a seed given as a list."""

    def test_a_minus_zero_gradient_after_zero_grad_is_stored_as_zero(self) -> None:
        """PyTorch adds into a `.grad` that exists: 0.0 + -0.0 is 0.0."""
        x = Value(0.0)
        x.zero_grad()
        (x * 0.0 * -1.0).backward()
        assert bits(x.grad) == bits(0.0)

    def test_detect_anomaly_lets_an_inf_gradient_reach_a_number_constant(self) -> None:
        """PyTorch computes no gradient for the 1e-10 in `x * 1e-10`, so nothing is checked."""
        x = Value(1e300)
        with mg.detect_anomaly():
            ((x * 1e-10) * 1e10).backward()
        assert x.grad == 1e10 * 1e-10

    def test_detect_anomaly_in_grad_lets_an_inf_gradient_reach_a_constant(self) -> None:
        """`grad()` checks what reaches the Values that require grad, as `backward()` does."""
        x, c = Value(1e300), Value(1e-10, requires_grad=False)
        with mg.detect_anomaly():
            (gx,) = mg.grad((x * c) * 1e10, [x])
        assert gx == 1e10 * 1e-10

    def test_a_list_as_the_gradient_of_one_value_is_refused(self) -> None:
        """`out.backward([1.0])` once ran; a Value is a scalar and takes one number."""
        x = Value(2.0)
        out = x * 3.0
        with pytest.raises(TypeError, match=r"takes one number.*got list"):
            out.backward([1.0])  # type: ignore[arg-type]
        assert x.grad == 0.0

    @pytest.mark.parametrize("reduce", [mg.sum, mg.mean])
    def test_sum_and_mean_of_a_number_say_they_take_a_list(self, reduce: Any) -> None:
        """`mg.sum(5)` once said `'int' object is not iterable`."""
        with pytest.raises(TypeError, match=r"takes a list .* got int: write micrograd_lite"):
            reduce(5)

    @pytest.mark.parametrize("reduce", [mg.sum, mg.mean])
    def test_sum_and_mean_of_a_string_say_they_take_a_list(self, reduce: Any) -> None:
        """A string is iterable, but its letters are no Values: the message names the str."""
        with pytest.raises(TypeError, match=r"takes a list .* got str"):
            reduce("ab")


class TestInPlaceOnAParameter:
    """With grad enabled, a leaf that requires grad is only ever `+=`-accumulated into."""

    @pytest.mark.parametrize("update", ["-=", "*=", "/="])
    def test_an_update_by_a_value_that_requires_grad_is_refused(self, update: str) -> None:
        """`p -= 0.01 * p` (weight decay) outside no_grad once rebound `p` and changed nothing."""
        p = Value(2.0)
        namespace = {"p": p}
        with pytest.raises(
            RuntimeError, match=rf"in-place operation \({re.escape(update)}\).*no_grad"
        ):
            exec(f"p {update} 0.01 * p", namespace)
        assert namespace["p"] is p
        assert (p.data, p.grad, p.is_leaf) == (2.0, 0.0, True)

    def test_a_weight_decay_loop_outside_no_grad_is_refused_at_its_first_parameter(self) -> None:
        """The learner's loop stops at once instead of training nothing in silence."""
        params = [Value(0.5), Value(-1.0)]

        def decay() -> None:
            for p in params:
                p -= 0.01 * p

        with pytest.raises(RuntimeError, match="no_grad"):
            decay()
        assert [q.data for q in params] == [0.5, -1.0]

    def test_an_update_by_a_result_of_the_parameter_itself_is_refused(self) -> None:
        """`w *= w.tanh()` on a leaf: PyTorch refuses it whatever the right side is."""
        w = Value(0.3)
        with pytest.raises(RuntimeError, match=r"\(\*=\)"):
            w *= w.tanh()
        assert w.data == 0.3

    def test_an_update_by_another_parameter_is_refused(self) -> None:
        """`a /= b` with both leaves that require grad changes nothing and raises."""
        a, b = Value(1.0), Value(4.0)
        with pytest.raises(RuntimeError, match=r"\(/=\)"):
            a /= b
        assert (a.data, b.data) == (1.0, 4.0)

    def test_a_power_in_place_on_a_parameter_is_refused(self) -> None:
        """`p **= 2` outside no_grad once rebound `p` in silence, as `-=` did."""
        p = Value(3.0)
        namespace = {"p": p}
        with pytest.raises(RuntimeError, match=r"\(\*\*=\).*no_grad"):
            exec("p **= 2", namespace)
        assert namespace["p"] is p
        assert p.data == 3.0

    @pytest.mark.parametrize("exponent", [2, Value(2.0, requires_grad=False)])
    def test_a_power_in_place_under_no_grad_changes_the_same_object(self, exponent: Any) -> None:
        """`w **= 2` under no_grad once made a new Value, leaving the model's parameter."""
        w = Value(3.0)
        params = [w]
        with mg.no_grad():
            w **= exponent
        assert w is params[0]
        assert w.data == 9.0

    def test_an_in_place_update_to_inf_under_detect_anomaly_is_refused(self) -> None:
        """`w - inf` raises inside detect_anomaly; `w -= inf` under no_grad once did not."""
        w = Value(2.0)
        with mg.detect_anomaly(), mg.no_grad(), pytest.raises(FloatingPointError, match="Sub"):
            w -= math.inf
        assert w.data == 2.0


class Slotted(Value):
    """A subclass of Value that keeps its own attribute in a slot, a private one too."""

    __slots__ = ("momentum", "__secret")

    def __init__(self, data: float, momentum: float) -> None:
        super().__init__(data)
        self.momentum = momentum
        self.__secret = "kept"

    def secret(self) -> str:
        """The private slot's value."""
        return self.__secret


class SlottedMore(Slotted):
    """A subclass of a slotted subclass, with one more slot, one left unset, and a dict."""

    __slots__ = "step"


def copies(v: Value) -> list[Any]:
    """`v` through copy.copy, copy.deepcopy and pickle."""
    return [copy.copy(v), copy.deepcopy(v), pickle.loads(pickle.dumps(v))]


class TestCopiesOfSubclasses:
    """pickle, copy and deepcopy keep what a subclass of Value holds."""

    def test_a_slot_attribute_survives_copy_deepcopy_and_pickle(self) -> None:
        """Only `vars()` was saved, so a subclass's `__slots__` attributes were lost."""
        for twin in copies(Slotted(1.5, momentum=0.25)):
            assert type(twin) is Slotted
            assert (twin.data, twin.momentum) == (1.5, 0.25)

    def test_a_private_slot_attribute_survives_copy_deepcopy_and_pickle(self) -> None:
        """A `__name` slot is stored under its mangled name and comes back under it."""
        for twin in copies(Slotted(1.5, momentum=0.25)):
            assert twin.secret() == "kept"

    def test_slots_of_every_class_in_the_line_survive_and_unset_ones_stay_unset(self) -> None:
        """The subclass's subclass keeps its own slot, its parent's, and its `__dict__`."""
        v = SlottedMore(2.0, momentum=0.5)
        v.label = "w"
        v.extra = [1, 2]  # type: ignore[attr-defined]  # its dict, from Value
        for twin in copies(v):
            assert (twin.momentum, twin.label, twin.extra) == (0.5, "w", [1, 2])
            assert not hasattr(twin, "step")

    def test_a_subclass_with_its_own_getstate_and_setstate_gets_them_called(self) -> None:
        """PyTorch pickles a tensor subclass through its `__getstate__`; here too."""
        for twin in copies(Pickled(1.5, scale=2.0)):
            assert (twin.data, twin.scale, twin.restored) == (1.5, 2.0, True)


class Pickled(Value):
    """A subclass that saves and restores its own state, as the pickle protocol allows."""

    def __init__(self, data: float, scale: float) -> None:
        super().__init__(data)
        self.scale = scale

    def __getstate__(self) -> dict[str, float]:
        return {"saved_scale": self.scale}

    def __setstate__(self, state: dict[str, float]) -> None:
        self.scale = state["saved_scale"]
        self.restored = True
