"""Every rule in ops.REGISTRY, straight from ops.py: a new op is covered with no test edit.

On inputs in [0.5, 2] every operation is smooth (positive bases and denominators, relu
away from its kink), so no per-op data is needed: each rule is checked against central
differences of its own forward, on both of its paths (floats, and Values for
create_graph=True), and its second derivatives with gradgradcheck.
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import micrograd_lite as mg
from micrograd_lite import Value, gradgradcheck, ops
from micrograd_lite.viz.graph import number
from micrograd_lite.viz.steps import AT_AN_EDGE, MATHS_FUNCTIONS, chain_rule_steps, maths_value

BUILT_IN = [op for op in ops.REGISTRY.values() if op.key in ops.BUILT_IN]
OPS = pytest.mark.parametrize("op", BUILT_IN, ids=[op.key for op in BUILT_IN])


def arity(op: ops.Op) -> int:
    return op.arity or 4  # n-ary ops get four inputs (two prediction-target pairs for MSE)


def apply(op: ops.Op, xs: list[Value]) -> Value:
    return mg.engine.apply(op, *xs)


def inputs(op: ops.Op) -> st.SearchStrategy[list[float]]:
    return st.lists(st.floats(0.5, 2.0), min_size=arity(op), max_size=arity(op))


@OPS
def test_rule_matches_central_differences_of_its_forward(op: ops.Op) -> None:
    """rule(1, out, *x)[i] equals (f(x + h e_i) - f(x - h e_i)) / 2h (0 for constant inputs)."""

    @given(inputs(op))
    def check(xs: list[float]) -> None:
        grads = op.rule(1.0, op.forward(*xs), *xs)
        for i in range(len(xs)):
            if i in op.constant_inputs:
                assert grads[i] == 0.0
                continue
            h = 1e-6
            up, down = list(xs), list(xs)
            up[i] += h
            down[i] -= h
            numeric = (op.forward(*up) - op.forward(*down)) / (2 * h)
            assert grads[i] == pytest.approx(numeric, rel=1e-5, abs=1e-7)

    check()


@OPS
def test_rule_gives_the_same_numbers_on_floats_and_values(op: ops.Op) -> None:
    """The Value path (create_graph=True) computes the float path's gradients."""

    @given(inputs(op))
    @settings(max_examples=50)
    def check(xs: list[float]) -> None:
        values = [Value(x) for x in xs]
        out = apply(op, values)
        first = mg.grad(out, values)
        graph = mg.grad(out, values, create_graph=True)
        assert [float(g) for g in graph] == pytest.approx(first, rel=1e-14, abs=1e-300)  # type: ignore[arg-type]

    check()


@OPS
def test_second_derivatives_match_central_differences(op: ops.Op) -> None:
    """gradgradcheck passes for every op, so higher-order gradients are right (inputs that
    are always Python numbers, like a number exponent, are constants here too)."""
    xs = [
        Value(0.5 + 0.37 * i, requires_grad=i not in op.constant_inputs) for i in range(arity(op))
    ]
    assert gradgradcheck(lambda *vs: apply(op, list(vs)), xs)


EDGES = [0.0, -0.0, 0.5, -1.0, 1.0, 1000.0, -1000.0, 1e308, -1e308, math.inf, -math.inf, math.nan]


@OPS
def test_forward_and_rule_give_floats_at_edge_values(op: ops.Op) -> None:
    """At 0, ±1, ±1000, ±1e308, ±inf and nan an op never raises: IEEE floats come out."""

    @given(st.lists(st.sampled_from(EDGES), min_size=arity(op), max_size=arity(op)))
    @settings(max_examples=200)
    def check(xs: list[float]) -> None:
        out = op.forward(*xs)
        assert type(out) is float
        grads = op.rule(1.0, out, *xs)
        assert len(grads) == len(xs)
        assert all(type(g) is float for g in grads)

    check()


# ---------------------------------------------------------------------------------------
# The maths each op shows a learner (its `maths=`) is the derivative its rule computes.
# ---------------------------------------------------------------------------------------


def maths_number(op: ops.Op, k: int, xs: list[float], out: float) -> float:
    """The op's maths for input k on these numbers, as the stepper runs it."""
    result = maths_value(op, k, xs, out)
    assert result is not None, (op.key, k, xs)  # IEEE arithmetic runs every built-in text
    return result


def test_every_built_in_op_has_its_maths() -> None:
    assert [op.key for op in BUILT_IN if not op.maths] == []


def test_the_stepper_knows_every_function_a_maths_text_may_call() -> None:
    assert sorted(MATHS_FUNCTIONS) == sorted(ops.MATHS_FUNCTIONS)


@pytest.mark.parametrize("op", list(ops.REGISTRY.values()), ids=list(ops.REGISTRY))
def test_maths_text_is_the_derivative_the_rule_computes(op: ops.Op) -> None:
    """g * maths equals the rule's gradient for every input, at random points (0 and
    poles included): the text a learner reads in the stepper cannot drift from the rule.
    A constant input gets no gradient from the rule; the edges where the maths is not
    the rule are those named in MATHS_EDGES, checked below."""
    if not op.maths:
        pytest.skip(f"{op.key} has no maths= (a user's op may leave it out)")

    @given(
        st.lists(
            st.one_of(st.floats(-3.0, 3.0), st.sampled_from([0.0, 1.0, -1.0])),
            min_size=arity(op),
            max_size=arity(op),
        ),
        st.floats(-2.0, 2.0),
    )
    def check(xs: list[float], g: float) -> None:
        assume(all(x == 0.0 or abs(x) > 1e-3 for x in xs))  # no under- or overflow
        out = op.forward(*xs)
        grads = op.rule(g, out, *xs)
        for k in range(len(xs)):
            if k in op.constant_inputs:  # a number: the rule passes it no gradient
                assert grads[k] == 0.0
                continue
            if at_an_edge(op, xs):
                continue  # the stepper marks these: see the test below
            expected = g * maths_number(op, k, xs, out)
            if math.isnan(expected) or math.isnan(grads[k]):
                assert math.isnan(expected), (k, op.maths, xs)
                assert math.isnan(grads[k]), (k, op.maths, xs)
            else:
                assert grads[k] == pytest.approx(expected, rel=1e-9, abs=1e-12), (k, op.maths)

    check()


#: Where an op's maths, run on the numbers, is not what its rule computes: the kinks and
#: edges where the rule follows PyTorch (relu passes nan's gradient on; 0 ** 0 has
#: gradient 0; the exponent's gradient at a zero base is 0, not 0 * log 0; a power of
#: number c is computed as PyTorch's kernel does, a ** -0.5 as 1/sqrt(a), so -inf at -0.0).
MATHS_EDGES = {
    "relu": lambda a: math.isnan(a),
    "pow_number": lambda a, c: (
        (c == 0.0 and (a == 0.0 or math.isnan(a)))
        or (c - 1.0 in (0.5, -0.5) and (a == -math.inf or math.copysign(1.0, a) < 0.0 == a))
    ),
    "pow_value": lambda a, b: (
        (a == 0.0 and (b >= 0.0 or math.isnan(b))) or (b == 0.0 and math.isnan(a))
    ),
    "rpow": lambda c, b: c == 0.0 and b >= 0.0,
}
EDGE_NUMBERS = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, math.nan, math.inf, -math.inf]


def at_an_edge(op: ops.Op, xs: list[float]) -> bool:
    return op.key in MATHS_EDGES and MATHS_EDGES[op.key](*xs)  # type: ignore[operator]


def edge_points(op: ops.Op) -> list[tuple[float, ...]]:
    """Every input at every edge number (the n-ary ops: four inputs from the first five)."""
    if op.arity:
        return list(itertools.product(EDGE_NUMBERS, repeat=op.arity))
    return list(itertools.product(EDGE_NUMBERS[:5], repeat=4))


@pytest.mark.parametrize("op", BUILT_IN, ids=[op.key for op in BUILT_IN])
def test_the_stepper_shows_the_rules_number_at_kinks_edges_and_constants(op: ops.Op) -> None:
    """At 0, ±1, nan and ±inf, with constant inputs passed as numbers: each step ends in
    the number the rule computed, marked "(the rule at this edge)" exactly where the
    maths on the numbers shown gives another, and only at the edges MATHS_EDGES names."""
    for xs in edge_points(op):
        leaves = [x if k in op.constant_inputs else Value(x) for k, x in enumerate(xs)]
        out = apply(op, leaves)
        names = {v: f"x{k}" for k, v in enumerate(leaves) if isinstance(v, Value)}
        lines = chain_rule_steps(out, names)
        rule = op.rule(1.0, out.data, *xs)
        for k, x in enumerate(leaves):
            if not isinstance(x, Value):  # a constant: no step
                assert not [line for line in lines if line.startswith(f"x{k}.grad")]
                continue
            (line,) = [line for line in lines if line.startswith(f"x{k}.grad")]
            shown = maths_number(op, k, list(xs), out.data)
            agrees = (
                shown == rule[k]
                or (math.isnan(shown) and math.isnan(rule[k]))
                or math.isclose(shown, rule[k], rel_tol=1e-9)
            )
            ending = f"= {number(rule[k])}" + ("" if agrees else f" {AT_AN_EDGE}")
            assert line.endswith(ending), (xs, line)
            assert agrees or at_an_edge(op, list(xs)), (xs, line)


# ---------------------------------------------------------------------------------------
# The rule in ops.py is the rule that runs: replace one, and every path follows it.
# ---------------------------------------------------------------------------------------


def doubled_and_tripled(g: ops.Num, out: ops.Num, a: ops.Num, b: ops.Num) -> tuple[ops.Num, ...]:
    """A deliberately wrong rule for `*`: twice and three times the true gradients."""
    return g * b * 2.0, g * a * 3.0


@pytest.fixture
def replaced_mul_rule(monkeypatch: pytest.MonkeyPatch) -> tuple[float, float]:
    """ops.mul's rule replaced; the gradients of a * b at (2, 5) it gives."""
    monkeypatch.setattr(ops.mul, "rule", doubled_and_tripled)
    return 10.0, 6.0


def test_backward_runs_the_replaced_rule(replaced_mul_rule: tuple[float, float]) -> None:
    a, b = Value(2.0), Value(5.0)
    (a * b).backward()
    assert (a.grad, b.grad) == replaced_mul_rule


def test_grad_with_create_graph_runs_the_replaced_rule(
    replaced_mul_rule: tuple[float, float],
) -> None:
    a, b = Value(2.0), Value(5.0)
    grads = mg.grad(a * b, [a, b], create_graph=True)
    assert tuple(g.data for g in grads) == replaced_mul_rule  # type: ignore[union-attr]


def test_the_manual_backward_step_runs_the_replaced_rule(
    replaced_mul_rule: tuple[float, float],
) -> None:
    a, b = Value(2.0), Value(5.0)
    out = a * b
    out.grad = 1.0
    out._backward()
    assert (a.grad, b.grad) == replaced_mul_rule


def test_the_stepper_shows_the_replaced_rule(replaced_mul_rule: tuple[float, float]) -> None:
    from micrograd_lite.viz import stepper

    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    steps = stepper(a * b).steps
    shown = {
        s[1:] for step in steps if step["phase"] == "backward" for s in map(tuple, step["set"])
    }
    assert {("grad", "10"), ("grad", "6")} <= shown


def test_gradcheck_catches_the_replaced_rule(replaced_mul_rule: tuple[float, float]) -> None:
    assert not mg.gradcheck(lambda x, y: x * y, [Value(2.0), Value(5.0)], raise_exception=False)


@pytest.mark.parametrize("generate", [False, True], ids=["tape", "generated code"])
def test_compile_runs_the_replaced_rule(
    replaced_mul_rule: tuple[float, float], generate: bool
) -> None:
    a, b = Value(2.0), Value(5.0)
    mg.compile(lambda x, y: x * y, generate=generate)(a, b)
    assert (a.grad, b.grad) == replaced_mul_rule


def test_the_maths_evaluator_knows_every_function_maths_may_call() -> None:
    assert set(MATHS_FUNCTIONS) == set(ops.MATHS_FUNCTIONS)
