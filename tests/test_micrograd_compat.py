"""Coming from micrograd: the lecture's idioms run with only the import changed.

Each test is code as micrograd's README, its lecture ("the spelled-out intro to neural
networks and backpropagation") and its exercises write it, with `Value` imported from
micrograd_lite.
"""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Callable
from typing import Any

import pytest

import micrograd_lite as mg
from micrograd_lite import CompileError, Value, gradcheck, optim
from micrograd_lite.viz import draw_dot


def lecture_neuron() -> dict[str, Value]:
    """The lecture's neuron: o = tanh(x1*w1 + x2*w2 + b), every node labelled."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return {k: v for k, v in locals().items() if isinstance(v, Value)}


LECTURE_GRADS = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}


def test_the_manual_backward_walk_of_the_lecture() -> None:
    """o.grad = 1.0, then o._backward(), n._backward(), ... gives the lecture's gradients."""
    v = lecture_neuron()
    v["o"].grad = 1.0
    for name in ["o", "n", "b", "x1w1x2w2", "x2w2", "x1w1"]:
        v[name]._backward()
    for name, expected in LECTURE_GRADS.items():
        assert v[name].grad == pytest.approx(expected, abs=1e-12)


def test_the_lectures_own_topological_sort_and_backward_loop() -> None:
    """build_topo over `_prev`, then `_backward()` in reverse, as the lecture writes it."""
    v = lecture_neuron()
    o = v["o"]
    topo: list[Value] = []
    visited: set[Value] = set()

    def build_topo(node: Value) -> None:
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                build_topo(child)
            topo.append(node)

    build_topo(o)
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    for name, expected in LECTURE_GRADS.items():
        assert v[name].grad == pytest.approx(expected, abs=1e-12)


def test_the_lectures_tanh_from_exp_and_division() -> None:
    """o = (e - 1) / (e + 1) with e = exp(2n) gives the same gradients as n.tanh()."""
    v = lecture_neuron()
    e = (2 * v["n"]).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5), rel=1e-12)
    for name, expected in LECTURE_GRADS.items():
        assert v[name].grad == pytest.approx(expected, abs=1e-12)


# -- micrograd's way of adding an op: a node from the constructor and a closure -----------


def micrograd_tanh(self: Value) -> Value:
    """The lecture's own tanh, written the micrograd way."""
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward() -> None:
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def test_the_constructor_takes_children_and_an_op_as_micrograd() -> None:
    """Value(data, _children, _op, label) positionally: the node has those parents."""
    a, b = Value(2.0), Value(-3.0)
    c = Value(-1.0, (a, b), "+", "c")
    assert c.parents == (a, b)
    assert c._prev == {a, b}
    assert c._op == "+"
    assert c.label == "c"
    assert not c.is_leaf


def test_a_value_with_no_children_is_a_parameter_that_gets_a_gradient() -> None:
    """Value(0.5, ()) is a leaf that requires grad, as micrograd's parameters are."""
    w = Value(0.5, ())
    (w * 3.0).backward()
    assert w.requires_grad
    assert w.grad == 3.0


def test_requires_grad_is_keyword_only_and_a_flag_in_its_place_is_refused() -> None:
    """Value(1.0, False) no longer means requires_grad=False: it says what to write."""
    with pytest.raises(TypeError, match="requires_grad is keyword-only"):
        Value(1.0, False)  # type: ignore[arg-type]
    assert not Value(1.0, requires_grad=False).requires_grad


def test_children_that_are_not_values_are_refused() -> None:
    """A child that is a number or a string is a mistake, said at once."""
    with pytest.raises(TypeError, match="_children must be Values, got a float"):
        Value(1.0, (Value(2.0), 3.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="_op must be a str"):
        Value(1.0, (Value(2.0),), 5)  # type: ignore[arg-type]


def test_a_closure_op_runs_in_backward_with_the_builtin_gradient() -> None:
    """A micrograd-style tanh gives what the built-in tanh gives, through backward()."""
    x, y = Value(0.3), Value(0.3)
    mine = micrograd_tanh(x * 2.0 + 1.0) * x
    builtin = (y * 2.0 + 1.0).tanh() * y
    mine.backward()
    builtin.backward()
    assert mine.data == pytest.approx(builtin.data, rel=1e-15)
    assert x.grad == pytest.approx(y.grad, rel=1e-14)


def test_a_closure_op_accumulates_like_any_other_node() -> None:
    """Two backward() calls give leaves exactly twice the gradient through a closure too."""
    x = Value(0.7)
    out = micrograd_tanh(x)
    out.backward()
    once = x.grad
    out.backward()
    assert x.grad == 2 * once


def test_a_closure_node_works_with_grad_and_gradcheck() -> None:
    """grad() runs the closure without touching .grad; gradcheck finds it right."""
    x = Value(0.4)
    x.grad = 5.0
    (g,) = mg.grad(micrograd_tanh(x * x), [x])
    assert g == pytest.approx(2 * 0.4 * (1 - math.tanh(0.16) ** 2), rel=1e-14)
    assert x.grad == 5.0
    assert gradcheck(lambda a: micrograd_tanh(a * a) * a, [Value(0.4)])


def test_a_closure_node_is_drawn_with_its_symbol() -> None:
    """The visualiser labels the node with the `_op` the user gave."""
    source = draw_dot(micrograd_tanh(Value(0.4, label="x"))).source
    assert "v0_op [label=tanh " in source


def test_create_graph_refuses_a_closure_naming_its_op() -> None:
    """A closure works on floats, so second derivatives through it are refused clearly."""
    x = Value(0.4)
    with pytest.raises(RuntimeError, match=r"'tanh' node .* micrograd_lite.define_op"):
        mg.grad(micrograd_tanh(x), [x], create_graph=True)


def test_compile_refuses_a_closure_naming_the_line_and_the_way_out() -> None:
    """compile cannot follow a closure: it says so and points to define_op."""
    f = mg.compile(lambda x: micrograd_tanh(x * 2.0))
    with pytest.raises(CompileError, match=r"define it with micrograd_lite\.define_op"):
        f(Value(0.4))


def test_a_closure_node_under_no_grad_records_nothing() -> None:
    """As every operation: under no_grad the node is a constant with no parents."""
    with mg.no_grad():
        out = Value(1.0, (Value(2.0),), "f")
    assert out.is_leaf
    assert not out.requires_grad


def test_a_graph_with_closures_is_freed_without_the_cyclic_collector() -> None:
    """A closure captures its own node, but is dropped with it: count what gc finds."""
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        for _ in range(10):
            micrograd_tanh(x * 2.0).backward()
        assert gc.collect() > 0  # micrograd's closures do make cycles: they are the user's
    finally:
        gc.enable()


# -- extra attributes and subclasses ------------------------------------------------------


def test_values_take_extra_attributes() -> None:
    """Optimizer state kept on the parameter, as many micrograd forks do."""
    p = Value(1.0)
    p.m = 0.0  # type: ignore[attr-defined]
    p.m = 0.9 * p.m + 0.1  # type: ignore[attr-defined]
    assert p.m == pytest.approx(0.1)  # type: ignore[attr-defined]


class Param(Value):
    """A subclass for parameters, as user code writes one."""


def test_a_subclass_takes_part_in_every_operation() -> None:
    """Param with Value, numbers, comparisons, n-ary ops; backward reaches it."""
    w, x = Param(2.0), Value(3.0)
    out = w * x + 1.0 - w / 2.0 + w**2 + 2.0**w + mg.sum([w, x]) + (w - x).relu() + (-w).exp()
    assert type(out) is Value  # results are plain Values, as `p * x` for an nn.Parameter
    out.backward()
    assert w.grad == pytest.approx(3 - 0.5 + 4 + 4 * math.log(2) + 1 + 0 - math.exp(-2))
    assert w > x - 2
    assert (x**w).grad_fn.name() == "PowBackward1"  # type: ignore[union-attr]


def test_subclass_parameters_train_with_sgd_and_adam() -> None:
    """The optimizers step Param objects like any Value."""
    for make in (lambda ps: optim.SGD(ps, lr=0.1), lambda ps: optim.Adam(ps, lr=0.1)):
        w = Param(1.0)
        opt = make([w])
        for _ in range(3):
            opt.zero_grad()
            (w * w).backward()
            opt.step()
        assert w.data < 1.0


def test_subclass_values_work_in_grad_compile_and_viz() -> None:
    """grad, a compiled call and a drawing all take Param like Value."""
    w = Param(0.5, label="w")
    (g,) = mg.grad((w * w).tanh(), [w])
    f = mg.compile(lambda a: (a * a).tanh())
    w.grad = 0.0
    f(w)
    assert w.grad == g
    assert 'label="w' in draw_dot((w * 2.0).tanh()).source


# -- micrograd's lecture, second half: a small MLP trained by hand --------------------------


class Neuron:
    def __init__(self, nin: int) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))

    def __call__(self, x: list[float]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh()

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


class Layer:
    def __init__(self, nin: int, nout: int) -> None:
        self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x: list[float]) -> list[Value]:
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    def __init__(self, nin: int, nouts: list[int]) -> None:
        sz = [nin, *nouts]
        self.layers = [Layer(sz[i], sz[i + 1]) for i in range(len(nouts))]

    def __call__(self, x: list[float]) -> Value:
        out: list[Value] = x  # type: ignore[assignment]
        for layer in self.layers:
            out = layer(out)  # type: ignore[arg-type]
        return out[0]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]


def test_the_lectures_mlp_trains_with_its_own_loop() -> None:
    """The lecture's MLP(3, [4, 4, 1]) on its four examples: the loss falls below 0.01."""
    random.seed(0)
    n = MLP(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    for _ in range(100):
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()  # type: ignore[union-attr]
        for p in n.parameters():
            p.data += -0.1 * p.grad
    assert loss.data < 0.01  # type: ignore[union-attr]


def test_the_exercises_softmax_gives_the_expected_gradients() -> None:
    """The exercise notebook's softmax check, with its own expected numbers."""
    logits = [Value(0.0), Value(3.0), Value(-2.0), Value(1.0)]
    counts = [logit.exp() for logit in logits]
    denominator = sum(counts)
    probs = [c / denominator for c in counts]
    loss = -probs[3].log()
    loss.backward()
    assert loss.data == pytest.approx(2.1755153626167147, rel=1e-12)
    expected = [0.041772570515350445, 0.8390245074625319, 0.005653302662216329, -0.8864503806400986]
    assert [x.grad for x in logits] == pytest.approx(expected, rel=1e-12)


def test_micrograds_readme_example_prints_its_numbers() -> None:
    """micrograd's README example (its test_more_ops) gives the numbers its README shows."""
    a, b, g = micrograd_more_ops(Value)
    assert f"{g.data:.4f} {a.grad:.4f} {b.grad:.4f}" == "24.7041 138.8338 645.5773"


def micrograd_sanity_check(value: Callable[[float], Any]) -> tuple[Any, Any]:
    """micrograd's test_sanity_check expression, for Values or tensors."""
    x = value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return x, y


def micrograd_more_ops(value: Callable[[float], Any]) -> tuple[Any, Any, Any]:
    """micrograd's test_more_ops expression, for Values or tensors."""
    a = value(-4.0)
    b = value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g


def test_micrograds_own_engine_tests_agree_with_pytorch() -> None:
    """micrograd's test/test_engine.py, both tests, against PyTorch float64."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity runs in CI")

    def tensor(x: float) -> Any:
        return torch.tensor([x], dtype=torch.float64, requires_grad=True)

    (xmg, ymg), (xpt, ypt) = micrograd_sanity_check(Value), micrograd_sanity_check(tensor)
    assert ymg.data == ypt.data.item()
    assert xmg.grad == xpt.grad.item()
    ours, theirs = micrograd_more_ops(Value), micrograd_more_ops(tensor)
    assert (
        f"{ours[2].data:.4f} {ours[0].grad:.4f} {ours[1].grad:.4f}" == "24.7041 138.8338 645.5773"
    )
    for mine, pytorch in zip(ours[:2], theirs[:2]):  # the leaves a and b
        assert abs(mine.grad - pytorch.grad.item()) < 1e-6
    assert abs(ours[2].data - theirs[2].data.item()) < 1e-6


# ---------------------------------------------------------------------------------------
# micrograd code that once broke: each test is the code as a user writes it
# ---------------------------------------------------------------------------------------


def test_a_node_built_by_hand_without_a_closure_passes_no_gradient_on() -> None:
    """micrograd's `_backward` starts as `lambda: None`: the gradient stops at the node."""
    a, b = Value(2.0), Value(3.0)
    v = Value(5.0, (a, b), "+")
    (v * 2).backward()
    assert v.grad == 2.0
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_plus_equals_on_a_leaf_accumulates_a_loss_as_micrograd_does() -> None:
    """`total = Value(0.0); total += loss` builds the node, as `total = total + loss`."""
    w = Value(3.0)
    total = Value(0.0)
    for x in (1.0, 2.0):
        total += w * x
    total.backward()
    assert total.data == 9.0
    assert w.grad == 3.0


@pytest.mark.parametrize("other", [0.1, Value(0.1, requires_grad=False)])
def test_plus_equals_of_an_update_on_a_parameter_still_raises(other: Any) -> None:
    """`p -= lr * p.grad` outside no_grad would rebind the name and train nothing."""
    p = Value(1.0)
    with pytest.raises(RuntimeError, match="in-place operation"):
        p -= other
    assert p.data == 1.0


@pytest.mark.parametrize("make", [lambda a, b: a * b, lambda a, b: (a + b).tanh()])
def test_setting_a_closure_on_a_built_node_keeps_its_parents(
    make: Callable[[Value, Value], Value],
) -> None:
    """`out._backward = fn` on a node made by `*` or `tanh` replaces its rule, not its edges."""
    a, b = Value(2.0), Value(3.0)
    out = make(a, b)
    parents = out.parents

    def _backward() -> None:
        a.grad += 10.0 * out.grad

    out._backward = _backward
    assert out.parents == parents
    out.backward()
    assert (a.grad, b.grad) == (10.0, 0.0)


def test_a_backward_that_fails_part_way_leaves_every_grad_as_it_was() -> None:
    """A rule raising (here a closure) must not wipe gradients accumulated earlier."""
    w = Value(2.0)
    (w * 1.5).backward()
    h = w * 3.0
    h.backward()
    before = (w.grad, h.grad)
    out = Value(1.0, (h,), "boom")

    def _backward() -> None:
        raise KeyboardInterrupt

    out._backward = _backward
    with pytest.raises(KeyboardInterrupt):
        (out * 2.0 + w).backward()
    assert (w.grad, h.grad) == before == (4.5, 1.0)


def test_a_backward_stopped_by_detect_anomaly_leaves_every_grad_as_it_was() -> None:
    """detect_anomaly raising in backward leaves the earlier pass's gradients."""
    w = Value(0.0)
    (w * 3.0).backward()
    with mg.detect_anomaly(), pytest.raises(FloatingPointError, match="in its backward pass"):
        (w * 2.0 + w**0.5).backward()  # the square root's slope at 0 is inf
    assert w.grad == 3.0
