"""Graphs built the way a learner writes them lay out, up to max_nodes.

Each shape once hung Graphviz for minutes: a Value used at every step of a long sum makes
edges that span the whole graph. How long each takes is measured by `make bench` (table
(g), `benchmarks/layout.py`); here each must simply render, with a time limit that only
guards the suite against a hang and that no busy machine comes near.
"""

from __future__ import annotations

import pytest

from benchmarks.layout import SHAPES
from micrograd_lite.viz import to_svg
from tests.conftest import can_lay_out

pytest.importorskip("graphviz", reason="the graphviz package is in the viz and dev sets")
pytestmark = pytest.mark.skipif(not can_lay_out(), reason="no layout program")
HANG_GUARD = 600.0  # seconds: stops a hung dot so the suite ends; not a timing


@pytest.mark.parametrize(("build", "size"), SHAPES)
def test_shape_lays_out(build, size: int) -> None:  # type: ignore[no-untyped-def]
    """The graph renders to SVG."""
    root = build(size)
    root.backward()
    assert to_svg(root, timeout=HANG_GUARD).startswith("<?xml")
