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

One difference: `zero_grad()` sets gradients to 0.0 by default, where PyTorch's sets
them to None, so a parameter that backward did not reach is stepped with a zero gradient
(weight decay and momentum still act), as PyTorch does after `zero_grad(set_to_none=False)`.
After `zero_grad(set_to_none=True)` a gradient is None ("no gradient yet") until
backward reaches it, and `step()` skips the parameter, as PyTorch does.

Hyperparameters are checked when the optimizer is made, when a state is loaded and at
the start of every `step()` (`param_groups[0]["lr"]` may have been set since): a bad one
raises before anything changes. `load_state_dict` checks the whole state first, then
replaces it, so a failed load leaves the optimizer exactly as it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Real
from typing import Any

from micrograd_lite.engine import Value, as_float
from micrograd_lite.floats import float_fma
from micrograd_lite.nn import cleared_gradient

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """What every optimizer shares: its parameters, `zero_grad()` and its state."""

    def __init__(self, params: Iterable[Value], defaults: dict[str, Any]) -> None:
        self.params = _checked_params(params)
        #: PyTorch's view: one group, the parameters under "params" and the
        #: hyperparameters beside them, so `param_groups[0]["lr"] = x` (or a new dict in its
        #: place) changes the learning rate, and a clipping loop reads `group["params"]`.
        self.param_groups: list[dict[str, Any]] = [
            {"params": self.params, **self._checked_group(defaults)}
        ]
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    @property
    def defaults(self) -> dict[str, Any]:
        """The hyperparameters in force: the one param group."""
        return self.param_groups[0]

    @defaults.setter
    def defaults(self, group: dict[str, Any]) -> None:
        self.param_groups = [{"params": self.params, **group}]

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set every parameter's gradient to 0.0, or to None ("no gradient yet").

        PyTorch's default is `set_to_none=True`; here it is False, so code that reads
        `p.grad` after `zero_grad()` keeps getting 0.0.
        """
        clear = cleared_gradient(set_to_none)
        for p in self.params:
            p.grad = clear

    def step(self) -> None:
        """Update every parameter once from its gradient."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The hyperparameters and per-parameter state, as plain numbers (JSON-friendly)."""
        return {
            "state": {i: dict(s) for i, s in enumerate(self.state) if s},
            "param_groups": [{**self._hyperparameters(), "params": list(range(len(self.params)))}],
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what `state_dict()` returned (JSON turns the int keys into strings).

        Everything is checked before anything is replaced: on any error the optimizer is
        exactly as it was.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict takes the dict that state_dict() returns, "
                f"got {type(state_dict).__name__}"
            )
        for key in ("state", "param_groups"):
            if key not in state_dict:
                raise ValueError(
                    f"the state has no {key!r} entry: give load_state_dict what "
                    "state_dict() returned"
                )
        group = _one_group(state_dict["param_groups"])
        n = len(self.params)
        given_params = group.get("params")
        if not isinstance(given_params, Sequence) or isinstance(given_params, (str, bytes)):
            raise ValueError("the state's param group has no list of 'params'")
        if len(given_params) != n:
            raise ValueError(
                f"the state is for {len(given_params)} parameters, this optimizer has {n}"
            )
        if list(given_params) != list(range(n)):
            raise ValueError(f"the state's 'params' must be [0, 1, ..., {n - 1}], as saved")
        defaults = self._checked_group({k: v for k, v in group.items() if k != "params"})
        given_state = state_dict["state"]
        if not isinstance(given_state, Mapping):
            raise TypeError(f"the state's 'state' must be a dict, got {type(given_state).__name__}")
        state: list[dict[str, Any]] = [{} for _ in self.params]
        loaded: set[int] = set()
        for key, entry in given_state.items():
            i = _parameter_index(key, n)
            if i in loaded:
                raise ValueError(f"the state has two entries for parameter {i}")
            loaded.add(i)
            if not isinstance(entry, Mapping):
                raise TypeError(
                    f"the state of parameter {i} must be a dict, got {type(entry).__name__}"
                )
            state[i] = self._checked_state(entry, defaults, f"parameter {i}")
        self.defaults = defaults  # everything checked: now replace
        self.state = state

    # -- what each optimizer defines ---------------------------------------------------

    #: The hyperparameters' names, in the order the optimizer's signature has them.
    hyperparameters: tuple[str, ...] = ()
    #: The per-parameter state entries `step()` keeps; all or none of them are present.
    state_keys: tuple[str, ...] = ()

    def _check_values(self, group: dict[str, Any]) -> None:
        """Raise TypeError or ValueError (PyTorch's words) for a bad hyperparameter."""
        raise NotImplementedError

    def _state_keys(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        """The state entries a parameter has once stepped, with these hyperparameters."""
        return self.state_keys

    # -- checks ------------------------------------------------------------------------

    def _checked_group(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of the hyperparameters, once they are this optimizer's and all valid
        ("params", if there, is checked by `_checked_defaults`)."""
        name = type(self).__name__
        missing = [k for k in self.hyperparameters if k not in group]
        extra = [k for k in group if k not in self.hyperparameters and k != "params"]
        if missing or extra:
            raise ValueError(
                f"{name} hyperparameters must be {list(self.hyperparameters)}: "
                f"missing {missing}, unexpected {extra}"
            )
        checked = {k: group[k] for k in self.hyperparameters}
        self._check_values(checked)
        return checked

    def _checked_state(
        self, entry: Mapping[str, Any], group: Mapping[str, Any], where: str
    ) -> dict[str, Any]:
        """A copy of one parameter's state, once it has the entries step() keeps."""
        if not entry:
            return {}
        wanted = self._state_keys(group)
        missing = [k for k in wanted if k not in entry]
        extra = [k for k in entry if k not in wanted]
        if missing or extra:
            raise ValueError(
                f"the {type(self).__name__} state of {where} must have {list(wanted)}: "
                f"missing {missing}, unexpected {extra} (is it another optimizer's state?)"
            )
        return {k: _state_number(k, entry[k], where) for k in wanted}

    def _checked_defaults(self) -> dict[str, Any]:
        """The hyperparameters as they are now; step() reads them only after this check."""
        group = _one_group(self.param_groups)
        checked = self._checked_group(group)
        given, n = group.get("params"), len(self.state)
        if not (
            isinstance(given, (list, tuple))
            and len(given) == n == len(self.params)  # the list may be changed in place
            and (given is self.params or all(a is b for a, b in zip(given, self.params)))
        ):
            raise ValueError(
                "param_groups[0]['params'] must be the parameters this optimizer was made "
                f"with ({n} Values, in order); to step others, make a new optimizer"
            )
        return checked

    def _hyperparameters(self) -> dict[str, Any]:
        """The param group without its parameters, as state_dict and repr show it."""
        return {k: v for k, v in self.defaults.items() if k != "params"}

    def __repr__(self) -> str:
        options = "".join(f"    {k}: {v}\n" for k, v in self._hyperparameters().items())
        return f"{type(self).__name__} (\n{options})"


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, as `torch.optim.SGD`."""

    hyperparameters = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")
    state_keys = ("momentum_buffer",)

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
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_values(self, group: dict[str, Any]) -> None:
        lr, momentum = _real(group, "lr"), _real(group, "momentum")
        weight_decay, dampening = _real(group, "weight_decay"), _real(group, "dampening")
        nesterov = _flag(group, "nesterov")
        _flag(group, "maximize")
        if not lr >= 0.0:  # `not >=` so that nan is refused too
            raise ValueError(f"Invalid learning rate: {lr}")
        if not momentum >= 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def step(self) -> None:
        """One SGD update of every parameter."""
        d = self._checked_defaults()
        lr, momentum, dampening = d["lr"], d["momentum"], d["dampening"]
        weight_decay, nesterov, maximize = d["weight_decay"], d["nesterov"], d["maximize"]
        for p, state in zip(self.params, self.state):
            if p.grad is None:  # zero_grad(set_to_none=True) and backward did not reach p
                continue
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

    hyperparameters = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")
    state_keys = ("step", "exp_avg", "exp_avg_sq")

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
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_values(self, group: dict[str, Any]) -> None:
        lr, eps = _real(group, "lr"), _real(group, "eps")
        weight_decay = _real(group, "weight_decay")
        _flag(group, "amsgrad")
        _flag(group, "maximize")
        betas = group["betas"]
        if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence):
            raise TypeError(f"betas must be a pair (beta1, beta2), got {type(betas).__name__}")
        if len(betas) != 2:
            raise ValueError(
                f"betas must be two numbers (beta1, beta2), got {len(betas)}: {tuple(betas)}"
            )
        beta1 = _real({"betas[0]": betas[0]}, "betas[0]")
        beta2 = _real({"betas[1]": betas[1]}, "betas[1]")
        group["betas"] = (beta1, beta2)  # floats, and a tuple (JSON makes it a list)
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= beta1 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {beta1}")
        if not 0.0 <= beta2 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {beta2}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")

    def _state_keys(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        return (*self.state_keys, "max_exp_avg_sq") if group["amsgrad"] else self.state_keys

    def step(self) -> None:
        """One Adam update of every parameter."""
        d = self._checked_defaults()
        lr, (beta1, beta2), eps = d["lr"], d["betas"], d["eps"]
        weight_decay, amsgrad, maximize = d["weight_decay"], d["amsgrad"], d["maximize"]
        for p, state in zip(self.params, self.state):
            if p.grad is None:  # zero_grad(set_to_none=True) and backward did not reach p
                continue
            if not state:
                state.update(step=0, exp_avg=0.0, exp_avg_sq=0.0)
            if amsgrad and "max_exp_avg_sq" not in state:  # also when turned on later
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
            if amsgrad:  # the larger, and nan once either is nan, as torch.maximum
                if not exp_avg_sq <= state["max_exp_avg_sq"]:
                    state["max_exp_avg_sq"] = exp_avg_sq
                denom = sqrt(state["max_exp_avg_sq"]) / bias_correction2_sqrt + eps
            else:
                denom = sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
            p.data = p.data + (-step_size * exp_avg) / denom


def _checked_params(params: Iterable[Value]) -> list[Value]:
    """The parameters as a list: Values, leaves, each once."""
    if isinstance(params, Value):
        raise TypeError("params must be an iterable of Values, got one Value: write SGD([v], ...)")
    if isinstance(params, (str, bytes, Mapping)) or not isinstance(params, Iterable):
        raise TypeError(
            f"params must be an iterable of Values such as model.parameters(), "
            f"got {type(params).__name__}"
        )
    checked = list(params)
    if not checked:
        raise ValueError("optimizer got an empty parameter list")
    first_seen: dict[int, int] = {}  # id(Value) -> its first position
    for i, p in enumerate(checked):
        if isinstance(p, Mapping):
            raise TypeError(
                "param groups (dicts) are not supported: pass one list of Values, and set "
                "param_groups[0]['lr'] to change the learning rate"
            )
        if not isinstance(p, Value):
            raise TypeError(f"optimizer can only optimize Values, got {type(p).__name__}")
        if not p.is_leaf:
            raise ValueError(
                f"can't optimize a non-leaf Value: parameter {i} was made by "
                f"{p.grad_fn!r}; optimize the leaves it is computed from, "
                "or pass v.detach() for a new leaf"
            )
        if id(p) in first_seen:
            raise ValueError(
                f"optimizer got the same Value twice (parameters {first_seen[id(p)]} and {i}): "
                "each parameter may appear once, or it would be stepped twice"
            )
        first_seen[id(p)] = i
    return checked


def _one_group(groups: object) -> Mapping[str, Any]:
    """The one param group, of a loaded state or of `param_groups` as it is now (these
    optimizers have exactly one)."""
    if not isinstance(groups, Sequence) or isinstance(groups, (str, bytes)):
        raise TypeError(f"'param_groups' must be a list, got {type(groups).__name__}")
    if len(groups) != 1:
        raise ValueError(f"there are {len(groups)} param groups; this optimizer has exactly one")
    (group,) = groups
    if not isinstance(group, Mapping):
        raise TypeError(f"a param group must be a dict, got {type(group).__name__}")
    return group


def _parameter_index(key: object, n: int) -> int:
    """A state key (an int, or its digits after JSON) naming one of the n parameters."""
    if isinstance(key, str) and key.isdecimal():
        index: object = int(key)
    else:
        index = key
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
        raise ValueError(
            f"the state has an entry for parameter {key!r}; this optimizer's parameters "
            f"are 0 to {n - 1}"
        )
    return index


def _real(group: dict[str, Any], key: str) -> float:
    """group[key] as a Python float, stored back, once it is a real number (not a bool,
    which Python counts as one): a numpy float16 or float32 learning rate would otherwise
    run the update in its own precision."""
    x = group[key]
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{key} must be a number, got {type(x).__name__} {x!r}")
    number = as_float(x)
    assert number is not None  # a real number, checked just above
    group[key] = number
    return number


def _flag(group: Mapping[str, Any], key: str) -> bool:
    """group[key], once it is True or False."""
    x = group[key]
    if not isinstance(x, bool):
        raise TypeError(f"{key} must be True or False, got {type(x).__name__} {x!r}")
    return x


def _state_number(key: str, x: object, where: str) -> float | int:
    """One state entry: `step` a count of steps taken, the others floats (averages >= 0)."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"the state's {key} of {where} must be a number, got {x!r}")
    number = as_float(x)  # 10**400 is inf, as everywhere else
    assert number is not None  # a real number, checked just above
    if key == "step":
        if not (number.is_integer() and number >= 1):
            raise ValueError(f"the state's step of {where} must be a whole number >= 1, got {x!r}")
        return int(number)
    if key in ("exp_avg_sq", "max_exp_avg_sq") and not number >= 0.0:
        raise ValueError(f"the state's {key} of {where} must be >= 0 (a mean of squares): {x!r}")
    return number


#: The square root of the second moment: where PyTorch calls its own sqrt kernel, which
#: differs from `math.sqrt` in the last bit for about 1% of inputs (the one place Adam's
#: trajectory can part from PyTorch's; the tests swap in PyTorch's kernel to show it).
sqrt: Callable[[float], float] = math.sqrt

#: `a * b + c` with a single rounding, as PyTorch's fused kernels compute it.
_fma: Callable[[float, float, float], float] = float_fma


def lerp(start: float, end: float, weight: float) -> float:
    """`start + weight * (end - start)`, in the fused form PyTorch's lerp kernel uses."""
    if abs(weight) < 0.5:
        return _fma(weight, end - start, start)
    return _fma(-(end - start), 1 - weight, end)
