"""Plots for learning, as SVG, with no matplotlib: a loss per step, points and the line
fitted to them, a model's decision boundary.

    from micrograd_lite.viz import plot
    fig = plot.Figure(title="loss per step", xlabel="step", ylabel="loss")
    fig.line(losses)
    fig                          # in Jupyter, the cell shows the plot
    plot.row(fig, other)         # two plots side by side
    plot.boundary(model, X, y)   # a two-input model's output over its points' square
    fig.save("loss.svg")

A notebook shows each plot as an image too, so it shows where a notebook is not trusted.
"""

from __future__ import annotations

import html
import math
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from micrograd_lite.engine import Value
from micrograd_lite.grad_mode import no_grad
from micrograd_lite.viz.files import file_format, target_file, write_file
from micrograd_lite.viz.graph import number
from micrograd_lite.viz.svg import image

__all__ = ["NEGATIVE", "PALETTE", "POSITIVE", "Figure", "Picture", "boundary", "row"]

#: the colours of a figure's series, in turn
PALETTE = ("#0d6efd", "#fd7e14", "#198754", "#dc3545", "#6f42c1")
FONT = "Helvetica, Arial, sans-serif"
NEGATIVE, POSITIVE = "#0d6efd", "#fd7e14"  # a label's colour: blue below 0, orange above


class Picture:
    """An SVG picture: a notebook shows it, `save` writes it, `svg()` is its text."""

    def __init__(self, svg: str, alt: str = "a plot") -> None:
        self._svg, self.alt = svg, alt

    def svg(self) -> str:
        return self._svg

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the SVG to `path` (e.g. "loss.svg"): whole, or not at all."""
        target = target_file(path, "save the plot to")
        file_format(target, ("svg",), "save the plot to", default="svg")
        return write_file(target, self.svg().encode("utf-8"))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        svg = self.svg()
        # the image: JupyterLab shows no SVG output of a notebook it does not trust
        return {"image/svg+xml": svg, "text/html": image(svg, self.alt), "text/plain": repr(self)}

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.alt}>"


@dataclass
class _Series:
    kind: str  # "line", "scatter" or "hline"
    xs: list[float]
    ys: list[float]
    label: str | None
    colours: list[str]


class Figure(Picture):
    """One plot: lines, points and horizontal lines on shared axes, with a legend."""

    def __init__(
        self,
        *,
        title: str = "",
        xlabel: str = "",
        ylabel: str = "",
        width: float = 360.0,
        height: float = 240.0,
        yscale: str = "linear",
    ) -> None:
        """`yscale="log"` draws heights on a logarithmic axis (a loss over decades),
        marked "log scale"; a height of 0 or less is then left out, and said."""
        super().__init__("", title or "a plot")
        if yscale not in ("linear", "log"):
            raise ValueError(f"yscale must be 'linear' or 'log', got {yscale!r}")
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.yscale = yscale
        self.width, self.height = _size(width, "width", 100.0), _size(height, "height", 100.0)
        self.series: list[_Series] = []

    def line(
        self,
        ys: Iterable[float],
        xs: Iterable[float] | None = None,
        *,
        label: str | None = None,
        colour: str | None = None,
    ) -> Figure:
        """A line through (xs[i], ys[i]); xs default to 0, 1, 2, ... (steps)."""
        ys = _numbers(ys, "line: ys")
        xs = list(range(len(ys))) if xs is None else xs
        return self._add("line", xs, ys, label, colour)

    def scatter(
        self,
        xs: Iterable[float],
        ys: Iterable[float],
        *,
        label: str | None = None,
        colour: str | Sequence[str] | None = None,
    ) -> Figure:
        """Points at (xs[i], ys[i]); `colour` may give each point its own."""
        return self._add("scatter", xs, ys, label, colour)

    def hline(self, y: float, *, label: str | None = None) -> Figure:
        """A dotted grey line across the plot at height y."""
        if isinstance(y, (str, bytes)) or not _is_number(y):
            raise TypeError(f"hline: y must be a number, got {type(y).__name__}")
        return self._add("hline", [], [y], label, "#888888")

    def _add(
        self,
        kind: str,
        xs: Iterable[float],
        ys: Iterable[float],
        label: str | None,
        colour: str | Sequence[str] | None,
    ) -> Figure:
        xs, ys = _numbers(xs, f"{kind}: xs"), _numbers(ys, f"{kind}: ys")
        if kind != "hline" and len(xs) != len(ys):
            raise ValueError(f"{kind}: {len(xs)} xs and {len(ys)} ys; give one x per y")
        if colour is None:
            colour = PALETTE[sum(s.kind != "hline" for s in self.series) % len(PALETTE)]
        colours = [colour] if isinstance(colour, str) else list(colour)
        if not colours or not all(isinstance(c, str) for c in colours):
            raise TypeError(
                f"{kind}: colour= is a colour, as '#0d6efd' or 'red', or a list of one per "
                f"point; got {colour!r}"
            )
        self.series.append(_Series(kind, xs, ys, label, colours))
        return self

    def svg(self) -> str:
        left, right, top, bottom = 56.0, 12.0, 26.0 if self.title else 12.0, 40.0
        plot_w, plot_h = self.width - left - right, self.height - top - bottom
        log = self.yscale == "log"
        # On a log axis every height is its log10, and a height of 0 or less is not drawn.
        drawn_series = (
            [replace(s, ys=[_log10(y) for y in s.ys]) for s in self.series] if log else self.series
        )
        points = [
            (x, y)
            for s in drawn_series
            for x, y in zip(s.xs, s.ys)
            if math.isfinite(x) and math.isfinite(y)
        ]
        levels = [s.ys[0] for s in drawn_series if s.kind == "hline" and math.isfinite(s.ys[0])]
        heights = [y for _, y in points] + levels
        x_lo, x_hi = _span([x for x, _ in points])
        y_lo, y_hi = _span(heights)

        def px(x: float) -> float:
            return left + plot_w * _fraction(x, x_lo, x_hi)

        def py(y: float) -> float:
            return top + plot_h * (1.0 - _fraction(y, y_lo, y_hi))

        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:.0f}" '
            f'height="{self.height:.0f}" font-family="{FONT}" font-size="11">',
            f'<rect width="{self.width:.0f}" height="{self.height:.0f}" fill="white"/>',
        ]
        if self.title:
            out.append(_text(self.width / 2, 16, self.title, anchor="middle", size=13))
        for x in _ticks(x_lo, x_hi):
            out.append(_line(px(x), top + plot_h, px(x), top + plot_h + 4, "#888888"))
            out.append(_text(px(x), top + plot_h + 16, _tick(x), anchor="middle"))
        for y in _ticks(y_lo, y_hi):
            out.append(_line(left, py(y), left + plot_w, py(y), "#eeeeee"))
            out.append(_text(left - 6, py(y) + 4, _tick(10.0**y if log else y), anchor="end"))
        out.append(
            f'<rect x="{left}" y="{top}" width="{plot_w:.1f}" height="{plot_h:.1f}" '
            'fill="none" stroke="#888888"/>'
        )
        out.append(_text(left + plot_w / 2, self.height - 6, self.xlabel, anchor="middle"))
        ylabel = (
            f"{self.ylabel} (log scale)"
            if log and self.ylabel
            else "log scale"
            if log
            else self.ylabel
        )
        out.append(
            f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" '
            f'text-anchor="middle">{html.escape(ylabel)}</text>'
        )
        for s in drawn_series:
            colour = html.escape(s.colours[0])
            if s.kind == "hline":
                if not math.isfinite(s.ys[0]):
                    continue  # said in the note below the plot
                out.append(
                    f'<line x1="{left}" y1="{py(s.ys[0]):.1f}" x2="{left + plot_w:.1f}" '
                    f'y2="{py(s.ys[0]):.1f}" stroke="#888888" stroke-dasharray="2 3"/>'
                )
            elif s.kind == "line":
                for run in _finite_runs(s.xs, s.ys):
                    path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in run)
                    out.append(
                        f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                        f'points="{path}"/>'
                    )
            else:
                for k, (x, y) in enumerate(zip(s.xs, s.ys)):
                    if math.isfinite(x) and math.isfinite(y):
                        out.append(_dot(px(x), py(y), s.colours[k % len(s.colours)]))
        labelled = [s for s in self.series if s.label]
        if labelled:  # the legend, on white, in the corner that hides the fewest points
            wide = 7.0 * max(len(s.label or "") for s in labelled) + 34
            tall = 15.0 * len(labelled) + 6
            drawn = [(px(x), py(y)) for x, y in points]
            corners = [
                (left + plot_w - wide - 4, top + 4),
                (left + 4, top + 4),
                (left + plot_w - wide - 4, top + plot_h - tall - 4),
                (left + 4, top + plot_h - tall - 4),
            ]
            x0, y0 = min(
                corners,
                key=lambda c: sum(
                    c[0] <= x <= c[0] + wide and c[1] <= y <= c[1] + tall for x, y in drawn
                ),
            )
            out.append(
                f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{wide:.1f}" height="{tall:.1f}" '
                'fill="white" fill-opacity="0.85" stroke="#dddddd"/>'
            )
            for k, s in enumerate(labelled):
                x, y = x0 + wide - 4, y0 + 10 + 15 * k
                out.append(_text(x - 22, y + 4, s.label or "", anchor="end"))
                if s.kind == "scatter":
                    out.append(_dot(x - 10, y, s.colours[0]))
                else:
                    dash = ' stroke-dasharray="2 3"' if s.kind == "hline" else ""
                    out.append(
                        f'<line x1="{x - 18}" y1="{y}" x2="{x - 2}" y2="{y}" '
                        f'stroke="{html.escape(s.colours[0])}" stroke-width="1.5"{dash}/>'
                    )
        hidden = _not_finite(self.series, log)
        if hidden:  # said, not dropped silently: a loss that went to inf or nan
            out.append(
                f'<text x="4" y="{self.height - 6:.1f}" font-size="10" fill="#dc3545" '
                f'class="mgl-note">{html.escape(hidden)}</text>'
            )
        out.append("</svg>")
        return "\n".join(out)


def _not_finite(series: list[_Series], log: bool = False) -> str:
    """What a figure leaves out, as its note says it: "not drawn: 2 values at nan or inf"
    (and, on a log axis, heights of 0 or less)."""

    def drawable(y: float) -> bool:
        return math.isfinite(y) and (y > 0.0 or not log)

    left_out: list[float] = []
    for s in series:
        if s.kind == "hline":
            left_out += [y for y in s.ys if not drawable(y)]
        else:
            left_out += [
                y if math.isfinite(x) else x
                for x, y in zip(s.xs, s.ys)
                if not (math.isfinite(x) and drawable(y))
            ]
    if not left_out:
        return ""
    kinds = " or ".join(dict.fromkeys(number(v) for v in left_out))
    values = "value" if len(left_out) == 1 else "values"
    return f"not drawn: {len(left_out)} {values} at {kinds}"


def row(*pictures: Picture) -> Picture:
    """Pictures side by side, as one."""
    if not pictures:
        raise ValueError("row takes the pictures to put side by side: row(fig, other)")
    for picture in pictures:
        if not isinstance(picture, Picture):
            raise TypeError(
                f"row takes plots (Figure, boundary(...), row(...)), got {type(picture).__name__}"
            )
    parts, x, height = [], 0.0, 0.0
    for picture in pictures:
        svg = picture.svg()
        width = float(_attribute(svg, "width"))
        height = max(height, float(_attribute(svg, "height")))
        parts.append(svg.replace("<svg ", f'<svg x="{x:.0f}" ', 1))
        x += width + 12
    body = "\n".join(parts)
    return Picture(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{x - 12:.0f}" height="{height:.0f}">'
        f"\n{body}\n</svg>",
        " and ".join(p.alt for p in pictures),
    )


def boundary(
    model: Any,
    points: Sequence[Sequence[float]],
    labels: Sequence[float],
    *,
    grid: int = 32,
    size: float = 240.0,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
) -> Picture:
    """A two-input model's output over its points' square, `grid` × `grid` cells (orange
    where it is positive, blue where negative, pale near 0), with the points on it,
    coloured by their labels. The model runs once per cell, under `no_grad`.

    `xlim=(low, high)` and `ylim=` fix the plane drawn, as matplotlib's do (points
    outside it are left out): a picture that keeps its place as points come and go."""
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 1:
        raise ValueError(f"grid must be a whole number of cells >= 1, got {grid!r}")
    size = _size(size, "size", 1.0)
    xs, ys = [float(p[0]) for p in points], [float(p[1]) for p in points]
    limits = [_limits(xlim, "xlim"), _limits(ylim, "ylim")]
    if not xs and None in limits:
        raise ValueError(
            "boundary needs points: give at least one (x, y) and its label, or the plane "
            "to draw as xlim=(low, high) and ylim=(low, high)"
        )
    for x, y in zip(xs, ys):
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(
                f"boundary: the point ({number(x)}, {number(y)}) is not finite; the square "
                "the model is drawn over has finite corners: leave it out of points"
            )
    lo_x, hi_x = limits[0] or _span(xs, 0.1)
    lo_y, hi_y = limits[1] or _span(ys, 0.1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mgl-boundary" width="{size:.0f}" '
        f'height="{size:.0f}" shape-rendering="crispEdges">',
        # cells of side 1, scaled: a cell is a short element, so a fine grid stays small
        f'<g transform="scale({size / grid:.4f})">',
    ]
    with no_grad():
        for r in range(grid):
            y = _between(lo_y, hi_y, 1.0 - (r + 0.5) / grid)
            for c in range(grid):
                x = _between(lo_x, hi_x, (c + 0.5) / grid)
                score = _score(model([x, y]))
                parts.append(f'<rect x="{c}" y="{r}" width="1" height="1" fill="{shade(score)}"/>')
    parts.append("</g>")
    for k, (x, y, label) in enumerate(zip(xs, ys, labels)):
        if not (lo_x <= x <= hi_x and lo_y <= y <= hi_y):
            continue  # outside the plane given by xlim and ylim
        cx = _fraction(x, lo_x, hi_x) * size
        cy = (1.0 - _fraction(y, lo_y, hi_y)) * size
        fill = POSITIVE if label > 0 else NEGATIVE
        parts.append(  # data-index: which point, for a page that makes the picture clickable
            f'<circle data-index="{k}" cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{fill}" '
            'stroke="#222"/>'
        )
    parts.append("</svg>")
    return Picture("".join(parts), "the decision boundary")


def _limits(limits: object, name: str) -> tuple[float, float] | None:
    """`xlim=(low, high)`: two finite numbers, low below high; or None."""
    if limits is None:
        return None
    wrong = f"{name} is (low, high): two finite numbers, low below high; got {limits!r}"
    if isinstance(limits, (str, bytes)) or not isinstance(limits, Sequence) or len(limits) != 2:
        raise ValueError(wrong)
    if not all(_is_number(v) for v in limits):
        raise ValueError(wrong)
    low, high = float(limits[0]), float(limits[1])
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(wrong)
    return low, high


def shade(score: float) -> str:
    """Pale near 0, towards orange for positive outputs and blue for negative ones."""
    if score != score:  # nan: grey
        return "#dddddd"
    t = math.tanh(score)  # ±1 at ±inf
    pale, end = (0xF8, 0xF9, 0xFA), ((0xFD, 0xB7, 0x7A) if t > 0 else (0x8B, 0xB9, 0xFE))
    return "#" + "".join(f"{round(a + (b - a) * abs(t)):02x}" for a, b in zip(pale, end))


def _score(out: Any) -> float:
    """A model's output as one number: a Value, a number, or a list holding one first."""
    if isinstance(out, (list, tuple)) and out:
        out = out[0]
    return float(out.data if isinstance(out, Value) else out)


def _log10(y: float) -> float:
    """A height on a log axis: its log10, or nan (not drawn) for 0 or less."""
    return math.log10(y) if y > 0.0 else math.nan  # log10(inf) is inf: left out, and said


def _finite_runs(xs: list[float], ys: list[float]) -> list[list[tuple[float, float]]]:
    """A line's stretches between points that are not finite (nan, inf: a gap)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(xs, ys):
        if math.isfinite(x) and math.isfinite(y):
            runs[-1].append((x, y))
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _span(values: list[float], margin: float = 0.05) -> tuple[float, float]:
    """The axis' range: the values' own and `margin` of it more each way, so that no
    point sits on the frame. A range too narrow to draw (a number alone, a constant at
    1e17, subnormal numbers) is padded instead: ±1 around a small number, ±10% around a
    large one. The ends stay finite however large the values are."""
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    size = max(abs(lo), abs(hi))
    if hi - lo <= max(1e-9 * size, 1e-300):  # hi - lo may overflow to inf: then wide
        middle, pad = lo / 2 + hi / 2, max(0.1 * size, 1.0)
        lo, hi = middle - pad, middle + pad
    else:
        pad = 2 * margin * (hi / 2 - lo / 2)
        lo, hi = lo - pad, hi + pad
    return max(lo, -sys.float_info.max), min(hi, sys.float_info.max)


def _fraction(v: float, lo: float, hi: float) -> float:
    """How far v is from lo towards hi, 0 to 1, in halves so that no difference of
    numbers near the largest float overflows."""
    return (v / 2 - lo / 2) / (hi / 2 - lo / 2)


def _between(lo: float, hi: float, t: float) -> float:
    """The number a fraction t of the way from lo to hi (as `_fraction`, in halves)."""
    return lo + 2 * t * (hi / 2 - lo / 2)


def _ticks(lo: float, hi: float) -> list[float]:
    """Round numbers (1, 2 or 5 times a power of ten) inside [lo, hi], about five."""
    raw = (hi / 2 - lo / 2) / 2.5
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step)
    return [k * step for k in range(first, math.floor(hi / step) + 1)]


def _size(value: object, name: str, least: float) -> float:
    """A picture's size in pixels: a finite number of at least `least`, or ValueError."""
    ok = _is_number(value) and not isinstance(value, (str, bytes))
    if not (ok and least <= float(value) < math.inf):  # type: ignore[arg-type]  # a number if ok
        raise ValueError(f"{name} must be a number of pixels >= {least:g}, got {value!r}")
    return float(value)  # type: ignore[arg-type]  # a number: checked just above


def _is_number(value: object) -> bool:
    """A real number (numpy's too, or a Value): what a plot can put on an axis."""
    if isinstance(value, (bool, str, bytes)):
        return False
    try:
        float(value)  # type: ignore[arg-type]  # any object: that is the question
    except (TypeError, ValueError):
        return False
    return True


def _numbers(values: Any, what: str) -> list[float]:
    """A plot's coordinates as floats: any iterable of numbers (a list, a generator, a
    numpy array, Values), or TypeError naming the argument."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{what} must be a list of numbers, got {type(values).__name__}")
    out = []
    for i, v in enumerate(values):
        if not _is_number(v):
            raise TypeError(f"{what} must be numbers; item {i} is a {type(v).__name__}")
        out.append(float(v))
    return out


def _tick(x: float) -> str:
    return f"{x:.6g}" if x != 0 else "0"


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}">'
        f"{html.escape(text)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="{html.escape(colour)}"/>'
    )


def _dot(x: float, y: float, colour: str) -> str:
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{html.escape(colour)}" stroke="#222"/>'


def _attribute(svg: str, name: str) -> str:
    start = svg.index("<svg")
    tag = svg[start : svg.index(">", start)]
    return tag.split(f' {name}="', 1)[1].split('"', 1)[0]
