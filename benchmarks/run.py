"""`make bench`: micrograd_lite against micrograd 0.1.0, PyTorch scalars and plain floats.

Everything runs in this one process and is reported as ratios, so the numbers say how
the engines compare on this machine rather than how fast the machine is. Engines that
are not installed (micrograd, torch) are reported as such. Nothing here is a test: the
test suite never asserts a timing.
"""

from __future__ import annotations

import gc
import importlib.util
import math
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import micrograd_lite as mg
from benchmarks.layout import layout_times, programs
from benchmarks.workloads import WIDTHS, compiled_step, float_step, graph_step, natural_sum

CHAIN = 1_000_000


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """The fastest of `repeat` timed calls, in seconds, and the last result as a float.

    Only the float is kept, so no run's graph is alive while the next one is built.
    """
    best = float("inf")
    result = float("nan")
    for _ in range(repeat):
        gc.collect()  # start each run clean: another engine's garbage must not cost this one
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
        result = as_float(out)
        del out
    return best, result


def as_float(x: Any) -> float:
    """A loss from any engine as a float."""
    if isinstance(x, float):
        return x
    return float(x.item() if hasattr(x, "item") else x.data)


def engines() -> dict[str, tuple[Callable[[float], Any], Callable[[list[Any]], Any]]]:
    """Value-like engines: how to wrap a float and how to add a list, per engine."""
    found: dict[str, tuple[Callable[[float], Any], Callable[[list[Any]], Any]]] = {
        "micrograd_lite": (mg.Value, mg.sum),
    }
    try:
        from micrograd.engine import Value as MicrogradValue

        found["micrograd 0.1.0"] = (MicrogradValue, sum)  # its Neuron uses builtin sum
    except ImportError:
        pass
    try:
        import torch

        torch.set_num_threads(1)

        def tensor(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        found[f"PyTorch {torch.__version__.split('+')[0]} 0-d float64"] = (
            tensor,
            lambda xs: torch.stack([torch.as_tensor(x, dtype=torch.float64) for x in xs]).sum(),
        )
    except ImportError:
        pass
    return found


def mlp_step(repeat: int) -> tuple[list[tuple[str, float, float]], dict[str, float]]:
    """(a): seconds per step and the loss, per engine, plus the hand-written float code;
    and the seconds of the compiled step's first call, which records, on the tape and
    with the code generated at once.

    Every row runs `repeat` steps from the same weights, so all print the same loss.
    """
    rows = []
    # micrograd_lite also with micrograd's chain of binary adds, for a like-for-like graph
    variants = {"micrograd_lite, binary + chain": (mg.Value, natural_sum), **engines()}
    # PyTorch last: its thread pool can keep a core busy after it returns
    for name in sorted(variants, key=lambda name: name.startswith("PyTorch")):
        make, total = variants[name]
        seconds, loss = best_of(graph_step(make, total), repeat)
        rows.append((name, seconds, loss))
    first_calls = {}
    for name, generate in ((COMPILED, True), (ON_TAPE, False)):
        step = compiled_step(generate=generate)
        gc.collect()
        start = time.perf_counter()
        step()  # the first call records: timed on its own
        first_calls[name] = time.perf_counter() - start
        seconds, loss = best_of(step, repeat - 1)
        rows.append((name, seconds, loss))
    seconds, loss = best_of(float_step(), repeat)
    rows.append(("hand-written floats", seconds, loss))
    rows.sort(key=lambda row: row[0] != "micrograd_lite")
    return rows, first_calls


COMPILED = "micrograd_lite.compile, generated code"
ON_TAPE = "micrograd_lite.compile, on its tape (its first 100 calls)"


def break_even(first_call: float, replay: float, eager: float) -> int:
    """The least n with first_call + (n - 1) * replay <= n * eager."""
    return max(1, math.ceil((first_call - replay) / (eager - replay)))


def chain_backward() -> dict[str, str]:
    """(b): backward through a chain of 1,000,000 additions, per engine."""
    out: dict[str, str] = {}
    for name, (make, _) in engines().items():
        x = make(1.0)
        y = x
        for _ in range(CHAIN):
            y = y + 1.0
        start = time.perf_counter()
        try:
            y.backward()
            out[name] = f"{time.perf_counter() - start:.2f} s"
        except RecursionError:
            out[name] = "RecursionError"
        del x, y
        gc.collect()
    return out


def bytes_per_node() -> dict[str, float]:
    """(c): memory per graph node, by tracemalloc, over a chain of 100,000 operations.

    Every operand is a Value made before measuring starts, so each step adds exactly two
    result nodes (with their data, parents and, for micrograd, closure) and nothing else.
    """
    out: dict[str, float] = {}
    n = 50_000
    for name, (make, _) in engines().items():
        if name.startswith("PyTorch"):
            continue  # tracemalloc does not see PyTorch's C++ allocations
        gc.collect()
        x, a, b = make(0.5), make(0.999), make(0.001)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        y = x
        for _ in range(n):
            y = y * a + b
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        out[name] = (after - before) / (2 * n)
        del x, y
    return out


def cyclic_garbage() -> dict[str, int]:
    """(d): objects only the cyclic collector frees after one MLP step's graph is dropped."""
    out: dict[str, int] = {}
    for name, (make, total) in engines().items():
        step = graph_step(make, total)
        gc.collect()
        gc.disable()
        try:
            loss = step()
            del loss
            out[name] = gc.collect()
        finally:
            gc.enable()
    return out


LOOP_ENGINES = {
    "micrograd_lite natural": "micrograd_lite, neurons as chains of binary `+`",
    "micrograd_lite sum": "micrograd_lite, neurons as one `mg.sum` node",
    "micrograd": "micrograd 0.1.0",
    "torch": "PyTorch, 0-d float64 tensors",
    "floats": "hand-written forward and backward on floats",
    "compiled": "`micrograd_lite.compile` (sum form), generated code",
    "least": "the least engine of one object per operation (`workloads.Least`)",
}


def training_loop(repeat: int) -> dict[tuple[str, bool, bool], float]:
    """ms per step of each engine's loop, each in a fresh process: {(engine, with torch,
    gc off): ms}, the fastest of `repeat` processes."""
    found: dict[tuple[str, bool, bool], float] = {}
    runs = [(e, t, False) for t in (False, True) for e in LOOP_ENGINES]
    runs += [("micrograd_lite natural", t, True) for t in (False, True)]
    runs += [("micrograd_lite sum", t, True) for t in (False, True)]
    runs += [("least", t, True) for t in (False, True)]
    for engine, with_torch, gc_off in runs:
        if engine == "micrograd" and not _installed("micrograd"):
            continue
        if (engine == "torch" or with_torch) and not _installed("torch"):
            continue
        command = [sys.executable, "-m", "benchmarks.loop", engine]
        command += ["--with-torch"] * with_torch + ["--gc-off"] * gc_off
        times = []
        for _ in range(repeat):
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            times.append(float(out.split("\t")[1]))
        found[engine, with_torch, gc_off] = min(times)
    return found


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def print_training_loop(found: dict[tuple[str, bool, bool], float]) -> None:
    print("(a) micrograd's demo step as a training loop runs it: 10 steps back to back, gc on,")
    print("    each engine in a fresh process; 'with torch' means PyTorch imported first")
    print("| engine | ms per step | x micrograd_lite natural | with torch: ms | x |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for engine, name in LOOP_ENGINES.items():
        row = [name]
        for with_torch in (False, True):
            ms = found.get((engine, with_torch, False))
            base = found.get(("micrograd_lite natural", with_torch, False))
            row += ["-", "-"] if ms is None or base is None else [f"{ms:.1f}", f"{ms / base:.2f}"]
        print("| " + " | ".join(row) + " |")
    for engine in ("micrograd_lite natural", "micrograd_lite sum", "least"):
        for with_torch in (False, True):
            on, off = found.get((engine, with_torch, False)), found.get((engine, with_torch, True))
            if on and off:
                where = "with torch" if with_torch else "bare"
                print(
                    f"- {engine}, {where}: gc on {on:.1f} ms, gc off {off:.1f} ms "
                    f"(the collector takes {1 - off / on:.0%} of a step)"
                )


def compile_scaling() -> list[list[str]]:
    """(e): the compiled step across widths and both forms, each in a fresh process."""
    rows = []
    for width in WIDTHS:
        for form in ("natural", "sum"):
            command = [sys.executable, "-m", "benchmarks.compile_scaling", str(width), form]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            rows.append(out.split())
    return rows


def print_compile_scaling(rows: list[list[str]]) -> None:
    print("\n(e) the compiled step across widths, MLP(2, [w, w, 1]) on 100 points, each in a")
    print("    fresh process: first call (records, builds the tape, runs it), a call on the")
    print("    tape, the call that hands over to generated code, a call after it; memory is")
    print("    the rise of peak resident memory by the end of the first call / of the handover")
    print(
        "| w | neurons | first call s | MB | tape ms | handover: call | s | MB "
        "| compiled ms | floats ms | x floats |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for width, form, first, first_mb, tape, call, handover, handover_mb, steady, floats in rows:
        if call == "0":
            call = handover = handover_mb = "-"
        name = "chains of `+`" if form == "natural" else "`mg.sum`"
        ratio = float(steady) / float(floats)
        print(
            f"| {width} | {name} | {first} | {first_mb} | {tape} | {call} | {handover} "
            f"| {handover_mb} | {steady} | {floats} | {ratio:.2f} |"
        )


PER_NODE_ENGINES = {
    "micrograd_lite": "micrograd_lite",
    "smallest": "the smallest engine (`benchmarks/smallest.py`)",
    "micrograd": "micrograd 0.1.0",
    "torch": "PyTorch, 0-d float64 tensors",
}


def per_node(rounds: int) -> dict[tuple[str, str, bool], tuple[float, float, float]]:
    """(f): {(engine, step, gc off): (forward, backward, whole step) ms}, each engine in a
    fresh process, the rounds interleaved (each engine's run, then again) and the least
    of each time kept, so a slow spell of the machine falls on every engine alike."""
    found: dict[tuple[str, str, bool], tuple[float, float, float]] = {}
    for _ in range(rounds):
        for step in ("gpt", "demo"):
            for gc_off in (True, False):
                for engine in PER_NODE_ENGINES:
                    if engine in ("micrograd", "torch") and not _installed(engine):
                        continue
                    steps = "3" if engine == "torch" else "5"
                    command = [sys.executable, "-m", "benchmarks.per_node", engine, step]
                    command += ["--steps", steps] + ["--gc-off"] * gc_off
                    out = subprocess.run(command, capture_output=True, text=True, check=True)
                    times = tuple(float(x) for x in out.stdout.split("\t")[2:5])
                    key = (engine, step, gc_off)
                    old = found.get(key, times)
                    found[key] = tuple(min(a, b) for a, b in zip(old, times))  # type: ignore[assignment]
    return found


def print_per_node(found: dict[tuple[str, str, bool], tuple[float, float, float]]) -> None:
    print("\n(f) per node: a GPT-shaped step (`benchmarks/gpt.py`: one layer, embedding 16,")
    print("    4 heads, context 16, vocabulary 27, Adam on floats) and micrograd's demo step")
    print("    (neurons as chains of `+`), forward, backward and the whole step (with the")
    print("    update and freeing the graph), ms, each engine in a fresh process, the least")
    print("    of interleaved runs; x: the smallest engine's time over this one's")
    print("| step | collector | engine | forward | x | backward | x | step | x |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for step in ("gpt", "demo"):
        for gc_off in (True, False):
            base = found.get(("smallest", step, gc_off))
            for engine, name in PER_NODE_ENGINES.items():
                times = found.get((engine, step, gc_off))
                if times is None or base is None:
                    continue
                cells = [f"{t:.1f} | {b / t:.2f}" for t, b in zip(times, base)]
                where = "off" if gc_off else "on"
                print(f"| {step} | {where} | {name} | " + " | ".join(cells) + " |")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    sys.setrecursionlimit(10_000)  # micrograd's recursive sort: deep enough for the MLP
    repeat = max(2, int(os.environ.get("BENCH_REPEAT", "5")))
    print(f"machine: {machine()}\n")

    print_training_loop(training_loop(max(1, int(os.environ.get("BENCH_LOOP_REPEAT", "3")))))
    print()

    rows, first_calls = mlp_step(repeat)
    times = {name: seconds for name, seconds, _ in rows}
    lite, compiled, tape = times["micrograd_lite"], times[COMPILED], times[ON_TAPE]
    print("(a') one step of the same, right after gc.collect(), best of the runs, in this")
    print("    process (which has imported every engine): forward, backward and an SGD update")
    print("| engine | ms per step | micrograd_lite is x faster | compiled is x faster | loss |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, seconds, loss in rows:
        print(
            f"| {name} | {seconds * 1e3:.1f} | {seconds / lite:.2f} | "
            f"{seconds / compiled:.2f} | {loss:.12f} |"
        )
    if "micrograd 0.1.0" in times:
        print(
            f"- compiled against micrograd 0.1.0: {times['micrograd 0.1.0'] / compiled:.1f}x faster"
        )
    print(f"- compiled against hand-written floats: {compiled / times['hand-written floats']:.2f}x")
    first = first_calls[ON_TAPE]
    print(
        f"- the compiled first call (record, build the tape, one step on it): {first:.2f} s, "
        f"so compiling pays off from call {break_even(first, tape, lite)} on against the eager "
        f"step; with the code generated at once: {first_calls[COMPILED]:.2f} s"
    )

    print(f"\n(b) backward through a chain of {CHAIN:,} additions")
    for name, result in chain_backward().items():
        print(f"- {name}: {result}")

    print("\n(c) bytes per graph node (tracemalloc, a chain of 100,000 operations)")
    for name, size in bytes_per_node().items():
        print(f"- {name}: {size:.0f}")

    print("\n(d) objects left for the cyclic garbage collector after a dropped step")
    for name, count in cyclic_garbage().items():
        print(f"- {name}: {count}")

    print_compile_scaling(compile_scaling())

    print_per_node(per_node(max(1, int(os.environ.get("BENCH_LOOP_REPEAT", "3")))))

    print("\n(g) seconds to lay out and draw the graphs learners build (SVG, best of 3),")
    print("    each a shape that once hung dot for minutes, with each layout program")
    found = programs()
    columns = [layout_times(program=name) for name in found]
    for k, (name, _) in enumerate(columns[0]):
        times = ", ".join(f"{p} {c[k][1]:.2f} s" for p, c in zip(found, columns))
        print(f"- {name}: {times}")


if __name__ == "__main__":
    main()
