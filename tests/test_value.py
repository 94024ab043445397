"""The Value class: construction, members, repr, comparisons and bad input."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

import micrograd_lite as mg
from micrograd_lite import Value


@pytest.mark.parametrize("data", [3, 2.5, True, Fraction(1, 4), -0.0, math.inf])
def test_real_numbers_are_stored_as_float(data: object) -> None:
    """Any real number becomes a float in `data`."""
    v = Value(data)  # type: ignore[arg-type]
    assert type(v.data) is float
    assert v.data == float(data)  # type: ignore[arg-type]


def test_integers_too_large_for_a_float_become_infinite() -> None:
    """10**400 overflows to inf, in Value() and as a constant, as IEEE conversion does."""
    assert Value(10**400).data == math.inf
    assert Value(-(10**400)).data == -math.inf
    assert (Value(1.0) * 10**400).data == math.inf
    assert Value(Fraction(10**400, 3)).data == math.inf


def test_label_must_be_text() -> None:
    """A label that is not a str is refused."""
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_numpy_scalars_are_accepted() -> None:
    """numpy scalars are real numbers too."""
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    assert Value(np.float32(0.5)).data == 0.5
    assert Value(np.int64(3)).data == 3.0


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [("abc", "str"), (None, "NoneType"), (1j, "complex"), ([1], "list")],
)
def test_non_numbers_raise_type_error_naming_the_type(bad: object, type_name: str) -> None:
    """Value() refuses anything that is not a real number and names what it got."""
    with pytest.raises(TypeError, match=type_name):
        Value(bad)  # type: ignore[arg-type]


def test_value_of_value_points_to_detach() -> None:
    """Value(Value(1)) raises TypeError and suggests .detach()."""
    with pytest.raises(TypeError, match=r"Value.*detach\(\)"):
        Value(Value(1.0))  # type: ignore[arg-type]


def test_new_leaf_members() -> None:
    """A new Value is a leaf with grad 0.0, requires_grad True and no grad_fn."""
    v = Value(2.0)
    assert (v.grad, v.requires_grad, v.is_leaf, v.grad_fn, v.label) == (0.0, True, True, None, "")


def test_result_members() -> None:
    """A result is not a leaf, and its grad_fn names the operation."""
    out = Value(1.0) + 2
    assert not out.is_leaf
    assert out.requires_grad
    assert out.grad_fn is not None
    assert out.grad_fn.name() == "AddBackward0"
    assert repr(out.grad_fn) == "<AddBackward0>"


def test_repr_of_result_and_leaf() -> None:
    """repr shows data and grad_fn for results, data and grad for leaves, and the label."""
    assert repr(Value(-0.8525) + 2) == "Value(data=1.1475, grad_fn=<AddBackward0>)"
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2.0, label="w")) == "Value(data=2.0, grad=0.0, label='w')"


def test_item_float_and_format() -> None:
    """item(), float() and format specs read the data."""
    v = Value(1.25)
    assert v.item() == 1.25
    assert float(v) == 1.25
    assert f"{v:.3f}" == "1.250"


def test_bool_is_data_nonzero() -> None:
    """bool(v) is False only for zero, as bool(tensor) in PyTorch."""
    assert not Value(0.0)
    assert Value(-2.0)


def test_equality_is_identity_and_values_hash() -> None:
    """== is identity, so Values with equal data are distinct keys in sets and dicts."""
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert a != b
    assert len({a, b}) == 2
    assert {a: 1}[a] == 1


def test_ordering_compares_data() -> None:
    """<, <=, >, >= compare data with Values and numbers and return bool."""
    a, b = Value(1.0), Value(2.0)
    assert (a < b, a <= 1, b > a, b >= 3) == (True, True, True, False)
    assert type(a < b) is bool
    assert 0 < a  # noqa: SIM300  # the number on the left is the point of the check


def test_operator_with_non_number_raises_python_type_error() -> None:
    """Operands other than Values and real numbers give Python's own TypeError."""
    v = Value(1.0)
    with pytest.raises(TypeError, match="unsupported operand"):
        v + "a"  # type: ignore[operator]
    with pytest.raises(TypeError, match="can't multiply sequence"):
        [1] * v  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = v < "a"  # type: ignore[operator]


def test_constants_are_parents_without_grad() -> None:
    """A Python number becomes a constant parent that gets no gradient."""
    a = Value(3.0)
    out = a * 2
    const = out.parents[1]
    assert const.data == 2.0
    assert not const.requires_grad
    out.backward()
    assert (a.grad, const.grad) == (2.0, 0.0)


def test_operation_on_constants_only_is_a_leaf() -> None:
    """With no input requiring grad, a result records nothing, as in PyTorch."""
    out = Value(2.0, requires_grad=False) * 3
    assert out.is_leaf
    assert not out.requires_grad
    assert out.parents == ()


def test_reflected_operators() -> None:
    """Number-first expressions compute number OP value."""
    a = Value(2.0)
    results = [3 + a, 3 - a, 3 * a, 3 / a, 3**a]
    assert [r.data for r in results] == [5, 1, 6, 1.5, 9]


@pytest.mark.parametrize(
    ("expression", "name"),
    [
        ("a + b", "AddBackward0"),
        ("a + 2", "AddBackward0"),
        ("2 + a", "AddBackward0"),
        ("a - b", "SubBackward0"),
        ("a - 2", "SubBackward0"),
        ("2 - a", "RsubBackward1"),
        ("a * b", "MulBackward0"),
        ("a * 2", "MulBackward0"),
        ("2 * a", "MulBackward0"),
        ("a / b", "DivBackward0"),
        ("a / 2", "DivBackward0"),
        ("2 / a", "DivBackward0"),
        ("a ** 2", "PowBackward0"),
        ("a ** b", "PowBackward1"),
        ("2 ** a", "PowBackward2"),
        ("-a", "NegBackward0"),
        ("a.exp()", "ExpBackward0"),
        ("a.log()", "LogBackward0"),
        ("a.tanh()", "TanhBackward0"),
        ("a.relu()", "ReluBackward0"),
        ("a.sigmoid()", "SigmoidBackward0"),
        ("mg.sum([a, b, 1])", "SumBackward0"),
        ("mg.mean([a, b, 1])", "MeanBackward0"),
        ("mg.nn.mse_loss([a], [b])", "MseLossBackward0"),
        ("mg.nn.MSELoss()([a], [b])", "MseLossBackward0"),
    ],
)
def test_grad_fn_names_follow_spec(expression: str, name: str) -> None:
    """Each expression of the table of operations gets PyTorch's grad_fn name."""
    a, b = Value(1.5), Value(0.5)
    out = eval(expression, {"a": a, "b": b, "mg": mg})
    assert out.grad_fn.name() == name


def test_sum_and_mean_are_single_nodes_with_n_parents() -> None:
    """mg.sum and mg.mean make one node whose parents are all the values, in order."""
    xs = [Value(float(i)) for i in range(5)]
    for reduce in (mg.sum, mg.mean):
        out = reduce(xs)
        assert out.parents == tuple(xs)
    assert mg.sum(xs).data == 10.0
    assert mg.mean(xs).data == 2.0


def test_sum_of_nothing_is_zero_and_mean_is_nan() -> None:
    """Empty reductions give torch's values: sum 0, mean nan."""
    assert mg.sum([]).data == 0.0
    assert math.isnan(mg.mean([]).data)


def test_sum_refuses_non_numbers() -> None:
    """mg.sum names what it cannot add."""
    with pytest.raises(TypeError, match="str"):
        mg.sum([Value(1.0), "x"])  # type: ignore[list-item]


def test_micrograd_attribute_names() -> None:
    """micrograd's _prev and _op are there for code that draws micrograd graphs."""
    a = Value(1.0)
    out = a * a
    assert out._prev == {a}
    assert out._op == "*"
    assert a._op == ""
