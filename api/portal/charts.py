"""Charts rendered on the server as inline SVG: no charting library, no script, no CDN.

Each chart is an ``<svg role="img">`` with a title and a description; every bar or point
carries its value in ``data-value`` (the API's own JSON value, so a test can compare) and a
``<title>`` tooltip. The templates put a table of the same numbers beside each chart for
screen readers and for people who want the figures (docs/decisions/0902-provider-portal.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 480, 220
LEFT, RIGHT, TOP, BOTTOM = 84, 8, 10, 28
X_LABELS = 6


@dataclass(frozen=True)
class Point:
    key: str  # what the point is: a day, a minute, a product id
    label: str  # its axis label ("2 mar", "14:05")
    value: float | None  # plotted
    raw: str  # the value as the API writes it (data-value)
    text: str  # the value as people read it ("$ 1.234,00")
    highlight: bool = False  # drawn in the alert colour (realtime windows under an open alert)


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    description: str
    points: Sequence[Point]
    tick_text: Callable[[float], str]
    ceiling: float | None = None  # a fixed top of the scale (1.0 for rates)


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _domain(
    values: Sequence[float], floor_zero: bool, ceiling: float | None = None
) -> tuple[float, float, float]:
    top = ceiling if ceiling is not None else max(values, default=0.0)
    bottom = 0.0 if floor_zero else min(values, default=0.0)
    if ceiling is not None:  # leave room under the lowest value, e.g. 80 %..100 % for rates
        bottom = max(0.0, bottom - (ceiling - bottom) * 0.25)
    if top - bottom < 4 and all(float(v).is_integer() for v in values):
        top = bottom + 4  # counts: whole-number ticks
    if top <= bottom:
        top = bottom + 1
    step = _nice_step(top - bottom)
    low = math.floor(bottom / step) * step
    return low, math.ceil(top / step) * step, step


def _frame(chart: Chart, low: float, high: float, step: float) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = ['<g class="grid" aria-hidden="true">']
    tick = low
    while tick <= high + step / 1000:
        y = TOP + plot_h * (1 - (tick - low) / (high - low))
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(chart.tick_text(tick))}</text>"
        )
        tick += step
    parts.append("</g>")
    return parts


def _x_labels(points: Sequence[Point], centers: Sequence[float]) -> list[str]:
    every = max(1, math.ceil(len(points) / X_LABELS))
    parts = ['<g class="x-labels" aria-hidden="true">']
    for index in range(0, len(points), every):
        parts.append(
            f'<text class="tick" x="{centers[index]:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
            f"{escape(points[index].label)}</text>"
        )
    parts.append("</g>")
    return parts


def _open(chart: Chart, kind: str) -> str:
    return (
        f'<svg class="chart chart-{kind}" id="{chart.chart_id}" data-chart="{chart.chart_id}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart.chart_id}-title {chart.chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart.chart_id}-title">{escape(chart.title)}</title>'
        f'<desc id="{chart.chart_id}-desc">{escape(chart.description)}</desc>'
    )


def _mark_attributes(point: Point) -> str:
    css = "mark highlight" if point.highlight else "mark"
    return f'class="{css}" data-key="{escape(point.key)}" data-value="{escape(point.raw)}"'


def _empty(chart: Chart, kind: str) -> Markup:
    return Markup(
        _open(chart, kind)
        + f'<text class="empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
        "Sin datos en este periodo</text></svg>"
    )


def bar_chart(chart: Chart) -> Markup:
    values = [p.value for p in chart.points if p.value is not None]
    if not any(values):  # nothing, or only zeros: say so rather than draw an empty frame
        return _empty(chart, "bars")
    low, high, step = _domain(values, floor_zero=True)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(chart.points)
    gap = min(2.0, slot * 0.2)
    parts = [_open(chart, "bars"), *_frame(chart, low, high, step), '<g class="marks">']
    centers = []
    for index, point in enumerate(chart.points):
        x = LEFT + index * slot
        centers.append(x + slot / 2)
        if point.value is None:
            continue
        height = plot_h * (point.value - low) / (high - low)
        parts.append(
            f'<rect {_mark_attributes(point)} x="{x + gap / 2:.2f}" '
            f'y="{TOP + plot_h - height:.2f}" width="{slot - gap:.2f}" height="{height:.2f}">'
            f"<title>{escape(point.label)}: {escape(point.text)}</title></rect>"
        )
    parts += ["</g>", *_x_labels(chart.points, centers), "</svg>"]
    return Markup("".join(parts))


def line_chart(chart: Chart, *, floor_zero: bool = False) -> Markup:
    values = [p.value for p in chart.points if p.value is not None]
    if not values:
        return _empty(chart, "line")
    low, high, step = _domain(values, floor_zero=floor_zero, ceiling=chart.ceiling)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(chart.points)
    centers = [LEFT + slot * (i + 0.5) for i in range(len(chart.points))]
    runs: list[list[str]] = [[]]  # the line breaks where a value is missing
    marks = []
    for center, point in zip(centers, chart.points, strict=True):
        if point.value is None:
            runs.append([])
            continue
        y = TOP + plot_h * (1 - (point.value - low) / (high - low))
        runs[-1].append(f"{center:.2f},{y:.2f}")
        marks.append(
            f'<circle {_mark_attributes(point)} cx="{center:.2f}" cy="{y:.2f}" r="3.5">'
            f"<title>{escape(point.label)}: {escape(point.text)}</title></circle>"
        )
    parts = [
        _open(chart, "line"),
        *_frame(chart, low, high, step),
        *(
            f'<polyline class="line" points="{" ".join(run)}" aria-hidden="true"/>'
            for run in runs
            if len(run) > 1
        ),
        '<g class="marks">',
        *marks,
        "</g>",
        *_x_labels(chart.points, centers),
        "</svg>",
    ]
    return Markup("".join(parts))
