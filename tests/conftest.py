"""Test settings: hypothesis runs the same examples on every machine (no flaky CI)."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    derandomize=True,
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("default")


def can_lay_out() -> bool:
    """Whether a layout program is installed: graphviz-pure (the viz extra) or a system dot."""
    from micrograd_lite.viz.dot import GraphvizNotFoundError, program

    try:
        program()
    except GraphvizNotFoundError:
        return False
    return True


# A layout program that never finishes, named `dot`: the time limit is tested on it, so no
# test depends on how long a real layout takes on this machine.
HANGING = "#!/bin/sh\ncat >/dev/null\nwhile :; do sleep 1; done\n"  # reads its input, never ends

# How long the tests wait for a process to start or end: a guard against a hang, never a
# limit a busy machine could miss.
GUARD = 120.0


#: The time limit given to the `dot` that never finishes: any limit runs out on it, so this
#: measures nothing about the machine.
HANGING_DOT_TIMEOUT = 0.3


@pytest.fixture
def hanging_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """MICROGRAD_LITE_DOT set to a `dot` that never finishes; its path."""
    dot = tmp_path / "dot"
    dot.write_text(HANGING)
    dot.chmod(0o755)
    monkeypatch.setenv("MICROGRAD_LITE_DOT", str(dot))
    return str(dot)
