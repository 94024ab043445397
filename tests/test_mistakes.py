"""The catalogue of mistakes the library catches, one class per kind of mistake.

Each test makes one mistake a learner or a PyTorch user makes, and checks two things: the
error is of the right type (`TypeError` for a wrong type, `ValueError` for a bad value,
`RuntimeError` for the wrong state) and its message says what was wrong and what to do;
and nothing changed (weights, gradients, optimizer state are as they were). Where a
PyTorch habit has a meaning here, the test shows that it works instead.

The engine core's mistakes (Value, backward, grad) are in test_mistakes_core.py, the command
line's in test_mistakes_cli.py.
"""

from __future__ import annotations

import builtins
import copy
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import micrograd_lite as mg
from micrograd_lite import Value, nn, optim
from tests.conftest import GUARD


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
                    inside.wait(timeout=GUARD)
                    during = mg.is_grad_enabled()
                    if name == "second":
                        first_left.wait(timeout=GUARD)  # "first" leaves while "second" is inside
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
            t.join(timeout=GUARD)
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


def weights(module: nn.Module) -> list[tuple[float, float]]:
    """Every parameter's data and grad: what a mistake must leave as it was."""
    return [(p.data, p.grad) for p in module.parameters()]


class TestModules:
    """nn modules built with bad sizes or activations, or called with the wrong inputs."""

    @pytest.mark.parametrize(
        ("make", "error", "message"),
        [
            (lambda: nn.Neuron(-1), ValueError, r"Neuron: nin must be at least 1, got -1"),
            (lambda: nn.Neuron(0), ValueError, r"nin must be at least 1, got 0"),
            (lambda: nn.Neuron(2.5), TypeError, r"nin must be an int, got float 2.5"),
            (lambda: nn.Neuron(True), TypeError, r"nin must be an int, got bool"),
            (lambda: nn.Layer(3, -2), ValueError, r"Layer: nout must be at least 1, got -2"),
            (lambda: nn.Layer(0, 2), ValueError, r"Layer: nin must be at least 1, got 0"),
            (lambda: nn.MLP(3, []), ValueError, r"MLP needs at least one layer: give nouts"),
            (lambda: nn.MLP(3, 4), TypeError, r"nouts is the list of layer sizes.*MLP\(3, \[4\]\)"),
            (lambda: nn.MLP(3, "41"), TypeError, r"nouts is the list of layer sizes"),
            (lambda: nn.MLP(3, [4, 0]), ValueError, r"MLP: nouts\[1\] must be at least 1, got 0"),
            (lambda: nn.MLP(3, [2], activation="x"), ValueError, r"unknown activation 'x'"),
            (lambda: nn.MLP(3, [2, 1], activation="Tanh"), ValueError, r"choose from \['relu'"),
            (lambda: nn.Neuron(3, activation=["relu"]), ValueError, r"unknown activation"),
        ],
    )
    def test_bad_sizes_and_activations(self, make: Any, error: type, message: str) -> None:
        """Sizes are positive ints and activations known names, even where unused."""
        with pytest.raises(error, match=message):
            make()

    @pytest.mark.parametrize(
        ("x", "message"),
        [
            ([1.0, 2.0], r"this MLP\(nin=3\) takes 3 inputs, got 2: give one per input"),
            ([1, 2, 3, 4], r"takes 3 inputs, got 4"),
            ([], r"takes 3 inputs, got 0"),
        ],
    )
    def test_mlp_called_with_the_wrong_number_of_inputs(self, x: list[float], message: str) -> None:
        """zip would drop the extra inputs or the extra weights; here it is a ValueError."""
        model = nn.MLP(3, [4, 1], seed=0)
        before = weights(model)
        with pytest.raises(ValueError, match=message):
            model(x)
        assert weights(model) == before

    def test_neuron_and_layer_called_with_too_few_inputs(self) -> None:
        """`Neuron(3)([1.0])` would use one weight of three."""
        with pytest.raises(ValueError, match=r"ReLUNeuron\(3\) takes 3 inputs, got 1"):
            nn.Neuron(3)([1.0])
        with pytest.raises(ValueError, match=r"this Layer\(nin=2\) takes 2 inputs, got 3"):
            nn.Layer(2, 4)([1.0, 2.0, 3.0])

    @pytest.mark.parametrize(
        ("x", "message"),
        [
            (2.0, r"ReLUNeuron\(1\) takes a list of 1 numbers or Values, got float; write \[2.0\]"),
            ("a", r"takes a list of 1 numbers or Values, got str"),
            ({1.0}, r"got set"),
            ({"x": 1.0}, r"got dict"),
        ],
    )
    def test_inputs_that_are_not_a_row(self, x: Any, message: str) -> None:
        """A bare number, a string, a set (no order) or a dict is not a row of inputs."""
        with pytest.raises(TypeError, match=message):
            nn.Neuron(1)(x)

    def test_mlp_takes_a_tuple_or_a_numpy_row_as_neuron_and_layer_do(self) -> None:
        """The same output for a list, a tuple and a numpy row."""
        np = pytest.importorskip("numpy")
        model = nn.MLP(3, [4, 1], seed=0)
        out = model([1.0, -2.0, 0.5]).data
        assert model((1.0, -2.0, 0.5)).data == out
        assert model(np.array([1.0, -2.0, 0.5])).data == out
        assert nn.MLP(3, np.array([4, 1]).tolist(), seed=0)([1.0, -2.0, 0.5]).data == out
        assert nn.MLP(3, [np.int64(4), 1], seed=0)([1.0, -2.0, 0.5]).data == out

    def test_eval_and_train_set_the_flag_and_change_no_output(self) -> None:
        """PyTorch habits: `model.eval()` and `model.train()` work and return the model.

        No module here acts differently in evaluation, so the outputs stay the same."""
        model = nn.MLP(2, [3, 1], seed=0)
        out = model([0.5, -1.0]).data
        assert model.eval() is model
        assert [m.training for m in [model, *model.layers, *model.layers[0].neurons]] == [False] * 6
        assert model([0.5, -1.0]).data == out
        assert model.train() is model
        assert model.layers[1].neurons[0].training is True
        with pytest.raises(TypeError, match=r"train\(mode\) takes True or False, got str"):
            model.train("eval")  # type: ignore[arg-type]
        assert model.training is True

    def test_zero_grad_set_to_none(self) -> None:
        """`zero_grad(set_to_none=True)` leaves None ("no gradient yet"); the default 0.0."""
        model = nn.Neuron(2, seed=0)
        model([1.0, 2.0]).backward()
        model.zero_grad()
        assert [p.grad for p in model.parameters()] == [0.0, 0.0, 0.0]
        model.zero_grad(set_to_none=True)
        assert [p.grad for p in model.parameters()] == [None, None, None]
        with pytest.raises(TypeError, match=r"set_to_none must be True or False, got str"):
            model.zero_grad(set_to_none="yes")  # type: ignore[arg-type]


class TestModuleStateDicts:
    """load_state_dict given the wrong thing, or PyTorch's strict=False."""

    def test_strict_false_loads_the_matching_keys_and_reports_the_rest(self) -> None:
        """As PyTorch: missing and unexpected keys come back in IncompatibleKeys."""
        model = nn.MLP(2, [2, 1], seed=0)
        state = nn.MLP(2, [2, 1], seed=9).state_dict()
        del state["layers.1.neurons.0.b"]
        state["extra"] = 1.0
        before_b = model.layers[1].neurons[0].b.data
        result = model.load_state_dict(state, strict=False)
        assert result == nn.IncompatibleKeys(["layers.1.neurons.0.b"], ["extra"])
        assert result.missing_keys == ["layers.1.neurons.0.b"]
        assert model.layers[0].neurons[1].w[0].data == state["layers.0.neurons.1.w"][0]
        assert model.layers[1].neurons[0].b.data == before_b
        assert model.load_state_dict(model.state_dict()) == nn.IncompatibleKeys([], [])

    def test_strict_mismatch_says_how_to_load_anyway(self) -> None:
        """The strict error names the keys and the strict=False way out; nothing changes."""
        model = nn.MLP(2, [1], seed=0)
        before = weights(model)
        with pytest.raises(RuntimeError, match=r'(?s)"layers.0.neurons.0.b".*strict=False'):
            model.load_state_dict({"layers.0.neurons.0.w": [1.0, 2.0]})
        assert weights(model) == before

    @pytest.mark.parametrize(
        ("weights_given", "error", "message"),
        [
            (b"\x01\x02", TypeError, r"must be a list of numbers, got b'"),
            (bytearray(b"\x01\x02"), TypeError, r"must be a list of numbers"),
            ("12", TypeError, r"must be a list of numbers"),
            ([1.0, b"2"], TypeError, r"w\[1\]'\] must be a number, got b'2'"),
            ([1.0, True], TypeError, r"must be a number, got True"),
        ],
    )
    def test_bytes_strings_and_bools_are_not_weights(
        self, weights_given: Any, error: type, message: str
    ) -> None:
        """Bytes are a sequence of ints to Python, but not weights; nothing is loaded."""
        model = nn.MLP(2, [1], seed=0)
        before = weights(model)
        state = {"layers.0.neurons.0.w": weights_given, "layers.0.neurons.0.b": 0.5}
        with pytest.raises(error, match=message):
            model.load_state_dict(state)
        with pytest.raises(error, match=message):
            model.load_state_dict(state, strict=False)
        assert weights(model) == before

    @pytest.mark.parametrize("given", [[1.0, 2.0], None, "state.json"])
    def test_not_a_dict(self, given: Any) -> None:
        """A list or a file name instead of the dict: TypeError, and strict must be a bool."""
        model = nn.Neuron(1, seed=0)
        with pytest.raises(TypeError, match=r"takes the dict that state_dict\(\) returns"):
            model.load_state_dict(given)
        with pytest.raises(TypeError, match=r"strict must be True or False, got str"):
            model.load_state_dict(model.state_dict(), strict="no")  # type: ignore[arg-type]


def trained_sgd() -> tuple[list[Value], optim.SGD]:
    """Two parameters and an SGD with momentum that has taken two steps (so it has state)."""
    params = [Value(1.0), Value(-2.0)]
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (params[0] * params[1] + params[0] ** 2).backward()
        opt.step()
    return params, opt


def snapshot(params: list[Value], opt: optim.Optimizer) -> Any:
    """Everything a failed call must leave as it was: data, grads, state, hyperparameters."""
    return [(p.data, p.grad) for p in params], copy.deepcopy(opt.state_dict()), opt.defaults


class TestOptimizerParameters:
    """Optimizers given the same Value twice, a non-leaf, one Value, or param groups."""

    def test_the_same_value_twice(self) -> None:
        """It would be stepped twice per step. (PyTorch warns that this will be an error.)"""
        v = Value(1.0)
        with pytest.raises(ValueError, match=r"the same Value twice \(parameters 0 and 1\)"):
            optim.SGD([v, v], lr=0.1)
        model = nn.Neuron(2, seed=0)
        with pytest.raises(ValueError, match=r"parameters 0 and 3"):
            optim.Adam([*model.parameters(), model.w[0]])

    def test_a_non_leaf_is_refused_in_pytorchs_words(self) -> None:
        """Stepping a result would overwrite data inside a graph."""
        w = Value(2.0)
        doubled = w * 2
        with pytest.raises(ValueError, match=r"can't optimize a non-leaf Value: parameter 1 "):
            optim.SGD([w, doubled], lr=0.1)
        assert (w.data, doubled.data) == (2.0, 4.0)

    def test_non_leaf_message_matches_pytorch(self) -> None:
        """The message begins with PyTorch's, with Value for Tensor."""
        torch = pytest.importorskip("torch", reason="PyTorch is not installed")
        t = torch.zeros((), requires_grad=True)
        with pytest.raises(ValueError) as theirs:
            torch.optim.SGD([t * 2], lr=0.1)
        with pytest.raises(ValueError) as ours:
            optim.SGD([Value(0.0) * 2], lr=0.1)
        assert str(ours.value).replace("Value", "Tensor").startswith(str(theirs.value))

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            (Value(1.0), r"got one Value: write SGD\(\[v\], ...\)"),
            ([{"params": [Value(1.0)], "lr": 0.1}], r"param groups \(dicts\) are not supported"),
            ({"w": Value(1.0)}, r"params must be an iterable of Values.*got dict"),
            ([1.0], r"optimizer can only optimize Values, got float"),
            (3, r"got int"),
        ],
    )
    def test_params_of_the_wrong_type(self, params: Any, message: str) -> None:
        """One Value, a dict, a param-group list or numbers: TypeError saying what to pass."""
        with pytest.raises(TypeError, match=message):
            optim.SGD(params, lr=0.1)


class TestOptimizerHyperparameters:
    """Bad hyperparameters, given at construction or set later through param_groups."""

    @pytest.mark.parametrize(
        ("make", "error", "message"),
        [
            (lambda ps: optim.Adam(ps, betas=(0.9, 0.99, 0.9)), ValueError, r"two numbers.*got 3"),
            (lambda ps: optim.Adam(ps, betas=0.9), TypeError, r"betas must be a pair"),
            (lambda ps: optim.Adam(ps, betas=("a", 0.9)), TypeError, r"betas\[0\] must be a num"),
            (lambda ps: optim.SGD(ps, lr="0.1"), TypeError, r"lr must be a number, got str '0.1'"),
            (lambda ps: optim.SGD(ps, lr=float("nan")), ValueError, r"Invalid learning rate: nan"),
            (lambda ps: optim.SGD(ps, lr=True), TypeError, r"lr must be a number, got bool"),
            (lambda ps: optim.SGD(ps, nesterov="yes"), TypeError, r"nesterov must be True or Fa"),
            (lambda ps: optim.Adam(ps, amsgrad=1), TypeError, r"amsgrad must be True or False"),
        ],
    )
    def test_bad_hyperparameters_at_construction(
        self, make: Any, error: type, message: str
    ) -> None:
        """PyTorch accepts 3 betas and fails later in step(); here the error comes first."""
        with pytest.raises(error, match=message):
            make([Value(1.0)])

    @pytest.mark.parametrize("name", ["SGD", "Adam"])
    def test_bad_lr_set_in_param_groups_raises_before_any_change(self, name: str) -> None:
        """Adam used to count the step and move exp_avg before failing on lr='x'."""
        w = Value(1.0)
        opt = getattr(optim, name)([w], lr=0.1)
        (w * 3).backward()
        opt.step()
        before = snapshot([w], opt)
        opt.param_groups[0]["lr"] = "x"
        with pytest.raises(TypeError, match=r"lr must be a number, got str 'x'"):
            opt.step()
        opt.param_groups[0]["lr"] = -1.0
        with pytest.raises(ValueError, match=r"Invalid learning rate: -1.0"):
            opt.step()
        opt.param_groups[0]["lr"] = 0.1
        assert snapshot([w], opt) == before

    def test_set_to_none_grads_are_skipped_by_step(self) -> None:
        """As in PyTorch: after zero_grad(set_to_none=True), a parameter with no gradient is
        not stepped (no weight decay, no momentum, no Adam state)."""
        reached, untouched = Value(1.0), Value(2.0)
        for opt in (
            optim.SGD([reached, untouched], lr=0.1, momentum=0.9, weight_decay=0.5),
            optim.Adam([reached, untouched], lr=0.1, weight_decay=0.5),
        ):
            opt.zero_grad(set_to_none=True)
            assert (reached.grad, untouched.grad) == (None, None)
            reached.grad = 1.0  # what backward leaves in the one parameter it reached
            before = reached.data
            opt.step()
            assert reached.data != before
            assert untouched.data == 2.0
            assert opt.state[1] == {}
        opt.zero_grad()
        assert (reached.grad, untouched.grad) == (0.0, 0.0)  # the default stays 0.0


def sgd_state(**group: Any) -> dict[str, Any]:
    """An SGD state dict for two parameters, with `group` changed."""
    base = {"lr": 0.1, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0}
    base.update(nesterov=False, maximize=False, params=[0, 1])
    return {"state": {"0": {"momentum_buffer": 0.5}}, "param_groups": [{**base, **group}]}


def without(key: str) -> dict[str, Any]:
    state = sgd_state()
    del state["param_groups"][0][key]
    return state


class TestOptimizerStateDicts:
    """load_state_dict checks the whole state first: a failed load changes nothing."""

    @pytest.mark.parametrize(
        ("state", "error", "message"),
        [
            (without("lr"), ValueError, r"SGD hyperparameters must be .*missing \['lr'\]"),
            (sgd_state(lr="bad"), TypeError, r"lr must be a number, got str 'bad'"),
            (sgd_state(momentum=-5), ValueError, r"Invalid momentum value: -5"),
            (sgd_state(betas=[0.9, 0.99]), ValueError, r"unexpected \['betas'\]"),
            (sgd_state(params=[0]), ValueError, r"the state is for 1 parameters, this .* has 2"),
            (sgd_state(params=[1, 0]), ValueError, r"'params' must be \[0, 1, ..., 1\]"),
            ({**sgd_state(), "state": {"-1": {}}}, ValueError, r"parameter '-1'; .* are 0 to 1"),
            ({**sgd_state(), "state": {2: {}}}, ValueError, r"parameter 2; .* are 0 to 1"),
            ({**sgd_state(), "state": {True: {}}}, ValueError, r"parameter True"),
            ({**sgd_state(), "state": {0: {}, "0": {}}}, ValueError, r"two entries for param"),
            (
                {**sgd_state(), "state": {"0": {"momentum_buffer": "abc"}}},
                TypeError,
                r"momentum_buffer of parameter 0 must be a number, got 'abc'",
            ),
            (
                {**sgd_state(), "state": {"0": {"exp_avg": 0.1}}},
                ValueError,
                r"missing \['momentum_buffer'\], unexpected \['exp_avg'\] \(is it another",
            ),
            ({**sgd_state(), "state": [{}]}, TypeError, r"'state' must be a dict, got list"),
            ({**sgd_state(), "state": {"0": 0.5}}, TypeError, r"parameter 0 must be a dict"),
            ({"state": {}}, ValueError, r"no 'param_groups' entry: give load_state_dict what"),
            ({"param_groups": []}, ValueError, r"no 'state' entry"),
            ({"state": {}, "param_groups": []}, ValueError, r"0 param groups; .* exactly one"),
            ({"state": {}, "param_groups": {}}, TypeError, r"'param_groups' must be a list"),
            ({"state": {}, "param_groups": [[0]]}, TypeError, r"param group must be a dict"),
            ([1, 2], TypeError, r"takes the dict that state_dict\(\) returns, got list"),
        ],
    )
    def test_bad_sgd_state_changes_nothing(self, state: Any, error: type, message: str) -> None:
        """Each bad state raises, and data, grads, state and hyperparameters stay as they were."""
        params, opt = trained_sgd()
        before = snapshot(params, opt)
        with pytest.raises(error, match=message):
            opt.load_state_dict(state)
        assert snapshot(params, opt) == before
        assert opt.param_groups[0] is before[2]

    @pytest.mark.parametrize(
        ("change", "error", "message"),
        [
            (lambda s: s["state"]["0"].update(step=0), ValueError, r"whole number >= 1, got 0"),
            (lambda s: s["state"]["0"].update(step=1.5), ValueError, r"whole number >= 1"),
            (lambda s: s["state"]["0"].update(step="3"), TypeError, r"step of parameter 0"),
            (lambda s: s["state"]["0"].update(exp_avg_sq=-1.0), ValueError, r"must be >= 0"),
            (lambda s: s["state"]["0"].pop("exp_avg"), ValueError, r"missing \['exp_avg'\]"),
            (
                lambda s: s["param_groups"][0].update(amsgrad=True),
                ValueError,
                r"missing \['max_exp_avg_sq'\]",
            ),
            (lambda s: s["param_groups"][0].update(betas=[0.9]), ValueError, r"got 1: \(0.9,\)"),
        ],
    )
    def test_bad_adam_state_changes_nothing(self, change: Any, error: type, message: str) -> None:
        """Adam's state entries are checked too: a count of steps, averages of squares >= 0."""
        w = Value(1.0)
        opt = optim.Adam([w], lr=0.1)
        (w * 3).backward()
        opt.step()
        state = json.loads(json.dumps(opt.state_dict()))
        change(state)
        before = snapshot([w], opt)
        with pytest.raises(error, match=message):
            opt.load_state_dict(state)
        assert snapshot([w], opt) == before

    def test_sgd_state_loaded_into_adam(self) -> None:
        """Another optimizer's state is refused, naming both sets of hyperparameters."""
        params, sgd = trained_sgd()
        adam = optim.Adam(params, lr=0.1)
        before = snapshot(params, adam)
        with pytest.raises(ValueError, match=r"Adam hyperparameters must be .*'betas'.*missing"):
            adam.load_state_dict(sgd.state_dict())
        assert snapshot(params, adam) == before

    def test_a_good_state_still_loads_through_json(self) -> None:
        """The checks accept what state_dict() gives, after a JSON round trip too."""
        params, opt = trained_sgd()
        saved = json.loads(json.dumps(opt.state_dict()))
        other = optim.SGD([Value(p.data) for p in params], lr=0.5)
        other.load_state_dict(saved)
        assert other.state_dict() == opt.state_dict()
        adam = optim.Adam([Value(1.0)], amsgrad=True)
        adam.params[0].grad = 1.0
        adam.step()
        adam.load_state_dict(json.loads(json.dumps(adam.state_dict())))
        assert adam.defaults["betas"] == (0.9, 0.999)


class TestLossesAndSeeds:
    """mse_loss given one number or Value where it takes lists, or a seed where rng goes."""

    @pytest.mark.parametrize(
        ("predictions", "targets", "name"),
        [(Value(1.0), Value(2.0), "predictions"), ([1.0], 2.0, "targets"), ("ab", [1.0], "pred")],
    )
    def test_one_pair_not_in_lists(self, predictions: Any, targets: Any, name: str) -> None:
        """ "'Value' object is not iterable" becomes a TypeError showing the list form."""
        with pytest.raises(TypeError, match=rf"for {name}.*write mse_loss\(\[prediction\]"):
            nn.mse_loss(predictions, targets)
        with pytest.raises(TypeError, match=r"mse_loss takes lists"):
            nn.MSELoss()(predictions, targets)

    def test_rng_that_is_not_a_random(self) -> None:
        """`rng=3` (meant as a seed) says to use seed=."""
        with pytest.raises(TypeError, match=r"rng must be a random.Random, got int.*seed="):
            nn.MLP(2, [1], rng=3)  # type: ignore[arg-type]


class TestDrawing:
    """The visualiser's mistakes: what it is given, and a machine without Graphviz."""

    def test_names_as_a_list_says_to_give_a_mapping(self) -> None:
        """draw_dot(names=[w]) is a TypeError showing the form to write, drawing nothing."""
        pytest.importorskip("graphviz")
        from micrograd_lite.viz import draw_dot

        w = Value(2.0)
        with pytest.raises(TypeError, match=r"names maps a name to a Value, e.g. names=\{'w': w\}"):
            draw_dot(w * 3.0, names=[w])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="names maps a str to a Value"):
            draw_dot(w * 3.0, names={"w": 2.0})  # type: ignore[dict-item]

    def test_a_label_with_a_lone_surrogate_is_drawn_escaped(self) -> None:
        """A label decoded with surrogateescape is drawn as its escape, not a UnicodeEncodeError."""
        pytest.importorskip("graphviz")
        from micrograd_lite.viz import draw_dot

        x = Value(1.0, label="x\udc80")
        source = draw_dot(x * 2.0).source
        assert "x\\\\udc80" in source
        source.encode("utf-8")  # the whole drawing encodes

    def test_without_graphviz_the_error_says_how_to_install_on_one_line(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The message's first line alone names every installer (a CLI prints just that)."""
        pytest.importorskip("graphviz")
        from micrograd_lite.viz import GraphvizNotFoundError, draw_dot

        monkeypatch.setenv("PATH", "")
        monkeypatch.setenv("MICROGRAD_LITE_DOT", "dot")  # a system Graphviz, asked for
        drawing = draw_dot(Value(1.0) * 2.0)
        with pytest.raises(GraphvizNotFoundError) as error:
            drawing._repr_mimebundle_()  # what a notebook calls to show it
        first = str(error.value).splitlines()[0]
        for installer in ("apt-get install graphviz", "brew", "conda", "winget"):
            assert installer in first
