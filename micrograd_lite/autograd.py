"""Reverse-mode differentiation over a graph of Values: `backward()` and `grad()`.

Both visit the results of operations newest first, PyTorch's engine order (each node
after every node that uses it), and call each node's derivative rule from
`micrograd_lite.ops`. The graph is walked with an explicit stack rather than recursion,
so a graph a million operations deep works.

- `backward(outputs, grad_outputs)` adds the gradients into the leaves' `.grad`
  (accumulating across calls, as PyTorch does) and stores this pass's gradient in each
  intermediate node's `.grad`.
- `grad(outputs, inputs, ...)` returns the gradients instead and leaves `.grad` alone;
  with `create_graph=True` they are Values in a new graph, for higher derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from micrograd_lite import grad_mode
from micrograd_lite.engine import (
    NO_GRAPH_REASONS,
    Seeds,
    Value,
    Values,
    anomaly_error,
    as_values,
    backward,
    check_flags,
    check_seeds,
    graph_below,
    pass_lock,
    put_back_grads,
)
from micrograd_lite.ops import Num, Op

__all__ = [
    "NO_GRAPH_REASONS",
    "backward",
    "backward_steps",
    "grad",
    "graph_below",
    "input_grads",
    "pass_lock",
    "topological_order",
]


def topological_order(roots: Values) -> list[Value]:
    """Every node that requires grad and that the roots (one Value or several) depend on,
    parents before children: the leaves, then the results of operations in the order
    they were made."""
    roots = as_values(roots, "topological_order", "roots")
    for root in roots:
        if not isinstance(root, Value):
            raise TypeError(f"topological_order() roots must be Values, got {type(root).__name__}")
    results, leaves = graph_below(roots)
    return leaves + results[::-1]


def grad(
    outputs: Values,
    inputs: Values,
    grad_outputs: Seeds | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
    *,
    retain_graph: bool | None = None,
) -> tuple[Num | None, ...]:
    """The gradients of the outputs with respect to the inputs, as `torch.autograd.grad`.

    `outputs` and `inputs` are each one Value or a sequence of them; `grad_outputs` is as
    in `backward`. Leaves `.grad` untouched. With `create_graph=True` the gradients are
    Values in a new graph, so they can be differentiated again (second and higher
    derivatives). The graph is always kept, so `retain_graph` changes nothing.
    """
    grad_mode.check_observed("calls grad()")
    check_flags(retain_graph, create_graph)
    inputs = as_values(inputs, "grad", "inputs")
    if not inputs:
        raise ValueError(
            "`inputs` argument to `grad()` cannot be empty: give the Values to "
            "differentiate with respect to, e.g. grad(loss, [w, b])"
        )
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad() inputs must be Values, got {type(x).__name__}")
        if not x.requires_grad:
            raise RuntimeError("One of the differentiated Values does not require grad")
    outputs, seeds = check_seeds(outputs, grad_outputs, "grad", allow_values=create_graph)
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
        start: Num = _as_value(seed) if create_graph else seed
        grads[output] = grads[output] + start if output in grads else start
    # Recording on for create_graph, off otherwise; the mode is set back in the `try` and
    # again in its handler (not by a `with` block), so a Ctrl-C anywhere leaves it as it was.
    mode = grad_mode.mode.get()
    try:
        grad_mode.mode.set(mode | grad_mode.RECORD if create_graph else mode & ~grad_mode.RECORD)
        for _ in backward_steps(order, grads, create_graph):
            pass
        grad_mode.mode.set(mode)
    except BaseException:
        grad_mode.mode.set(mode)
        raise
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
) -> Iterator[tuple[Value, list[tuple[int, Value, Num]]]]:
    """Visit `order` backwards, passing each node's gradient in `grads` to its parents:
    the chain rule over the graph, with the gradients in a table.

    Yields each node once it has passed its gradient on, with what each input that
    requires grad received, as (input's position, input, what it was passed): nothing,
    for a leaf or a node not reached. `grad()` runs it to the end; the stepper's steps
    and the drawing's frames (`micrograd_lite.viz`) are its steps. `grads` gains every
    contribution as it is passed: an input's first as it is, the others added to it.
    `Value.backward` does the same pass in the nodes' `.grad` slots
    (`engine.backward_pass`), which is faster.
    """
    check = grad_mode.mode.get() & grad_mode.ANOMALY
    for node in reversed(order):
        op = node.op
        g = grads.get(node)
        passed: list[tuple[int, Value, Num]] = []
        if op is not None and g is not None:
            parents = node.parents
            contributions = input_grads(node, g, create_graph)
            if check:  # as in backward: a constant parent gets no gradient to check
                for parent, grad_p in zip(parents, contributions):
                    if parent.requires_grad and not math.isfinite(float(grad_p)):
                        raise anomaly_error(op, "backward", float(grad_p), parents)
            for k, (parent, grad_p) in enumerate(zip(parents, contributions)):
                if parent.requires_grad:
                    grads[parent] = grads[parent] + grad_p if parent in grads else grad_p
                    passed.append((k, parent, grad_p))
        yield node, passed


def input_grads(node: Value, g: Num, create_graph: bool = False) -> tuple[Num, ...]:
    """What a result made by an operation passes to each of its parents for gradient `g`:
    its op's rule, or its `_backward` closure for a node made with `Value(data, children,
    op)`. With `create_graph` the rule builds its result from the graph's own Values."""
    op: Op = node.op  # type: ignore[assignment]  # a result: it has an op
    if op.closure:
        return _closure_grads(node, g, create_graph)
    if create_graph:
        return op.vjp(g, node, *node.parents)
    return op.vjp(g, node.data, *[p.data for p in node.parents])


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
    with pass_lock:
        slots = [node, *unique]
        saved = [p.grad for p in slots]
        try:
            for p in unique:
                p.grad = -0.0
            node.grad = float(g)
            node._backward()
            reached = {p: p.grad for p in unique}
            put_back_grads((slots, saved))  # in the `try`: a Ctrl-C here puts back again
        except BaseException:
            put_back_grads((slots, saved))
            raise
    # All of a parent's gradient goes to its first place among the inputs.
    first = {p: i for i, p in reversed(list(enumerate(parents)))}
    return tuple(reached[p] if first[p] == i else 0.0 for i, p in enumerate(parents))


def _as_value(x: float | Value) -> Value:
    return x if isinstance(x, Value) else Value(x, requires_grad=False)
