"""Write what the visualiser makes to a file: whole or not at all, in the format its
name says.

`render` (a graph as SVG, PNG, PDF ...), `Figure.save` (a plot, SVG) and `Stepper.save`
(a page, HTML) all write through `write_file`, after `file_format` has checked that the
file's extension names what is written: an SVG in `loss.png` is refused, not written.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Sequence
from pathlib import Path

__all__ = ["file_format", "target_file", "write_file"]


def target_file(path: str | os.PathLike[str], doing: str) -> Path:
    """`path` as a file to write: a directory (or an empty name) is refused, saying what
    was being done ("render to", "save the plot to"), and so is anything else that is not
    a regular file."""
    target = Path(path)
    if not target.name or target.is_dir():
        raise ValueError(f"{str(path)!r} is a directory, not a file to {doing}")
    if target.exists() and not target.is_file():
        raise ValueError(f"cannot write to {str(path)!r}: it is not a regular file")
    return target


def file_format(
    path: Path,
    formats: Sequence[str],
    doing: str,
    *,
    given: str | None = None,
    default: str | None = None,
) -> str:
    """The format `path` is written in: its extension's, which must be one of `formats`
    and agree with `given` (a `format=` argument) if both are given. A name without an
    extension takes `given`, else `default`; with neither, pass format=."""
    extension = path.suffix[1:].lower()
    if not extension:
        if given is None and default is None:
            raise ValueError(f"{str(path)!r} has no extension: pass format= (one of {formats})")
        extension = (given or default or "").lower()
    elif given is not None and given.lower() != extension:
        raise ValueError(f"format={given!r} does not match the extension of {str(path)!r}")
    if extension not in formats:
        raise ValueError(f"cannot {doing} .{extension}; the formats are {', '.join(formats)}")
    return extension


def write_file(target: Path, data: bytes) -> Path:
    """Write `data` to `target`, a new file or a regular file it replaces, atomically.

    The data goes to a temporary file beside the target, renamed over it: readers see the
    old file or the new one, never half of one, and a failure leaves nothing behind. A
    file written over keeps its permissions (a private one stays private). A target that
    is not a regular file (a named pipe would block forever) is refused.
    """
    if target.exists() and not target.is_file():
        raise ValueError(f"cannot write to {str(target)!r}: it is not a regular file")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "xb") as f:  # created with the user's umask, unlike mkstemp's 0600
            f.write(data)
        if target.is_file():
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
