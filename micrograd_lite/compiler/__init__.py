"""`micrograd_lite.compile`: record a scalar function once, replay it on floats.

Building a Value per operation is what makes a Value engine slower than the same maths
on floats. A training step builds the same graph every time, so `compile(fn)` runs fn
once on Values and replays that graph on floats, forward and backward, on every later
call: at first from a tape, which is quick to make, and once the calls have paid for
it as one straight-line Python function, which is quicker to run.

- `recording.py` runs fn once and keeps every node and every guarded comparison;
- `tape.py` turns the recording into flat lists of instructions and runs them;
- `symbolic.py` turns the ops' forwards and rules into Python expressions;
- `codegen.py` writes the recording out as a function, one local per value;
- `watch.py` finds the global and enclosing variables fn reads, and checks them;
- `function.py` is what `compile` returns: its cache of recordings, and a call.
"""

from micrograd_lite.compiler.function import CompiledFunction, compile  # noqa: A004
from micrograd_lite.compiler.recording import CompileError

__all__ = ["CompileError", "CompiledFunction", "compile"]
