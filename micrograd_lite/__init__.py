"""micrograd_lite: a small, exact, fast, pure-Python scalar autograd engine.

Build expressions from `Value`s, call `.backward()`, read `.grad`:

    >>> from micrograd_lite import Value
    >>> a = Value(2.0); b = Value(-3.0)
    >>> c = a * b + b ** 2
    >>> c.backward()
    >>> a.grad, b.grad
    (-3.0, -4.0)
"""

from micrograd_lite import gradcheck, nn, ops, optim
from micrograd_lite.autograd import backward, grad, topological_order
from micrograd_lite.compiler import CompiledFunction, CompileError, compile  # noqa: A004
from micrograd_lite.engine import Value, mean, sum  # noqa: A004  # micrograd_lite.sum, as torch.sum
from micrograd_lite.grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from micrograd_lite.ops import Op, define_op

__all__ = [
    "Value",
    "Op",
    "backward",
    "define_op",
    "compile",
    "CompiledFunction",
    "CompileError",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "mean",
    "gradcheck",
    "nn",
    "ops",
    "optim",
    "no_grad",
    "set_grad_enabled",
    "sum",
    "topological_order",
]

__version__ = "0.1.0"
