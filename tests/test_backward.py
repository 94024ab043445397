"""Backward over whole graphs: order, accumulation, seeds, several outputs, memory."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

import micrograd_lite as mg
from micrograd_lite import Value


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    """Turn the cyclic garbage collector off, so only reference counting frees objects."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_fan_out_adds_the_gradient_of_every_use() -> None:
    """A node used by several others gets the sum of their gradients."""
    x = Value(3.0)
    y = x * 2
    out = y + y.tanh() + y * y
    out.backward()
    t = y.data
    assert y.grad == pytest.approx(1 + (1 - __import__("math").tanh(t) ** 2) + 2 * t, rel=1e-15)
    assert x.grad == 2 * y.grad


def test_square_by_self_multiplication() -> None:
    """x * x has x twice as a parent, so d/dx = 2x (micrograd's set of children loses this)."""
    x = Value(3.0)
    out = x * x
    assert out.parents == (x, x)
    out.backward()
    assert x.grad == 6.0


def test_shared_subexpression() -> None:
    """A subexpression used on two paths contributes along both."""
    a, b = Value(2.0), Value(-3.0)
    s = a * b
    out = (s + a) * (s - b)
    out.backward()
    # out = (ab + a)(ab - b): d/da = (b + 1)(ab - b) + (ab + a) b
    assert a.grad == (-3 + 1) * (-6 + 3) + (-6 + 2) * -3
    assert b.grad == a.data * (-6 + 3) + (-6 + 2) * (a.data - 1)


def test_million_op_chain() -> None:
    """A chain 1,000,000 operations deep goes backward without RecursionError."""
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert y.data == 1_000_001.0
    assert x.grad == 1.0


def test_second_backward_gives_leaves_exactly_twice() -> None:
    """Calling backward twice doubles leaf grads and leaves intermediate grads as one pass."""
    a, b = Value(2.0), Value(-3.0)
    mid = a * b
    out = mid.tanh() + mid
    out.backward()
    once = (a.grad, b.grad, mid.grad)
    out.backward()
    assert (a.grad, b.grad) == (2 * once[0], 2 * once[1])
    assert mid.grad == once[2]


def test_zero_grad_resets_accumulation() -> None:
    """zero_grad between passes gives the one-pass gradient each time (seed 002: 3, 3, 3)."""
    weights = [Value(1.0) for _ in range(4)]
    seen = []
    for _ in range(3):
        mg.sum([w * 3 for w in weights]).backward()
        seen.append([w.grad for w in weights])
        for w in weights:
            w.zero_grad()
    assert seen == [[3.0] * 4] * 3


def test_without_zero_grad_gradients_accumulate() -> None:
    """Without zero_grad the gradients grow 3, 6, 9, as in PyTorch."""
    w = Value(1.0)
    seen = []
    for _ in range(3):
        (w * 3).backward()
        seen.append(w.grad)
    assert seen == [3.0, 6.0, 9.0]


def test_backward_with_gradient_scales_the_seed() -> None:
    """backward(gradient=g) multiplies every gradient by g."""
    x = Value(2.0)
    (x**3).backward(gradient=0.5)
    assert x.grad == 0.5 * 12.0


def test_backward_of_a_leaf() -> None:
    """A leaf that requires grad gets the seed."""
    x = Value(2.0)
    x.backward()
    assert x.grad == 1.0


def test_multi_output_backward_is_vector_jacobian_product() -> None:
    """mg.backward(outputs, grad_outputs) adds sum_i v_i d(out_i)/dx (seed 002's y.backward(v))."""
    xs = [Value(v) for v in (-0.8525, -0.6867, -0.5735)]
    ys = [x - 2 for x in xs]
    vector = [0.1, 1.0, 0.001]
    mg.backward(ys, vector)
    assert [x.grad for x in xs] == vector


def test_multi_output_with_shared_input() -> None:
    """Outputs that share an input add their contributions."""
    x = Value(3.0)
    mg.backward([x * 2, x * x], [1.0, 10.0])
    assert x.grad == 2 + 10 * 6


def test_backward_on_value_without_grad_raises() -> None:
    """A Value that does not require grad cannot start backward."""
    v = Value(1.0, requires_grad=False) * 2
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        v.backward()


def test_several_outputs_need_grad_outputs() -> None:
    """backward with several outputs and no grad_outputs is refused and changes nothing."""
    x = Value(1.0)
    x.grad = 5.0
    with pytest.raises(RuntimeError, match="grad_outputs"):
        mg.backward([x * 2, x * 3])
    assert x.grad == 5.0


def test_grad_outputs_of_wrong_length_are_refused() -> None:
    """Lengths that differ raise ValueError and change nothing."""
    x = Value(1.0)
    with pytest.raises(ValueError, match="2 outputs but 1 grad_outputs"):
        mg.backward([x * 2, x * 3], [1.0])
    assert x.grad == 0.0


def test_bad_seed_changes_nothing() -> None:
    """A seed that is not a number raises TypeError before any gradient moves."""
    x = Value(1.0)
    y = x * 2
    with pytest.raises(TypeError, match="str"):
        y.backward("1")  # type: ignore[arg-type]
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_topological_order_puts_parents_first() -> None:
    """Every node comes after all its parents that require grad."""
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = mg.topological_order([e])
    position = {node: i for i, node in enumerate(order)}
    assert order[-1] is e
    for node in order:
        for parent in node.parents:
            if parent.requires_grad:
                assert position[parent] < position[node]


def test_graph_is_freed_without_cyclic_gc(no_cyclic_gc: None) -> None:
    """Dropping the output frees the whole graph by reference counting alone."""
    x = Value(0.5)
    y = x
    for _ in range(100):
        y = (y * 1.01).tanh() + 0.1
    y.backward()
    watch = [weakref.ref(node) for node in mg.topological_order([y]) if node is not x]
    assert all(ref() is not None for ref in watch)
    del y
    assert all(ref() is None for ref in watch)


def test_higher_order_graph_is_freed_without_cyclic_gc(no_cyclic_gc: None) -> None:
    """Graphs made by grad(create_graph=True) hold no cycles either."""
    x = Value(0.5)
    y = (x * x).tanh()
    (dy,) = mg.grad(y, x, create_graph=True)
    assert isinstance(dy, Value)
    refs = [weakref.ref(y), weakref.ref(dy)]
    del y, dy
    assert all(ref() is None for ref in refs)


def test_no_garbage_left_for_the_collector() -> None:
    """After a forward and backward, the cyclic collector finds nothing of ours to free."""
    gc.collect()
    gc.disable()
    try:
        x = Value(1.0)
        y = mg.mean([(x * i).sigmoid() for i in range(50)])
        y.backward()
        del x, y
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_backward_grad_the_stepper_and_the_frames_all_run_the_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Replacing `engine.chain_rule` changes backward(), micrograd's `_backward()`,
    grad(), the stepper's steps and the drawing's frames alike: each takes its numbers
    from that one pass."""
    from micrograd_lite import engine
    from micrograd_lite.viz.drawing import backward_frames
    from micrograd_lite.viz.steps import chain_rule_steps

    one_pass = engine.chain_rule
    callers: list[str] = []

    def doubled(results, create_graph=False, steps=False):  # type: ignore[no-untyped-def]
        callers.append("pass")
        for node in results:  # each node's gradient doubled before it is passed on
            node._grad = 2 * node._grad
            yield from one_pass([node], create_graph, steps)

    monkeypatch.setattr(engine, "chain_rule", doubled)
    a = Value(3.0, label="a")
    out = a * 2.0
    out.backward()
    assert a.grad == 4.0
    assert mg.grad(out, [a]) == (4.0,)
    assert a.grad == 4.0  # grad() leaves .grad as it was
    assert "= 4 (the rule at this edge)" in chain_rule_steps(out, {})[-1]  # the number run
    assert len(backward_frames(out)) == 2  # the result, then the leaf
    out.grad = 1.0
    out._backward()  # micrograd's one step, by hand
    assert a.grad == 8.0
    assert callers == ["pass"] * 5
