"""Grad modes: no_grad, enable_grad, set_grad_enabled, detach, in-place, anomalies."""

from __future__ import annotations

import asyncio
import gc
import math
import threading
import weakref

import pytest

import micrograd_lite as mg
from micrograd_lite import Value


def test_no_grad_records_nothing() -> None:
    """Under no_grad, results do not require grad and keep no parents."""
    x = Value(2.0)
    with mg.no_grad():
        y = x * 3 + 1
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert (y.requires_grad, y.parents, y.grad_fn, y.data) == (False, (), None, 7.0)


def test_a_result_made_under_no_grad_holds_no_reference_to_its_inputs() -> None:
    """A no_grad result keeps no parents, so it keeps no input alive (an evaluation's
    graph is freed as it goes, however long its output is kept)."""
    x, w = Value(2.0), Value(3.0)
    kept = weakref.ref(w)
    with mg.no_grad():
        y = x * w
        z = w.exp()
    del w
    gc.collect()
    assert kept() is None
    assert (y.data, z.data) == (6.0, math.exp(3.0))


def test_no_grad_as_decorator() -> None:
    """no_grad decorates a function; recording resumes after it returns."""

    @mg.no_grad()
    def f(v: Value) -> Value:
        return v * 2

    y = f(Value(1.0))
    assert not y.requires_grad
    assert (Value(1.0) * 2).requires_grad


def test_enable_grad_inside_no_grad() -> None:
    """enable_grad turns recording back on inside a no_grad block."""
    x = Value(1.0)
    with mg.no_grad(), mg.enable_grad():
        y = x * 2
    assert y.requires_grad


def test_set_grad_enabled_switches_at_once_and_restores_in_with() -> None:
    """set_grad_enabled(False) switches immediately; as a context manager it restores."""
    with mg.set_grad_enabled(False):
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    mg.set_grad_enabled(False)
    try:
        assert not mg.is_grad_enabled()
    finally:
        mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()


def test_set_grad_enabled_as_decorator_leaves_the_mode_alone() -> None:
    """Decorating with set_grad_enabled(False) changes the mode only inside the function."""

    @mg.set_grad_enabled(False)
    def f() -> bool:
        return mg.is_grad_enabled()

    assert mg.is_grad_enabled()
    assert f() is False
    assert mg.is_grad_enabled()


def test_no_grad_does_not_leak_into_another_thread() -> None:
    """The mode is per thread: a no_grad block in one thread leaves another recording."""
    inside = threading.Event()
    release = threading.Event()
    seen: list[bool] = []

    def hold_no_grad() -> None:
        with mg.no_grad():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=hold_no_grad)
    thread.start()
    inside.wait(5)
    seen.append((Value(1.0) * 2).requires_grad)

    def other() -> None:
        seen.append((Value(1.0) * 2).requires_grad)

    t2 = threading.Thread(target=other)
    t2.start()
    t2.join()
    release.set()
    thread.join()
    assert seen == [True, True]


def test_no_grad_does_not_leak_into_another_task() -> None:
    """The mode is per asyncio task, too."""

    async def main() -> list[bool]:
        entered = asyncio.Event()
        done = asyncio.Event()

        async def holder() -> None:
            with mg.no_grad():
                entered.set()
                await done.wait()

        async def other() -> bool:
            await entered.wait()
            return (Value(1.0) * 2).requires_grad

        task = asyncio.create_task(holder())
        result = await other()
        done.set()
        await task
        return [result]

    assert asyncio.run(main()) == [True]


def test_detach_is_a_new_leaf_without_grad() -> None:
    """detach() gives a leaf with the same data that does not require grad."""
    z = mg.mean([Value(-0.8525), Value(-0.6867), Value(-0.5735)])
    removed = z.detach()
    assert removed is not z
    assert (removed.data, removed.requires_grad, removed.is_leaf) == (z.data, False, True)


def test_requires_grad_underscore_on_leaf_and_non_leaf() -> None:
    """requires_grad_ sets leaves and returns them; on a result it raises like PyTorch."""
    x = Value(1.0)
    assert x.requires_grad_(False) is x
    assert not x.requires_grad
    assert not (x * 2).requires_grad
    with pytest.raises(RuntimeError, match="leaf variables"):
        (Value(1.0) * 2).requires_grad_(False)


def test_in_place_update_under_no_grad_keeps_identity() -> None:
    """w -= lr * w.grad under no_grad updates w.data and keeps the same object."""
    w = Value(1.0)
    (w * w).backward()
    before = w
    with mg.no_grad():
        w -= 0.1 * w.grad
        w += 1
        w *= 2
        w /= 4
    assert w is before
    assert w.is_leaf
    assert w.data == ((1.0 - 0.2) + 1) * 2 / 4


def test_in_place_with_grad_builds_a_new_node() -> None:
    """With grad enabled, loss += term makes a new node (micrograd's c += c + 1 works);
    on a leaf that requires grad it raises instead (test_mistakes_core.py)."""
    w = Value(1.0)
    loss = w * 1.0
    first = loss
    loss += loss * 2
    assert loss is not first
    assert loss.grad_fn is not None
    loss.backward()
    assert first.grad == 3.0
    assert w.grad == 3.0


def test_in_place_with_non_number_raises_type_error() -> None:
    """In-place operators refuse non-numbers like the others."""
    w = Value(1.0)
    with mg.no_grad(), pytest.raises(TypeError):
        w -= "a"  # type: ignore[operator]


def test_detect_anomaly_names_forward_op_and_labels() -> None:
    """Inside detect_anomaly a nan or inf result raises FloatingPointError naming op and inputs."""
    a = Value(0.0, label="a")
    with mg.detect_anomaly(), pytest.raises(FloatingPointError, match=r"LogBackward0.*forward.*a"):
        a.log()
    assert math.isinf(a.log().data)  # outside, the IEEE result as usual


def test_detect_anomaly_in_backward() -> None:
    """A finite forward whose backward gives inf raises, naming the op."""
    x = Value(0.0, label="x")
    y = (x * x) ** 0.5  # sqrt(x²) = 0, but its derivative at 0 is inf * 0
    with mg.detect_anomaly(), pytest.raises(FloatingPointError, match=r"PowBackward0.*backward"):
        y.backward()


def test_detect_anomaly_is_off_again_after_the_block() -> None:
    """The anomaly mode ends with its block."""
    with mg.detect_anomaly():
        assert mg.is_anomaly_enabled()
    assert not mg.is_anomaly_enabled()
