"""Inputs chosen to break things: each test is one case that once gave a silent wrong
number, hung, lost gradients or grew without bound, and now behaves as PyTorch does or
refuses clearly.

Grouped as they were found; one behaviour per test.
"""

from __future__ import annotations

import collections
import copy
import functools
import json
import math
import os
import pickle
import re
import signal
import stat
import struct
import sys
import threading
import tracemalloc
import types
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pytest

import micrograd_lite as mg
from micrograd_lite import Value, gradcheck, nn, ops
from micrograd_lite.autograd import pass_lock
from micrograd_lite.compiler import codegen, function, tape
from micrograd_lite.optim import SGD, Adam
from micrograd_lite.viz import draw_dot, live, plot, render, stepper, to_svg
from tests.test_mistakes_cli import refused


def refusal_of(save: Callable[[], object]) -> BaseException | None:
    """What `save()` raised, run in a thread: a save that blocks (a named pipe nobody
    reads) fails the test instead of hanging the suite."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            save()
            outcome.append(None)
        except BaseException as error:  # reported to the test's thread
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(120)  # a guard against hanging the suite, not a timing
    assert outcome, "save() blocked on the named pipe"
    return outcome[0]


class TestOptimizersAndChecks:
    """Hyperparameters of any numeric type, the param group, nan in Adam and gradcheck."""

    def test_a_float16_learning_rate_steps_in_float64(self) -> None:
        """`np.float16(0.1)` once made `w.data` a float16 nan; the step is in floats."""
        w = Value(0.7)
        w.grad = 0.5
        SGD([w], lr=np.float16(0.1)).step()  # type: ignore[arg-type]
        assert type(w.data) is float
        assert w.data == 0.7 - float(np.float16(0.1)) * 0.5

    def test_a_float32_learning_rate_leaves_adam_parameters_floats(self) -> None:
        """Adam with `np.float32` hyperparameters gives the float64 update, as floats."""
        w, twin = Value(0.7), Value(0.7)
        w.grad = twin.grad = 0.5
        Adam([w], lr=np.float32(0.1), betas=(np.float32(0.8), 0.9)).step()  # type: ignore[arg-type]
        Adam([twin], lr=float(np.float32(0.1)), betas=(float(np.float32(0.8)), 0.9)).step()
        assert type(w.data) is float
        assert w.data == twin.data

    def test_a_param_group_put_in_place_is_the_one_used(self) -> None:
        """`opt.param_groups[0] = {...}` once changed nothing; now it sets the rate."""
        w = Value(1.0)
        w.grad = 1.0
        opt = SGD([w], lr=0.1)
        opt.param_groups[0] = {**opt.param_groups[0], "lr": 0.5}
        opt.step()
        assert w.data == 0.5
        assert opt.defaults["lr"] == 0.5

    def test_a_param_group_missing_a_hyperparameter_is_refused_at_step(self) -> None:
        w = Value(1.0)
        w.grad = 1.0
        opt = SGD([w], lr=0.1)
        opt.param_groups[0] = {"lr": 0.5}
        with pytest.raises(ValueError, match=r"missing \['momentum'"):
            opt.step()
        assert w.data == 1.0

    def test_a_second_param_group_is_refused_at_step(self) -> None:
        w = Value(1.0)
        w.grad = 1.0
        opt = SGD([w], lr=0.1)
        opt.param_groups.append(dict(opt.param_groups[0]))
        with pytest.raises(ValueError, match="2 param groups; this optimizer has exactly one"):
            opt.step()
        assert w.data == 1.0

    def test_amsgrad_keeps_a_nan_second_moment_as_pytorch(self) -> None:
        """torch.maximum propagates nan; Python's max(0.0, nan) is 0.0."""
        w = Value(1.0)
        opt = Adam([w], lr=0.1, amsgrad=True)
        w.grad = math.nan
        opt.step()
        assert math.isnan(opt.state[0]["max_exp_avg_sq"])
        assert math.isnan(w.data)

    def test_gradcheck_fails_on_a_nan_gradient(self) -> None:
        """A nan derivative is never close to a number (torch.allclose), so it is reported."""

        def broken(x: Value) -> Value:
            out = Value(2.0 * x.data, (x,), "twice")

            def _backward() -> None:
                x.grad += math.nan * out.grad

            out._backward = _backward
            return out

        assert not gradcheck(broken, [Value(0.3)], raise_exception=False)

    def test_a_state_of_a_number_too_large_for_a_float_loads_as_inf(self) -> None:
        """`10**400` in a saved state once raised OverflowError; it is inf, as in a Value."""
        w = Value(1.0)
        opt = SGD([w], lr=0.1, momentum=0.9)
        state = opt.state_dict()
        state["state"] = {0: {"momentum_buffer": 10**400}}
        opt.load_state_dict(state)
        assert opt.state[0]["momentum_buffer"] == math.inf


class TestMemoryAndHangs:
    """What grows with every step, and what waits forever."""

    def test_micrograd_ops_with_data_in_their_symbol_do_not_pile_up(self) -> None:
        """micrograd's own `f'**{other}'` makes a symbol per exponent: nodes so made, once
        dropped, leave nothing behind (1.76 MB per 10,000 steps before)."""
        x = Value(2.0)
        for i in range(100):  # warm up whatever is made once
            Value(1.0, (x,), f"**{i}")
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(10_000):
            Value(1.0, (x,), f"**{0.5 + i}")
        grown = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        assert grown < 100_000

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
    def test_saving_a_stepper_onto_a_named_pipe_is_refused_at_once(self, tmp_path: Path) -> None:
        """Writing a page into a FIFO nobody reads would block forever."""
        from micrograd_lite.viz import stepper

        pipe = tmp_path / "pipe"
        os.mkfifo(pipe)
        page = stepper(Value(1.0, label="a") * 2.0)
        refused = refusal_of(lambda: page.save(pipe))
        assert isinstance(refused, ValueError)
        assert "not a regular file" in str(refused)


class TestPagesAndFiles:
    """Labels and paths that broke what the visualiser writes."""

    def test_a_label_opening_an_html_comment_leaves_the_pages_data_without_a_tag(self) -> None:
        """`<!--<script>` in a label once made the data element swallow the page's own
        script, so the controls did nothing: the data now holds no `<` at all."""
        from micrograd_lite.viz import stepper

        page = stepper(Value(1.0, label="<!--<script>") * 2.0).html()
        data = page.split('<script type="application/json" class="mgl-data">', 1)[1]
        data = data.split("</script>", 1)[0]
        assert "<" not in data
        assert json.loads(data)  # still the same JSON, `<` written as \\u003c
        assert "<!--<script>" in json.dumps(json.loads(data), ensure_ascii=False)

    @pytest.mark.parametrize(
        "label", ["weights\nedge of the layer", "loss\ngraph 1 2 3", "x\nnode v0 1 2 3 4"]
    )
    def test_a_label_with_a_newline_is_laid_out(self, label: str) -> None:
        """`-Tplain` writes a label's newline as it is: a label's second line starting
        "edge" once crashed the stepper (ValueError from int()), as the live view."""
        from micrograd_lite.viz import dot, stepper

        a = Value(2.0, label=label)
        out = (a * 3.0).tanh()
        source = f'digraph {{ a [label="{label}" shape=box] b [label="b"] a -> b }}'
        laid_out = dot.layout(source)
        assert set(laid_out.boxes) == {"a", "b"}
        assert [(tail, head) for tail, head, _ in laid_out.edges] == [("a", "b")]
        page = stepper(out).html()
        assert label.split("\n")[1] in page


class TestUnclearErrors:
    """A clear refusal that names the cause, where Python's bare message or nonsense came."""

    def test_a_numpy_bool_is_named_with_its_module(self) -> None:
        """`Value(np.bool_(True))` once said "takes ... bool, got bool"."""
        with pytest.raises(TypeError, match=r"got numpy\.bool"):
            Value(np.bool_(True))  # type: ignore[arg-type]

    @pytest.mark.parametrize("flag", ["no", 1, None])
    def test_requires_grad_must_be_true_or_false(self, flag: object) -> None:
        """`requires_grad='no'` once read as true."""
        with pytest.raises(TypeError, match="requires_grad must be True or False"):
            Value(1.0, requires_grad=flag)  # type: ignore[arg-type]

    @pytest.mark.parametrize("total", [mg.sum, mg.mean])
    def test_sum_of_one_value_says_to_pass_a_list(self, total: Any) -> None:
        """`mg.sum(v)` once said "'Value' object is not iterable"."""
        with pytest.raises(TypeError, match=r"a list of Values, got one Value: write"):
            total(Value(1.0))

    def test_a_compiled_function_called_with_a_keyword_says_so(self) -> None:
        """`compiled(x=...)` once gave Python's bare "unexpected keyword argument"."""
        compiled = mg.compile(lambda x: x * 2.0)
        with pytest.raises(TypeError, match=r"by position .* got x="):
            compiled(x=Value(1.0))

    @pytest.mark.parametrize("every", [0, -1, 1.5, True])
    def test_live_every_must_be_a_whole_number_of_steps(self, every: object) -> None:
        """`live(every=0)` once raised ZeroDivisionError at the first update."""
        from micrograd_lite.viz import live

        with pytest.raises(ValueError, match="every must be a whole number of steps"):
            live(every=every)

    @pytest.mark.parametrize("timeout", [math.nan, -1.0, 0.0, math.inf, "5"])
    def test_a_time_limit_must_be_a_positive_number_of_seconds(self, timeout: object) -> None:
        """`draw_dot(timeout=nan)` and `live(timeout=-1)` once gave nonsense."""
        from micrograd_lite.viz import live, to_svg

        with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
            live(timeout=timeout)
        with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
            to_svg(Value(1.0) * 2.0, timeout=timeout)

    def test_the_stepper_refuses_an_unknown_rankdir(self) -> None:
        """`stepper(rankdir="XY")` was accepted."""
        from micrograd_lite.viz import stepper

        with pytest.raises(ValueError, match="rankdir must be one of LR, RL, TB, BT"):
            stepper(Value(1.0) * 2.0, rankdir="XY")

    @pytest.mark.parametrize("max_nodes", ["5", 0, 2.5, True])
    def test_max_nodes_must_be_a_positive_whole_number(self, max_nodes: object) -> None:
        """`draw_dot(max_nodes='5')` once gave a bare TypeError from a comparison."""
        from micrograd_lite.viz import draw_dot

        with pytest.raises(ValueError, match="max_nodes must be a whole number >= 1"):
            draw_dot(Value(1.0) * 2.0, max_nodes=max_nodes)


MICRO = "\u00b5"  # the micro sign, which Python reads as the Greek mu
WIDE_X = "\uff58"  # full-width x, which Python reads as x


class TestUnclearErrorsOnTheCommandLine:
    """What Python's parser quietly changed or misreported in an expression."""

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ([f"{MICRO}*2", "--var", "μ=1"], f"Python reads the name '{MICRO}' (column 1) as 'μ'"),
            ([f"{WIDE_X}*2", "--var", "x=3"], f"reads the name '{WIDE_X}' (column 1) as 'x'"),
            (["x*2", "--var", f"{WIDE_X}=3", "--var", "x=4"], f"reads the name '{WIDE_X}' as 'x'"),
            (["x*2\udcff", "--var", "x=3"], "the byte 0xff (column 4), which is not UTF-8"),
            (["x*2\0", "--var", "x=3"], "a NUL character (column 4)"),
        ],
        ids=["micro sign", "full-width x", "full-width --var", "undecodable byte", "NUL"],
    )
    def test_a_name_python_folds_or_a_byte_that_is_not_text_is_refused(
        self, args: list[str], message: str, tmp_path: Path, capsys: Any
    ) -> None:
        """Full-width x once silently meant `x` (another variable's value), an undecodable
        byte was reported as "a NUL character"."""
        from tests.test_mistakes_cli import refused

        expression, *more = args
        refused(["graph", expression, "-o", "out.svg", *more], tmp_path, capsys, message)


class TestRenderedFiles:
    """What `render` does to the files and paths it is given."""

    def test_rendering_over_a_private_file_keeps_it_private(self, tmp_path: Path) -> None:
        """Rendering over a 0600 file once left it 0644 (the new file took the umask)."""
        from micrograd_lite.viz import render

        target = tmp_path / "graph.svg"
        target.write_text("old")
        target.chmod(0o600)
        render(Value(1.0) * 2.0, target)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert target.read_text().startswith("<?xml")

    @pytest.mark.parametrize("where", ["", "."])
    def test_rendering_to_a_directory_says_so(self, where: str, tmp_path: Path) -> None:
        """`render(out, '')` and a directory once failed naming a temporary file."""
        from micrograd_lite.viz import render

        path = tmp_path / where if where else where
        with pytest.raises(ValueError, match="is a directory, not a file to render to"):
            render(Value(1.0) * 2.0, path, format="svg")
        assert not list(tmp_path.glob(".*.tmp"))


class Param(Value):
    """A user's parameter class, as micrograd forks write them."""


class TestCompileReplaysOnlyWhatItRead:
    """A compiled call gives the number eager code gives, never a stale one."""

    def test_a_value_subclass_argument_keeps_its_class_inside_fn(self) -> None:
        """`isinstance(x, Param)` inside fn once saw a plain Value: 3.0 where eager gave 6.0."""
        compiled = mg.compile(lambda x: x * (2.0 if isinstance(x, Param) else 1.0))
        assert compiled(Param(3.0)).data == 6.0
        assert compiled(Value(3.0)).data == 3.0

    def test_an_argument_values_extra_attribute_is_read_on_every_call(self) -> None:
        """An attribute fn reads once raised AttributeError, and a changed one was stale."""
        compiled = mg.compile(lambda x: x * x.scale)
        p = Param(3.0)
        p.scale = 2.0
        assert compiled(p).data == 6.0
        p.scale = 5.0
        assert compiled(p).data == 15.0

    def test_a_branch_on_an_arguments_label_records_again(self) -> None:
        compiled = mg.compile(lambda x: x * 2.0 if x.label == "double" else x * 1.0)
        assert compiled(Value(3.0, label="double")).data == 6.0
        assert compiled(Value(3.0, label="same")).data == 3.0

    def test_numpy_zero_and_minus_zero_arguments_are_told_apart(self) -> None:
        """`x / c` for `np.float64(-0.0)` once replayed the recording made for 0.0."""
        compiled = mg.compile(lambda x, c: x / c)
        assert compiled(Value(1.0), np.float64(0.0)).data == math.inf
        assert compiled(Value(1.0), np.float64(-0.0)).data == -math.inf

    def test_generated_code_tells_zero_from_minus_zero_constants(self) -> None:
        """From the 100th call `(-0.0) ** x` once became `0.0 ** x`: inf, not -inf."""

        def fn(x: Value) -> tuple[Value, Value]:
            return 0.0**x, (-0.0) ** x

        compiled = mg.compile(fn, generate=True)
        eager = [v.data for v in fn(Value(-1.0))]
        with mg.no_grad():
            assert [v.data for v in compiled(Value(-1.0))] == eager == [math.inf, -math.inf]

    @pytest.mark.parametrize(
        ("make", "change"),
        [
            (lambda: np.float32(2.0), None),
            (lambda: collections.OrderedDict(k=2.0), lambda c: c.__setitem__("k", 5.0)),
            (lambda: collections.defaultdict(float, k=2.0), lambda c: c.__setitem__("k", 5.0)),
            (lambda: type("Row", (list,), {})([2.0]), lambda c: c.__setitem__(0, 5.0)),
            (lambda: collections.deque([2.0]), lambda c: c.__setitem__(0, 5.0)),
            (lambda: np.array([2.0]), lambda c: c.__setitem__(0, 5.0)),
        ],
        ids=["numpy scalar", "OrderedDict", "defaultdict", "list subclass", "deque", "array"],
    )
    def test_a_number_held_by_an_argument_object_is_read_on_every_call(
        self, make: Any, change: Any
    ) -> None:
        """The README promises it; these containers once replayed the old number."""

        class Model:
            pass

        def scale(held: Any) -> float:
            return float(
                held
                if np.ndim(held) == 0 and not isinstance(held, dict)
                else (held["k"] if isinstance(held, dict) else held[0])
            )

        model = Model()
        model.held = make()  # type: ignore[attr-defined]
        compiled = mg.compile(lambda x, m: x * scale(m.held))
        assert compiled(Value(3.0), model).data == 6.0
        if change is None:
            model.held = np.float32(5.0)  # type: ignore[attr-defined]
        else:
            change(model.held)  # type: ignore[attr-defined]
        assert compiled(Value(3.0), model).data == 15.0

    def test_threads_calling_compiled_functions_on_shared_parameters_lose_nothing(
        self,
    ) -> None:
        """Compiled calls in six threads once lost gradient (about 5,400 of 6,000 here);
        eager backward, which takes the pass lock, was exact, and so are they now."""
        w = Value(0.5)

        def fn(x: Value) -> Value:
            return (x * w).tanh() * 0.0 + x * w

        def worker() -> None:
            compiled = mg.compile(fn)  # each thread records its own, at its first call
            for _ in range(500):
                compiled(Value(1.0))

        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # switch threads as often as Python allows
        try:
            threads = [threading.Thread(target=worker) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            sys.setswitchinterval(interval)
        assert w.grad == 6 * 500

    def test_operations_fn_runs_in_another_thread_are_replayed_or_refused(self) -> None:
        """A worker thread's `x * 2.0` was once frozen as a constant: 3.0 for every x.
        Where the worker's node keeps its parents (x requires grad), walking back from
        fn's result finds it and the compiled code recomputes it; where it keeps none,
        its number could only be replayed, so it is refused."""

        def fn(x: Value) -> Value:
            made: list[Value] = []
            worker = threading.Thread(target=lambda: made.append(x * 2.0))
            worker.start()
            worker.join()
            return made[0] + 1.0

        compiled = mg.compile(fn)
        with pytest.raises(mg.CompileError, match="not in fn's own thread"):
            compiled(Value(1.0, requires_grad=False))
        compiled = mg.compile(fn)
        for x in (1.0, 5.0, -2.0):
            v = Value(x)
            assert compiled(v).data == 2.0 * x + 1.0
            assert v.grad == 2.0
        assert compiled.recordings == 1

    def test_fn_asking_is_grad_enabled_sees_the_callers_mode(self) -> None:
        """Under no_grad a call once replayed the branch recorded with grad on."""
        compiled = mg.compile(lambda x: x * 2.0 if mg.is_grad_enabled() else x * 3.0)
        assert compiled(Value(1.0)).data == 2.0
        with mg.no_grad():
            assert compiled(Value(1.0)).data == 3.0
        assert compiled(Value(1.0)).data == 2.0


class TestCompileBoundsItself:
    """A compiled function stops recording, and stops generating code, where it must."""

    def test_a_graph_that_changes_every_call_stops_recording_and_warns_once(self) -> None:
        """A step over documents of other lengths once recorded on every call, without end
        (70 calls of a GPT step: 70 recordings, 1.77 GB); past max_recordings it runs fn
        eagerly, exactly, after one warning that says why."""
        w = [Value(0.1 * i) for i in range(4)]

        def step(doc: list[int]) -> Value:
            return mg.sum((w[token] * w[(token + 1) % 4]).tanh() for token in doc)

        compiled = mg.compile(step, max_recordings=3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for length in range(1, 8):
                doc = [i % 4 for i in range(length)]
                for p in w:
                    p.grad = 0.0
                eager = step(doc)
                eager.backward()
                expected = [p.grad for p in w]
                for p in w:
                    p.grad = 0.0
                assert compiled(doc).data == eager.data
                assert [p.grad for p in w] == expected
        assert [c.category for c in caught] == [RuntimeWarning]  # once, not on every call
        message = str(caught[0].message)
        assert "recorded max_recordings = 3 times" in message
        assert "its arguments differ from every recorded call's" in message
        assert compiled.recordings == 3

    def test_a_compiled_function_kept_on_its_argument_records_once(self) -> None:
        """`model.f(model, x)` once recorded on every call, each twice as long as the last:
        the argument's contents held the compiled function's own recordings."""

        class Model:
            pass

        model = Model()
        model.w = Value(2.0)  # type: ignore[attr-defined]
        model.f = mg.compile(lambda m, x: m.w * x)  # type: ignore[attr-defined]
        for _ in range(20):
            assert model.f(model, Value(3.0)).data == 6.0  # type: ignore[attr-defined]
        assert model.f.recordings == 1  # type: ignore[attr-defined]

    def test_a_user_op_whose_forward_loops_gets_its_code_generated(self) -> None:
        """Generating code for an op whose forward loops on its input once never ended,
        its memory growing without limit: the forward is called by name instead."""

        def halve_forward(a: float) -> float:
            while a > 1.0:
                a = a / 2.0
            return a

        @mg.define_op("halve", halve_forward)
        def halve_below_one(g: ops.Num, out: ops.Num, a: ops.Num) -> tuple[ops.Num]:
            return (g * out / a,)

        try:
            compiled = mg.compile(lambda x: halve_below_one(x) * x, generate=True)
            done: list[float] = []
            worker = threading.Thread(target=lambda: done.append(compiled(Value(5.0)).data))
            worker.daemon = True  # a hang must not keep the test run alive
            worker.start()
            worker.join(HANG_GUARD)
            assert done == [3.125], "code generation did not end"
            assert "halve_forward(v0)" in compiled.source()
        finally:
            del ops.REGISTRY["halve_below_one"]

    def test_code_over_the_source_limit_is_not_generated(self, monkeypatch: Any) -> None:
        """Past SOURCE_LIMIT the recording stays on its tape, exact, and source() says why."""
        from micrograd_lite.compiler import codegen

        monkeypatch.setattr(codegen, "SOURCE_LIMIT", 200)
        compiled = mg.compile(lambda x: (x * x + x).tanh() * x, generate=True)
        for data in (0.5, 1.5):
            x = Value(data)
            out = compiled(x)
            e = Value(data)
            expected = (e * e + e).tanh() * e
            expected.backward()
            assert (out.data, x.grad) == (expected.data, e.grad)
        assert compiled.generations == 0
        with pytest.raises(RuntimeError, match="SOURCE_LIMIT = 200 characters"):
            compiled.source()


#: How long a test waits for work that once never ended: a guard against a hang, far
#: above what the work takes even on a busy machine, not a measure of its speed.
HANG_GUARD = 300.0


class TestCompileKeepsWorking:
    """A compiled function that once broke on a later call."""

    def test_an_op_defined_again_leaves_a_compiled_function_working(self) -> None:
        """Re-running an op's definition cell once broke the 101st call (NameError)."""

        def define() -> ops.Op:
            def twice_forward(a: float) -> float:
                return float(2.0 * a)  # float(): generated code calls it by name

            @mg.define_op("twice", twice_forward)
            def twice_of(g: ops.Num, out: ops.Num, a: ops.Num) -> tuple[ops.Num]:
                return (2.0 * g,)

            return twice_of

        try:
            op = define()
            compiled = mg.compile(lambda x: op(x) * x)
            compiled(Value(3.0))  # recorded with this op
            define()  # the cell run again: a new op under the same key
            for _ in range(150):  # past the handover to generated code
                x = Value(3.0)
                assert compiled(x).data == 18.0
                assert x.grad == 12.0
            assert compiled.generations == 1
        finally:
            del ops.REGISTRY["twice_of"]

    def test_a_compiled_function_named_like_a_function_it_calls_works(self) -> None:
        """A compiled function named `tanh` once broke once its code was generated."""

        def tanh(x: Value) -> Value:
            return x.tanh() * 2.0

        compiled = mg.compile(tanh, generate=True)
        for _ in range(3):
            x = Value(0.5)
            assert compiled(x).data == 2.0 * math.tanh(0.5)


class TestUnclearErrorsInDrawings:
    """`draw_dot`'s own arguments."""

    @pytest.mark.parametrize("grads", ["x", [1.0]])
    def test_grads_that_are_not_a_mapping_are_refused(self, grads: object) -> None:
        from micrograd_lite.viz import draw_dot

        with pytest.raises(TypeError, match="grads must map Values to numbers, got"):
            draw_dot(Value(1.0) * 2.0, grads=grads)

    def test_a_gradient_that_is_not_a_number_names_its_value(self) -> None:
        """`grads={a: 'x'}` once gave a bare TypeError from abs()."""
        from micrograd_lite.viz import draw_dot

        a = Value(1.0, label="a")
        with pytest.raises(TypeError, match="'a' maps to a str"):
            draw_dot(a * 2.0, grads={a: "x"})


# ---------------------------------------------------------------------------------------
# Backward and interrupts, in-place updates, pickling and subclasses
# ---------------------------------------------------------------------------------------


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
        while True:  # release every hold this thread kept; an RLock refuses one more
            try:
                pass_lock.release()
            except RuntimeError:
                break
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

    def test_a_fresh_value_copied_takes_its_first_gradient_as_it_is(self) -> None:
        """A copy of a Value with no gradient yet had a 0.0 `.grad` to add to, so a -0.0
        first gradient came out 0.0 (as PyTorch's None, the original keeps the sign)."""
        for twin in [Value(1.5), *copies(Value(1.5))]:
            (twin * -0.0).backward()
            assert math.copysign(1.0, twin.grad) == -1.0
        old = Value(1.5)
        old.grad = 0.0  # a gradient set, as zero_grad() sets it: added to, in the copy too
        for twin in copies(old):
            (twin * -0.0).backward()
            assert math.copysign(1.0, twin.grad) == 1.0

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


# ---------------------------------------------------------------------------------------
# compile at its bounds, and microgpt
# ---------------------------------------------------------------------------------------


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


class SlottedArgument(Value):
    """A Value subclass that keeps its extra attribute in a slot."""

    __slots__ = ("scale",)


class TestCompileWithOddArguments:
    """Arguments whose attributes live in slots, and variables fn reads from outside."""

    def test_a_slotted_value_subclass_argument_works(self) -> None:
        """fn reading a slot of its argument once raised AttributeError; eager works."""
        x = SlottedArgument(3.0)
        x.scale = 2.0
        assert mg.compile(lambda v: v * v.scale)(x).data == 6.0
        assert x.grad == 2.0

    def test_a_changed_slot_of_a_value_argument_records_again(self) -> None:
        compiled = mg.compile(lambda v: v * v.scale)
        x = SlottedArgument(3.0)
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


# ---------------------------------------------------------------------------------------
# The visualiser: plots, saved files, stepper texts, collapse and names, labels, the live view
# ---------------------------------------------------------------------------------------


#: The attributes of a plot's SVG that hold coordinates and sizes.
COORDINATES = ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "width", "height", "points")


def coordinates(svg: str) -> list[float]:
    """Every number in the coordinates of an SVG, which must be well-formed."""
    numbers: list[float] = []
    for element in ET.fromstring(svg).iter():
        for name, value in element.attrib.items():
            if name in COORDINATES or name == "transform":
                words = re.findall(r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)", value)
                numbers += [float(w) for w in words]
    return numbers


def all_finite(svg: str) -> bool:
    return all(math.isfinite(c) for c in coordinates(svg))


def note(svg: str) -> str:
    """The note a plot writes under itself about values it left out."""
    found = re.findall(r'class="mgl-note">([^<]*)<', svg)
    return found[0] if found else ""


def lecture_node() -> tuple[Value, Value]:
    """`y = n × c`, where n is labelled as the lecture labels it, `x1*w1 + x2*w2`."""  # noqa: RUF002
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    n = x1 * w1 + x2 * w2
    n.label = "x1*w1 + x2*w2"
    c = Value(2.0, label="c")
    y = n * c
    y.label = "y"
    return y, n


def texts(root: Value) -> list[str]:
    return [step["text"] for step in stepper(root).steps]


class TestPlotsAtTheirEdges:
    """Non-finite, huge, tiny and constant numbers, odd containers and markup in plots."""

    def test_an_hline_at_inf_is_left_out_with_a_note(self) -> None:
        """`hline(inf)` once raised OverflowError; it is not drawn, and the plot says so."""
        svg = plot.Figure().line([1.0, 2.0]).hline(math.inf).svg()
        assert all_finite(svg)
        assert note(svg) == "not drawn: 1 value at inf"

    def test_an_hline_at_nan_writes_no_nan_coordinate(self) -> None:
        """`hline(nan)` once wrote `y1="nan"`."""
        svg = plot.Figure().line([1.0, 2.0]).hline(math.nan).svg()
        assert all_finite(svg)
        assert note(svg) == "not drawn: 1 value at nan"

    def test_a_loss_diverging_to_the_largest_floats_is_still_drawn(self) -> None:
        """A loss curve up to 1.6e308 once got inf coordinates and vanished."""
        svg = plot.Figure().line([1.0, 1e300, 1.6e308]).svg()
        (curve,) = ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}polyline")
        assert len(curve.get("points", "").split()) == 3
        assert all_finite(svg)

    def test_points_at_both_ends_of_the_float_range_have_finite_coordinates(self) -> None:
        """-1.7e308 to 1.7e308: the axis' width is more than the largest float."""
        biggest = sys.float_info.max
        svg = plot.Figure().scatter([-biggest, biggest], [biggest, -biggest]).svg()
        assert all_finite(svg)

    def test_subnormal_data_gets_a_padded_axis(self) -> None:
        """5e-324 and 1e-323 once raised `math domain error`."""
        svg = plot.Figure().line([5e-324, 1e-323]).svg()
        assert all_finite(svg)

    @pytest.mark.parametrize("level", [1e17, -1e17, 1e300])
    def test_a_constant_line_at_a_large_number_gets_a_padded_axis(self, level: float) -> None:
        """A constant at 1e17 once raised `math domain error`: ±1 is lost in its digits."""
        svg = plot.Figure().line([level, level]).hline(level).svg()
        assert all_finite(svg)
        assert len([t for t in ET.fromstring(svg).iter() if t.text and "e+" in t.text]) >= 2

    def test_a_nan_in_a_line_is_a_gap_and_said(self) -> None:
        svg = plot.Figure().line([1.0, math.nan, 3.0, -math.inf]).svg()
        assert all_finite(svg)
        assert note(svg) == "not drawn: 2 values at nan or -inf"

    def test_a_line_of_a_generator_is_drawn(self) -> None:
        """`fig.line(x * x for x in range(5))` once failed: a generator has no len()."""
        svg = plot.Figure().line(x * x for x in range(5)).svg()
        (curve,) = ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}polyline")
        assert len(curve.get("points", "").split()) == 5

    def test_a_string_of_digits_is_not_taken_for_numbers(self) -> None:
        """`line("123")` once drew the digits 1, 2, 3."""
        with pytest.raises(TypeError, match="line: ys must be a list of numbers, got str"):
            plot.Figure().line("123")  # type: ignore[arg-type]

    def test_a_word_among_the_numbers_is_named_by_its_place(self) -> None:
        with pytest.raises(TypeError, match="scatter: ys must be numbers; item 1 is a str"):
            plot.Figure().scatter([1, 2], [1.0, "2"])  # type: ignore[list-item]

    def test_an_hline_at_a_string_is_refused(self) -> None:
        """`hline("0.5")` once drew a line at 0.5, a string read as a number."""
        with pytest.raises(TypeError, match="hline: y must be a number, got str"):
            plot.Figure().hline("0.5")  # type: ignore[arg-type]

    def test_an_empty_list_of_colours_is_refused_where_it_is_given(self) -> None:
        """`scatter(..., colour=[])` once raised ZeroDivisionError when drawn."""
        with pytest.raises(TypeError, match="scatter: colour= is a colour"):
            plot.Figure().scatter([1.0], [2.0], colour=[])

    def test_a_colour_with_a_quote_cannot_add_markup(self) -> None:
        """A colour is written into an attribute: its quote once ended it."""
        fig = plot.Figure().line([1.0, 2.0], colour='red" onload="alert(1)', label="a")
        svg = fig.svg()
        for element in ET.fromstring(svg).iter():
            assert "onload" not in element.attrib

    @pytest.mark.parametrize("size", [math.nan, math.inf, 0, -5, "300"])
    def test_a_figure_size_must_be_a_finite_number_of_pixels(self, size: Any) -> None:
        """`Figure(width=nan)` once drew every coordinate as nan."""
        with pytest.raises(ValueError, match="width must be a number of pixels >= 100"):
            plot.Figure(width=size)

    def test_a_row_of_nothing_is_refused(self) -> None:
        """`row()` once made an SVG of width -12."""
        with pytest.raises(ValueError, match="row takes the pictures to put side by side"):
            plot.row()

    def test_a_row_of_something_that_is_not_a_plot_is_refused(self) -> None:
        with pytest.raises(TypeError, match=r"row takes plots .* got str"):
            plot.row(plot.Figure(), "fig")  # type: ignore[arg-type]

    def test_a_boundary_with_no_points_is_refused(self) -> None:
        """It once raised `min() arg is an empty sequence`."""
        with pytest.raises(ValueError, match="boundary needs points"):
            plot.boundary(nn.MLP(2, [1], seed=0), [], [])

    def test_a_boundary_over_a_point_at_nan_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"the point \(nan, 1\) is not finite"):
            plot.boundary(nn.MLP(2, [1], seed=0), [[0.0, 0.0], [math.nan, 1.0]], [1, -1])

    @pytest.mark.parametrize("grid", [0, -1, 2.5, True])
    def test_a_boundary_grid_must_be_a_whole_number_of_cells(self, grid: Any) -> None:
        """`grid=0` once raised ZeroDivisionError, `grid=2.5` a TypeError from range()."""
        with pytest.raises(ValueError, match="grid must be a whole number of cells >= 1"):
            plot.boundary(nn.MLP(2, [1], seed=0), [[0.0, 1.0]], [1], grid=grid)

    def test_a_boundary_of_one_point_at_1e17_is_drawn(self) -> None:
        """Padding 1e17 by 0.1 once left a square of side 0 (ZeroDivisionError)."""
        svg = plot.boundary(nn.MLP(2, [1], seed=0), [[1e17, 1e17]], [1], grid=2).svg()
        assert all_finite(svg)

    def test_a_boundary_over_points_near_the_largest_float_is_drawn(self) -> None:
        svg = plot.boundary(
            lambda p: p[0] - p[1], [[1e308, -1e308], [-1e308, 1e308]], [1, -1], grid=2
        ).svg()
        assert all_finite(svg)

    def test_a_boundary_of_a_function_returning_a_number_is_drawn(self) -> None:
        """A plain function of two numbers once failed: a float has no `.data`."""
        svg = plot.boundary(lambda p: p[0] - p[1], [[0.0, 1.0], [1.0, 0.0]], [1, -1], grid=2)
        assert "#" in svg.svg()


class TestSavedFiles:
    """A file's extension says what it holds: what is written must be that."""

    def test_a_plot_saved_as_png_is_refused(self, tmp_path: Path) -> None:
        """`Figure.save("loss.png")` once wrote SVG text into a .png."""
        with pytest.raises(ValueError, match=r"cannot save the plot to \.png; the formats are svg"):
            plot.Figure().line([1.0, 2.0]).save(tmp_path / "loss.png")
        assert not list(tmp_path.iterdir())

    def test_a_stepper_saved_as_svg_is_refused(self, tmp_path: Path) -> None:
        """`Stepper.save("steps.svg")` once wrote an HTML page into a .svg."""
        with pytest.raises(
            ValueError, match=r"cannot save the page to \.svg; the formats are html"
        ):
            stepper(Value(1.0, label="a") * 2.0).save(tmp_path / "steps.svg")
        assert not list(tmp_path.iterdir())

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
    def test_saving_a_plot_onto_a_named_pipe_is_refused_at_once(self, tmp_path: Path) -> None:
        """Writing a plot into a FIFO nobody reads once blocked forever, as the page did."""
        pipe = tmp_path / "pipe.svg"
        os.mkfifo(pipe)
        refused = refusal_of(lambda: plot.Figure().line([1.0, 2.0]).save(pipe))
        assert isinstance(refused, ValueError)
        assert "not a regular file" in str(refused)

    def test_saving_a_plot_to_a_directory_says_so(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="is a directory, not a file to save the plot to"):
            plot.Figure().save(tmp_path)


class TestStepperTexts:
    """The stepper's words and numbers: labels of several words, signed zeros."""

    def test_a_label_of_several_words_is_bracketed_as_a_factor(self) -> None:
        """`c.grad += y.grad × x1*w1 + x2*w2` once read as a sum."""  # noqa: RUF002
        y, _ = lecture_node()
        lines = [line for text in texts(y) for line in text.splitlines()]
        assert "c.grad += y.grad × (x1*w1 + x2*w2) = 1 × (-6) = -6" in lines  # noqa: RUF001

    def test_a_label_of_several_words_is_bracketed_in_the_forward_step(self) -> None:
        """`y = x1*w1 + x2*w2 × c` once read as a sum."""  # noqa: RUF002
        y, _ = lecture_node()
        assert "y = (x1*w1 + x2*w2) × c = (-6) × 2 = -12" in texts(y)  # noqa: RUF001

    def test_the_seed_of_a_root_of_several_words_is_bracketed(self) -> None:
        """`dx1*w1 + x2*w2/dx1*w1 + x2*w2` once read as nonsense."""
        _, n = lecture_node()
        seed = [t for t in texts(n) if "the seed" in t]
        assert seed == ["(x1*w1 + x2*w2).grad = 1, the seed: d(x1*w1 + x2*w2)/d(x1*w1 + x2*w2) = 1"]

    def test_a_label_already_in_parentheses_is_not_bracketed_again(self) -> None:
        a = Value(2.0, label="(a + b)")
        y = a * 3.0
        y.label = "y"
        assert texts(y)[-1] == "(a + b).grad += y.grad × 3 = 1 × 3 = 3"  # noqa: RUF001

    def test_a_gradient_of_minus_zero_shows_as_minus_zero_in_its_box(self) -> None:
        """The box once showed 0 where the step's text, `.grad` and draw_dot say -0."""
        a = Value(1.0, label="a")
        y = a * -0.0
        y.label = "y"
        last = stepper(y).steps[-1]
        assert last["text"].endswith("= -0")
        assert last["set"] == [[0, "grad", "-0"]]

    def test_a_label_with_a_control_character_leaves_the_svg_well_formed(self) -> None:
        """`\\x01` in a label once made the page's SVG unreadable as XML."""
        page = stepper(Value(1.0, label="a\x01b") * 2.0)
        ET.fromstring(page.svg)
        assert "a\\x01b" in page.svg


class TestCollapseAndNames:
    """Collapsed boxes over models that reuse a matrix, and names that loop."""

    @staticmethod
    def rnn() -> tuple[Value, list[list[Value]]]:
        """Two time steps of `h = tanh(W h)`: the matrix W used twice."""
        w = [[Value(0.1 * (i + j), label=f"W{i}{j}") for j in range(2)] for i in range(2)]
        h = [Value(1.0, requires_grad=False), Value(2.0, requires_grad=False)]
        for _ in range(2):
            h = [(w[i][0] * h[0] + w[i][1] * h[1]).tanh() for i in range(2)]
        return h[0] + h[1], w

    def test_a_matrix_used_at_two_time_steps_is_a_box_per_step(self) -> None:
        """An RNN's matrix once raised `KeyError: 'g0'` (one box feeding itself)."""
        out, w = self.rnn()
        source = draw_dot(out, names={"W": w}, collapse="matrix").source
        assert "W (call 0)" in source
        assert "W (call 1)" in source

    def test_a_model_whose_parameters_are_named_as_one_list_is_drawn(self) -> None:
        """`names={'params': model.parameters()}` once raised `KeyError: 'g0'`."""
        model = nn.MLP(2, [3, 1], seed=0)
        out = model([1.0, -1.0])
        assert isinstance(out, Value)
        svg = to_svg(out, names={"params": model.parameters()}, collapse="matrix")
        assert "params (call 1)" in svg

    def test_an_l2_term_is_not_another_call_of_its_layer(self) -> None:
        """micrograd's demo loss: each `b*b` was once drawn as another call of its layer."""
        model = nn.MLP(2, [3, 1], seed=0)
        out = model([1.0, -1.0])
        assert isinstance(out, Value)
        loss = (out - 1.0) ** 2 + 1e-4 * sum((p * p for p in model.parameters()), Value(0.0))
        source = draw_dot(loss, model=model, collapse="layer").source
        assert "(call" not in source
        assert set(re.findall(r'label="(layers\.\d)', source)) == {"layers.0", "layers.1"}

    def test_a_names_dict_holding_itself_is_read_once(self) -> None:
        """A `names=` dict that contains itself once hung the drawing."""
        names: dict[str, Any] = {"a": Value(1.0)}
        names["self"] = names

        def hung(*_: Any) -> None:
            raise TimeoutError("draw_dot hung on a names= dict that holds itself")

        previous = signal.signal(signal.SIGALRM, hung)
        signal.alarm(60)  # a guard against hanging the suite, not a timing
        try:
            source = draw_dot(names["a"] * 2.0, names=names).source
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        assert "a | data 1" in source

    def test_a_matrix_name_with_a_nul_is_drawn_with_its_escape(self) -> None:
        """A name given to a collapsed matrix reaches Graphviz as a box's label."""
        out, w = self.rnn()
        svg = to_svg(out, names={"W\x00": w}, collapse="matrix")
        assert "W\\x00 (call 0)" in svg


class TestLabelsGraphvizCannotTake:
    """Labels that once failed inside `dot`, naming nothing."""

    def test_a_label_with_a_nul_is_drawn_with_its_escape(self) -> None:
        """A NUL in a label once failed inside `dot`: `syntax error in line 5`."""
        svg = to_svg(Value(1.0, label="a\x00b") * 2.0)
        assert "a\\x00b" in svg

    def test_a_label_of_twenty_thousand_characters_is_cut_saying_its_length(self) -> None:
        source = draw_dot(Value(1.0, label="x" * 20_000) * 2.0).source
        assert "x" * 101 not in source
        assert "… (20000 characters)" in source

    def test_a_label_with_a_nul_renders_to_a_file(self, tmp_path: Path) -> None:
        path = render(Value(1.0, label="\x00") * 2.0, tmp_path / "nul.svg")
        assert "\\x00" in path.read_text()


class TestLiveView:
    """The live view refuses at `live(...)` what would fail at `update`, and takes numbers."""

    def test_data_for_a_model_of_three_inputs_is_refused_naming_data(self) -> None:
        """It once failed only at update(): the MLP "takes 3 inputs, got 2"."""
        with pytest.raises(ValueError, match="data= draws the decision boundary of a model of two"):
            live(nn.MLP(3, [2, 1], seed=0), data=([[1.0, 2.0]], [1.0]))

    def test_inputs_of_the_wrong_length_are_refused_naming_inputs(self) -> None:
        with pytest.raises(ValueError, match="inputs= has 2 numbers, but the model takes 3"):
            live(nn.MLP(3, [2, 1], seed=0), inputs=[1.0, 2.0])

    def test_inputs_that_are_not_numbers_are_refused(self) -> None:
        """`inputs="12"` once failed at update() making a Value of "1"."""
        with pytest.raises(TypeError, match="inputs= is a list of numbers"):
            live(nn.MLP(2, [1], seed=0), inputs="12")

    def test_a_collapse_the_live_view_cannot_draw_is_refused_at_once(self) -> None:
        with pytest.raises(ValueError, match="collapse must be 'layer', 'neuron' or None"):
            live(nn.MLP(2, [1], seed=0), collapse="matrix")

    def test_a_float_loss_is_plotted(self) -> None:
        """`live().update(3.0)` was an AttributeError on float."""
        view = live()
        view.update(3.0)
        view.update(np.float32(2.0))
        assert view.losses == [3.0, 2.0]
        assert "step 1: loss 2" in view.html()

    def test_a_float_loss_with_a_model_draws_the_model(self) -> None:
        view = live(nn.MLP(2, [2, 1], seed=0))
        view.update(0.5)
        assert view.layouts == 1

    def test_a_loss_that_is_not_a_number_is_refused_by_name(self) -> None:
        with pytest.raises(TypeError, match="update takes this step's loss, a Value or a number"):
            live().update("0.5")  # type: ignore[arg-type]

    def test_a_loss_curve_near_the_largest_float_has_finite_coordinates(self) -> None:
        """Losses -1.7e308 and 1.7e308 once drew the curve at nan."""
        view = live()
        for loss in (1.0, -1.7e308, 1.7e308):
            view.update(loss)
        curve = re.findall(r'points="([^"]*)"', _decoded_images(view.html())[0])[0]
        assert all(math.isfinite(float(c)) for point in curve.split() for c in point.split(","))

    def test_the_view_of_one_step_says_step(self) -> None:
        view = live()
        view.update(1.0)
        assert repr(view) == "<Live: 1 step, laid out 0 times>"


def _decoded_images(page: str) -> list[str]:
    """The SVG inside each `<img>` of a page."""
    import base64

    return [
        base64.b64decode(data).decode("utf-8")
        for data in re.findall(r'src="data:image/svg\+xml;base64,([^"]*)"', page)
    ]


# ---------------------------------------------------------------------------------------
# nn modules, the param group and the command line
# ---------------------------------------------------------------------------------------


class Net(nn.Module):
    """A PyTorch-style module: layers kept as attributes, no parameters() of its own."""

    def __init__(self) -> None:
        self.hidden = nn.Layer(2, 2, seed=0)
        self.scale = Value(0.5)
        self.head = nn.Neuron(2, nonlin=False, seed=1)

    def forward(self, x: list[float]) -> Value:
        out = self.head(self.hidden(x))  # type: ignore[arg-type]
        return out * self.scale


class TestModulesFindTheirParameters:
    """Module.parameters() as PyTorch finds parameters: in attributes, once each."""

    def test_a_bare_module_has_no_parameters(self) -> None:
        """`Module().parameters()` once raised RecursionError; it is empty, as PyTorch's."""
        assert nn.Module().parameters() == []
        assert nn.Module().state_dict() == {}

    def test_zero_grad_of_a_bare_module_does_nothing(self) -> None:
        """`Module().zero_grad()` once raised RecursionError."""
        nn.Module().zero_grad()

    def test_a_pytorch_style_module_names_its_attributes_parameters_in_order(self) -> None:
        """Layers, Values and Neurons kept as attributes are found, in the order set."""
        names = [name for name, _ in Net().named_parameters()]
        assert names == [
            *(f"hidden.neurons.{j}.{k}" for j in range(2) for k in ("w.0", "w.1", "b")),
            "scale",
            "head.w.0",
            "head.w.1",
            "head.b",
        ]

    def test_zero_grad_reaches_the_layers_kept_as_attributes(self) -> None:
        """A Net's `zero_grad()` clears every layer's gradients, as in PyTorch."""
        net = Net()
        for p in net.hidden.parameters():
            p.grad = 3.0
        net.zero_grad()
        assert [p.grad for p in net.hidden.parameters()] == [0.0] * 6

    def test_a_pytorch_style_module_trains_with_sgd(self) -> None:
        """SGD(net.parameters()) steps every parameter the loss reaches."""
        net = Net()
        before = [p.data for p in net.parameters()]
        loss = net.forward([1.0, -2.0]) ** 2
        loss.backward()
        SGD(net.parameters(), lr=0.1).step()
        assert [p.data for p in net.parameters()] != before

    def test_calling_a_pytorch_style_module_runs_its_forward(self) -> None:
        """`net(x)` runs `net.forward(x)`, as in PyTorch (it once said Net is not callable)."""
        net = Net()
        assert net([1.0, -2.0]).data == net.forward([1.0, -2.0]).data

    def test_calling_a_module_without_forward_says_to_define_it(self) -> None:
        """A module with neither forward() nor __call__ says what to define."""
        with pytest.raises(TypeError, match=r"define forward\(self, x\)"):
            nn.Module()([1.0])

    def test_values_in_lists_tuples_and_dicts_are_parameters(self) -> None:
        """As ParameterList and ModuleDict: containers are looked into, named by index or key."""
        m = nn.Module()
        m.ws = [Value(1.0), (Value(2.0),)]  # type: ignore[attr-defined]
        m.heads = {"a": nn.Neuron(1, seed=0)}  # type: ignore[attr-defined]
        assert [n for n, _ in m.named_parameters()] == [
            "ws.0",
            "ws.1.0",
            "heads.a.w.0",
            "heads.a.b",
        ]

    def test_a_value_kept_twice_is_one_parameter(self) -> None:
        """A tied weight is stepped once: the optimizer would refuse it twice."""
        m = nn.Module()
        m.w = Value(1.0)  # type: ignore[attr-defined]
        m.tied = [m.w]  # type: ignore[attr-defined]
        assert m.parameters() == [m.w]  # type: ignore[attr-defined]
        SGD(m.parameters(), lr=0.1)

    def test_a_computed_or_constant_value_on_a_module_is_no_parameter(self) -> None:
        """An output kept on self, or a Value that needs no grad, is not a parameter."""
        m = nn.Module()
        m.w = Value(2.0)  # type: ignore[attr-defined]
        m.out = m.w * 3  # type: ignore[attr-defined]
        m.c = Value(1.0, requires_grad=False)  # type: ignore[attr-defined]
        assert m.parameters() == [m.w]  # type: ignore[attr-defined]

    def test_a_module_that_refers_to_itself_and_its_parent_ends(self) -> None:
        """`self.me = self` and `child.parent = self` are walked once, not forever."""
        net = Net()
        net.me = net  # type: ignore[attr-defined]
        net.hidden.parent = net  # type: ignore[attr-defined]
        assert len(net.parameters()) == 10

    def test_a_list_that_holds_itself_ends(self) -> None:
        """A list appended to itself is looked into once."""
        m = nn.Module()
        loop: list[Any] = [Value(1.0)]
        loop.append(loop)
        m.loop = loop  # type: ignore[attr-defined]
        assert len(m.parameters()) == 1

    def test_a_chain_of_modules_deeper_than_the_recursion_limit_works(self) -> None:
        """A linked list of modules is walked with a stack, not Python recursion."""
        head: nn.Module | None = None
        for _ in range(sys.getrecursionlimit() + 100):
            node = nn.Module()
            node.w = Value(1.0)  # type: ignore[attr-defined]
            node.next = head  # type: ignore[attr-defined]
            head = node
        assert head is not None
        assert len(head.parameters()) == sys.getrecursionlimit() + 100

    def test_a_million_numbers_kept_on_a_module_are_passed_over(self) -> None:
        """A dataset kept as an attribute holds no parameters; the layer beside it does."""
        net = Net()
        net.data = [0.5] * 1_000_000  # type: ignore[attr-defined]
        assert len(net.parameters()) == 10

    def test_a_pytorch_style_module_round_trips_its_state_dict(self) -> None:
        """state_dict() then load_state_dict() into another Net copies every number."""
        source, target = Net(), Net()
        source.scale.data = 7.0
        target.load_state_dict(source.state_dict())
        assert target.scale.data == 7.0
        assert [p.data for p in target.parameters()] == [p.data for p in source.parameters()]

    def test_eval_reaches_layers_kept_as_attributes(self) -> None:
        """`net.eval()` once left `net.hidden.training` True: children() found nothing."""
        net = Net()
        net.hidden.parent = net  # type: ignore[attr-defined]  # and a cycle back
        net.eval()
        assert not net.hidden.training
        assert not net.hidden.neurons[0].training
        assert [type(c).__name__ for c in net.children()] == ["Layer", "Neuron"]


class TestLoadingStateDicts:
    """load_state_dict with extreme numbers, odd rows and keys that do not match."""

    def test_a_number_too_large_for_a_float_loads_as_inf(self) -> None:
        """`10**400` once raised OverflowError; it is inf, as in Value(10**400)."""
        model = nn.Neuron(1, seed=0)
        model.load_state_dict({"w": [10**400], "b": -(10**400)})
        assert (model.w[0].data, model.b.data) == (math.inf, -math.inf)

    def test_a_missing_key_is_pytorchs_runtime_error(self) -> None:
        """PyTorch raises RuntimeError listing the missing keys; KeyError once came instead."""
        model = nn.MLP(2, [1], seed=0)
        with pytest.raises(
            RuntimeError, match=r'Missing key\(s\) in state_dict: "layers\.0\.neurons\.0\.b"\.'
        ):
            model.load_state_dict({"layers.0.neurons.0.w": [1.0, 2.0]})

    def test_an_extra_key_is_pytorchs_runtime_error(self) -> None:
        """PyTorch raises RuntimeError listing the unexpected keys; nothing is loaded."""
        model = nn.MLP(2, [1], seed=0)
        state = {**model.state_dict(), "extra": 1.0, "layers.0.neurons.0.b": 9.0}
        with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "extra"\.'):
            model.load_state_dict(state)
        assert model.layers[0].neurons[0].b.data == 0.0

    def test_a_numpy_row_of_weights_loads(self) -> None:
        """A neuron's weights as a numpy array load, as a numpy row is taken as input."""
        model = nn.Neuron(2, seed=0)
        model.load_state_dict({"w": np.array([0.25, -0.5]), "b": np.float64(1.0)})
        assert [p.data for p in model.parameters()] == [0.25, -0.5, 1.0]


class TestTheParamGroup:
    """`param_groups[0]` holds the parameters, as PyTorch's, and stays checked."""

    def test_the_param_group_holds_the_parameters(self) -> None:
        """`opt.param_groups[0]['params']` once raised KeyError."""
        w, b = Value(1.0), Value(2.0)
        assert SGD([w, b], lr=0.1).param_groups[0]["params"] == [w, b]

    def test_a_clipping_loop_over_the_param_groups_clips(self) -> None:
        """PyTorch's clipping loop, `for p in group['params']`, reaches every parameter."""
        w = Value(1.0)
        opt = Adam([w], lr=0.1)
        w.grad = 50.0
        for group in opt.param_groups:
            for p in group["params"]:
                p.grad = max(-1.0, min(1.0, p.grad))
        assert w.grad == 1.0

    def test_a_parameter_added_to_the_group_is_refused_at_step(self) -> None:
        """Appending to `params` would go unstepped; step() refuses and changes nothing."""
        w = Value(1.0)
        w.grad = 1.0
        opt = SGD([w], lr=0.1)
        opt.param_groups[0]["params"].append(Value(2.0))
        with pytest.raises(ValueError, match=r"'params'\] must be the parameters .* \(1 Values"):
            opt.step()
        assert w.data == 1.0

    def test_other_parameters_put_in_the_group_are_refused_at_step(self) -> None:
        """A new list of other Values in `params` is refused, not ignored."""
        w = Value(1.0)
        w.grad = 1.0
        opt = SGD([w], lr=0.1)
        opt.param_groups[0]["params"] = [Value(5.0)]
        with pytest.raises(ValueError, match="to step others, make a new optimizer"):
            opt.step()
        assert w.data == 1.0

    def test_the_group_after_loading_a_state_still_holds_the_parameters(self) -> None:
        """load_state_dict keeps `params` as the Values, not the saved indices."""
        w = Value(1.0)
        opt = SGD([w], lr=0.1, momentum=0.9)
        opt.load_state_dict(opt.state_dict())
        assert opt.param_groups[0]["params"] == [w]


class TestExpressionsOnTheCommandLine:
    """Written maths and misread names in `graph` expressions."""

    @pytest.mark.parametrize(
        ("expression", "message"),
        [
            ("sin + x", "'sin' is a function (column 1): call it on a value, as in sin(x)"),
            ("tanh(x) * exp", "'exp' is a function (column 11)"),
        ],
        ids=["sin", "exp"],
    )
    def test_a_function_name_used_as_a_value_says_how_to_call_it(
        self, expression: str, message: str, tmp_path: Path, capsys: Any
    ) -> None:
        """It once said to give `--var sin=NUMBER`, which is then refused."""
        refused(["graph", expression, "--var", "x=1", "-o", "out.svg"], tmp_path, capsys, message)

    @pytest.mark.parametrize(
        ("expression", "message"),
        [
            ("x\u00b72", "'\u00b7' (column 2) is written maths, not Python: write '*'"),
            ("x\u00b2", "'\u00b2' (column 2) is written maths, not Python: write '**2'"),
            ("x\u22121", "write '-' instead"),
            ("x\u00d72", "write '*' instead"),
            ("x\u00f72", "write '/' instead"),
        ],
        ids=["middle dot", "squared", "minus sign", "times", "divide"],
    )
    def test_written_maths_symbols_say_what_to_type(
        self, expression: str, message: str, tmp_path: Path, capsys: Any
    ) -> None:
        """`x·2` was read as one name, `x²` as `x2`, and a minus sign had no advice."""
        refused(["graph", expression, "--var", "x=1", "-o", "out.svg"], tmp_path, capsys, message)

    @pytest.mark.parametrize(
        ("expression", "message"),
        [
            ("2x", "a number followed by a name (column 1): write `*` to multiply"),
            ("2(x+1)", "a number before a bracket (column 1) is not a product here: write `*`"),
            ("x(x+1)", "'x' is a --var, not a function (column 1): write `*` to multiply"),
        ],
        ids=["2x", "2(x+1)", "x(x+1)"],
    )
    def test_a_product_written_without_a_star_says_to_write_one(
        self, expression: str, message: str, tmp_path: Path, capsys: Any
    ) -> None:
        """Implicit products were 'invalid decimal literal' or 'unknown function'."""
        refused(["graph", expression, "--var", "x=1", "-o", "out.svg"], tmp_path, capsys, message)

    @pytest.mark.parametrize("expression", ["", "   ", "\t"], ids=["empty", "spaces", "tab"])
    def test_an_empty_expression_says_it_is_empty(
        self, expression: str, tmp_path: Path, capsys: Any
    ) -> None:
        """It once said 'invalid syntax' or 'unexpected indent'."""
        args = ["graph", expression, "--var", "x=1", "-o", "out.svg"]
        refused(args, tmp_path, capsys, "the expression is empty")

    def test_an_integer_of_thousands_of_digits_says_how_to_write_it(
        self, tmp_path: Path, capsys: Any
    ) -> None:
        """Python's advice, `sys.set_int_max_str_digits()`, is no use on the command line."""
        args = ["graph", "9" * 5000 + "*x", "--var", "x=1", "-o", "out.svg"]
        refused(args, tmp_path, capsys, "write it with an exponent, as in 1e5000")

    def test_leading_spaces_are_not_an_indent(self, tmp_path: Path) -> None:
        """`" -x + 1"` (a space keeps argparse from reading an option) was 'unexpected indent'."""
        from micrograd_lite.__main__ import evaluate

        assert evaluate(" -x + 1", {"x": Value(2.0)}).data == -1.0

    def test_columns_count_the_leading_spaces(self, tmp_path: Path, capsys: Any) -> None:
        """An error after leading spaces names the column in the text as typed."""
        args = ["graph", "  x % 2", "--var", "x=1", "-o", "out.svg"]
        refused(args, tmp_path, capsys, "`%` is not supported (column 3)")
