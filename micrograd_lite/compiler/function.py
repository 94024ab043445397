"""`CompiledFunction`: what `micrograd_lite.compile(fn)` returns, and how a call runs.

A call looks up a recording made for arguments of the same shape, runs it on the new
data (its tape, or its generated code once it has handed over) and returns fresh Values.
It records fn again when there is none yet, when a guard fails (fn would take another
branch), when a captured leaf's `requires_grad` has changed, or when an object passed in
holds other Values or numbers, or in another grad mode. fn is recorded at most
`max_recordings` times; after that a call that fits none of its recordings runs fn
eagerly, with one warning that says why. A call that passes a Value fn also reaches
another way (a parameter passed in as an argument) runs fn eagerly.
"""

from __future__ import annotations

import builtins
import copy
import functools
import gc
import threading
import types
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from numbers import Real
from typing import Any

from micrograd_lite import autograd, grad_mode
from micrograd_lite.compiler.codegen import (
    Program,
    SourceTooLongError,
    function_name,
    generate,
)
from micrograd_lite.compiler.recording import (
    CompileError,
    Recording,
    record,
    recording_here,
    untraced_class,
)
from micrograd_lite.compiler.symbolic import names
from micrograd_lite.compiler.tape import Tape
from micrograd_lite.compiler.watch import Watched, changed, outside_reads, outside_variables
from micrograd_lite.engine import Value, as_float, seed_list

__all__ = ["CompiledFunction", "compile"]

_mode = grad_mode.mode
_RECORD = grad_mode.RECORD
_EAGER = grad_mode.ANOMALY
_RETURNS = "the compiled function"  # what the seeds' messages call it

#: What `backward()` says of a Value a compiled call returned: after a call that ran
#: backward, under `no_grad()`, and where fn's result did not require grad.
RETURNED = (
    "it was returned by a compiled function, whose call has already run backward and filled .grad"
)
RETURNED_UNDER_NO_GRAD = (
    "it was returned by a compiled function called under no_grad(), which runs the forward "
    "only and fills no .grad; call it with grad enabled to run backward"
)
RETURNED_WITHOUT_GRAD = (
    "it was returned by a compiled function, and fn computed it from no Value that "
    "requires grad, so there is no gradient to fill"
)


#: Tape calls after which a recording's code is generated. What a tape call saves against
#: an eager step and what generating the code costs both grow with the graph, so one
#: count serves every size: by then the tape has saved, against eager steps, more than
#: generating costs (docs/benchmarks.md, (e)), and a longer run gains the faster code.
GENERATE_AFTER = 100

#: The most values a graph may have for its code to be generated: Python's `compile()`
#: of a bigger one takes more memory than its tape ever will.
GENERATE_LIMIT = 100_000


def compile(  # noqa: A001
    fn: Callable[..., Any], *, max_recordings: int = 8, generate: bool | None = None
) -> CompiledFunction:
    """Record `fn` on its first call and replay it, on a tape and then as generated code.

    Each call runs fn's forward and, with grad enabled, its backward: the gradients of
    the returned Value (or of the returned Values, weighted by `grad_outputs=`) are added
    into `.grad` of every leaf that requires grad, exactly as `fn(...).backward()` would.
    The call returns what fn returned, with each Value replaced by a new leaf holding its
    data. Under `no_grad()` it runs the forward only; under `detect_anomaly()` it runs fn
    eagerly, so an error names the op and its inputs as usual.

    A recording replays at once from a tape (a list of instructions); after
    `GENERATE_AFTER` calls its code is generated, for graphs of up to `GENERATE_LIMIT`
    values. `generate=True` generates it on the first call, `False` never.

    fn is recorded at most `max_recordings` times (as PyTorch's compiler stops
    recompiling at its limit); past that, a call that fits none of the recordings runs
    fn eagerly, and the first such call warns (`RuntimeWarning`) saying why.
    """
    if not callable(fn):
        raise TypeError(f"compile() takes a function, got {type(fn).__name__}")
    if type(max_recordings) is not int or max_recordings < 1:
        raise ValueError(f"max_recordings must be a positive int, got {max_recordings!r}")
    if generate is not None and type(generate) is not bool:
        raise TypeError(f"generate must be True, False or None, got {generate!r}")
    return CompiledFunction(fn, max_recordings, generate)


class CompiledFunction:
    """A function recorded once and replayed as straight-line code; see `compile`."""

    def __init__(self, fn: Callable[..., Any], max_recordings: int, generate: bool | None) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.max_recordings = max_recordings
        self.generate = generate
        self.recordings = 0  # how many times fn has been recorded
        self.warned = False  # whether it has said that it stopped recording
        self._by_shape: dict[tuple[Any, ...], list[_Replay]] = {}
        self._latest: _Replay | None = None
        # One thread records at a time, so `max_recordings` holds however many call at once.
        self._recording = threading.Lock()

    def __call__(
        self, *args: Any, grad_outputs: float | Sequence[float] | None = None, **keywords: Any
    ) -> Any:
        if keywords:
            given = ", ".join(f"{k}=..." for k in keywords)
            raise TypeError(
                "a compiled function takes its arguments by position (f(x), not f(x=...)); "
                f"got {given}"
            )
        mode = _mode.get()
        if mode & _EAGER or recording_here():  # anomaly mode, or inside a recording
            return self._call_eagerly(args, grad_outputs, mode)
        backward = bool(mode & _RECORD)
        inputs, shape = _flatten_arguments(args)
        shape = (backward, shape)  # fn may ask is_grad_enabled(): each mode its recordings
        while True:
            recorded = self.recordings
            replays = self._by_shape.get(shape, ())
            for replay in replays:
                result = replay.run(inputs, grad_outputs, backward)
                if result is not _RECORD_AGAIN:
                    break
            else:  # no recording fits this call: record one, if fn has not been too often
                with self._recording:
                    if self.recordings != recorded:
                        continue  # another thread recorded while this one looked: try it
                    if self.recordings >= self.max_recordings:
                        self._warn_once(replays)
                        replay = None
                    else:
                        replay = self._record(args, inputs, shape, backward)
                if replay is None:
                    return self._call_eagerly(args, grad_outputs, mode)
                result = replay.run(inputs, grad_outputs, backward)
                if result is _RECORD_AGAIN:  # its data passes its guards, and its variables
                    continue  # are as copied, unless another thread changed one meanwhile
            break
        if result is _RUN_EAGERLY:
            return self._call_eagerly(args, grad_outputs, mode)
        return result

    @property
    def generations(self) -> int:
        """How many recordings have handed over from their tape to generated code."""
        return builtins.sum(r.tape is None for rs in self._by_shape.values() for r in rs)

    @property
    def calls_until_generated(self) -> int | None:
        """How many more calls the latest recording runs on its tape before its code is
        generated: 0 once it is, None if it never will be (or nothing is recorded yet)."""
        latest = self._latest
        if latest is None:
            return None
        if latest.tape is None:  # handed over
            return 0
        return None if latest.calls_left < 0 else latest.calls_left

    def source(self) -> str:
        """The Python source of the code the latest recording generated."""
        if self._latest is None:
            raise RuntimeError(
                "nothing recorded yet: a compiled function records fn on its first call"
            )
        return self._latest.source().source

    def __repr__(self) -> str:
        return f"<compiled {getattr(self.fn, '__qualname__', self.fn)!r}>"

    def _warn_once(self, replays: Sequence[_Replay]) -> None:
        """Say, once, that fn has been recorded `max_recordings` times and why this call
        fits none of the recordings: from now on such calls run fn eagerly."""
        if self.warned:
            return
        self.warned = True
        stale = next((r.stale for r in replays if r.stale), None)
        if stale is not None:
            why = (
                f"fn reads {stale!r} from outside its arguments (a global or enclosing "
                "variable), and it holds other contents than in every recorded call, "
                "which replay what it held then"
            )
        elif replays:
            why = "a comparison came out otherwise or a parameter's requires_grad changed"
        else:
            why = (
                "its arguments differ from every recorded call's (another list length, "
                "number, label or class, another Value or number held by an object passed "
                "in, or another grad mode)"
            )
        warnings.warn(
            f"micrograd_lite.compile: {self!r} has been recorded max_recordings = "
            f"{self.max_recordings} times, and this call fits none of the recordings: "
            f"{why}. Calls that fit none now run fn eagerly (exact, not faster); "
            "compile(fn, max_recordings=...) allows more, or pass what changes on every "
            "call as Values.",
            RuntimeWarning,
            stacklevel=3,
        )

    def _record(
        self, args: tuple[Any, ...], inputs: list[Value], shape: tuple[Any, ...], backward: bool
    ) -> _Replay:
        # fn runs on fresh leaves standing in for the argument Values, so the recording
        # can tell an argument from the same Value reached another way (a closure).
        # (copies: of the same class, with the same label and attributes)
        stand_ins = [_stand_in(v) for v in inputs]
        stand_in_for = {id(v): s for v, s in zip(inputs, stand_ins)}
        watched = outside_reads(self.fn)  # copied before fn runs: what it reads
        given = _replace_values(args, stand_in_for)
        # Traced while fn runs: its argument Values, and those it reads from outside
        # (in global and enclosing variables, and in the objects held there or passed in)
        outside = [value for _, _, value in outside_variables(self.fn)]
        traced = [x for x in _contents((given, outside)) if isinstance(x, Value)]
        with _collector_paused():
            recording = record(self.fn, given, backward, traced)
            outputs: list[Value] = []
            result_shape = _flatten_result(recording.result, outputs)
            positions = {v: i for i, v in enumerate(stand_ins)}
            tape = Tape(recording, outputs, positions)
        replay = _Replay(
            tape,
            result_shape,
            tuple(v.label for v in outputs),
            not_leaves=any(v.op is not None for v in inputs),
            watched=watched,
        )
        if self.generate is not False and (self.generate or tape.nodes <= GENERATE_LIMIT):
            # kept until the code is generated: the generator writes out the graph
            replay.source_of = _Source(recording, outputs, positions, function_name(self.fn))
            replay.calls_left = 0 if self.generate else GENERATE_AFTER
            if self.generate:
                replay.generate()
        self.recordings += 1
        self._latest = replay
        # the newest first, in a new list: a thread looking through the old one goes on
        self._by_shape[shape] = [replay, *self._by_shape.get(shape, ())]
        return replay

    def _call_eagerly(self, args: tuple[Any, ...], grad_outputs: Any, mode: int) -> Any:
        result = self.fn(*args)
        if recording_here():  # inside another recording, which follows these ops
            return result
        outputs: list[Value] = []
        shape = _flatten_result(result, outputs)
        differentiable = [i for i, v in enumerate(outputs) if v.requires_grad]
        if mode & _RECORD and differentiable:
            seeds = seed_list(
                len(outputs), grad_outputs, "compiled", returns="the compiled function"
            )
            autograd.backward(
                [outputs[i] for i in differentiable], [seeds[i] for i in differentiable]
            )
        why = _reasons(len(outputs), differentiable, bool(mode & _RECORD))
        return _build(shape, [v.data for v in outputs], [v.label for v in outputs], why)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a recording and its tape are made.

    Everything made then stays alive until the tape is built, so the collector would
    walk it again and again to find nothing: at a million nodes it took half the time.
    A graph holds no cycles, and any fn makes are collected once it is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compile_source(source: str, name: str) -> Any:
    """Python's own compile() of the generated source (this module's `compile` is ours)."""
    return builtins.compile(source, f"<micrograd_lite.compile {name}>", "exec")


_RECORD_AGAIN = object()  # what a replay returns when its recording does not fit the call
_RUN_EAGERLY = object()  # ... when no recording can: an argument is also a captured leaf


class _Source:
    """What generating a recording's code takes: the recording itself, kept until then."""

    __slots__ = ("recording", "outputs", "inputs", "name")

    def __init__(
        self, recording: Recording, outputs: list[Value], inputs: dict[Value, int], name: str
    ) -> None:
        self.recording = recording
        self.outputs = outputs
        self.inputs = inputs
        self.name = name


class _Replay:
    """One recording: its tape, its generated code once made, and how to shape a result."""

    __slots__ = (
        "tape",
        "function",
        "program",
        "source_of",
        "calls_left",
        "captured",
        "differentiable",
        "result_shape",
        "labels",
        "captured_requires",
        "captured_ids",
        "not_leaves",
        "tape_only",
        "watched",
        "stale",
        "reasons",
        "handing_over",
    )

    def __init__(
        self,
        tape: Tape,
        result_shape: Any,
        labels: tuple[str, ...],
        not_leaves: bool,
        watched: list[Watched],
    ) -> None:
        self.tape: Tape | None = tape
        self.function: Callable[..., Any] = tape.run
        self.program: Program | None = None
        self.source_of: _Source | None = None  # set where code may be generated
        self.calls_left = -1  # tape calls until the code is generated; -1: never
        self.captured = tuple(tape.captured)
        self.differentiable = tape.differentiable
        self.result_shape = result_shape
        self.labels = labels
        self.captured_requires = tuple(v.requires_grad for v in self.captured)
        self.captured_ids = frozenset(map(id, self.captured))  # alive: self.captured holds them
        self.not_leaves = not_leaves
        self.tape_only = ""  # why its code was not generated, where that was found out late
        self.watched = watched  # what fn read from outside its arguments, as it was
        self.stale = ""  # the name of such a variable, once a call found it changed
        # what backward() on a returned Value says, with grad enabled and under no_grad
        self.reasons = (
            _reasons(len(labels), self.differentiable, True),
            _reasons(len(labels), self.differentiable, False),
        )
        self.handing_over = threading.Lock()  # one thread generates the code

    def run(self, inputs: list[Value], grad_outputs: Any, backward: bool) -> Any:
        captured = self.captured
        if tuple([v.requires_grad for v in captured]) != self.captured_requires:
            return _RECORD_AGAIN  # a parameter was frozen or unfrozen: the graph differs
        for v in inputs:
            if id(v) in self.captured_ids:
                # fn reaches this Value both as an argument and another way (a closure):
                # one leaf under two names in the code would lose a gradient contribution
                return _RUN_EAGERLY
        if self.watched:
            stale = changed(self.watched)
            if stale is not None:
                self.stale = stale
                return _RECORD_AGAIN  # fn would read other data from outside: record it
        seeds: Sequence[float] = ()
        reasons = self.reasons[not backward]
        backward = backward and bool(self.differentiable)
        if backward:
            if self.not_leaves:
                raise CompileError(
                    "a compiled function's argument Values must be leaves to run backward: "
                    "the gradient would have to flow into the graph that made the argument. "
                    "Pass v.detach(), or compile the code that makes it too."
                )
            all_seeds = seed_list(
                len(self.labels), grad_outputs, "compiled", returns="the compiled function"
            )
            seeds = [all_seeds[i] for i in self.differentiable]
        if self.tape is not None and 0 <= self.calls_left <= 1:
            self.hand_over()  # before the run, so a failure adds no gradient
        if backward:  # its sums go into shared leaves' .grad: one pass at a time
            with autograd.pass_lock:
                datas = self.function(inputs, captured, seeds, backward)
        else:
            datas = self.function(inputs, captured, seeds, backward)
        if datas is None:
            return _RECORD_AGAIN  # a guard failed: fn would branch differently
        if self.calls_left > 0:
            self.calls_left -= 1
        return _build(self.result_shape, datas, self.labels, reasons)

    def hand_over(self) -> None:
        """Generate the code, the tape having run as often as it takes to pay for that:
        once, whichever threads reach this call at the same time."""
        with self.handing_over:
            if self.tape is not None:
                self.generate()

    def source(self) -> Program:
        """The generated program, written now if it is not yet."""
        if self.program is None:
            source_of = self.source_of
            if source_of is None:
                if self.tape_only:  # generate=True cannot help: the code is too long
                    raise RuntimeError(
                        f"this recording runs on a tape only ({self.tape_only}), so it has "
                        "no generated code to show; the tape gives the same numbers"
                    )
                nodes = self.tape.nodes if self.tape else 0
                why = (
                    f"its graph has {nodes} values, over GENERATE_LIMIT = {GENERATE_LIMIT}"
                    if nodes > GENERATE_LIMIT
                    else "compile was given generate=False"
                )
                raise RuntimeError(
                    f"this recording runs on a tape only ({why}), so it has no generated "
                    "code; compile(fn, generate=True) generates it"
                )
            self.program = generate(
                source_of.recording,
                source_of.outputs,
                source_of.inputs,
                source_of.name,
                self.captured,
            )
            assert self.program.captured == self.captured  # the tape's order, kept
        return self.program

    def generate(self) -> None:
        """Hand over from the tape to generated code (unless the code would be too long:
        the recording stays on its tape)."""
        try:
            program = self.source()
        except SourceTooLongError as error:
            self.tape_only = str(error)
            self.source_of = None  # the recording is no longer needed
            self.calls_left = -1
            return
        assert self.source_of is not None  # kept until the code is generated
        namespace = names({node.op for node in self.source_of.recording.nodes if node.op})
        shadowed = namespace.get(program.name)  # fn named like a function it calls (`tanh`)
        exec(compile_source(program.source, program.name), namespace)  # generate() wrote it
        # taken out of its own globals, so function and namespace make no reference cycle,
        # and whatever the name stood for before is put back
        self.function = namespace.pop(program.name)
        if shadowed is not None:
            namespace[program.name] = shadowed
        self.tape = None
        self.source_of = None  # the recording is no longer needed


# ---------------------------------------------------------------------------------------
# Arguments and results: nested lists and tuples of Values and constants.
# ---------------------------------------------------------------------------------------


def _flatten_arguments(args: tuple[Any, ...]) -> tuple[list[Value], tuple[Any, ...]]:
    """The distinct argument Values, in order, and the arguments' shape.

    The shape holds what a recording depends on: list lengths, each constant, which
    positions hold the same Value, and each Value's `requires_grad` and leafness.
    """
    values: list[Value] = []
    position: dict[int, int] = {}
    return values, tuple([_argument_shape(a, values, position) for a in args])


def _argument_shape(x: Any, values: list[Value], position: dict[int, int]) -> Any:
    kind = type(x)
    if kind is Value or isinstance(x, Value):
        if kind is not Value:  # a parameter another thread's recording traces: its class
            kind = untraced_class(kind)
        i = position.get(id(x))
        if i is None:
            i = position[id(x)] = len(values)
            values.append(x)
        # its class (fn may ask isinstance) and what it holds besides its number (a
        # label fn branches on, an attribute it reads): another of either records again
        extras = _contents(vars(x)) if vars(x) else ()
        if kind is not Value and _value_slots(kind):  # a subclass's own slots hold more
            extras = (*extras, *_contents([getattr(x, n, _UNSET) for n in _value_slots(kind)]))
        return (kind, i, x.requires_grad, x.op is None, extras)
    if kind is list or kind is tuple:
        return (kind, *[_argument_shape(item, values, position) for item in x])
    if isinstance(x, float) or (isinstance(x, Real) and not isinstance(x, int)):
        number = as_float(x)  # numpy's floats too: np.float64(-0.0) is not np.float64(0.0)
        assert number is not None  # a real number
        return (kind, number.hex())  # hex, so nan matches nan and -0.0 is not 0.0
    try:
        hash(x)
    except TypeError:
        raise TypeError(
            "a compiled function takes Values, numbers, strings, None, lists or tuples of "
            f"them, and hashable objects; got {kind.__name__}"
        ) from None
    if kind in _CONSTANTS:
        return (kind, x)  # a constant: another value records again
    # An object (a model, a batch): fn reads what it holds, so a call where it holds
    # another Value or number, say a parameter replaced, records again.
    return (kind, x, _contents(x))


#: Arguments that are constants through and through.
_CONSTANTS = {int, bool, str, bytes, complex, type(None)}

#: Objects whose insides are no data of fn's: code, classes, modules, and compiled
#: functions (one kept on the model it is passed would read its own recordings).
_OPAQUE = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    CompiledFunction,
)


def _contents(x: object) -> tuple[Any, ...]:
    """What an object holds, in its attributes and in the lists, tuples, dicts, sets,
    deques and numpy arrays among them (and their subclasses: an `OrderedDict`, a
    `defaultdict`), as far down as they go: each Value (by identity), each number (numpy's
    too, by its bits) or string and each attribute's name, in the order found."""
    found: list[Any] = []
    seen: set[int] = set()  # what has been gone into, so a cycle of objects ends
    stack: list[Any] = [x]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is Value or isinstance(item, Value):
            found.append(item)  # a Value is equal only to itself
            continue
        if kind in _CONSTANTS:
            found.append(item)
            continue
        if isinstance(item, Real):  # a float, or numpy's: by its bits, -0.0 apart from 0.0
            found.append((kind, as_float(item).hex()))  # type: ignore[union-attr]  # real
            continue
        if isinstance(item, _OPAQUE) or id(item) in seen:
            continue
        seen.add(id(item))
        children: list[Any]
        if isinstance(item, Mapping):
            children = [part for pair in item.items() for part in pair]
        elif isinstance(item, (list, tuple, deque)):
            children = list(item)
        elif isinstance(item, (set, frozenset)):
            children = sorted(item, key=id)  # a set's order is not its contents'
        elif hasattr(item, "tolist") and hasattr(item, "shape"):  # a numpy array
            children = [item.tolist()]
        else:
            attributes = getattr(item, "__dict__", {})
            children = [part for pair in attributes.items() for part in pair]
            children += _slot_values(item)
        found.append(len(children))  # so that [[a], b] is told from [[a, b]]
        stack.extend(reversed(children))
    return tuple(found)


def _slot_values(item: object) -> list[Any]:
    """The values in an object's `__slots__`, where its class has them."""
    return [getattr(item, name) for name in _slot_names(type(item)) if hasattr(item, name)]


def _slot_names(kind: type, below: type = object) -> list[str]:
    """The attributes `__slots__` gives the instances of `kind`, by the names they are
    set by (`__slots__ = "w"` is one slot; a slot `__w` of class `C` is `_C__w`), from
    the classes above it up to `below`."""
    names = []
    for cls in kind.__mro__:
        if cls is below:
            break
        slots = vars(cls).get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name in ("__dict__", "__weakref__"):
                continue
            if name.startswith("__") and not name.endswith("__"):
                name = f"_{cls.__name__.lstrip('_')}{name}"  # as Python mangles it
            names.append(name)
    return names


#: Per subclass of Value, the slots it adds to Value's: what `vars()` does not hold.
_VALUE_SLOTS: dict[type, tuple[str, ...]] = {}
_UNSET = object()  # a slot not set on this Value


def _value_slots(kind: type) -> tuple[str, ...]:
    names = _VALUE_SLOTS.get(kind)
    if names is None:
        names = _VALUE_SLOTS[kind] = tuple(_slot_names(kind, below=Value))
    return names


def _stand_in(v: Value) -> Value:
    """A fresh leaf standing in for the argument `v` while fn is recorded: of its class,
    with its label and attributes, those in its class's own `__slots__` too."""
    stand_in = copy.copy(v)
    for name in _value_slots(type(v)):
        if hasattr(v, name):  # set through the slot's own descriptor, as `copy` would
            getattr(type(v), name).__set__(stand_in, getattr(v, name))
    return stand_in


def _replace_values(x: Any, stand_in_for: dict[int, Value]) -> Any:
    if isinstance(x, Value):
        return stand_in_for[id(x)]
    if type(x) is list or type(x) is tuple:
        return type(x)(_replace_values(item, stand_in_for) for item in x)
    return x


def _flatten_result(x: Any, outputs: list[Value]) -> Any:
    """Collect the Values fn returned into `outputs`; return the result's shape."""
    if isinstance(x, Value):
        outputs.append(x)  # a Value returned twice is seeded twice, as in backward()
        return (Value, len(outputs) - 1)
    if type(x) is list or type(x) is tuple:
        return (type(x), *[_flatten_result(item, outputs) for item in x])
    if x is None or isinstance(x, (int, float, str)):
        return (None, x)
    raise CompileError(
        "a compiled function must return a Value, a number, or a list or tuple of "
        f"them; fn returned a {type(x).__name__}"
    )


def _reasons(count: int, differentiable: Sequence[int], grad_enabled: bool) -> tuple[str, ...]:
    """Per output, why `backward()` on the Value a call returns finds no graph."""
    if not grad_enabled:
        return (RETURNED_UNDER_NO_GRAD,) * count
    return tuple(RETURNED if i in differentiable else RETURNED_WITHOUT_GRAD for i in range(count))


def _build(
    shape: Any, datas: Sequence[float], labels: Sequence[str], reasons: Sequence[str]
) -> Any:
    kind = shape[0]
    if kind is Value:
        i = shape[1]
        out = Value(datas[i], requires_grad=False, label=labels[i])
        autograd.NO_GRAPH_REASONS[out] = reasons[i]
        return out
    if kind is None:
        return shape[1]
    return kind(_build(item, datas, labels, reasons) for item in shape[1:])
