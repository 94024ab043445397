"""Inputs chosen to break compile at its bounds, and microgpt's code tried with this
library's `Value`: each test is one case that once raised an internal error, gave a
stale number or a misleading message, and now behaves as eager code does or refuses
clearly.

Grouped as they were found; one behaviour per test.
"""

from __future__ import annotations

import math
import sys
import threading
import types
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import micrograd_lite as mg
from micrograd_lite import Value
from micrograd_lite.compiler import codegen, function, tape


def run_in_threads(work: Callable[[], None], count: int = 6) -> list[BaseException]:
    """Run `work` in `count` threads that start together, switching as often as Python
    allows; the exceptions they raised."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            work()
        except BaseException as error:  # reported by the test
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=worker) for _ in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    return errors


def interrupted_at(event: int, files: tuple[str, ...], call: Callable[[], Any]) -> bool:
    """Run `call` with a KeyboardInterrupt raised at its `event`-th line or opcode inside
    code from `files`; whether it was raised (False: `call` ran out of events first)."""
    seen = 0
    fired = False

    def local(frame: types.FrameType, kind: str, arg: Any) -> Any:
        nonlocal seen, fired
        if kind in ("line", "opcode") and not fired:
            seen += 1
            if seen == event:
                fired = True
                raise KeyboardInterrupt
        return local

    def tracer(frame: types.FrameType, kind: str, arg: Any) -> Any:
        if frame.f_code.co_filename not in files:
            return None
        frame.f_trace_opcodes = True
        return local

    sys.settrace(tracer)
    try:
        call()
    except KeyboardInterrupt:
        assert fired
    finally:
        sys.settrace(None)
    return fired


class TestCompileAtItsBoundsAndInThreads:
    """max_recordings, the handover to generated code, and Ctrl-C, with threads racing."""

    def test_threads_making_first_calls_at_once_record_at_most_max_recordings(self) -> None:
        """Six threads' first calls once made six recordings with max_recordings=1."""
        w = [Value(0.01 * i) for i in range(300)]  # a recording long enough to race
        for _ in range(5):
            compiled = mg.compile(lambda x: mg.sum((x * p).tanh() for p in w), max_recordings=1)
            for p in w:
                p.grad = 0.0
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no call may fall back to eager code
                errors = run_in_threads(lambda: compiled(Value(1.0)))  # noqa: B023
            assert errors == []
            assert compiled.recordings == 1
            assert w[3].grad == 6 * (1 - math.tanh(0.03) ** 2)

    def test_threads_crossing_the_handover_get_exact_gradients(self, monkeypatch: Any) -> None:
        """Threads crossing the handover to generated code once hit an AssertionError,
        raised after the call had added its gradients."""
        monkeypatch.setattr(function, "GENERATE_AFTER", 2)
        w = [Value(0.01 * i) for i in range(200)]

        def fn(x: Value) -> Value:
            return mg.sum((x * p).tanh() for p in w)

        for _ in range(5):
            compiled = mg.compile(fn)
            compiled(Value(1.0))  # recorded: the handover comes in the threads' calls
            for p in w:
                p.grad = 0.0
            errors = run_in_threads(lambda: compiled(Value(1.0)))  # noqa: B023
            assert errors == []
            assert compiled.generations == 1
            assert w[3].grad == 6 * (1 - math.tanh(0.03) ** 2)

    def test_an_interrupt_during_the_handover_adds_no_gradient(self, monkeypatch: Any) -> None:
        """A Ctrl-C while the code was generated once came after the call had added its
        gradients, so a retried call added them twice."""
        monkeypatch.setattr(function, "GENERATE_AFTER", 2)
        w = Value(0.5)
        compiled = mg.compile(lambda x: (x * w).tanh() * x)
        compiled(Value(1.0))
        w.grad = 0.0
        files = (codegen.__file__,)
        assert interrupted_at(50, files, lambda: compiled(Value(1.0)))
        assert w.grad == 0.0
        compiled(Value(1.0))  # the call again: it hands over, and adds its gradient once
        assert compiled.generations == 1
        assert w.grad == (1 - math.tanh(0.5) ** 2)

    @pytest.mark.parametrize("generate", [False, True], ids=["tape", "generated code"])
    def test_an_interrupt_anywhere_in_a_compiled_call_never_leaves_grads_half_written(
        self, generate: bool
    ) -> None:
        """A Ctrl-C among the writes to the leaves' .grad once left some written and some
        not: wherever it lands, every .grad is as before the call, or as after it."""
        params = [Value(0.1 * i + 0.05) for i in range(5)]
        compiled = mg.compile(
            lambda x: mg.sum((x * p).tanh() for p in params) * params[0], generate=generate
        )
        compiled(Value(1.0))  # recorded (and, with generate, its code written)
        before = [0.2 * i for i in range(5)] + [0.0]

        def grads_after(event: int) -> tuple[list[float], bool]:
            for p, g in zip(params, before):
                p.grad = g
            x = Value(2.0)
            files = (tape.__file__, "<micrograd_lite.compile compiled>")
            fired = interrupted_at(event, files, lambda: compiled(x))
            return [p.grad for p in params] + [x.grad], fired

        after, _ = grads_after(0)  # no interrupt
        assert after != before
        event, fired, interrupted = 0, True, 0
        while fired:
            event += 1
            grads, fired = grads_after(event)
            assert grads in (before, after), f"interrupted at event {event}"
            interrupted += fired and grads == before
        assert interrupted > 20  # the interrupt landed everywhere, the writes included

    def test_backward_on_a_result_returned_under_no_grad_says_no_backward_ran(self) -> None:
        """It once said the call 'has already run backward and filled .grad'."""
        compiled = mg.compile(lambda x: x * 2.0)
        with mg.no_grad():
            out = compiled(Value(1.0))
        with pytest.raises(RuntimeError, match="called under no_grad") as error:
            out.backward()
        assert "filled .grad" not in str(error.value)

    def test_backward_on_a_result_needing_no_grad_says_there_was_no_gradient(self) -> None:
        """A result computed from no Value that requires grad: no backward ran either."""
        compiled = mg.compile(lambda x: x * 2.0)
        out = compiled(Value(1.0, requires_grad=False))
        with pytest.raises(RuntimeError, match="no gradient to fill") as error:
            out.backward()
        assert "filled .grad" not in str(error.value)

    def test_source_past_the_source_limit_gives_advice_that_applies(self, monkeypatch: Any) -> None:
        """It once advised passing generate=True, which the caller had done."""
        monkeypatch.setattr(codegen, "SOURCE_LIMIT", 200)
        compiled = mg.compile(lambda x: (x * x + x).tanh() * x, generate=True)
        compiled(Value(0.5))
        with pytest.raises(RuntimeError, match="SOURCE_LIMIT = 200") as error:
            compiled.source()
        assert "generate=True" not in str(error.value)
        assert "the tape gives the same numbers" in str(error.value)


class Slotted(Value):
    """A Value subclass that keeps its extra attribute in a slot."""

    __slots__ = ("scale",)


class TestCompileWithOddArguments:
    """Arguments whose attributes live in slots, and variables fn reads from outside."""

    def test_a_slotted_value_subclass_argument_works(self) -> None:
        """fn reading a slot of its argument once raised AttributeError; eager works."""
        x = Slotted(3.0)
        x.scale = 2.0
        assert mg.compile(lambda v: v * v.scale)(x).data == 6.0
        assert x.grad == 2.0

    def test_a_changed_slot_of_a_value_argument_records_again(self) -> None:
        compiled = mg.compile(lambda v: v * v.scale)
        x = Slotted(3.0)
        x.scale = 2.0
        assert compiled(x).data == 6.0
        x.scale = 5.0
        assert compiled(x).data == 15.0

    @pytest.mark.parametrize("slots", ["scale", ("__scale",)], ids=["a string", "private"])
    def test_a_number_in_an_argument_objects_slot_is_read_on_every_call(self, slots: Any) -> None:
        """`__slots__ = "scale"` was read letter by letter, and a private `__scale` by its
        unmangled name: neither was found, so a changed number was replayed stale."""

        class Holder:
            __slots__ = slots

            def __init__(self, scale: float) -> None:
                setattr(self, self.name(), scale)

            def name(self) -> str:
                return "scale" if slots == "scale" else "_Holder__scale"

            def get(self) -> float:
                return float(getattr(self, self.name()))

        holder = Holder(2.0)
        compiled = mg.compile(lambda x, h: x * h.get())
        assert compiled(Value(3.0), holder).data == 6.0
        setattr(holder, holder.name(), 5.0)
        assert compiled(Value(3.0), holder).data == 15.0

    def test_a_rebound_global_number_is_read_on_every_call(self) -> None:
        """`scale = 3.0` after the first call once left the compiled function at 2.0."""
        namespace: dict[str, Any] = {"scale": 2.0}
        exec("def fn(x):\n    return x * scale\n", namespace)
        compiled = mg.compile(namespace["fn"])
        assert compiled(Value(1.0)).data == 2.0
        namespace["scale"] = 3.0
        assert compiled(Value(1.0)).data == 3.0

    def test_a_parameter_replaced_in_an_enclosing_variable_gets_the_gradient(self) -> None:
        """A Value rebound in an enclosing variable once kept the old one's data and
        gradient: the new one got nothing."""
        w = Value(2.0)

        def fn(x: Value) -> Value:
            return x * w

        compiled = mg.compile(fn)
        compiled(Value(1.0))
        old, w = w, Value(5.0)
        assert compiled(Value(1.0)).data == 5.0
        assert (old.grad, w.grad) == (1.0, 1.0)


class TestMicrogptWithThisValue:
    """microgpt's code, with only its `Value` class swapped for this library's."""

    def test_a_document_read_from_a_global_list_gives_eager_numbers(self) -> None:
        """A per-document loss reading its tokens from a global once replayed the first
        document on every call: training on one name."""
        namespace: dict[str, Any] = {
            "mg": mg,
            "wte": [[Value(0.1 * (i + j)) for j in range(2)] for i in range(4)],
            "doc": [0, 1, 2],
        }
        exec("def loss():\n    return mg.sum(wte[t][0] * wte[t][1] for t in doc)\n", namespace)
        compiled = mg.compile(namespace["loss"])
        for doc in ([0, 1, 2], [3, 3, 1], [2, 2, 2]):
            namespace["doc"][:] = doc  # changed in place, as `doc[:] = ...` does
            assert compiled().data == namespace["loss"]().data

    def test_a_dict_read_from_an_enclosing_function_gives_eager_numbers(self) -> None:
        table = {"a": Value(2.0), "b": Value(3.0)}
        tokens = {"first": "a"}

        def loss(x: Value) -> Value:
            return x * table[tokens["first"]]

        compiled = mg.compile(loss)
        assert compiled(Value(1.0)).data == 2.0
        tokens["first"] = "b"
        assert compiled(Value(1.0)).data == 3.0
        assert table["b"].grad == 1.0

    def test_past_max_recordings_the_warning_names_the_variable(self) -> None:
        """The one warning says which variable changed, so the user can pass it."""
        doc = [0]
        w = [Value(0.5), Value(1.5), Value(2.5)]

        def loss() -> Value:
            return mg.sum(w[t] * w[t] for t in doc)

        compiled = mg.compile(loss, max_recordings=2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for tokens in ([0], [1], [2]):
                doc = tokens
                assert compiled().data == loss().data
        assert len(caught) == 1
        assert "fn reads 'doc' from outside its arguments" in str(caught[0].message)

    def test_the_data_refusal_names_the_read_and_what_to_write(self) -> None:
        """microgpt's softmax shift once drew a note on micrograd-style ops, which fn
        does not use."""

        def softmax_total(logits: list[Value]) -> Value:
            top = max(v.data for v in logits)
            return mg.sum((v - top).exp() for v in logits)

        with pytest.raises(mg.CompileError) as error:
            mg.compile(softmax_total)([Value(1.0), Value(2.0)])
        message = str(error.value)
        assert "reads .data of a Value that fn computes with" in message
        assert "`max(logits)` in place of `max(v.data for v in logits)`" in message
        assert "_backward closure" not in message

    def test_the_local_grads_constructor_makes_the_node_microgpt_means(self) -> None:
        """`Value(data, children, local_grads)` once raised '_op must be a str'; each
        child receives its local gradient times the node's gradient."""
        a, b = Value(2.0), Value(-3.0)
        product = Value(a.data * b.data, (a, b), (b.data, a.data))
        shifted = Value(product.data + 1.0, (product,), (1,))
        out = Value(math.exp(shifted.data), (shifted, a, b), (math.exp(shifted.data), 2.0, 0.5))
        out.backward()
        e = math.exp(-5.0)
        assert (a.grad, b.grad) == (e * -3.0 + 2.0, e * 2.0 + 0.5)
        assert out.parents == (shifted, a, b)

    def test_a_local_grad_for_each_child_is_required(self) -> None:
        with pytest.raises(TypeError, match="one local gradient per child: got 2 children"):
            Value(1.0, (Value(1.0), Value(2.0)), (1.0,))

    def test_a_value_as_a_local_grad_is_refused_naming_data(self) -> None:
        a = Value(2.0)
        with pytest.raises(TypeError, match=r"got a Value: write its \.data"):
            Value(4.0, (a,), (a,))

    def test_create_graph_through_a_local_grads_node_is_refused(self) -> None:
        """Its local gradients are numbers: a second derivative through them would be
        silently wrong."""
        a = Value(2.0)
        square = Value(a.data**2, (a,), (2 * a.data,))
        with pytest.raises(RuntimeError, match="local gradients are numbers"):
            mg.grad(square, [a], create_graph=True)
        assert mg.grad(square, [a]) == (4.0,)
