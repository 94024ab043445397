"""The benchmark workloads do the same maths, so their timings compare like with like."""

from __future__ import annotations

import math

import micrograd_lite as mg
from benchmarks.workloads import compiled_step, float_step, graph_step


def test_eager_compiled_and_hand_written_steps_train_alike() -> None:
    """Three steps of each give the same losses: bit for bit between eager and compiled,
    to 1e-12 for the hand-written floats (which add in another order)."""
    hand, eager, compiled = float_step(), graph_step(mg.Value, mg.sum), compiled_step()
    for _ in range(3):
        expected = eager().data
        assert compiled().data == expected
        assert math.isclose(hand(), expected, rel_tol=1e-12)
