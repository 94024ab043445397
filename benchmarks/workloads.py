"""The benchmark workloads, written once per engine so each does exactly the same maths.

(a) one full-batch training step of micrograd's demo: `MLP(2, [16, 16, 1])` on 100
    two-moons points, hinge loss plus 1e-4 L2, forward, backward and an SGD update;
(b) backward of a chain of 1,000,000 operations;
(c) bytes per graph node; (d) objects left for the cyclic garbage collector.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from typing import Any

SIZES = [2, 16, 16, 1]
#: The hidden widths the compile benchmark scales over: `MLP(2, [w, w, 1])`.
WIDTHS = (8, 16, 32, 64)


def sizes_of(width: int) -> list[int]:
    """The layer sizes of the demo model with hidden layers `width` wide."""
    return [SIZES[0], width, width, SIZES[-1]]


ALPHA = 1e-4
LR = 0.1


def natural_sum(xs: list[Any]) -> Any:
    """Python's own sum, as micrograd's Neuron writes it: a chain of binary adds."""
    return sum(xs[1:], xs[0])


def two_moons(n: int = 100, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """n points on two interleaved half circles with a little noise; labels -1 and 1."""
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2:
            x = [math.cos(t), math.sin(t)]
            ys.append(1.0)
        else:
            x = [1.0 - math.cos(t), 0.5 - math.sin(t)]
            ys.append(-1.0)
        xs.append([x[0] + rng.gauss(0, 0.1), x[1] + rng.gauss(0, 0.1)])
    return xs, ys


def initial_weights(
    seed: int = 1, sizes: list[int] = SIZES
) -> list[list[tuple[list[float], float]]]:
    """Per layer, per neuron: (weights, bias), uniform in [-1, 1] with bias 0, as micrograd."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in itertools.pairwise(sizes)
    ]


def graph_model(
    make: Callable[[float], Any], total: Callable[[list[Any]], Any], sizes: list[int] = SIZES
) -> tuple[list[Any], Callable[[], Any]]:
    """The demo's parameters and its loss, for a Value-like engine: `make` wraps a float,
    `total` adds a list. The code is micrograd's demo (relu hidden layers, linear output,
    hinge loss, L2)."""
    xs, ys = two_moons()
    layers = [
        [([make(w) for w in ws], make(b)) for ws, b in layer]
        for layer in initial_weights(sizes=sizes)
    ]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]

    def forward(x: list[Any]) -> Any:
        for i, layer in enumerate(layers):
            acts = [total([*(w * xi for w, xi in zip(ws, x)), b]) for ws, b in layer]
            x = [a.relu() for a in acts] if i < len(layers) - 1 else acts
        return x[0]

    def loss() -> Any:
        inputs = [[make(v) for v in row] for row in xs]
        scores = [forward(x) for x in inputs]
        losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
        data_loss = total(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * total([p * p for p in params])
        return data_loss + reg_loss

    return params, loss


def graph_step(
    make: Callable[[float], Any], total: Callable[[list[Any]], Any], sizes: list[int] = SIZES
) -> Callable[[], Any]:
    """One training step: zero the grads, the loss, backward, and `p.data -= LR * p.grad`."""
    params, loss_fn = graph_model(make, total, sizes)

    def step() -> Any:
        for p in params:
            p.grad = None if hasattr(p, "retain_grad") else 0.0  # torch or Value
        loss = loss_fn()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss

    return step


_made = itertools.count()


class Least:
    """The least an engine that makes one Python object per operation can do: the data,
    the grad, the parents, a kind and a creation number in `__slots__`; `+`, `*` and
    relu; a backward that walks the graph, sorts it newest first and applies the three
    rules. Nothing else: no grad modes, no checks. It shows, on the same step, what any
    such engine pays the garbage collector, whatever else it does.
    """

    __slots__ = ("data", "grad", "_a", "_b", "_kind", "_n")
    data: float
    grad: float
    _a: Least
    _b: Least
    _kind: int  # 0 a leaf, 1 +, 2 *, 3 relu
    _n: int

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = 0.0
        self._kind = 0

    def _node(self, data: float, kind: int, a: Least, b: Least) -> Least:
        out = object.__new__(Least)
        out.data, out.grad, out._kind, out._a, out._b, out._n = data, 0.0, kind, a, b, next(_made)
        return out

    def __add__(self, other: Any) -> Least:
        other = other if type(other) is Least else Least(other)
        return self._node(self.data + other.data, 1, self, other)

    def __mul__(self, other: Any) -> Least:
        other = other if type(other) is Least else Least(other)
        return self._node(self.data * other.data, 2, self, other)

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self) -> Least:
        return self * -1.0

    def relu(self) -> Least:
        return self._node(self.data if self.data > 0.0 else 0.0, 3, self, self)

    def backward(self) -> None:
        results: list[Least] = []
        seen: set[Least] = set()
        stack = [self]
        while stack:
            v = stack.pop()
            if v in seen or not v._kind:
                continue
            seen.add(v)
            results.append(v)
            stack.append(v._a)
            stack.append(v._b)
        results.sort(key=lambda v: v._n, reverse=True)  # a node is made after its parents
        self.grad = 1.0
        for v in results:
            kind, g = v._kind, v.grad
            if kind == 1:
                v._a.grad += g
                v._b.grad += g
            elif kind == 2:
                v._a.grad += g * v._b.data
                v._b.grad += g * v._a.data
            elif v.data > 0.0:
                v._a.grad += g


def compiled_step(
    total: Callable[[list[Any]], Any] | None = None,
    sizes: list[int] = SIZES,
    generate: bool | None = None,
) -> Callable[[], Any]:
    """The same step with the loss compiled by `micrograd_lite.compile`: its call runs
    forward and backward. The first call records; time it apart from the others.
    `total` adds a neuron's terms (default `mg.sum`; `natural_sum` for a chain of `+`);
    `generate` is compile's (True: generated code from the first call, False: the tape)."""
    import micrograd_lite as mg

    params, loss_fn = graph_model(mg.Value, total or mg.sum, sizes)
    compiled = mg.compile(loss_fn, generate=generate)

    def step() -> Any:
        for p in params:
            p.grad = 0.0
        loss = compiled()
        for p in params:
            p.data -= LR * p.grad
        return loss

    step.compiled = compiled  # type: ignore[attr-defined]  # for the benchmarks to inspect
    return step


def float_step(sizes: list[int] = SIZES) -> Callable[[], float]:
    """The same step written by hand on plain floats: the speed limit for pure Python."""
    xs, ys = two_moons()
    layers = initial_weights(sizes=sizes)
    n = len(xs)

    def step() -> float:
        grads = [[([0.0] * len(ws), 0.0) for ws, _ in layer] for layer in layers]
        grad_w = [[list(g) for g, _ in layer] for layer in grads]
        grad_b = [[0.0] * len(layer) for layer in layers]
        data_loss = 0.0
        for x, y in zip(xs, ys):
            # forward, keeping each layer's input and pre-activation
            inputs, pre = [], []
            a = x
            for i, layer in enumerate(layers):
                z = [b + sum(w * v for w, v in zip(ws, a)) for ws, b in layer]
                inputs.append(a)
                pre.append(z)
                a = [max(v, 0.0) for v in z] if i < len(layers) - 1 else z
            margin = 1.0 - y * a[0]
            data_loss += max(margin, 0.0)
            # backward
            d = [(-y / n) if margin > 0.0 else 0.0]
            for i in range(len(layers) - 1, -1, -1):
                if i < len(layers) - 1:
                    d = [dv if z > 0.0 else 0.0 for dv, z in zip(d, pre[i])]
                a_in = inputs[i]
                d_in = [0.0] * len(a_in)
                for j, (ws, _) in enumerate(layers[i]):
                    dj = d[j]
                    grad_b[i][j] += dj
                    gw = grad_w[i][j]
                    for k, v in enumerate(a_in):
                        gw[k] += dj * v
                        d_in[k] += dj * ws[k]
                d = d_in
        reg = 0.0
        for i, layer in enumerate(layers):
            for j, (ws, b) in enumerate(layer):
                for k, w in enumerate(ws):
                    reg += w * w
                    grad_w[i][j][k] += 2 * ALPHA * w
                reg += b * b
                grad_b[i][j] += 2 * ALPHA * b
        for i, layer in enumerate(layers):  # the SGD update
            layers[i] = [
                ([w - LR * g for w, g in zip(ws, grad_w[i][j])], b - LR * grad_b[i][j])
                for j, (ws, b) in enumerate(layer)
            ]
        return data_loss / n + ALPHA * reg

    return step
