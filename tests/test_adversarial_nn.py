"""Inputs chosen to break nn modules, the optimizers' param group and the command line's
expressions: each test is one case that once raised the wrong error, gave advice that
could not work or dropped something silently, and now behaves as PyTorch does or
refuses clearly.

One behaviour per test.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from micrograd_lite import Value, nn
from micrograd_lite.optim import SGD, Adam
from tests.test_mistakes_cli import refused


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
