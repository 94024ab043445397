"""`define_op`: an op defined in user code works everywhere a built-in one does.

The op here is docs/defining-an-op.md's: `sinh`, whose rule uses `cosh`, whose rule uses `sinh`, so
second derivatives go through both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import pytest

import micrograd_lite as mg
from micrograd_lite import Op, Value, define_op, gradcheck, gradgradcheck, ops
from micrograd_lite.__main__ import FUNCTIONS
from micrograd_lite.viz import draw_dot


def float_sinh(x: float) -> float:
    try:
        return math.sinh(x)
    except OverflowError:  # past about 710: IEEE gives ±inf
        return math.copysign(math.inf, x)


def float_cosh(x: float) -> float:
    try:
        return math.cosh(x)
    except OverflowError:
        return math.inf


@pytest.fixture
def sinh() -> Iterator[Op]:
    """sinh and cosh, defined as a user would, and taken out of the registry afterwards."""

    # d sinh(a) = cosh(a) da
    @define_op("sinh", float_sinh)
    def sinh(g: ops.Num, out: ops.Num, a: ops.Num) -> tuple[ops.Num]:
        return (g * cosh(a),)

    # d cosh(a) = sinh(a) da
    @define_op("cosh", float_cosh)
    def cosh(g: ops.Num, out: ops.Num, a: ops.Num) -> tuple[ops.Num]:
        return (g * sinh(a),)

    yield sinh
    del ops.REGISTRY["sinh"], ops.REGISTRY["cosh"]


def test_an_op_is_registered_under_its_grad_fn_name(sinh: Op) -> None:
    """define_op names it SinhBackward0 from its symbol and counts its inputs."""
    assert ops.REGISTRY["sinh"] is sinh
    assert (sinh.name(), sinh.symbol, sinh.arity) == ("SinhBackward0", "sinh", 1)
    assert repr(sinh(Value(1.0)).grad_fn) == "<SinhBackward0>"


def test_an_op_on_numbers_is_its_forward_and_on_values_a_node(sinh: Op) -> None:
    """sinh(0.5) is a float; sinh(Value(0.5)) a Value that records its parent."""
    assert sinh(0.5) == math.sinh(0.5)
    x = Value(0.5)
    y = sinh(x)
    assert isinstance(y, Value)
    assert y.data == math.sinh(0.5)
    assert y.parents == (x,)


def test_backward_through_a_user_op(sinh: Op) -> None:
    """d/dx sinh(x²) = 2x cosh(x²), as x cosh(x²) + x cosh(x²): x is used twice."""
    x = Value(0.7)
    sinh(x * x).backward()
    c = math.cosh(0.7 * 0.7)
    assert x.grad == c * 0.7 + c * 0.7


def test_second_derivatives_through_a_user_op(sinh: Op) -> None:
    """d²/dx² sinh(x) = sinh(x), through grad(create_graph=True)."""
    x = Value(0.7)
    (dx,) = mg.grad(sinh(x), [x], create_graph=True)
    (ddx,) = mg.grad(dx, [x])  # type: ignore[arg-type]
    assert ddx == math.sinh(0.7)


def test_gradcheck_and_gradgradcheck_pass_for_a_user_op(sinh: Op) -> None:
    """Its rule agrees with central differences, to first and second order."""
    assert gradcheck(lambda a, b: sinh(a * b), [Value(0.3), Value(-1.2)])
    assert gradgradcheck(lambda a: sinh(a) * a, [Value(0.3)])


def test_compile_inlines_a_user_op_and_replays_it_bit_for_bit(sinh: Op) -> None:
    """The generated code computes the rule inline (`cosh` called as a forward), and a
    replay gives eager's numbers to the bit."""
    f = mg.compile(lambda a: sinh(a * a) * a)
    for x in (0.3, -1.1, 2.5):
        eager = Value(x)
        expected = (sinh(eager * eager) * eager).data
        (sinh(eager * eager) * eager).backward()
        v = Value(x)
        assert f(v).data == expected
        assert v.grad.hex() == eager.grad.hex()
    assert f.recordings == 1
    source = f.source()
    assert "float_sinh(" in source
    assert "float_cosh(" in source
    assert "rule_" not in source


def test_a_user_op_is_drawn_with_its_symbol(sinh: Op) -> None:
    """The visualiser shows the op's symbol, as for built-in ones."""
    assert "[label=sinh " in draw_dot(sinh(Value(1.0))).source


def test_detect_anomaly_names_a_user_op(sinh: Op) -> None:
    """A user op whose forward gives nan is named by detect_anomaly, as a built-in one."""
    with mg.detect_anomaly(), pytest.raises(FloatingPointError, match="SinhBackward0"):
        sinh(Value(math.inf, label="x"))


def test_an_op_with_any_number_of_inputs() -> None:
    """A rule with `*xs` makes an n-ary op, as micrograd_lite.sum is."""

    # d max(x1 ... xn) = dxi for the first largest xi
    @define_op("max", lambda *xs: max(xs))
    def largest(g: ops.Num, out: ops.Num, *xs: ops.Num) -> tuple[ops.Num, ...]:
        first = [float(x) for x in xs].index(float(out))
        return tuple(g if i == first else 0.0 for i in range(len(xs)))

    try:
        a, b, c = Value(1.0), Value(3.0), Value(2.0)
        largest(a, b, c).backward()
        assert largest.arity == 0
        assert (a.grad, b.grad, c.grad) == (0.0, 1.0, 0.0)
    finally:
        del ops.REGISTRY["largest"]


def test_a_built_in_op_cannot_be_redefined() -> None:
    """Reusing a built-in name is refused, so no user op replaces tanh's rule."""

    def tanh(g: ops.Num, out: ops.Num, a: ops.Num) -> tuple[ops.Num]:
        return (g,)

    with pytest.raises(ValueError, match="tanh is a built-in operation"):
        define_op("tanh", math.tanh)(tanh)


def test_a_rule_must_take_the_gradient_the_result_and_inputs() -> None:
    """A rule with too few parameters is refused when it is defined."""

    def bad(g: ops.Num, out: ops.Num) -> tuple[ops.Num, ...]:
        return ()

    with pytest.raises(TypeError, match=r"a rule takes \(g, out, \*inputs\)"):
        define_op("bad", abs)(bad)


def test_the_command_line_offers_every_one_input_built_in_op() -> None:
    """The CLI's functions come from the registry: nothing to keep in step by hand."""
    one_input = {op.symbol for op in ops.REGISTRY.values() if op.arity == 1}
    assert {"exp", "log", "tanh", "relu", "sigmoid"} <= set(FUNCTIONS) <= one_input


@pytest.mark.parametrize(
    ("maths", "message"),
    [
        (("cos(a)", "1"), "maths= has 2 texts for 1 inputs"),
        ("cos(b)", "maths text 'cos(b)' uses b; it may use"),
        ("cos(a", "maths text 'cos(a' is not a Python expression"),
        (3, "maths= takes a str, or a tuple of one str per input"),
    ],
    ids=["count", "unknown name", "syntax", "not text"],
)
def test_maths_that_cannot_be_the_derivative_is_refused(maths: object, message: str) -> None:
    """maths= is checked when the op is defined: one expression per input, known names."""

    def my_sin(g: ops.Num, out: ops.Num, a: ops.Num) -> tuple[ops.Num]:
        return (g * ops.REGISTRY["mul"](1.0, a),)

    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        define_op("sin", math.sin, maths=maths)(my_sin)  # type: ignore[arg-type]
    assert "my_sin" not in ops.REGISTRY
