"""The tape: a recording as flat lists of instructions, run by one interpreter loop.

Generating code is fast to run but slow to make: Python's `compile()` of a function with
a line per node takes longer than the graph took to build, and memory grows with it. A
tape is made in one pass over the recording and replays at once, so it serves a
compiled function's first calls (and every call, for a graph too big to generate code
for; see `function.py`).

Each value gets a slot in a list of floats. The forward is one instruction per node fn
made, in the order fn made them, with each guard where it ran; the backward one
instruction per node in the order of `autograd.graph_below`, the order `backward()`
uses. Every instruction calls the op's own forward or rule from `micrograd_lite.ops`
(add and mul are written out, as `autograd` writes them out), and each gradient is
summed as `backward()` sums it, from -0.0 in the same order, the leaf's sum added to
its `.grad` once, so a tape gives the same bits as an eager run and as the generated
code. Slots and holders (`inputs[i]`, `captured[j]`) are handed out in the order the
code generator names them, so both read the same `captured` list.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from micrograd_lite import ops
from micrograd_lite.compiler.recording import CompileError, Guard, Recording
from micrograd_lite.engine import Value

__all__ = ["Tape", "earlier_graph_error", "needed_values"]

# Forward instructions are (code, out, a, b, fn); backward ones (code, node, a, b, fn, wanted).
_ADD, _MUL, _CALL1, _CALL2, _CALLN, _GUARD = range(6)
# Backward: add and mul to both parents or to one; a rule of one, two or any inputs.
_ADD_BOTH, _ADD_ONE, _MUL_BOTH, _MUL_ONE, _RULE1, _RULE2, _RULEN = range(7)

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


def needed_values(outputs: Sequence[Value], guards: list[Guard], traced: set[Value]) -> set[Value]:
    """Every value the outputs and the guards depend on; nodes fn made and dropped are not."""
    needed: set[Value] = set()
    stack = [*outputs]
    for guard in guards:
        stack.append(guard.left)
        if isinstance(guard.right, Value):
            stack.append(guard.right)
    while stack:
        v = stack.pop()
        if v not in needed:
            needed.add(v)
            if v in traced:
                stack.extend(v.parents)
    return needed


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
        self.captured: list[Value] = []  # leaves fn reached that are not arguments
        self._start: list[float] = []  # every slot's value before a run: constants set
        self._input_loads: list[tuple[int, int]] = []  # (slot, position in inputs)
        self._captured_loads: list[tuple[int, int]] = []  # (slot, position in captured)
        # Values from outside fn's operations, by where they are read: (is input, index, slot)
        held: dict[Value, tuple[bool, int, int]] = {}
        slots: dict[Value, int] = {}
        self._forward = self._forward_of(recording, inputs, slots, held)
        self._outputs = [self._slot(v, inputs, slots, held) for v in outputs]
        self._seeded = [self._outputs[i] for i in self.differentiable]
        roots = [outputs[i] for i in self.differentiable]
        self._backward, self._leaf_writes = self._backward_of(recording, roots, slots, held)

    # -- building: one pass forward, one backward --------------------------------------

    def _slot(
        self,
        v: Value,
        inputs: dict[Value, int],
        slots: dict[Value, int],
        held: dict[Value, tuple[bool, int, int]],
    ) -> int:
        """v's slot; a value from outside fn is loaded from its holder on every run."""
        slot = slots.get(v)
        if slot is None:
            slot = slots[v] = len(self._start)
            self._start.append(0.0)
            if v in inputs:
                held[v] = (True, inputs[v], slot)
                self._input_loads.append((slot, inputs[v]))
            else:
                held[v] = (False, len(self.captured), slot)
                self._captured_loads.append((slot, len(self.captured)))
                self.captured.append(v)
        return slot

    def _constant(self, x: float) -> int:
        self._start.append(x)
        return len(self._start) - 1

    def _forward_of(
        self,
        recording: Recording,
        inputs: dict[Value, int],
        slots: dict[Value, int],
        held: dict[Value, tuple[bool, int, int]],
    ) -> list[tuple[Any, ...]]:
        """Every node in the order fn made it, each guard where it ran.

        Nodes that neither the outputs nor a guard need are computed too, as fn computed
        them: finding them would cost the first call more than computing them costs.
        """
        forward: list[tuple[Any, ...]] = []
        guards_at: dict[int, list[Guard]] = {}
        for guard in recording.guards:
            guards_at.setdefault(guard.position, []).append(guard)
        done = 0
        for position in sorted({*guards_at, len(recording.nodes)}):
            self._nodes_forward(recording.nodes[done:position], inputs, slots, held, forward)
            done = position
            forward.extend(
                self._guard(guard, inputs, slots, held) for guard in guards_at.get(position, ())
            )
        return forward

    def _nodes_forward(
        self,
        nodes: list[Value],
        inputs: dict[Value, int],
        slots: dict[Value, int],
        held: dict[Value, tuple[bool, int, int]],
        forward: list[tuple[Any, ...]],
    ) -> None:
        emit = forward.append
        start = self._start
        new_slot = start.append
        add, mul = ops.add, ops.mul
        for node in nodes:
            op: ops.Op = node.op  # type: ignore[assignment]  # recorded nodes have one
            parents = node.parents
            if op.arity == 2 and not op.constant_inputs:  # most nodes: written out
                x, y = parents
                a = slots.get(x)
                if a is None:
                    a = self._slot(x, inputs, slots, held)
                b = slots.get(y)
                if b is None:
                    b = self._slot(y, inputs, slots, held)
                out = slots[node] = len(start)
                new_slot(0.0)
                if op is add:
                    emit((_ADD, out, a, b, None))
                elif op is mul:
                    emit((_MUL, out, a, b, None))
                else:
                    emit((_CALL2, out, a, b, op.forward))
                continue
            constants = op.constant_inputs
            args = [
                self._constant(p.data)
                if i in constants
                else slots[p]
                if p in slots
                else self._slot(p, inputs, slots, held)
                for i, p in enumerate(parents)
            ]
            out = slots[node] = len(start)
            new_slot(0.0)
            if op.arity == 1:
                emit((_CALL1, out, args[0], 0, op.forward))
            elif op.arity == 2:
                emit((_CALL2, out, args[0], args[1], op.forward))
            else:
                emit((_CALLN, out, tuple(args), 0, op.forward))

    def _guard(
        self,
        guard: Guard,
        inputs: dict[Value, int],
        slots: dict[Value, int],
        held: dict[Value, tuple[bool, int, int]],
    ) -> tuple[Any, ...]:
        right = guard.right  # read before the left, in the order the code generator names them
        b = self._slot(right, inputs, slots, held) if isinstance(right, Value) else None
        left = self._slot(guard.left, inputs, slots, held)
        if b is None:
            b = self._constant(right)  # type: ignore[arg-type]  # a number here
        return (_GUARD, guard.outcome, left, b, _COMPARE[guard.symbol])

    def _backward_of(
        self,
        recording: Recording,
        roots: list[Value],
        slots: dict[Value, int],
        held: dict[Value, tuple[bool, int, int]],
    ) -> tuple[list[tuple[Any, ...]], list[tuple[bool, int, int]]]:
        """A rule per node the roots' gradient reaches, newest first, and the leaves it
        reaches: what `autograd.graph_below` gives, in one sweep, since every node was made
        after its parents."""
        backward: list[tuple[Any, ...]] = []
        emit = backward.append
        reached: set[Value] = set()
        reach = reached.add
        add, mul = ops.add, ops.mul
        for root in roots:
            reach(root)
        for node in reversed(recording.nodes):
            if node not in reached:
                continue
            op: ops.Op = node.op  # type: ignore[assignment]  # recorded nodes have one
            n = slots[node]
            if op is add or op is mul:  # most nodes: written out
                x, y = node.parents
                a, b = slots[x], slots[y]
                if x.requires_grad:
                    reach(x)
                    if y.requires_grad:
                        reach(y)
                        emit((_ADD_BOTH if op is add else _MUL_BOTH, n, a, b, None, ()))
                    else:
                        emit((_ADD_ONE if op is add else _MUL_ONE, n, a, b, None, ()))
                else:  # y requires grad, since the node does
                    reach(y)
                    emit((_ADD_ONE if op is add else _MUL_ONE, n, b, a, None, ()))
                continue
            parents = node.parents
            wanted = tuple([i for i, p in enumerate(parents) if p.requires_grad])
            for i in wanted:
                reach(parents[i])
            emit(self._rule(op, n, parents, wanted, slots))
        leaves = []
        for v, where in held.items():
            if v in reached:  # from outside fn: a leaf, or a node made before the call
                if v.op is not None:
                    raise earlier_graph_error(v)
                leaves.append(where)
        return backward, leaves

    def _rule(
        self,
        op: ops.Op,
        n: int,
        parents: tuple[Value, ...],
        wanted: tuple[int, ...],
        slots: dict[Value, int],
    ) -> tuple[Any, ...]:
        args = [
            self._constant(p.data) if i in op.constant_inputs else slots[p]
            for i, p in enumerate(parents)
        ]
        if op.arity == 1:
            return (_RULE1, n, args[0], 0, op.vjp, ())
        if op.arity == 2:
            return (_RULE2, n, args[0], args[1], op.vjp, wanted)
        return (_RULEN, n, tuple(args), 0, op.vjp, wanted)

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
            if code == _ADD:
                v[out] = v[a] + v[b]
            elif code == _MUL:
                v[out] = v[a] * v[b]
            elif code == _CALL1:
                v[out] = fn(v[a])
            elif code == _CALL2:
                v[out] = fn(v[a], v[b])
            elif code == _CALLN:
                v[out] = fn(*[v[i] for i in a])
            elif fn(v[a], v[b]) is not out:  # a guard: `out` is its outcome when recorded
                return None
        outputs = tuple([v[i] for i in self._outputs])
        if not backward:
            return outputs
        g = [-0.0] * len(v)  # as backward() starts every sum
        for slot, seed in zip(self._seeded, seeds):
            g[slot] += seed
        for code, n, a, b, rule, wanted in self._backward:
            if code == _ADD_BOTH:
                gn = g[n]
                g[a] += gn
                g[b] += gn
            elif code == _MUL_BOTH:
                gn = g[n]
                g[a] += gn * v[b]
                g[b] += gn * v[a]
            elif code == _ADD_ONE:
                g[a] += g[n]
            elif code == _MUL_ONE:
                g[a] += g[n] * v[b]
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
        for is_input, index, slot in self._leaf_writes:
            leaf = inputs[index] if is_input else captured[index]
            old = leaf.grad  # None or 0.0: no gradient yet, so the sum stands as it is
            leaf.grad = old + g[slot] if old else g[slot]
        return outputs
