"""Inputs chosen to break things: each test is one case that once gave a silent wrong
number, hung or grew without bound, and now behaves as PyTorch does or refuses clearly.

Grouped as they were found; one behaviour per test.
"""

from __future__ import annotations

import collections
import json
import math
import os
import stat
import sys
import threading
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import micrograd_lite as mg
from micrograd_lite import Value, gradcheck, ops
from micrograd_lite.optim import SGD, Adam


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
        outcome: list[BaseException | None] = []

        def save() -> None:
            try:
                page.save(pipe)
                outcome.append(None)
            except BaseException as error:  # reported below
                outcome.append(error)

        worker = threading.Thread(target=save, daemon=True)
        worker.start()
        worker.join(60)  # a guard against hanging the suite, not a timing
        assert outcome, "save() blocked on the named pipe"
        assert isinstance(outcome[0], ValueError)
        assert "not a regular file" in str(outcome[0])


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

    def test_operations_fn_runs_in_another_thread_are_refused(self) -> None:
        """A worker thread's `x * 2.0` was once frozen as a constant: 3.0 for every x."""

        def fn(x: Value) -> Value:
            made: list[Value] = []
            worker = threading.Thread(target=lambda: made.append(x * 2.0))
            worker.start()
            worker.join()
            return made[0] + 1.0

        for requires_grad in (False, True):
            compiled = mg.compile(fn)
            with pytest.raises(mg.CompileError, match="not in fn's own thread"):
                compiled(Value(1.0, requires_grad=requires_grad))

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
