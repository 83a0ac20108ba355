"""The principal's survey chart, drawn on the server as SVG (as app/absence/chart.py):
for each item a small bar chart of its mean score per term, oldest term first. A term
with too few answers has no bar, and says so in the table that is the text alternative."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.surveys.items import AUDIENCES, SCALE, items_for

BAR, GAP, LEFT, TOP, HEIGHT = 30, 18, 22, 8, 60
HIGHEST = SCALE[-1]


@dataclass
class Bar:
    x: float
    label: str
    mean: float | None
    y: float = 0.0
    height: float = 0.0


@dataclass
class ItemChart:
    audience: str
    key: str
    width: int
    height: int
    bottom: int
    ticks: list[tuple[float, int]]
    bars: list[Bar] = field(default_factory=list)


def build(terms, audience: str, key: str) -> ItemChart:
    """Bars of the item's mean per term (terms: survey.school_trend's list)."""
    bottom = TOP + HEIGHT
    width = LEFT + GAP + max(len(terms), 1) * (BAR + GAP)
    ticks = [(bottom - HEIGHT * t / HIGHEST, t) for t in (1, 3, 5)]
    chart = ItemChart(audience, key, width, bottom + 22, bottom, ticks)
    for index, term in enumerate(terms):
        totals = term.audiences.get(audience)
        item = next((i for i in totals.items if i.key == key), None) if totals else None
        bar = Bar(LEFT + GAP + index * (BAR + GAP), term.label, item.mean if item else None)
        if bar.mean is not None:
            bar.height = round(HEIGHT * bar.mean / HIGHEST, 2)
            bar.y = round(bottom - bar.height, 2)
        chart.bars.append(bar)
    return chart


def build_all(terms) -> dict[str, list[ItemChart]]:
    """The charts of each audience that has a term with enough answers to show."""
    charts = {}
    for audience in AUDIENCES:
        if any(t.audiences.get(audience) and t.audiences[audience].shown for t in terms):
            charts[audience] = [build(terms, audience, i.key) for i in items_for(audience)]
    return charts
