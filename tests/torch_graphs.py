"""Random graphs over every op, built twice: from Values and from PyTorch float64 tensors.

A program is a list of steps, each an op case from `op_cases.CASES`, the earlier values
it takes and its constants; its output is the sum of every step's result, so every step
reaches it. `compare` runs one program both ways and reports the bits that differ.

`torch_kernels()` makes the few float functions whose last bit is PyTorch's own choice
(its exp, log, tanh, sqrt and pow kernels, the order of its vectorised sums) come from
PyTorch, so that what is left to compare is this library's formulas and order.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

import hypothesis.strategies as st

from micrograd_lite import Value, ops
from tests.op_cases import CASES

inf, nan = math.inf, math.nan

numbers = st.one_of(
    st.floats(-3, 3, allow_nan=False),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, 0.5, inf, -inf, nan, 1e-200, 1e200, 800.0]),
)

Program = tuple[list[tuple[int, list[int], list[float]]], int]


def steps(
    constants: st.SearchStrategy[float], max_size: int
) -> st.SearchStrategy[list[tuple[int, list[int], list[float]]]]:
    """Steps of a program: (op case, which earlier values it takes, its constants)."""
    return st.lists(
        st.tuples(
            st.integers(0, len(CASES) - 1),
            st.lists(st.integers(0, 1000), min_size=4, max_size=4),
            st.lists(constants, min_size=4, max_size=4),
        ),
        min_size=1,
        max_size=max_size,
    )


@st.composite
def programs(draw: st.DrawFn) -> Program:
    """Steps, and how many leaves they start from."""
    return draw(steps(numbers, 8)), draw(st.integers(1, 4))


def arguments(case: Any, picks: list[int], constants: list[float], values: list[Any]) -> list[Any]:
    """A step's inputs: for each of its op's inputs an earlier value or a constant."""
    return [
        values[pick % len(values)] if kind == "var" else constant
        for kind, pick, constant in zip(case.kinds, picks, constants)
    ]


def run(steps: Any, leaves: Sequence[Any], torch_side: bool) -> Any:
    values = list(leaves)
    for case_index, picks, constants in steps:
        case = CASES[case_index]
        args = arguments(case, picks, constants, values)
        values.append((case.torch_build if torch_side else case.build)(*args))
    results = values[len(leaves) :]
    out = results[0]
    for r in results[1:]:  # binary adds, so no vectorised sum decides the order
        out = out + r
    return out


def bits(x: float) -> str:
    """A float as exact text: tells -0.0 from 0.0 and every last bit (nan is nan)."""
    return x.hex()


def compare(program: Program, data: Sequence[float]) -> list[str]:
    """Run the program as Values and as tensors; describe every bit that differs."""
    import torch

    steps, n_leaves = program
    ours = [Value(d) for d in data[:n_leaves]]
    theirs = [torch.tensor(d, dtype=torch.float64, requires_grad=True) for d in data[:n_leaves]]
    out_ours = run(steps, ours, torch_side=False)
    out_theirs = run(steps, theirs, torch_side=True)
    out_ours.backward()
    out_theirs.backward()
    problems = []
    if bits(out_ours.data) != bits(out_theirs.item()):
        problems.append(f"forward {out_ours.data!r} vs {out_theirs.item()!r}")
    for i, (v, t) in enumerate(zip(ours, theirs)):
        expected = t.grad.item() if t.grad is not None else 0.0
        if bits(v.grad) != bits(expected):
            problems.append(f"leaf {i}: grad {v.grad!r} vs {expected!r}")
    return problems


@contextlib.contextmanager
def torch_kernels() -> Iterator[None]:
    """Inside: exp, log, tanh, sigmoid, sqrt, sin, cos, pow and n-ary sums by PyTorch."""
    import torch

    def kernel(fn: Any) -> Any:
        return lambda *xs: fn(*[torch.tensor(x, dtype=torch.float64) for x in xs]).item()

    def stacked(fn: Any) -> Any:
        return lambda *xs: fn(torch.tensor(xs, dtype=torch.float64)).item()

    def mse(*xs: float) -> float:
        n = len(xs) // 2
        pred = torch.tensor(xs[:n], dtype=torch.float64)
        target = torch.tensor(xs[n:], dtype=torch.float64)
        return float(torch.nn.functional.mse_loss(pred, target).item())

    replaced = {
        ops.exp: kernel(torch.exp),
        ops.log: kernel(torch.log),
        ops.tanh: kernel(torch.tanh),
        ops.sigmoid: kernel(torch.sigmoid),
        ops.sqrt: kernel(torch.sqrt),
        ops.sin: kernel(torch.sin),
        ops.cos: kernel(torch.cos),
        ops.pow_number: lambda a, c: torch.pow(torch.tensor(a, dtype=torch.float64), c).item(),
        ops.pow_value: kernel(torch.pow),
        ops.rpow: lambda c, a: torch.pow(c, torch.tensor(a, dtype=torch.float64)).item(),
        ops.sum_of: stacked(torch.sum),
        ops.mean_of: stacked(torch.mean),
        ops.mse_loss: mse,
    }
    saved = {op: op.forward for op in replaced}
    try:
        for op, forward in replaced.items():
            op.forward = forward
        yield
    finally:
        for op, forward in saved.items():
            op.forward = forward


if __name__ == "__main__":  # explore: how often, and where, the bits differ
    import random
    import sys

    rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    edge = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, inf, -inf, nan, 1e-200, 1e200, 800.0]

    def number() -> float:
        return rng.choice(edge) if rng.random() < 0.3 else rng.uniform(-3, 3)

    for patched in (False, True):
        bad: dict[str, int] = {}
        total = 3000
        with torch_kernels() if patched else contextlib.nullcontext():
            for _ in range(total):
                steps = [
                    (
                        rng.randrange(len(CASES)),
                        [rng.randrange(1000) for _ in range(4)],
                        [number() for _ in range(4)],
                    )
                    for _ in range(rng.randint(1, 8))
                ]
                program = (steps, rng.randint(1, 4))
                data = [number() for _ in range(4)]
                problems = compare(program, data)
                if problems:
                    names = sorted({CASES[s[0]].name for s in steps})
                    key = names[0] if len(names) == 1 else "+".join(names)
                    bad[key] = bad.get(key, 0) + 1
        print("torch kernels" if patched else "own kernels", sum(bad.values()), "of", total)
        for k, n in sorted(bad.items(), key=lambda kv: -kv[1])[:15]:
            print("  ", n, k)
