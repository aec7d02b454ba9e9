"""Grouped bar charts as inline SVG, drawn here: no script, no font and nothing else fetched.

Every text is XML-escaped (group names come from the store). Each bar is a ``rect`` of class
``bar`` carrying its group, series and value as data attributes and a ``title`` tooltip, so a
browser test can find what it drew.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 36, 64
COLOURS = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1")


def _nice_max(value: float) -> float:
    """A round axis maximum at or above *value*."""
    if value <= 0:
        return 1.0
    step = 10 ** len(str(int(value))) / 10
    for factor in (1, 2, 2.5, 5, 10):
        if value <= step * factor:
            return step * factor
    return step * 10


def bar_chart(title: str, rows: Sequence[Mapping[str, Any]], series: Sequence[str],
              label: str = "group") -> str:
    """One chart: for each row (group) a bar per series; missing values draw as 0."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    values = [[float(r.get(s) or 0) for s in series] for r in rows]
    top = _nice_max(max((v for vs in values for v in vs), default=0))
    slot = plot_w / max(len(rows), 1)
    bar_w = max(slot * 0.8 / max(len(series), 1), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" '
             f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}">',
             f'<text x="{LEFT}" y="20" class="title">{escape(title)}</text>',
             f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
             'stroke="#444"/>']
    for tick in range(5):
        v = top * tick / 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'class="tick">{v:g}</text>')
    for i, (row, vs) in enumerate(zip(rows, values, strict=True)):
        x0 = LEFT + i * slot + slot * 0.1
        name = escape(str(row.get(label, "")))
        for j, (s, v) in enumerate(zip(series, vs, strict=True)):
            h = plot_h * v / top
            x = x0 + j * bar_w
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[j % len(COLOURS)]}" data-group="{name}" '
                f'data-series="{escape(s)}" data-value="{v:g}"><title>{name} {escape(s)}: '
                f'{v:g}</title></rect>')
        parts.append(f'<text x="{x0 + slot * 0.4:.1f}" y="{TOP + plot_h + 16}" '
                     f'text-anchor="middle" class="label">{name}</text>')
    for j, s in enumerate(series):
        x = LEFT + j * 150
        parts.append(f'<rect class="key" x="{x}" y="{HEIGHT - 22}" width="12" height="12" '
                     f'fill="{COLOURS[j % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="{HEIGHT - 12}" class="label">{escape(s)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
