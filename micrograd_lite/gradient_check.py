"""Check the engine's gradients against central differences, as `torch.autograd.gradcheck`.

    from micrograd_lite import gradcheck

    gradcheck(lambda a, b: a * b.tanh(), [Value(0.3), Value(-1.2)])   # True
    gradcheck(lambda a: a.exp(), Value(0.5))                          # one input: True

For every output and input, the analytic derivative (from `grad`) must be within
`atol + rtol * |numeric|` of the numeric one, `(f(x + eps) - f(x - eps)) / (2 eps)`.
`gradgradcheck` does the same for the derivatives of the gradients (second order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

from micrograd_lite.autograd import grad
from micrograd_lite.engine import Value

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]

Function = Callable[..., Any]  # takes Values, returns a Value or a sequence of Values
#: One input (a Value or a number) or a sequence of them, as torch takes a tensor or a tuple.
Inputs = Value | float | Sequence[Value | float]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when an analytic and a numeric derivative disagree."""


def gradcheck(
    fn: Function,
    inputs: Inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True if every d(output)/d(input) of `fn` matches central differences."""
    values = _as_values(inputs)
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be a function of the inputs, got {type(fn).__name__}")
    if not eps > 0:
        raise ValueError(f"gradcheck: eps must be a positive step, got {eps!r}")
    checked = [x for x in values if x.requires_grad]
    if not checked:  # an empty check would pass whatever fn does
        raise ValueError(
            "gradcheck expects at least one input to require grad, but none of them have "
            "requires_grad=True: pass Values made with requires_grad=True (the default)"
        )
    outputs = _as_list(fn(*values))
    problems = []
    for k, out in enumerate(outputs):
        analytic = _analytic(out, checked)
        for i, x in enumerate(checked):
            numeric = _numeric(fn, values, x, k, eps)
            # as torch.allclose: equal infinities agree, a nan never does
            close = analytic[i] == numeric or abs(analytic[i] - numeric) <= atol + rtol * abs(
                numeric
            )
            if not close:
                name = f"input {values.index(x)}" + (f" ({x.label!r})" if x.label else "")
                problems.append(
                    f"d(output {k})/d({name}): analytical {analytic[i]!r}, "
                    f"numerical {numeric!r}, difference {analytic[i] - numeric:.3g}"
                )
    if problems and raise_exception:
        raise GradcheckError(
            f"Jacobian mismatch (atol={atol}, rtol={rtol}, eps={eps}):\n  " + "\n  ".join(problems)
        )
    return not problems


def gradgradcheck(
    fn: Function,
    inputs: Inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True if the derivatives of `fn`'s gradients (its Hessian) match central differences."""

    def gradients(*xs: Value) -> list[Value]:
        outputs = _as_list(fn(*xs))
        wanted = [x for x in xs if x.requires_grad]
        result: list[Value] = []
        for out in outputs:
            gs = grad(out, wanted, create_graph=True, allow_unused=True)
            result.extend(
                g if isinstance(g, Value) else Value(0.0, requires_grad=False) for g in gs
            )
        return result

    return gradcheck(
        gradients, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception
    )


def _as_values(inputs: Inputs) -> list[Value]:
    """The inputs as a list of Values: one Value or number is a list of one."""
    if isinstance(inputs, (Value, Real)):
        inputs = [inputs]
    elif isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise TypeError(
            "gradcheck: inputs must be a Value, a number, or a list or tuple of them, "
            f"got {type(inputs).__name__}"
        )
    return [x if isinstance(x, Value) else Value(x) for x in inputs]


def _as_list(out: Any) -> list[Value]:
    outputs = [out] if isinstance(out, Value) else list(out)
    for o in outputs:
        if not isinstance(o, Value):
            raise TypeError(f"gradcheck: fn must return Values, got {type(o).__name__}")
    return outputs


def _analytic(out: Value, inputs: list[Value]) -> list[float]:
    if not out.requires_grad:
        return [0.0] * len(inputs)
    gs = grad(out, inputs, allow_unused=True)
    return [0.0 if g is None else float(g) for g in gs]


def _numeric(fn: Function, values: list[Value], x: Value, k: int, eps: float) -> float:
    """Central difference of output k with respect to x; x.data is restored afterwards."""
    original = x.data
    try:  # recording stays on: fn may itself call grad(), as gradgradcheck's does
        x.data = original + eps
        up = _as_list(fn(*values))[k].data
        x.data = original - eps
        down = _as_list(fn(*values))[k].data
    finally:
        x.data = original
    return (up - down) / (2 * eps)
