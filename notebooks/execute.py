"""Run the walkthrough notebooks top to bottom in a real Jupyter kernel.

    python -m notebooks.execute            # re-execute every notebook, rewrite it in place
    python -m notebooks.execute 02_*.ipynb # just these

The test suite uses `execute` to run each notebook from a clean kernel and compare the
fresh outputs with the stored ones, so stored outputs never drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def notebooks() -> list[Path]:
    """The walkthroughs, in reading order."""
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path) -> Any:
    """The notebook at `path`, executed from a fresh kernel (raises on any cell error)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    client.execute()
    for cell in nb.cells:  # keep the files free of run-specific metadata
        cell.get("metadata", {}).pop("execution", None)
    return nb


def text_outputs(nb: Any) -> list[str]:
    """Every printed or returned text of a notebook, cell by cell, for comparison.

    Rich outputs (plots, SVG graphs) are left out: their plain-text fallback holds an
    object address, and their pixels are not what the walkthroughs assert.
    """
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        printed = ""  # the kernel splits a cell's printing into chunks that vary by run
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                printed += out.text
            elif out.output_type in ("execute_result", "display_data"):
                data = out.get("data", {})
                if set(data) == {"text/plain"}:
                    printed += data["text/plain"] + "\n"
            elif out.output_type == "error":
                printed += f"{out.ename}: {out.evalue}\n"
        texts.append(printed)
    return texts


def main(argv: list[str]) -> None:
    paths = [HERE / name for name in argv] if argv else notebooks()
    for path in paths:
        print(f"executing {path.name}", flush=True)
        nbformat.write(execute(path), path)


if __name__ == "__main__":
    main(sys.argv[1:])
