"""The benchmark workloads do the same maths, so their timings compare like with like."""

from __future__ import annotations

import math

import micrograd_lite as mg
from benchmarks.workloads import (
    Least,
    compiled_step,
    float_step,
    graph_step,
    natural_sum,
    sizes_of,
)


def test_eager_compiled_and_hand_written_steps_train_alike() -> None:
    """Three steps of each give the same losses: bit for bit between eager and compiled
    (on its tape and as generated code), to 1e-12 for the hand-written floats (which add
    in another order)."""
    hand, eager = float_step(), graph_step(mg.Value, mg.sum)
    tape, generated = compiled_step(generate=False), compiled_step(generate=True)
    for _ in range(3):
        expected = eager().data
        assert tape().data == expected
        assert generated().data == expected
        assert math.isclose(hand(), expected, rel_tol=1e-12)


def test_the_widths_and_forms_of_the_scaling_benchmark_train_alike() -> None:
    """At another width and with neurons as chains of `+`, eager and compiled agree too."""
    sizes = sizes_of(4)
    eager, compiled = graph_step(mg.Value, natural_sum, sizes), compiled_step(natural_sum, sizes)
    hand = float_step(sizes)
    for _ in range(3):
        expected = eager().data
        assert compiled().data == expected
        assert math.isclose(hand(), expected, rel_tol=1e-12)


def test_the_least_engine_trains_as_micrograd_lite_does() -> None:
    """The floor the benchmark compares with computes the same step: bit for bit with
    the natural form, whose additions and rules it does in the same order."""
    least, eager = graph_step(Least, natural_sum), graph_step(mg.Value, natural_sum)
    for _ in range(3):
        assert least().data == eager().data
