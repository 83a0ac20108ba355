"""The per-week absence chart, drawn on the server as SVG: stacked bars per school week,
no chart library in the browser. The template (absence/_chart.html) draws what this
measures; a table of the same figures is its text alternative."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from app.absence.figures import Summary

# Drawing order, bottom up, and each kind's colour (colour-blind safe, with text beside).
COLOURS = {"leave": "#2e7d32", "sick": "#1f5fa8", "valid": "#8a8f98", "invalid": "#c62828"}
BAR, GAP, LEFT, TOP, HEIGHT = 18, 8, 44, 10, 120


@dataclass
class Piece:
    kind: str
    y: float
    height: float


@dataclass
class Bar:
    x: float
    label: str
    percent: float
    pieces: list[Piece] = field(default_factory=list)
    show_label: bool = True


@dataclass
class Chart:
    width: int
    height: int
    top: int
    bottom: int
    scale_max: int
    ticks: list[tuple[float, int]]
    bars: list[Bar]
    kinds: list[str]


def build(summary: Summary, kinds: tuple[str, ...]) -> Chart:
    """Bars for each week of the summary; `kinds` are the kinds shown (a principal's chart
    counts sickness as valid absence)."""
    weeks = summary.weeks
    highest = max((w.percent() for w in weeks), default=0.0)
    scale_max = max(20, min(100, math.ceil(highest / 10) * 10))
    bottom = TOP + HEIGHT
    every = 1 if len(weeks) <= 12 else 2
    bars = []
    for index, week in enumerate(weeks):
        x = LEFT + GAP + index * (BAR + GAP)
        bar = Bar(x, str(week.number), week.percent(), show_label=index % every == 0)
        y = float(bottom)
        for kind in kinds:
            value = week.percent(kind)
            if kind == "valid" and "sick" not in kinds:
                value += week.percent("sick")
            if value <= 0:
                continue
            height = HEIGHT * min(value, scale_max) / scale_max
            y -= height
            bar.pieces.append(Piece(kind, round(y, 2), round(height, 2)))
        bars.append(bar)
    width = LEFT + GAP + max(len(weeks), 1) * (BAR + GAP)
    ticks = [(bottom - HEIGHT * t / scale_max, t) for t in (0, scale_max // 2, scale_max)]
    return Chart(width, bottom + 26, TOP, bottom, scale_max, ticks, bars, list(kinds))
