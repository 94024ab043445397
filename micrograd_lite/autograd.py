"""Reverse-mode differentiation over a graph of Values: `backward()` and `grad()`.

Both run the one pass, `engine.chain_rule`: the results of operations newest first,
PyTorch's engine order (each node after every node that uses it), each calling its op's
derivative rule from `micrograd_lite.ops`. The graph is walked with an explicit stack
rather than recursion, so a graph a million operations deep works.

- `backward(outputs, grad_outputs)` adds the gradients into the leaves' `.grad`
  (accumulating across calls, as PyTorch does) and stores this pass's gradient in each
  intermediate node's `.grad`.
- `grad(outputs, inputs, ...)` returns the gradients instead and leaves `.grad` alone;
  with `create_graph=True` they are Values in a new graph, for higher derivatives.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from micrograd_lite import engine, grad_mode
from micrograd_lite.engine import (
    NO_GRAPH_REASONS,
    Seeds,
    Value,
    Values,
    as_values,
    backward,
    check_flags,
    check_seeds,
    graph_below,
    pass_lock,
    put_back_grads,
)
from micrograd_lite.ops import Num

__all__ = [
    "NO_GRAPH_REASONS",
    "backward",
    "backward_steps",
    "grad",
    "graph_below",
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
    engine.refuse_in_a_trace([*outputs, *inputs], "calls grad()")
    results, leaves = graph_below(outputs)
    reached = {*results, *leaves}
    for x in inputs:
        if x not in reached and not allow_unused:
            raise RuntimeError(
                "One of the differentiated Values appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
    wanted = list(dict.fromkeys(inputs))
    # The pass keeps its sums in `.grad`: each is saved first and put back after, on
    # failure too, so `.grad` is left as it was. Recording is on for create_graph, off
    # otherwise; the mode is set back in the `try` and again in its handler (not by a
    # `with` block), so a Ctrl-C anywhere leaves it as it was.
    mode = grad_mode.mode.get()
    with pass_lock:
        saved = (results, [v.grad for v in results]), (leaves, [v.grad for v in leaves])
        try:
            recording = mode | grad_mode.RECORD if create_graph else mode & ~grad_mode.RECORD
            grad_mode.mode.set(recording)
            starts = [_as_value(s) for s in seeds] if create_graph else seeds
            engine.start_pass(results, leaves, outputs, starts, None if create_graph else -0.0)
            checking = bool(mode & grad_mode.ANOMALY)  # detect_anomaly: each step checked
            for node, given in engine.chain_rule(results, create_graph, steps=checking):
                engine.check_backward(node, given)
            found: dict[Value, Num] = {x: x.grad for x in wanted if x in reached}
            grad_mode.mode.set(mode)
            put_back_grads(*saved)
        except BaseException:
            grad_mode.mode.set(mode)
            put_back_grads(*saved)
            raise
    result: list[Num | None] = []
    for x in inputs:
        g: Num | None = found.get(x)
        if g is None and x in reached:
            g = 0.0
        if create_graph and isinstance(g, float):
            g = Value(g, requires_grad=False)  # a gradient that does not depend on x
        result.append(g)
    return tuple(result)


def backward_steps(
    order: Sequence[Value], grads: dict[Value, Num]
) -> Iterator[tuple[Value, list[tuple[int, Value, Num]]]]:
    """The chain rule over `order`'s nodes (parents before children) one step at a time,
    with the gradients in a table: `engine.chain_rule`, the pass `backward()` and
    `grad()` run, with `grads` (the seeds, and any starting values) as its start.

    Yields each result once it has passed its gradient on, with what each input that
    requires grad received, as (input's position, input, what it was passed), then each
    leaf, which passes nothing on; `grads` holds every gradient as it stands at that
    step. The stepper's steps and the drawing's frames (`micrograd_lite.viz`) are its
    steps. No `.grad` is changed: the pass's sums are put back however it ends.
    """
    results = [v for v in reversed(order) if v.op is not None]
    leaves = [v for v in order if v.op is None]
    with pass_lock:
        saved = (results, [v.grad for v in results]), (leaves, [v.grad for v in leaves])
        try:
            engine.start_pass(results, leaves, list(grads), list(grads.values()))
            checking = grad_mode.mode.get() & grad_mode.ANOMALY
            for node, given in engine.chain_rule(results, steps=True):
                if checking:
                    engine.check_backward(node, given)
                passed = []
                for k, (parent, grad_p) in enumerate(zip(node.parents, given)):
                    if parent.requires_grad:
                        grads[parent] = parent.grad
                        passed.append((k, parent, grad_p))
                yield node, passed
            put_back_grads(*saved)
            for leaf in reversed(leaves):  # the leaves end the walk, as in `order` reversed
                yield leaf, []
        except BaseException:
            put_back_grads(*saved)
            raise


def _as_value(x: float | Value) -> Value:
    return x if isinstance(x, Value) else Value(x, requires_grad=False)
