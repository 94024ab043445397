"""Optimizers that update Values exactly as `torch.optim.SGD` and `torch.optim.Adam` do.

    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    for step in range(100):
        loss = ...
        opt.zero_grad()
        loss.backward()
        opt.step()

Each update follows PyTorch's own code line for line, in the same order of floating
point operations, so trajectories agree with PyTorch in float64. Where PyTorch's kernels
compute `x + alpha * y` as a fused multiply-add (one rounding: `add(..., alpha=)`, `lerp`,
`addcmul`), so does `float_fma` here; measured, not assumed (see tests/test_optim.py).

One difference: a gradient here is always a float, never None. PyTorch's default
`zero_grad()` sets gradients to None and then skips those parameters in `step()`; here a
parameter that backward did not reach is stepped with a zero gradient (weight decay and
momentum still act), as PyTorch does after `zero_grad(set_to_none=False)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from micrograd_lite.engine import Value
from micrograd_lite.ops import float_fma

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """What every optimizer shares: its parameters, `zero_grad()` and its state."""

    def __init__(self, params: Iterable[Value], defaults: dict[str, Any]) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"optimizer can only optimize Values, got {type(p).__name__}")
        self.defaults = defaults
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """PyTorch's view of the hyperparameters: one group, so `param_groups[0]["lr"] = x`
        changes the learning rate as it does in PyTorch."""
        return [self.defaults]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its gradient."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The hyperparameters and per-parameter state, as plain numbers (JSON-friendly)."""
        return {
            "state": {i: dict(s) for i, s in enumerate(self.state) if s},
            "param_groups": [{**self.defaults, "params": list(range(len(self.params)))}],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` returned (JSON turns the int keys into strings)."""
        (group,) = state_dict["param_groups"]
        if len(group["params"]) != len(self.params):
            raise ValueError(
                f"the state is for {len(group['params'])} parameters, "
                f"this optimizer has {len(self.params)}"
            )
        state: list[dict[str, Any]] = [{} for _ in self.params]
        for key, s in state_dict["state"].items():
            state[int(key)] = dict(s)
        self.defaults = {k: v for k, v in group.items() if k != "params"}
        self.state = state

    def __repr__(self) -> str:
        options = "".join(f"    {k}: {v}\n" for k, v in self.defaults.items())
        return f"{type(self).__name__} (\n{options})"


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, as `torch.optim.SGD`."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def step(self) -> None:
        """One SGD update of every parameter."""
        d = self.defaults
        lr, momentum, dampening = d["lr"], d["momentum"], d["dampening"]
        weight_decay, nesterov, maximize = d["weight_decay"], d["nesterov"], d["maximize"]
        for p, state in zip(self.params, self.state):
            g = -p.grad if maximize else p.grad
            if weight_decay != 0:
                g = _fma(weight_decay, p.data, g)  # g + weight_decay * p
            if momentum != 0:
                if "momentum_buffer" not in state:
                    buf = g  # the first step takes the gradient as it is, no dampening
                else:
                    buf = _fma(1 - dampening, g, state["momentum_buffer"] * momentum)
                state["momentum_buffer"] = buf
                g = _fma(momentum, buf, g) if nesterov else buf
            p.data = _fma(-lr, g, p.data)  # p - lr * g


class Adam(Optimizer):
    """Adam, with optional AMSGrad and (L2) weight decay, as `torch.optim.Adam`."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def step(self) -> None:
        """One Adam update of every parameter."""
        d = self.defaults
        lr, (beta1, beta2), eps = d["lr"], d["betas"], d["eps"]
        weight_decay, amsgrad, maximize = d["weight_decay"], d["amsgrad"], d["maximize"]
        for p, state in zip(self.params, self.state):
            if not state:
                state.update(step=0, exp_avg=0.0, exp_avg_sq=0.0)
                if amsgrad:
                    state["max_exp_avg_sq"] = 0.0
            g = -p.grad if maximize else p.grad
            state["step"] += 1
            if weight_decay != 0:
                g = _fma(weight_decay, p.data, g)  # g + weight_decay * p
            exp_avg = lerp(state["exp_avg"], g, 1 - beta1)
            exp_avg_sq = _fma((1 - beta2) * g, g, state["exp_avg_sq"] * beta2)
            state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq
            step = state["step"]
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2**0.5
            if amsgrad:
                state["max_exp_avg_sq"] = max(state["max_exp_avg_sq"], exp_avg_sq)
                denom = math.sqrt(state["max_exp_avg_sq"]) / bias_correction2_sqrt + eps
            else:
                denom = math.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
            p.data = p.data + (-step_size * exp_avg) / denom


#: `a * b + c` with a single rounding, as PyTorch's fused kernels compute it.
_fma: Callable[[float, float, float], float] = float_fma


def lerp(start: float, end: float, weight: float) -> float:
    """`start + weight * (end - start)`, in the fused form PyTorch's lerp kernel uses."""
    if abs(weight) < 0.5:
        return _fma(weight, end - start, start)
    return _fma(-(end - start), 1 - weight, end)
