"""The tensor attributes a Value lacks (`.numpy()`, `.shape`, `.to(...)`...): reading
one raises AttributeError with a hint. `Value` takes them from `TensorOnlyNames`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["TensorOnlyNames"]


class TensorOnlyNames:
    """A tensor's attributes, each raising AttributeError with a hint when read."""

    __slots__ = ()

    if not TYPE_CHECKING:  # hidden from mypy, which would type them as attributes

        class _TensorOnly:
            """A tensor attribute a Value lacks: reading it raises AttributeError with a
            hint (so `hasattr` stays False, and duck typing, copy and pickle see what
            they expect). Descriptors, not `__getattr__`: a class with `__getattr__`
            makes every attribute read of every Value slower."""

            def __init__(self, hint: str) -> None:
                self.hint = hint

            def __set_name__(self, owner: type, name: str) -> None:
                self.name = name

            def __get__(self, obj: object, owner: type | None = None) -> Any:
                kind = type(obj).__name__ if obj is not None else owner.__name__
                message = f"{kind!r} object has no attribute {self.name!r}: {self.hint}"
                raise AttributeError(message, name=self.name, obj=obj)

        _one_float = "a Value is one float; use v.item() (or v.data)"
        _no_device = "a Value is one Python float, on no device: there is nothing to move"
        _scalar = "a Value is one float, like a 0-d tensor: it has no shape"
        numpy = _TensorOnly(_one_float)
        tolist = _TensorOnly(_one_float)
        cpu = _TensorOnly(_no_device)
        cuda = _TensorOnly(_no_device)
        to = _TensorOnly(_no_device)
        device = _TensorOnly(_no_device)
        dtype = _TensorOnly("a Value's data is a Python float (float64)")
        shape = _TensorOnly(_scalar)
        size = _TensorOnly(_scalar)
        dim = _TensorOnly(_scalar)
        ndim = _TensorOnly(_scalar)
        register_hook = _TensorOnly(
            "micrograd_lite has no hooks; read v.grad after backward(), "
            "or get gradients with micrograd_lite.grad(out, [v])"
        )
        del _one_float, _no_device, _scalar, _TensorOnly
