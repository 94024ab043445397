"""A GPT-shaped training step on scalars, for any Value-like engine.

One transformer layer over a context of 16 characters: embedding width 16, 4 attention
heads, a vocabulary of 27 (26 letters and a boundary token), rmsnorm, a relu MLP four
times as wide, softmax cross-entropy, and Adam on plain floats. Every dot product is
written `sum(w * x for ...)`, a chain of binary `+`, as such programs are written.
The documents are made-up names from a seeded generator, so every engine trains on
the same characters.

    step = gpt_step(Value)   # any class with + - * / ** exp log relu and backward
    forward, backward = step.forward, step.backward
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

N_EMBD = 16
N_HEAD = 4
HEAD_DIM = N_EMBD // N_HEAD
BLOCK_SIZE = 16
VOCAB = 27  # "a" to "z", and BOS at 26: the start and the end of a name
BOS = 26
LR, BETA1, BETA2, EPS = 0.01, 0.85, 0.99, 1e-8


def names(count: int = 64, seed: int = 0) -> list[str]:
    """Made-up names of 3 to 10 letters, alternating consonants and vowels."""
    rng = random.Random(seed)
    vowels, consonants = "aeiouy", "bcdfghjklmnprstvwz"
    out = []
    for _ in range(count):
        length = rng.randint(3, 10)
        start = rng.random() < 0.5
        out.append(
            "".join(
                rng.choice(vowels if (i % 2 == 0) == start else consonants) for i in range(length)
            )
        )
    return out


class Model:
    """The parameters, kept in a dict of matrices (lists of rows of Values)."""

    def __init__(self, make: Callable[[float], Any], seed: int = 42) -> None:
        rng = random.Random(seed)

        def matrix(rows: int, cols: int) -> list[list[Any]]:
            return [[make(rng.gauss(0.0, 0.08)) for _ in range(cols)] for _ in range(rows)]

        self.state = {
            "wte": matrix(VOCAB, N_EMBD),
            "wpe": matrix(BLOCK_SIZE, N_EMBD),
            "attn_wq": matrix(N_EMBD, N_EMBD),
            "attn_wk": matrix(N_EMBD, N_EMBD),
            "attn_wv": matrix(N_EMBD, N_EMBD),
            "attn_wo": matrix(N_EMBD, N_EMBD),
            "mlp_fc1": matrix(4 * N_EMBD, N_EMBD),
            "mlp_fc2": matrix(N_EMBD, 4 * N_EMBD),
            "lm_head": matrix(VOCAB, N_EMBD),
        }
        self.params = [p for mat in self.state.values() for row in mat for p in row]


def linear(x: list[Any], w: list[list[Any]]) -> list[Any]:
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(logits: list[Any]) -> list[Any]:
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x: list[Any]) -> list[Any]:
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def gpt(model: Model, token: int, pos: int, keys: list[Any], values: list[Any]) -> list[Any]:
    """The logits for the next token, given this one and the keys and values so far."""
    s = model.state
    x = [t + p for t, p in zip(s["wte"][token], s["wpe"][pos])]
    x = rmsnorm(x)
    residual = x
    x = rmsnorm(x)
    q, k, v = linear(x, s["attn_wq"]), linear(x, s["attn_wk"]), linear(x, s["attn_wv"])
    keys.append(k)
    values.append(v)
    attended: list[Any] = []
    for h in range(N_HEAD):
        lo = h * HEAD_DIM
        q_h = q[lo : lo + HEAD_DIM]
        k_h = [ki[lo : lo + HEAD_DIM] for ki in keys]
        v_h = [vi[lo : lo + HEAD_DIM] for vi in values]
        logits = [sum(q_h[j] * k_t[j] for j in range(HEAD_DIM)) / HEAD_DIM**0.5 for k_t in k_h]
        weights = softmax(logits)
        attended.extend(
            sum(weights[t] * v_h[t][j] for t in range(len(v_h))) for j in range(HEAD_DIM)
        )
    x = [a + b for a, b in zip(linear(attended, s["attn_wo"]), residual)]
    residual = x
    x = [xi.relu() for xi in linear(rmsnorm(x), s["mlp_fc1"])]
    x = [a + b for a, b in zip(linear(x, s["mlp_fc2"]), residual)]
    return linear(x, s["lm_head"])


def document_loss(model: Model, name: str) -> Any:
    """The mean cross-entropy of predicting each next character of `name`."""
    tokens = [BOS, *(ord(c) - ord("a") for c in name), BOS]
    n = min(BLOCK_SIZE, len(tokens) - 1)
    keys: list[Any] = []
    values: list[Any] = []
    losses = []
    for pos in range(n):
        probs = softmax(gpt(model, tokens[pos], pos, keys, values))
        losses.append(-probs[tokens[pos + 1]].log())
    return (1 / n) * sum(losses)


class GPTStep:
    """Training steps over the names, one name a step, split into forward and backward."""

    def __init__(self, make: Callable[[float], Any], zero: float | None = 0.0) -> None:
        self.model = Model(make)
        self.docs = names()
        self.zero = zero  # what a gradient is reset to (None for PyTorch)
        self.m = [0.0] * len(self.model.params)
        self.v = [0.0] * len(self.model.params)
        self.t = 0

    def forward(self) -> Any:
        return document_loss(self.model, self.docs[self.t % len(self.docs)])

    def backward(self, loss: Any) -> None:
        loss.backward()

    def update(self) -> None:
        """Adam on floats, as such programs write it, then the gradients reset."""
        self.t += 1
        lr = LR * (1 - self.t / 1000)
        for i, p in enumerate(self.model.params):
            g = 0.0 if p.grad is None else float(p.grad)  # PyTorch: None where unused
            self.m[i] = BETA1 * self.m[i] + (1 - BETA1) * g
            self.v[i] = BETA2 * self.v[i] + (1 - BETA2) * g * g
            m_hat = self.m[i] / (1 - BETA1**self.t)
            v_hat = self.v[i] / (1 - BETA2**self.t)
            p.data -= lr * m_hat / (math.sqrt(v_hat) + EPS)
            p.grad = self.zero

    def __call__(self) -> float:
        loss = self.forward()
        self.backward(loss)
        value = float(loss.data)
        del loss
        self.update()
        return value
