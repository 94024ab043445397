"""See a graph of Values: draw it, step through its forward and backward, watch it train.

    from micrograd_lite import viz
    viz.draw_dot(loss, model=model)   # a graphviz.Digraph: shows inline in Jupyter
    viz.render(loss, "loss.png")      # the real Graphviz `dot` writes the file
    viz.stepper(loss)                 # forward then backward, node by node, in the page
    view = viz.live(model=model)      # in a training loop: view.update(loss)
    viz.plot.Figure().line(losses)    # a plot, as SVG, with no matplotlib

Needs the `graphviz` Python package (`pip install micrograd_lite[viz]`) and, to lay out
and render, Graphviz's `dot` program; building the DOT source needs only the package.
Every run of `dot` has a time limit (`timeout=`, in seconds) and never outlives Python.
"""

from micrograd_lite.viz import plot
from micrograd_lite.viz.dot import GraphvizNotFoundError, GraphvizTimeoutError
from micrograd_lite.viz.drawing import backward_frames, draw_dot, render, to_svg
from micrograd_lite.viz.graph import COLOURS
from micrograd_lite.viz.live import Live, live
from micrograd_lite.viz.stepper import Stepper, stepper

__all__ = [
    "COLOURS",
    "GraphvizNotFoundError",
    "GraphvizTimeoutError",
    "Live",
    "Stepper",
    "backward_frames",
    "draw_dot",
    "live",
    "plot",
    "render",
    "stepper",
    "to_svg",
]
