"""Test settings: hypothesis runs the same examples on every machine (no flaky CI)."""

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
