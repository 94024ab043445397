"""One engine's training loop in a process of its own, as a user's script runs it.

    python -m benchmarks.loop ENGINE [--with-torch] [--gc-off] [--steps N]

Runs micrograd's demo step (MLP(2, [16, 16, 1]), 100 points, hinge + L2, SGD) `N` times
back to back after one warm-up step, with the garbage collector left as Python sets it
(no collection forced between steps, so an engine also pays for collecting its own
leftovers), and prints one line: `ENGINE ms_per_step loss`. `--with-torch` imports
PyTorch first, which leaves a notebook-sized heap (about 155,000 more objects) for the
collector to walk; `--gc-off` turns the collector off, to show what it costs.

ENGINE is one of `ENGINES`: the natural form writes each neuron as micrograd does, a
chain of binary `+` (Python's `sum`), the sum form as one `micrograd_lite.sum` node.
`least` is `workloads.Least`, the least an engine of one object per operation can do,
in the natural form.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

from benchmarks.workloads import Least, compiled_step, float_step, graph_step, natural_sum


def make_step(engine: str) -> Callable[[], Any]:
    """The step function of one engine."""
    if engine == "floats":
        return float_step()
    if engine == "compiled":
        return compiled_step(generate=True)
    if engine == "compiled tape":
        return compiled_step(generate=False)
    if engine == "least":
        return graph_step(Least, natural_sum)
    if engine.startswith("micrograd_lite"):
        import micrograd_lite as mg

        return graph_step(mg.Value, natural_sum if engine.endswith("natural") else mg.sum)
    if engine == "micrograd":
        from micrograd.engine import Value

        return graph_step(Value, natural_sum)
    if engine == "torch":
        import torch

        torch.set_num_threads(1)

        def tensor(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        return graph_step(tensor, natural_sum)
    raise SystemExit(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")


ENGINES = [
    "micrograd_lite natural",
    "micrograd_lite sum",
    "micrograd",
    "torch",
    "floats",
    "compiled",
    "compiled tape",
    "least",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=ENGINES)
    parser.add_argument("--with-torch", action="store_true")
    parser.add_argument("--gc-off", action="store_true")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    if args.with_torch:
        import torch  # noqa: F401  # only its heap matters here
    step = make_step(args.engine)
    loss = step()  # warm-up (and, compiled, the recording and the generated code)
    del loss
    if args.gc_off:
        gc.disable()
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    seconds = (time.perf_counter() - start) / args.steps
    value = loss if isinstance(loss, float) else float(getattr(loss, "data", loss))
    print(f"{args.engine}\t{seconds * 1e3:.2f}\t{value:.12f}")


if __name__ == "__main__":
    main()
