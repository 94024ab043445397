"""Grad modes: switch graph recording off and on, and catch nan/inf where they start.

`no_grad()`, `enable_grad()`, `set_grad_enabled(mode)` and `detect_anomaly()` are context
managers and decorators, as in PyTorch. The mode lives in a `ContextVar`, so it is per
thread and per asyncio task: `no_grad` in one thread never leaks into another.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator
from contextvars import ContextVar
from types import TracebackType
from typing import Any, ClassVar, TypeVar

__all__ = [
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]

# The mode is one small int so the hot path reads a single ContextVar.
RECORD = 1  # bit: operations record their parents
ANOMALY = 2  # bit: operations check their results for nan and inf

mode: ContextVar[int] = ContextVar("micrograd_lite_mode", default=RECORD)


F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Whether operations record a graph in this thread or task."""
    return bool(mode.get() & RECORD)


def is_anomaly_enabled() -> bool:
    """Whether `detect_anomaly()` is active in this thread or task."""
    return bool(mode.get() & ANOMALY)


class _ModeSwitch:
    """Sets some mode bits on entry and restores the previous mode on exit.

    One object may be entered in several threads or tasks at once, or in several `with`
    blocks one after another: what to restore is kept per thread and task (in `_saved`),
    never on the object.
    """

    #: The modes to restore, innermost last, of this thread or task's open `with` blocks.
    #: `with` blocks nest, so an exit always belongs to the innermost entry.
    _saved: ClassVar[ContextVar[tuple[int, ...]]] = ContextVar("micrograd_lite_saved_modes")

    def __init__(self, set_bits: int, clear_bits: int) -> None:
        self._set_bits = set_bits
        self._clear_bits = clear_bits

    def __enter__(self) -> None:
        self._switch(restore=mode.get())

    def _switch(self, restore: int) -> None:
        """Set this switch's bits, remembering `restore` for the matching exit."""
        self._saved.set((*self._saved.get(()), restore))
        mode.set((mode.get() & ~self._clear_bits) | self._set_bits)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        saved = self._saved.get(())
        if not saved:
            raise RuntimeError(
                f"{type(self).__name__}: __exit__ without __enter__ in this thread; "
                "use it as `with ...:` or as a decorator"
            )
        self._saved.set(saved[:-1])
        mode.set(saved[-1])

    def __call__(self, fn: F) -> F:
        """Use the switch as a decorator: the mode holds for every call of `fn`.

        For a generator function the mode holds while the generator's body runs, each time
        it is resumed, and the caller's own mode is back at every `yield` (as in PyTorch).
        """
        if not callable(fn):
            raise TypeError(
                f"{type(self).__name__}() decorates a function, got {type(fn).__name__}; "
                f"to switch the mode for a block, write `with {type(self).__name__}():`"
            )
        set_bits, clear_bits = self._set_bits, self._clear_bits
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(fn, set_bits, clear_bits)  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _ModeSwitch(set_bits, clear_bits):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # wraps keeps fn's signature


def _wrap_generator(
    fn: Callable[..., Generator[Any, Any, Any]], set_bits: int, clear_bits: int
) -> Callable[..., Generator[Any, Any, Any]]:
    """`fn`'s generators, with the mode switched around each resumption of their body.

    A `with` around `fn(...)` would only cover making the generator, not running it, and
    a `with` inside that spans a `yield` would leak the mode into the caller's loop.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        gen = fn(*args, **kwargs)
        try:
            with _ModeSwitch(set_bits, clear_bits):
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with _ModeSwitch(set_bits, clear_bits):
                        gen.close()
                    raise
                except BaseException as error:  # thrown in by the caller: pass it on
                    with _ModeSwitch(set_bits, clear_bits):
                        response = gen.throw(error)
                else:
                    with _ModeSwitch(set_bits, clear_bits):
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return wrapper


class _NoArgumentSwitch(_ModeSwitch):
    """A switch that takes no argument, so `@no_grad` works without parentheses too."""

    _SET_BITS: ClassVar[int]
    _CLEAR_BITS: ClassVar[int]

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if fn is None:
            return self
        # `@no_grad` (no parentheses) hands the function to the class: decorate it at once.
        self.__init__()  # type: ignore[misc]  # Python skips __init__ when __new__ returns no instance
        return self(fn)

    def __init__(self, fn: Callable[..., Any] | None = None) -> None:
        super().__init__(set_bits=self._SET_BITS, clear_bits=self._CLEAR_BITS)


class no_grad(_NoArgumentSwitch):  # noqa: N801  # PyTorch's name
    """Record no graph: results do not require grad and keep no parents."""

    _SET_BITS, _CLEAR_BITS = 0, RECORD


class enable_grad(_NoArgumentSwitch):  # noqa: N801  # PyTorch's name
    """Record the graph again, for example inside a `no_grad` block."""

    _SET_BITS, _CLEAR_BITS = RECORD, 0


class set_grad_enabled(_ModeSwitch):  # noqa: N801  # PyTorch's name
    """Turn recording on or off: at once when called, and again as a context manager.

    Like `torch.set_grad_enabled`, calling it switches the mode straight away, and the
    first `with` block around the call restores the mode from before the call. The same
    object may be used in more `with` blocks later; each restores the mode it found.
    """

    def __init__(self, mode_on: bool) -> None:
        if not isinstance(mode_on, bool):
            raise TypeError(
                f"set_grad_enabled takes True or False, got {type(mode_on).__name__}; "
                "write set_grad_enabled(bool(x)) to use another value's truth"
            )
        if mode_on:
            super().__init__(set_bits=RECORD, clear_bits=0)
        else:
            super().__init__(set_bits=0, clear_bits=RECORD)
        self._before = mode.get()
        self._just_called = True  # the first `with` restores _before
        mode.set((self._before & ~self._clear_bits) | self._set_bits)

    def __enter__(self) -> None:
        restore = self._before if self._just_called else mode.get()
        self._just_called = False
        self._switch(restore=restore)

    def __call__(self, fn: F) -> F:
        # As a decorator it must not change the mode of the code that decorates.
        if self._just_called:
            mode.set(self._before)
            self._just_called = False
        return super().__call__(fn)


class detect_anomaly(_ModeSwitch):  # noqa: N801  # PyTorch's name
    """Raise `FloatingPointError` at the first op whose forward or backward gives nan or inf."""

    def __init__(self) -> None:
        super().__init__(set_bits=ANOMALY, clear_bits=0)
