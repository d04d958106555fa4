"""Chart geometry for the dashboard: pure numbers that the templates draw as
inline SVG (so every label goes through Jinja's escaping)."""

from __future__ import annotations

from dataclasses import dataclass

PALETTE = ("#0b5394", "#e69138", "#6aa84f", "#a64d79", "#45818e", "#cc0000", "#674ea7", "#999999")
WIDTH = 720
HEIGHT = 220
LEFT = 40
BOTTOM = 30
TOP = 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[Label]
    legend: list[tuple[str, str]]
    maximum: int


def stacked_by_day(series: dict[str, dict[str, int]], days: list[str]) -> Chart:
    """One column per day, one coloured segment per channel."""
    names = sorted(series)
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    totals = [sum(series[name].get(day, 0) for name in names) for day in days]
    maximum = max([1, *totals])
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(days), 1)
    bars, labels = [], []
    step = max(1, len(days) // 10)
    for i, day in enumerate(days):
        x = LEFT + i * slot + slot * 0.1
        y = float(HEIGHT - BOTTOM)
        for name in names:
            value = series[name].get(day, 0)
            if not value:
                continue
            height = plot_h * value / maximum
            y -= height
            bars.append(Bar(x, y, slot * 0.8, height, colours[name], f"{day} {name}: {value}"))
        if i % step == 0:
            labels.append(Label(x, HEIGHT - BOTTOM + 14, day[5:]))
    labels.append(Label(0, TOP + 10, str(maximum)))
    labels.append(Label(0, HEIGHT - BOTTOM, "0"))
    return Chart(WIDTH, HEIGHT, bars, labels, [(name, colours[name]) for name in names], maximum)


def horizontal(items: list[tuple[str, int]], total: int | None = None) -> Chart:
    """One bar per item; with a total, titles give the share too."""
    row_h = 26
    label_w = 260
    maximum = max([1, *(value for _, value in items)])
    height = TOP + row_h * len(items) + 10
    bars, labels = [], []
    for i, (name, value) in enumerate(items):
        y = TOP + i * row_h
        width = (WIDTH - label_w - 60) * value / maximum
        share = f" ({100 * value / total:.1f}%)" if total else ""
        bars.append(
            Bar(label_w, y, max(width, 1 if value else 0), row_h - 8, PALETTE[0], f"{name}: {value}{share}")
        )
        labels.append(Label(0, y + row_h - 12, name[:40]))
        labels.append(Label(label_w + width + 6, y + row_h - 12, f"{value}{share}"))
    return Chart(WIDTH, height, bars, labels, [], maximum)
