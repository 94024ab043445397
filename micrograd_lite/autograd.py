"""Reverse-mode differentiation over a graph of Values: `backward()` and `grad()`.

Both walk the graph in reverse topological order (each node after every node that uses
it) and call each node's derivative rule from `micrograd_lite.ops`. The order is built
with an explicit stack rather than recursion, so a graph a million operations deep works.

- `backward(outputs, grad_outputs)` adds the gradients into the leaves' `.grad`
  (accumulating across calls, as PyTorch does) and stores this pass's gradient in each
  intermediate node's `.grad`.
- `grad(outputs, inputs, ...)` returns the gradients instead and leaves `.grad` alone;
  with `create_graph=True` they are Values in a new graph, for higher derivatives.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterator, Sequence
from numbers import Real

from micrograd_lite import grad_mode
from micrograd_lite.engine import Value
from micrograd_lite.ops import Num, Op

__all__ = [
    "NO_GRAPH_REASONS",
    "backward",
    "backward_steps",
    "grad",
    "propagate",
    "topological_order",
]

#: Why a Value that does not require grad has no graph, where a tool knows (the compiler
#: says so of the Values a compiled call returns); `backward()` on one gives the reason.
NO_GRAPH_REASONS: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()


def topological_order(roots: Sequence[Value]) -> list[Value]:
    """Every node that requires grad and that the roots depend on, parents before children.

    A depth-first walk with an explicit stack: a node is appended once all its parents
    are, so the list is a topological order, and reversed it is the order backward needs.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    for root in roots:
        if root in visited or not root.requires_grad:
            continue
        visited.add(root)
        stack = [(root, iter(root.parents))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent.requires_grad and parent not in visited:
                    visited.add(parent)
                    stack.append((parent, iter(parent.parents)))
                    break
            else:  # every parent is placed: the node can follow them
                stack.pop()
                order.append(node)
    return order


def backward(outputs: Sequence[Value], grad_outputs: Sequence[float] | None = None) -> None:
    """Add d(outputs · grad_outputs)/d(leaf) to each leaf's `.grad`, as `torch.autograd.backward`.

    With one output, `grad_outputs` defaults to 1. Several outputs give the
    vector-Jacobian product with `grad_outputs`, which is then required.
    """
    grad_mode.check_observed("calls backward()")
    outputs, seeds = _check_outputs(outputs, grad_outputs, "backward")
    order = topological_order(outputs)
    for node in order:  # intermediate nodes hold this pass's gradient only
        if node.op is not None:
            node.grad = 0.0
    for output, seed in zip(outputs, seeds):
        output.grad += seed
    check = grad_mode.mode.get() & grad_mode.ANOMALY
    for node in reversed(order):
        op = node.op
        if op is None:
            continue
        g = node.grad
        parents = node.parents
        # Unpacking by arity avoids building a list of parent data for every node.
        if op.arity == 2:
            a, b = parents
            grad_a, grad_b = op.vjp(g, node.data, a.data, b.data)
            if check:
                _check_backward(op, (grad_a, grad_b), parents)
            if a.requires_grad:
                a.grad += grad_a
            if b.requires_grad:
                b.grad += grad_b
        elif op.arity == 1:
            (a,) = parents
            (grad_a,) = op.vjp(g, node.data, a.data)
            if check:
                _check_backward(op, (grad_a,), parents)
            if a.requires_grad:
                a.grad += grad_a
        elif op.closure:  # micrograd's node: its closure adds into the parents' .grad
            node._backward()
            if check:
                _check_backward(op, [p.grad for p in parents], parents)
        else:
            input_grads = op.vjp(g, node.data, *[p.data for p in parents])
            if check:
                _check_backward(op, input_grads, parents)
            for parent, grad_p in zip(parents, input_grads):
                if parent.requires_grad:
                    parent.grad += grad_p


def propagate(node: Value) -> None:
    """One node's step of backward, as micrograd's `_backward()`: apply the node's rule
    to its current `.grad` and add the results into its parents' `.grad`."""
    op = node.op
    if op is None:
        return
    if op.closure:
        node._backward()
        return
    parents = node.parents
    for parent, grad_p in zip(parents, op.vjp(node.grad, node.data, *[p.data for p in parents])):
        if parent.requires_grad:
            parent.grad += grad_p


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Sequence[float | Value] | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Num | None, ...]:
    """The gradients of the outputs with respect to the inputs, as `torch.autograd.grad`.

    Leaves `.grad` untouched. With `create_graph=True` the gradients are Values in a new
    graph, so they can be differentiated again (second and higher derivatives).
    """
    grad_mode.check_observed("calls grad()")
    outputs = [outputs] if isinstance(outputs, Value) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Value) else list(inputs)
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad() inputs must be Values, got {type(x).__name__}")
        if not x.requires_grad:
            raise RuntimeError("One of the differentiated Values does not require grad")
    outputs, seeds = _check_outputs(outputs, grad_outputs, "grad", allow_values=create_graph)
    order = topological_order(outputs)
    reached = set(order)
    for x in inputs:
        if x not in reached and not allow_unused:
            raise RuntimeError(
                "One of the differentiated Values appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
    grads: dict[Value, Num] = {}
    for output, seed in zip(outputs, seeds):
        grads[output] = grads.get(output, 0.0) + (_as_value(seed) if create_graph else seed)
    with grad_mode.set_grad_enabled(create_graph):
        for _ in backward_steps(order, grads, create_graph):
            pass
    result: list[Num | None] = []
    for x in inputs:
        g = grads.get(x)
        if g is None and x in reached:
            g = 0.0
        if create_graph and isinstance(g, float):
            g = Value(g, requires_grad=False)  # a gradient that does not depend on x
        result.append(g)
    return tuple(result)


def backward_steps(
    order: Sequence[Value], grads: dict[Value, Num], create_graph: bool = False
) -> Iterator[Value]:
    """Visit `order` backwards, passing each node's gradient in `grads` to its parents.

    Yields each node once it has passed its gradient on, so a caller can watch the pass
    step by step (`viz.backward_frames`) or simply run it to the end (`grad`).
    `Value.backward` does the same pass in the nodes' `.grad` slots, which is faster.
    """
    check = grad_mode.mode.get() & grad_mode.ANOMALY
    for node in reversed(order):
        op = node.op
        g = grads.get(node)
        if op is not None and g is not None:
            parents = node.parents
            if op.closure:
                input_grads = _closure_grads(node, g, create_graph)
            elif create_graph:  # the rule builds its result from the graph's own Values
                input_grads = op.vjp(g, node, *parents)
            else:
                input_grads = op.vjp(g, node.data, *[p.data for p in parents])
            if check:
                _check_backward(op, input_grads, parents)
            for parent, grad_p in zip(parents, input_grads):
                if parent.requires_grad:
                    grads[parent] = grads[parent] + grad_p if parent in grads else grad_p
        yield node


def _closure_grads(node: Value, g: Num, create_graph: bool) -> tuple[float, ...]:
    """What a `_backward` closure passes to each parent for gradient `g`, found by running
    it on zeroed `.grad` slots and putting every slot back afterwards."""
    if create_graph:
        raise RuntimeError(
            f"grad(create_graph=True) cannot differentiate the {node._op!r} node made with "
            "Value(data, children, op): its _backward closure works on floats. Define the "
            "operation with micrograd_lite.define_op, whose rule also works on Values."
        )
    parents = node.parents
    unique = list(dict.fromkeys(parents))  # x * x has x twice, but one .grad slot
    saved = [(p, p.grad) for p in (node, *unique)]
    try:
        for p in unique:
            p.grad = 0.0
        node.grad = float(g)
        node._backward()
        reached = {p: p.grad for p in unique}
    finally:
        for p, slot in saved:
            p.grad = slot
    # All of a parent's gradient goes to its first place among the inputs.
    first = {p: i for i, p in reversed(list(enumerate(parents)))}
    return tuple(reached[p] if first[p] == i else 0.0 for i, p in enumerate(parents))


def _check_outputs(
    outputs: Sequence[Value],
    grad_outputs: Sequence[float | Value] | None,
    caller: str,
    allow_values: bool = False,
) -> tuple[list[Value], list[float]]:
    """Validate outputs and their seed gradients before anything is changed."""
    outputs = list(outputs)
    if not outputs:
        raise ValueError(f"{caller}() needs at least one output")
    for out in outputs:
        if not isinstance(out, Value):
            raise TypeError(f"{caller}() outputs must be Values, got {type(out).__name__}")
        if not out.requires_grad:
            reason = NO_GRAPH_REASONS.get(out)
            raise RuntimeError(
                f"element {outputs.index(out)} of the outputs does not require grad and "
                "does not have a grad_fn" + (f"; {reason}" if reason else "")
            )
    if grad_outputs is None:
        if len(outputs) != 1:
            raise RuntimeError(
                f"{caller}() with {len(outputs)} outputs needs grad_outputs, "
                "one gradient for each output (the vector of a vector-Jacobian product)"
            )
        return outputs, [1.0]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"{caller}() got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs; "
            "give one gradient for each output"
        )
    seeds: list[float] = []
    for seed in grad_outputs:
        if isinstance(seed, Value) and allow_values:
            seeds.append(seed)  # type: ignore[arg-type]  # a Value seed, for create_graph
        elif isinstance(seed, Real) and not isinstance(seed, Value):
            seeds.append(float(seed))
        elif isinstance(seed, Value):
            seeds.append(seed.data)
        else:
            raise TypeError(f"a gradient must be a real number, got {type(seed).__name__}")
    return outputs, seeds


def _as_value(x: float | Value) -> Value:
    return x if isinstance(x, Value) else Value(x, requires_grad=False)


def _check_backward(op: Op, input_grads: Sequence[Num], parents: Sequence[Value]) -> None:
    for g in input_grads:
        if not math.isfinite(float(g)):
            raise anomaly_error(op, "backward", float(g), parents)


def anomaly_error(op: Op, phase: str, bad: float, parents: Sequence[Value]) -> FloatingPointError:
    """The error `detect_anomaly()` raises: names the op and the labels of its inputs."""
    labels = ", ".join(p.label or repr(p) for p in parents)
    return FloatingPointError(
        f"detect_anomaly: {op.name()} returned {bad} in its {phase} pass (inputs: {labels})"
    )
