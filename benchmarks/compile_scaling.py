"""How `micrograd_lite.compile` scales: one width and form of the demo in a process of its own.

    python -m benchmarks.compile_scaling WIDTH FORM

Builds micrograd's demo step with hidden layers WIDTH wide (`MLP(2, [WIDTH, WIDTH, 1])`,
100 points), its loss compiled, each neuron written in FORM: `natural` (Python's `sum`,
a chain of binary `+`, as micrograd writes it) or `sum` (one `mg.sum` node). It times
the first call (which records), the calls on the tape, the call that generates the code
(where the graph is small enough for that), the calls after it, and the same step
written by hand on floats, and prints one tab-separated line:

    WIDTH FORM first_s first_mb tape_ms handover_call handover_s handover_mb steady_ms float_ms

`first_mb` and `handover_mb` are how far the process's peak resident memory (`VmHWM`,
which counts every allocation, not only Python's) rose above what it held before the
first call, by the end of that call and by the end of the handover; `steady_ms` is the
fastest of fifteen calls after the handover (on the tape where there is none:
`handover_call` is then 0), the last ten taken in turn with the float step. A process
of its own, so that one width's peak is not another's.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from collections.abc import Callable
from typing import Any

from benchmarks.workloads import compiled_step, float_step, natural_sum, sizes_of


def resident_mb() -> float:
    """The process's resident memory now, in MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def peak_mb() -> float:
    """The most resident memory the process has held, in MB: Linux's `VmHWM`, which
    starts afresh in a new program (`ru_maxrss` would carry over the parent's peak)."""
    with open("/proc/self/status") as f:
        kb = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    return int(kb) / 1e3


def timed(step: Callable[[], Any]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("width", type=int)
    parser.add_argument("form", choices=["natural", "sum"])
    args = parser.parse_args()
    sizes = sizes_of(args.width)

    step = compiled_step(natural_sum if args.form == "natural" else None, sizes)
    compiled = step.compiled  # type: ignore[attr-defined]
    gc.collect()
    before = resident_mb()
    first = timed(step)
    first_mb = peak_mb() - before
    tape = []
    handover_call, handover, handover_mb = 0, 0.0, 0.0
    if compiled.calls_until_generated is None:
        tape = [timed(step) for _ in range(5)]
        steady = min(tape)
    else:
        while compiled.calls_until_generated > 1:
            tape.append(timed(step))
        handover_call = len(tape) + 2
        handover = timed(step)  # the last tape call, then the code generated
        handover_mb = peak_mb() - before
        steady = min(timed(step) for _ in range(5))
    floats = float_step(sizes)
    # the compiled and the float step in turn, so that both meet the same load
    pairs = [(timed(step), timed(floats)) for _ in range(10)]
    steady = min([steady, *(compiled_seconds for compiled_seconds, _ in pairs)])
    float_seconds = min(float_seconds for _, float_seconds in pairs)
    tape_ms = min(tape) * 1e3 if tape else 0.0
    print(
        f"{args.width}\t{args.form}\t{first:.3f}\t{first_mb:.0f}\t{tape_ms:.1f}\t"
        f"{handover_call}\t{handover:.2f}\t{handover_mb:.0f}\t{steady * 1e3:.1f}\t"
        f"{float_seconds * 1e3:.1f}"
    )


if __name__ == "__main__":
    main()
