"""The geometry of the figures' bar charts, server-side: the template draws it as inline SVG in
currentColor, with a table of the same numbers beside it (docs/architecture.md, "Figures")."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int | None  # None: too small to show (drawn as a low dashed outline)
    cx: float = 0.0  # the label's centre


@dataclass
class Chart:
    width: int
    height: int
    baseline: float
    bars: list
    top: int


def bar_chart(values, width: int = 480, height: int = 160, pad: int = 20) -> Chart:
    """Vertical bars for [(label, value or None)], scaled to the largest value."""
    values = list(values)
    top = max([v for _, v in values if v] or [1])
    n = max(1, len(values))
    slot = (width - 2 * pad) / n
    inner = height - 2 * pad
    bars = []
    for i, (label, value) in enumerate(values):
        h = inner * (value or 0) / top if value is not None else inner * 0.05
        x = pad + i * slot + slot * 0.15
        bars.append(Bar(x=round(x, 1), y=round(pad + inner - h, 1), width=round(slot * 0.7, 1), height=round(h, 1),
                        label=str(label), value=value, cx=round(x + slot * 0.35, 1)))
    return Chart(width=width, height=height, baseline=pad + inner, bars=bars, top=top)
