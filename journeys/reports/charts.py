"""Server-rendered SVG charts (no JavaScript, no CDN): counts over time as lines.

    svg = line_chart(buckets, [Line("Entered", [3, 5, 0], "#2563eb")], unit="minute")

The markup is safe to insert (`mark_safe`): every label is escaped here. Each point carries a
`<title>` so hovering shows its bucket and count.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 32


@dataclass
class Line:
    label: str
    values: list[int]
    colour: str


def nice_max(value: int) -> int:
    """A round upper bound for the y axis (1, 2, 5 × 10^n), at least 4."""
    if value <= 4:
        return 4
    magnitude = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * magnitude:
            return int(factor * magnitude)
    return int(10 * magnitude)


def _bucket_label(moment: dt.datetime, unit: str) -> str:
    if unit == "day":
        return moment.strftime("%b %d")
    return moment.strftime("%H:%M") if unit == "minute" else moment.strftime("%b %d %H:00")


def line_chart(
    buckets: list[dt.datetime], lines: list[Line], *, unit: str, title: str = ""
) -> SafeString:
    """An SVG line chart of `lines` over `buckets` (UTC), y from 0 to a round maximum."""
    count = max(len(buckets), 1)
    top = nice_max(max((max(line.values, default=0) for line in lines), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(v: int) -> float:
        return TOP + plot_h - plot_h * v / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">'
    ]
    for tick in range(5):  # horizontal grid and y labels
        value = top * tick // 4
        ty = y(value)
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>'
        )
        parts.append(
            f'<text class="chart-y" x="{LEFT - 8}" y="{ty + 4:.1f}" text-anchor="end">{value}</text>'
        )
    labels = min(6, count)
    for k in range(labels):  # x labels, evenly spread
        i = round(k * (count - 1) / max(labels - 1, 1)) if count > 1 else 0
        if i < len(buckets):
            anchor = (
                "start"
                if k == 0 and labels > 1
                else "end"
                if k == labels - 1 and labels > 1
                else "middle"
            )
            parts.append(
                f'<text class="chart-x" x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
                f"{escape(_bucket_label(buckets[i], unit))}</text>"
            )
    for line in lines:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(line.values))
        colour = escape(line.colour)
        if len(line.values) > 1:
            area = f"{x(0):.1f},{y(0):.1f} {points} {x(len(line.values) - 1):.1f},{y(0):.1f}"
            parts.append(f'<polygon class="chart-area" points="{area}" fill="{colour}"/>')
            parts.append(f'<polyline class="chart-line" points="{points}" stroke="{colour}"/>')
        for i, v in enumerate(line.values):
            if v or len(line.values) == 1:
                when = _bucket_label(buckets[i], unit) if i < len(buckets) else ""
                parts.append(
                    f'<circle class="chart-dot" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(line.label)}: {v} ({escape(when)})</title></circle>"
                )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated label is escaped above
