"""The playground's Python: the data, the network and its training, and the setup in the URL.

`site/playground.html` loads this module into the page (Pyodide: Python compiled to
WebAssembly) and calls it; the page itself only wires buttons to it and shows what it
returns. Everything here also runs in plain Python, where the tests run it:

    pg = Playground("dataset=xor&layers=8,8&lr=0.1")
    pg.run(50)                    # fifty training steps
    pg.status()                   # "step 49: loss 0.1234, accuracy 98%"
    pg.change("lr", "0.03")       # a control changed: the setup, as the URL's hash
    pg.boundary_svg()             # the decision boundary, with the points on it

Speed: a training step builds the same graph every time, so `micrograd_lite.compile`
records it once and replays it on floats (from a tape: no code is generated, which would
pause the page for seconds); it is recorded again when the data or the network changes.
The decision boundary's grid is one compiled forward pass too. With `compile=off` the
step runs eagerly, on Values, for comparison.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import parse_qsl, quote

import micrograd_lite as mg
from micrograd_lite import Value, mean, no_grad
from micrograd_lite.nn import MLP
from micrograd_lite.optim import SGD, Adam, Optimizer
from micrograd_lite.viz import Live, plot, stepper, to_svg

DATASETS = ("moons", "circles", "xor", "spiral", "blobs", "none")
ACTIVATIONS = ("tanh", "relu", "sigmoid")
LOSSES = ("hinge", "squared", "log")
OPTIMIZERS = ("sgd", "adam")
#: the plane the boundary is drawn over, at least: every dataset fits in it
VIEW = (-1.6, 1.6)
#: cells along each side of the boundary picture, and its size in pixels
GRID, SIZE = 40, 420.0
MAX_POINTS, MAX_LAYERS, MAX_NEURONS = 1000, 6, 32


@dataclass(frozen=True)
class Setup:
    """Everything a run depends on: each field is a key of the URL's hash."""

    dataset: str = "moons"
    noise: float = 0.1
    points: int = 100
    layers: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    loss: str = "hinge"
    optimizer: str = "sgd"
    lr: float = 0.1
    l2: float = 0.0
    seed: int = 1
    compile: bool = True
    #: the learner's own points, (x, y, label); and generated points taken away, by index
    add: tuple[tuple[float, float, float], ...] = field(default=())
    drop: tuple[int, ...] = field(default=())


def parse(text: str) -> tuple[Setup, list[str]]:
    """A setup from a URL's hash (`dataset=xor&lr=0.1&...`, a leading `#` allowed), and
    what was wrong in it: a bad value keeps the default and says what to write."""
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value in parse_qsl(text.lstrip("#"), keep_blank_values=True):
        if key not in KEYS:
            problems.append(f"unknown key {key!r}: the keys are {', '.join(KEYS)}")
            continue
        try:
            values[key] = KEYS[key](value)
        except ValueError as error:
            problems.append(f"{key}={value}: {error}")
    return replace(Setup(), **values), problems


def to_hash(setup: Setup) -> str:
    """The setup as a URL's hash (without `#`): every key, in a fixed order."""
    parts = []
    for f in fields(Setup):
        value = getattr(setup, f.name)
        if f.name == "layers":
            text = ",".join(map(str, value))
        elif f.name == "add":
            text = ";".join(f"{_short(x)},{_short(y)},{_short(label)}" for x, y, label in value)
        elif f.name == "drop":
            text = ",".join(map(str, value))
        elif f.name == "compile":
            text = "on" if value else "off"
        elif isinstance(value, float):
            text = _short(value)
        else:
            text = str(value)
        parts.append(f"{f.name}={quote(text, safe=',;.-')}")
    return "&".join(parts)


def _short(x: float) -> str:
    """A number as briefly as it reads back the same: 0.1, not 0.1000000000000000055."""
    return repr(float(x)).removesuffix(".0")


def _choice(options: Sequence[str]) -> Callable[[str], str]:
    def read(text: str) -> str:
        if text not in options:
            raise ValueError(f"write one of {', '.join(options)}")
        return text

    return read


def _number(low: float, high: float) -> Callable[[str], float]:
    def read(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise ValueError(f"write a number from {_short(low)} to {_short(high)}") from None
        if not low <= x <= high:  # nan too
            raise ValueError(f"write a number from {_short(low)} to {_short(high)}")
        return x

    return read


def _whole(low: int, high: int) -> Callable[[str], int]:
    def read(text: str) -> int:
        if not text.strip().isdigit() or not low <= int(text) <= high:
            raise ValueError(f"write a whole number from {low} to {high}")
        return int(text)

    return read


def _layers(text: str) -> tuple[int, ...]:
    """`8,8`: the hidden layers' sizes; empty for none (a linear model)."""
    wrong = (
        f"write the hidden layers' sizes, as 8,8 (at most {MAX_LAYERS} layers of 1 to "
        f"{MAX_NEURONS} neurons), or nothing for none"
    )
    sizes = [s.strip() for s in text.split(",") if s.strip()]
    if len(sizes) > MAX_LAYERS or not all(
        s.isdigit() and 1 <= int(s) <= MAX_NEURONS for s in sizes
    ):
        raise ValueError(wrong)
    return tuple(int(s) for s in sizes)


def _switch(text: str) -> bool:
    if text not in ("on", "off"):
        raise ValueError("write on or off")
    return text == "on"


def _added(text: str) -> tuple[tuple[float, float, float], ...]:
    """`0.5,-1,1;0,0,-1`: points as x,y,label, separated by `;`."""
    points = []
    for item in text.split(";"):
        if item.strip():
            points.append(point_of(item))
    return tuple(points)


def point_of(line: str) -> tuple[float, float, float]:
    """`x,y,label`: a point of the plane and its class, 1 or -1 (0 is read as -1)."""
    wrong = f"{line.strip()!r}: write x,y,label, as 0.5,-1.2,1 (label 1 or -1)"
    parts = line.replace(" ", "").split(",")
    try:
        x, y, label = (float(p) for p in parts)
    except ValueError:
        raise ValueError(wrong) from None
    if not (math.isfinite(x) and math.isfinite(y)) or label not in (1.0, -1.0, 0.0):
        raise ValueError(wrong)
    return x, y, 1.0 if label > 0 else -1.0


def _indices(text: str) -> tuple[int, ...]:
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not all(s.isdigit() for s in items):
        raise ValueError("write the generated points' numbers, as 3,17")
    return tuple(sorted({int(s) for s in items}))


KEYS: dict[str, Callable[[str], Any]] = {
    "dataset": _choice(DATASETS),
    "noise": _number(0.0, 1.0),
    "points": _whole(0, MAX_POINTS),
    "layers": _layers,
    "activation": _choice(ACTIVATIONS),
    "loss": _choice(LOSSES),
    "optimizer": _choice(OPTIMIZERS),
    "lr": _number(0.0, 10.0),
    "l2": _number(0.0, 1.0),
    "seed": _whole(0, 2**31 - 1),
    "compile": _switch,
    "add": _added,
    "drop": _indices,
}


# The datasets: n points in about [-1, 1] x [-1, 1], labels 1 and -1, from a seed alone.


def make_points(
    dataset: str, n: int, noise: float, seed: int
) -> tuple[list[list[float]], list[float]]:
    """`n` points of `dataset` with Gaussian noise of `noise`, and their labels (1, -1)."""
    rng = random.Random(seed)
    xs: list[list[float]] = []
    ys: list[float] = []
    for i in range(n if dataset != "none" else 0):
        label = 1.0 if i % 2 else -1.0
        if dataset == "moons":  # two interleaved half circles
            t = math.pi * rng.random()
            a, b = (math.cos(t), math.sin(t)) if label > 0 else (1 - math.cos(t), 0.5 - math.sin(t))
            a, b = (a - 0.5) * 0.9, (b - 0.25) * 0.9
        elif dataset == "circles":  # a disc inside a ring
            t = 2 * math.pi * rng.random()
            r = 0.45 * rng.random() if label > 0 else 0.8 + 0.2 * rng.random()
            a, b = r * math.cos(t), r * math.sin(t)
        elif dataset == "xor":  # the quadrants: positive where x and y have the same sign
            a, b = rng.uniform(-1, 1), rng.uniform(-1, 1)
            a, b = a + math.copysign(0.05, a), b + math.copysign(0.05, b)
            label = 1.0 if a * b > 0 else -1.0
        elif dataset == "spiral":  # two arms winding around each other
            t = 1.0 + 3.0 * math.pi * (i // 2) / max(1, n // 2)
            r = t / (1.0 + 3.0 * math.pi)
            turn = 0.0 if label > 0 else math.pi
            a, b = r * math.cos(t + turn), r * math.sin(t + turn)
        else:  # blobs: two round clouds
            centre = 0.5 if label > 0 else -0.5
            a, b = rng.gauss(centre, 0.25), rng.gauss(centre, 0.25)
        xs.append([a + rng.gauss(0, noise), b + rng.gauss(0, noise)])
        ys.append(label)
    return xs, ys


def loss_of(name: str, score: Value, label: float) -> Value:
    """One point's loss for a score and its label (1 or -1)."""
    if name == "hinge":  # max(0, 1 - y s)
        return (1 - label * score).relu()
    if name == "squared":  # (s - y)^2
        return (score - label) ** 2
    margin = -label * score  # log(1 + e^(-y s)), without overflow: relu(m) + log(1 + e^-|m|)
    return margin.relu() + (1 + (-margin.abs()).exp()).log()


# The run.


class Playground:
    """One run: the setup, its points and network, trained a step at a time."""

    def __init__(self, hash_text: str = "") -> None:
        self.setup, self.problems = parse(hash_text)
        self.selected: int | None = None  # the point whose loss graph is shown
        self.reset()

    # -- what the page calls

    def status(self) -> str:
        if not self.y:
            return "no points: add some by clicking on the picture, or pick a dataset"
        return f"step {self.step}: loss {self.loss:.4f}, accuracy {self.accuracy:.0%}"

    def hash(self) -> str:
        return to_hash(self.setup)

    def controls(self) -> dict[str, str]:
        """Each control's value as its field shows it (what the URL's hash says)."""
        return dict(parse_qsl(self.hash(), keep_blank_values=True))

    def change(self, key: str, value: str) -> str:
        """A control changed: apply it (starting again where the data or network change;
        the learning rate, L2 and optimizer take effect at the next step). Returns the
        hash. A bad value raises ValueError saying what to write, and changes nothing."""
        if key not in KEYS or key in ("add", "drop"):
            raise ValueError(f"unknown control {key!r}")
        new = replace(self.setup, **{key: KEYS[key](value)})
        if key == "dataset" or key == "points" or key == "noise":
            new = replace(new, drop=())  # other generated points: their numbers change
        old, self.setup = self.setup, new
        if key in ("lr", "l2"):
            for group in self.optimizer.param_groups:
                group["lr"], group["weight_decay"] = new.lr, new.l2
        elif key == "optimizer":
            self.optimizer = self._optimizer()
        elif key == "compile":
            self._prepare()
        elif new != old:
            self.reset()
        return self.hash()

    def add_point(self, x: float, y: float, label: float) -> str:
        """The learner's point at (x, y) of class label (1 or -1). Returns the hash."""
        point = point_of(f"{x},{y},{label}")
        self.setup = replace(self.setup, add=(*self.setup.add, point))
        self._points_changed()
        return self.hash()

    def add_at(self, fx: float, fy: float, label: float) -> str:
        """A point where the picture was clicked: fx, fy from its left and top, 0 to 1."""
        (x_lo, x_hi), (y_lo, y_hi) = self.square
        return self.add_point(
            round(x_lo + fx * (x_hi - x_lo), 3), round(y_hi - fy * (y_hi - y_lo), 3), label
        )

    def paste(self, text: str) -> str:
        """Lines of `x,y,label`, each one point (blank lines and `#` lines skipped): all
        added, or none if a line is wrong (ValueError naming it). Returns the hash."""
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        points = tuple(point_of(line) for line in lines)
        self.setup = replace(self.setup, add=(*self.setup.add, *points))
        self._points_changed()
        return self.hash()

    def remove_point(self, index: int) -> str:
        """Take away the point drawn index-th (the generated points, then the learner's)."""
        generated = [i for i in range(len(self.generated[0])) if i not in self.setup.drop]
        if index < len(generated):
            drop = tuple(sorted({*self.setup.drop, generated[index]}))
            self.setup = replace(self.setup, drop=drop)
        else:
            add = list(self.setup.add)
            del add[index - len(generated)]
            self.setup = replace(self.setup, add=tuple(add))
        if self.selected == index:
            self.selected = None
        self._points_changed()
        return self.hash()

    def run(self, steps: int) -> str:
        """Train `steps` steps; returns the status line."""
        for _ in range(steps if self.y else 0):
            self.train_step()
        return self.status()

    def train_step(self) -> None:
        """One step: the loss and its gradients, the picture's numbers, the update."""
        if not self.y:
            return
        self.optimizer.zero_grad()
        if self._compiled is not None:
            loss, *scores = self._compiled(grad_outputs=self._seeds)
        else:
            loss, *scores = self._forward()
            loss.backward()
        self.step += 1
        self._score(loss, scores)
        self.view.losses.append(self.loss)
        self.optimizer.step()

    def view_html(self) -> str:
        """The network as it stands (each layer shaded by its parameters' largest
        gradient at the last step) beside the loss curve."""
        losses, self.view.losses = self.view.losses, self.view.losses[:-1]
        self.view.update(losses[-1])  # the last step's gradients are still in .grad
        return self.view.html()

    def boundary_svg(self) -> str:
        """The network's output over the plane, the points on it."""
        scores = self._grid_scores()
        (x_lo, x_hi), (y_lo, y_hi) = self.square

        def model(p: Sequence[float]) -> float:  # a cell's score, computed all at once
            c = min(GRID - 1, int((p[0] - x_lo) / (x_hi - x_lo) * GRID))
            r = min(GRID - 1, int((y_hi - p[1]) / (y_hi - y_lo) * GRID))
            return scores[r * GRID + c]

        picture = plot.boundary(
            model, self.X, self.y, grid=GRID, size=SIZE, xlim=(x_lo, x_hi), ylim=(y_lo, y_hi)
        )
        return picture.svg()

    def explain(self, index: int, how: str = "neuron") -> str:
        """The loss of the point drawn index-th, as HTML: through the output neuron, as
        the stepper (forward, then backward step by step), or through the whole model,
        each layer one box (`how="model"`)."""
        self.selected = index
        point, label = self.X[index], self.y[index]
        self.view.inputs = list(point)  # the network is drawn on this point too
        x = [Value(a, label=f"x{i}", requires_grad=False) for i, a in enumerate(point)]
        if how == "model":
            loss = loss_of(self.setup.loss, _only(self.model(x)), label)
            loss.label = "loss"
            for p in self.model.parameters():
                p.grad = 0.0
            loss.backward()  # the next training step starts from zero_grad()
            svg = to_svg(loss, model=self.model, collapse="layer")
            return f'<div class="mgl-graph">{svg}</div>'
        with no_grad():  # what the hidden layers hand the output neuron, as numbers
            hidden: Any = x
            for layer in self.model.layers[:-1]:
                out = layer(hidden)
                hidden = out if isinstance(out, list) else [out]
        neuron = self.model.layers[-1].neurons[0]
        inputs = [
            Value(h.data, label=f"h{i + 1}", requires_grad=False) for i, h in enumerate(hidden)
        ]
        if len(self.model.layers) == 1:
            inputs = [Value(h.data, label=h.label, requires_grad=False) for h in hidden]
        score = neuron(inputs)
        score.label = "score"
        loss = loss_of(self.setup.loss, score, label)
        loss.label = "loss"
        names: dict[str, Any] = {f"w{i + 1}": w for i, w in enumerate(neuron.w)}
        names["b"] = neuron.b
        return stepper(loss, names=names).fragment(keys_on_page=False)

    # -- the run's state

    def reset(self) -> str:
        """The points and a fresh network, from the setup's seed: step 0 again."""
        s = self.setup
        self.generated = make_points(s.dataset, s.points, s.noise, s.seed)
        self.model = MLP(2, [*s.layers, 1], activation=s.activation, seed=s.seed)
        self.optimizer = self._optimizer()
        self.view = Live(self.model)
        self.step = 0
        self.selected = None
        self._points_changed()
        return self.hash()

    def _points_changed(self) -> None:
        xs, ys = self.generated
        keep = [i for i in range(len(xs)) if i not in self.setup.drop]
        self.X = [xs[i] for i in keep] + [[a, b] for a, b, _ in self.setup.add]
        self.y = [ys[i] for i in keep] + [label for _, _, label in self.setup.add]
        self.view.inputs = list(self.X[0]) if self.X else [0.0, 0.0]  # the network drawn on
        every = [p[k] for p in self.X for k in (0, 1)]
        low, high = min([VIEW[0], *every]), max([VIEW[1], *every])
        pad = 0.05 * (high - low) if (low, high) != VIEW else 0.0
        self.square = ((low - pad, high + pad), (low - pad, high + pad))
        self._prepare()

    def _optimizer(self) -> Optimizer:
        kind = SGD if self.setup.optimizer == "sgd" else Adam
        return kind(self.model.parameters(), lr=self.setup.lr, weight_decay=self.setup.l2)

    def _prepare(self) -> None:
        """The step and the grid, compiled again: the data or the network changed."""
        self._inputs = [[Value(a, requires_grad=False) for a in p] for p in self.X]
        self._seeds = [1.0] + [0.0] * len(self.X)
        self._compiled = mg.compile(self._forward, generate=False) if self.setup.compile else None
        (x_lo, x_hi), (y_lo, y_hi) = self.square
        self._cells = [
            [
                Value(x_lo + (c + 0.5) / GRID * (x_hi - x_lo), requires_grad=False),
                Value(y_hi - (r + 0.5) / GRID * (y_hi - y_lo), requires_grad=False),
            ]
            for r in range(GRID)
            for c in range(GRID)
        ]
        self._grid = mg.compile(self._grid_forward, generate=False) if self.setup.compile else None
        self.loss, self.accuracy = 0.0, 0.0
        if self.y:  # the loss as the network stands: at step 0, the curve's first point
            with no_grad():
                loss, *scores = self._forward()
            self._score(loss, scores)
        if self.step == 0:
            self.view.losses = [self.loss]

    def _score(self, loss: Value, scores: Sequence[Value]) -> None:
        self.loss = loss.data
        self.accuracy = sum((s.data > 0) == (t > 0) for s, t in zip(scores, self.y)) / len(self.y)

    def _forward(self) -> list[Value]:
        """The mean loss over the points, then each point's score."""
        scores = [_only(self.model(x)) for x in self._inputs]
        name = self.setup.loss
        return [mean([loss_of(name, s, t) for s, t in zip(scores, self.y)]), *scores]

    def _grid_forward(self) -> list[Value]:
        return [_only(self.model(cell)) for cell in self._cells]

    def _grid_scores(self) -> list[float]:
        with no_grad():
            outs = self._grid() if self._grid is not None else self._grid_forward()
        return [v.data for v in outs]


def _only(out: Value | list[Value]) -> Value:
    return out[0] if isinstance(out, list) else out
