"""Grad modes: switch graph recording off and on, and catch nan/inf where they start.

`no_grad()`, `enable_grad()`, `set_grad_enabled(mode)` and `detect_anomaly()` are context
managers and decorators, as in PyTorch. The mode lives in a `ContextVar`, so it is per
thread and per asyncio task: `no_grad` in one thread never leaks into another.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from micrograd_lite.engine import Value

__all__ = [
    "Observer",
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
OBSERVED = 4  # bit: an `Observer` sees every node the operations make

mode: ContextVar[int] = ContextVar("micrograd_lite_mode", default=RECORD)


class Observer(Protocol):
    """A tool that watches the graph being built, in one thread or task (see `observed`).

    While it watches, every operation keeps its parents, even between Values that do not
    require grad, and hands the node to `made`; the library asks `check` before actions
    that leave the graph (backward, grad, an in-place update, a `_backward` closure), and
    the observer raises there to refuse one. `micrograd_lite.compile` records this way.
    """

    def made(self, out: Value) -> None:
        """Called with every node an operation makes, in the order they are made."""

    def check(self, action: str) -> None:
        """Called before `action` (e.g. "calls backward()"); raises to refuse it."""


observer: ContextVar[Observer] = ContextVar("micrograd_lite_observer")


@contextmanager
def observed(watcher: Observer) -> Iterator[None]:
    """Inside the block, record the graph with `watcher` seeing every node (anomaly off)."""
    observer_token = observer.set(watcher)
    mode_token = mode.set(RECORD | OBSERVED)
    try:
        yield
    finally:
        mode.reset(mode_token)
        observer.reset(observer_token)


def check_observed(action: str) -> None:
    """Let the observer watching this thread (if any) refuse `action`."""
    if mode.get() & OBSERVED:
        observer.get().check(action)


F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Whether operations record a graph in this thread or task."""
    return bool(mode.get() & RECORD)


def is_anomaly_enabled() -> bool:
    """Whether `detect_anomaly()` is active in this thread or task."""
    return bool(mode.get() & ANOMALY)


class _ModeSwitch:
    """Sets some mode bits on entry and restores the previous mode on exit."""

    def __init__(self, set_bits: int, clear_bits: int) -> None:
        self._set_bits = set_bits
        self._clear_bits = clear_bits
        self._tokens: list[Token[int]] = []

    def __enter__(self) -> None:
        new = (mode.get() & ~self._clear_bits) | self._set_bits
        self._tokens.append(mode.set(new))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        mode.reset(self._tokens.pop())

    def __call__(self, fn: F) -> F:
        """Use the switch as a decorator: the mode holds for every call of `fn`."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _ModeSwitch(self._set_bits, self._clear_bits):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # wraps keeps fn's signature


class no_grad(_ModeSwitch):  # noqa: N801  # PyTorch's name
    """Record no graph: results do not require grad and keep no parents."""

    def __init__(self) -> None:
        super().__init__(set_bits=0, clear_bits=RECORD)


class enable_grad(_ModeSwitch):  # noqa: N801  # PyTorch's name
    """Record the graph again, for example inside a `no_grad` block."""

    def __init__(self) -> None:
        super().__init__(set_bits=RECORD, clear_bits=0)


class set_grad_enabled(_ModeSwitch):  # noqa: N801  # PyTorch's name
    """Turn recording on or off: at once when called, and again as a context manager."""

    def __init__(self, mode_on: bool) -> None:
        if mode_on:
            super().__init__(set_bits=RECORD, clear_bits=0)
        else:
            super().__init__(set_bits=0, clear_bits=RECORD)
        # Like torch.set_grad_enabled, calling it switches the mode straight away; a
        # `with` block around it then restores the mode that was there before the call.
        self._before = mode.set((mode.get() & ~self._clear_bits) | self._set_bits)

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: F) -> F:
        # As a decorator it must not change the mode of the code that decorates.
        mode.reset(self._before)
        return super().__call__(fn)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        mode.reset(self._before)


class detect_anomaly(_ModeSwitch):  # noqa: N801  # PyTorch's name
    """Raise `FloatingPointError` at the first op whose forward or backward gives nan or inf."""

    def __init__(self) -> None:
        super().__init__(set_bits=ANOMALY, clear_bits=0)
