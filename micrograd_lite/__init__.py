"""micrograd_lite: a small, exact, fast, pure-Python scalar autograd engine.

Build expressions from `Value`s, call `.backward()`, read `.grad`:

    >>> from micrograd_lite import Value
    >>> a = Value(2.0); b = Value(-3.0)
    >>> c = a * b + b ** 2
    >>> c.backward()
    >>> a.grad, b.grad
    (-3.0, -4.0)

`micrograd_lite.sum` and `micrograd_lite.compile` are named as `torch.sum` and
`torch.compile`; they are left out of `__all__`, so `from micrograd_lite import *` never
replaces Python's own `sum` and `compile`. Use them as `mg.sum(...)`, `mg.compile(fn)`.
"""

from micrograd_lite import nn, ops, optim
from micrograd_lite.autograd import backward, grad, topological_order
from micrograd_lite.checker import check
from micrograd_lite.compiler import CompiledFunction, CompileError, compile  # noqa: A004, F401
from micrograd_lite.engine import Value, mean, sum  # noqa: A004, F401  # as torch.sum
from micrograd_lite.grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from micrograd_lite.gradient_check import GradcheckError, gradcheck, gradgradcheck
from micrograd_lite.ops import Op, define_op

__all__ = [
    "Value",
    "Op",
    "backward",
    "check",
    "define_op",
    "CompiledFunction",
    "CompileError",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "mean",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "nn",
    "ops",
    "optim",
    "no_grad",
    "set_grad_enabled",
    "topological_order",
]

__version__ = "0.1.0"
