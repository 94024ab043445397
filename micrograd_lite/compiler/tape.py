"""The tape: a recording as flat lists of instructions, run by one interpreter loop.

Generating code is fast to run but slow to make: Python's `compile()` of a function with
a line per node takes longer than the graph took to build, and memory grows with it. A
tape is made in two passes over the recording and replays at once, so it serves a
compiled function's first calls (and every call, for a graph too big to generate code
for; see `function.py`).

Each value gets a slot in a list of floats. The forward is one instruction per node fn
made, in the order fn made them, with each guard where it ran; the backward one
instruction per node the gradient reaches, newest first, the order of
`engine.graph_below` that `backward()` uses. Every instruction calls the op's own
forward or rule from `micrograd_lite.ops`, and each gradient is summed as `backward()`
sums it, from -0.0 in the same order, the leaf's sum added to its `.grad` once, so a
tape gives the same bits as an eager run and as the generated code. The code generator
is handed the tape's `captured` list, so both find each leaf in the same place.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from micrograd_lite import ops
from micrograd_lite.compiler.recording import CompileError, Guard, Recording
from micrograd_lite.engine import UNTOUCHED, Value, made_after

__all__ = ["Tape", "earlier_graph_error", "unseen_maker_error"]

# Forward instructions are (code, out, a, b, fn); backward ones (code, node, a, b, fn, wanted).
_CALL1, _CALL2, _CALLN, _GUARD = range(4)
# Backward: a rule of one input, of two passing to both, of two or any passing to some.
_RULE1, _RULE2_BOTH, _RULE2, _RULEN = range(4)

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "!=": operator.ne,
}


def earlier_graph_error(v: Value) -> CompileError:
    """The refusal of a gradient that would have to flow into a graph built before the call."""
    assert v.op is not None
    return CompileError(
        f"micrograd_lite.compile cannot record this: fn uses a Value made by "
        f"{v.op.name()} before the call, and its gradient would have to flow "
        "into that earlier graph. Compile the function that makes it too, or "
        "use its .detach()."
    )


def unseen_maker_error(v: Value) -> CompileError:
    """The refusal of a Value made while fn ran, but not by operations fn's thread ran."""
    made_by = f"{v.op.name()} " if v.op is not None else "an operation "
    return CompileError(
        f"micrograd_lite.compile cannot record this: fn uses a Value made by {made_by}"
        "while fn ran, but not in fn's own thread (another thread, a "
        "pool's worker), which compile does not see, so its number would be replayed "
        "from this call. Run those operations in fn's thread, or call fn uncompiled."
    )


class Tape:
    """A recording's forward, guards and backward as instructions over slots of floats."""

    __slots__ = (
        "captured",
        "differentiable",
        "nodes",
        "_start",
        "_input_loads",
        "_captured_loads",
        "_forward",
        "_outputs",
        "_seeded",
        "_backward",
        "_leaf_writes",
    )

    def __init__(
        self, recording: Recording, outputs: Sequence[Value], inputs: dict[Value, int]
    ) -> None:
        self.differentiable = tuple(i for i, v in enumerate(outputs) if v.requires_grad)
        self.nodes = len(recording.nodes)
        built = _Builder(inputs, recording.started)
        self._forward = built.forward(recording)
        self._outputs = [built.slot(v) for v in outputs]
        self._seeded = [self._outputs[i] for i in self.differentiable]
        self._backward, self._leaf_writes = built.backward(self._seeded)
        self.captured = built.captured
        self._start = built.start
        self._input_loads = built.input_loads
        self._captured_loads = built.captured_loads

    # -- running -----------------------------------------------------------------------

    def run(
        self,
        inputs: Sequence[Value],
        captured: Sequence[Value],
        seeds: Sequence[float],
        backward: bool,
    ) -> tuple[float, ...] | None:
        """The outputs' data, after adding the gradients into the leaves' `.grad` if
        `backward`; None if a guard comes out otherwise than when recorded."""
        v = self._start[:]
        for slot, i in self._input_loads:
            v[slot] = inputs[i].data
        for slot, i in self._captured_loads:
            v[slot] = captured[i].data
        for code, out, a, b, fn in self._forward:
            if code == _CALL2:
                v[out] = fn(v[a], v[b])
            elif code == _CALL1:
                v[out] = fn(v[a])
            elif code == _CALLN:
                v[out] = fn(*[v[i] for i in a])
            elif fn(v[a], v[b]) is not out:  # a guard: `out` is its outcome when recorded
                return None
        outputs = tuple([v[i] for i in self._outputs])
        if not backward:
            return outputs
        # The chain rule over the tape, kept apart from the engine's pass on purpose (the
        # eager pass, `engine.chain_rule`, that `backward()`, `grad()` and the stepper run):
        # here gradients live in a list indexed by slot, and the loop reads fixed
        # instructions rather than nodes, which is what makes a compiled call fast. Each
        # step still calls the op's own rule, so the numbers are the eager pass's.
        g = [-0.0] * len(v)  # as backward() starts every sum
        for slot, seed in zip(self._seeded, seeds):
            g[slot] += seed
        for code, n, a, b, rule, wanted in self._backward:
            if code == _RULE2_BOTH:
                grad_a, grad_b = rule(g[n], v[n], v[a], v[b])
                g[a] += grad_a
                g[b] += grad_b
            elif code == _RULE1:
                g[a] += rule(g[n], v[n], v[a])[0]
            elif code == _RULE2:
                grads = rule(g[n], v[n], v[a], v[b])
                for i in wanted:
                    g[b if i else a] += grads[i]
            else:
                grads = rule(g[n], v[n], *[v[i] for i in a])
                for i in wanted:
                    g[a[i]] += grads[i]
        # Each leaf's sum is added to its .grad; if anything interrupts that (Ctrl-C),
        # every .grad is put back as it was before the call, whichever were written.
        leaves = [inputs[i] if is_input else captured[i] for is_input, i, _ in self._leaf_writes]
        olds = [leaf.grad for leaf in leaves]
        try:
            for leaf, old, (_, _, slot) in zip(leaves, olds, self._leaf_writes):
                first = old is None or old is UNTOUCHED  # as eager: then 0.0 + -0.0 is 0.0
                leaf.grad = g[slot] if first else old + g[slot]
            return outputs
        except BaseException:
            for leaf, old in zip(leaves, olds):
                leaf.grad = old
            raise


class _Builder:
    """Makes a tape's instructions: one pass over the nodes forward, one backward."""

    def __init__(self, inputs: dict[Value, int], started: int) -> None:
        self.inputs = inputs
        self.started = started  # what fn's call made is numbered above this
        self.captured: list[Value] = []  # leaves fn reached that are not arguments
        self.start: list[float] = []  # every slot's value before a run: constants set
        self.wants: list[bool] = []  # per slot: whether its value requires grad
        self.input_loads: list[tuple[int, int]] = []  # (slot, position in inputs)
        self.captured_loads: list[tuple[int, int]] = []  # (slot, position in captured)
        self.slots: dict[Value, int] = {}
        # Values from outside fn's operations: (is input, index, slot), where they are read
        self.held: dict[Value, tuple[bool, int, int]] = {}
        self.code: list[tuple[Any, ...]] = []  # the forward, as built
        self.rules: list[Callable[..., Any] | None] = []  # per instruction, its op's rule

    def slot(self, v: Value) -> int:
        """v's slot; a value from outside fn is loaded from its holder on every run."""
        slot = self.slots.get(v)
        if slot is None:
            slot = self.slots[v] = len(self.start)
            self.start.append(0.0)
            self.wants.append(v.requires_grad)
            if v in self.inputs:
                self.held[v] = (True, self.inputs[v], slot)
                self.input_loads.append((slot, self.inputs[v]))
            elif made_after(v, self.started):  # not by fn's thread: it was not seen
                raise unseen_maker_error(v)
            else:
                self.held[v] = (False, len(self.captured), slot)
                self.captured_loads.append((slot, len(self.captured)))
                self.captured.append(v)
        return slot

    def constant(self, x: float) -> int:
        self.start.append(x)
        self.wants.append(False)
        return len(self.start) - 1

    def forward(self, recording: Recording) -> list[tuple[Any, ...]]:
        """Every node in the order fn made it, each guard where it ran.

        Nodes that neither the outputs nor a guard need are computed too, as fn computed
        them: finding them would cost the first call more than computing them costs.
        """
        guards_at: dict[int, list[Guard]] = {}
        for guard in recording.guards:
            guards_at.setdefault(guard.position, []).append(guard)
        done = 0
        for position in sorted({*guards_at, len(recording.nodes)}):
            self._nodes(recording.nodes[done:position])
            done = position
            for guard in guards_at.get(position, ()):
                self._guard(guard)
        return self.code

    def _nodes(self, nodes: list[Value]) -> None:
        emit, rule_of = self.code.append, self.rules.append
        slots, start, wants = self.slots, self.start, self.wants
        for node in nodes:
            op: ops.Op = node.op  # type: ignore[assignment]  # recorded nodes have one
            parents = node.parents
            constants = op.constant_inputs
            args = [
                self.constant(p.data)
                if i in constants
                else slots[p]
                if p in slots
                else self.slot(p)
                for i, p in enumerate(parents)
            ]
            out = slots[node] = len(start)
            start.append(0.0)
            wants.append(node.requires_grad)
            if op.arity == 1:
                emit((_CALL1, out, args[0], 0, op.forward))
            elif op.arity == 2:
                emit((_CALL2, out, args[0], args[1], op.forward))
            else:
                emit((_CALLN, out, tuple(args), 0, op.forward))
            rule_of(op.rule)

    def _guard(self, guard: Guard) -> None:
        right = guard.right  # read before the left, in the order the code generator names them
        b = self.slot(right) if isinstance(right, Value) else None
        left = self.slot(guard.left)
        if b is None:
            b = self.constant(right)  # type: ignore[arg-type]  # a number here
        self.code.append((_GUARD, guard.outcome, left, b, _COMPARE[guard.symbol]))
        self.rules.append(None)

    def backward(
        self, roots: list[int]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[bool, int, int]]]:
        """A rule per node the roots' gradient reaches, newest first, and the leaves it
        reaches: what `autograd.graph_below` gives, in one sweep over the forward, since
        every node was made after its parents."""
        backward: list[tuple[Any, ...]] = []
        emit = backward.append
        wants = self.wants
        reached = bytearray(len(wants))
        for root in roots:
            reached[root] = 1
        for (code, n, a, b, _), rule in zip(reversed(self.code), reversed(self.rules)):
            if code == _GUARD or not reached[n]:
                continue
            args = (a,) if code == _CALL1 else (a, b) if code == _CALL2 else a
            wanted = tuple([i for i, slot in enumerate(args) if wants[slot]])
            if not wanted:
                continue
            for i in wanted:
                reached[args[i]] = 1
            if code == _CALL1:
                emit((_RULE1, n, a, 0, rule, ()))
            elif code == _CALL2:
                emit((_RULE2_BOTH if len(wanted) == 2 else _RULE2, n, a, b, rule, wanted))
            else:
                emit((_RULEN, n, a, 0, rule, wanted))
        leaves = []
        for v, where in self.held.items():
            if reached[where[2]]:  # from outside fn: a leaf, or a node made before the call
                if v.op is not None:
                    raise earlier_graph_error(v)
                leaves.append(where)
        return backward, leaves
