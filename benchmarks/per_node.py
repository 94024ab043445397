"""Per node: one engine's forward and backward on a training step, in a process of its own.

    python -m benchmarks.per_node ENGINE STEP [--gc-off] [--steps N]

STEP is `gpt` (`benchmarks.gpt`: one transformer layer on scalars, Adam on floats) or
`demo` (micrograd's demo step, `MLP(2, [16, 16, 1])` on 100 points, neurons as chains
of binary `+`, SGD). ENGINE is one of `ENGINES`. After two warm-up steps it runs N
steps back to back, as training runs them, and prints one line:

    ENGINE STEP forward_ms backward_ms step_ms loss

each the median over the steps. With `--gc-off` the cyclic garbage collector is off
for the whole run, so the times are the engine's own work; with it on, each engine
also pays for the collections its objects cause.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.gpt import GPTStep
from benchmarks.workloads import LR, graph_model, natural_sum

ENGINES = ["micrograd_lite", "smallest", "micrograd", "torch"]
STEPS = ["gpt", "demo"]


def value_class(engine: str) -> tuple[Callable[[float], Any], float | None]:
    """How the engine wraps a float, and what a gradient resets to."""
    if engine == "micrograd_lite":
        import micrograd_lite

        return micrograd_lite.Value, 0.0
    if engine == "smallest":
        from benchmarks.smallest import Value

        return Value, 0.0
    if engine == "micrograd":
        from micrograd.engine import Value

        _add_exp_and_log(Value)
        return Value, 0.0
    if engine == "torch":
        import torch

        torch.set_num_threads(1)

        def tensor(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        return tensor, None
    raise SystemExit(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")


def _add_exp_and_log(value: Any) -> None:
    """micrograd 0.1.0 has no exp or log: add them as its lecture adds an op, a node
    with a `_backward` closure."""

    def exp(self: Any) -> Any:
        out = value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self: Any) -> Any:
        out = value(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    value.exp, value.log = exp, log


class DemoStep:
    """micrograd's demo step, split into forward, backward and the SGD update."""

    def __init__(self, make: Callable[[float], Any], zero: float | None) -> None:
        self.params, self.loss = graph_model(make, natural_sum)
        self.zero = zero

    def forward(self) -> Any:
        return self.loss()

    def backward(self, loss: Any) -> None:
        loss.backward()

    def update(self) -> None:
        for p in self.params:
            p.data -= LR * p.grad
            p.grad = self.zero


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=ENGINES)
    parser.add_argument("step", choices=STEPS)
    parser.add_argument("--gc-off", action="store_true")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    make, zero = value_class(args.engine)
    step: Any = GPTStep(make, zero) if args.step == "gpt" else DemoStep(make, zero)
    if args.gc_off:
        gc.disable()
    forwards, backwards, wholes = [], [], []
    loss_value = math.nan
    for i in range(args.steps + 2):
        start = time.perf_counter()
        loss = step.forward()
        middle = time.perf_counter()
        step.backward(loss)
        end = time.perf_counter()
        loss_value = float(loss.data)
        del loss  # the graph is freed inside the step, as a training loop frees it
        step.update()
        done = time.perf_counter()
        if i >= 2:  # two warm-up steps
            forwards.append(middle - start)
            backwards.append(end - middle)
            wholes.append(done - start)
    ms = [statistics.median(times) * 1e3 for times in (forwards, backwards, wholes)]
    print(f"{args.engine}\t{args.step}\t{ms[0]:.1f}\t{ms[1]:.1f}\t{ms[2]:.1f}\t{loss_value:.15f}")


if __name__ == "__main__":
    main()
