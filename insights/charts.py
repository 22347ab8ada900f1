"""Charts drawn on the server as SVG (no script, no CDN), each with a text alternative; the pages
put a table of the same numbers beside them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _nice_max(value: int) -> int:
    top = 5
    while top < value:
        top *= 2 if str(top)[0] in "15" else 2.5 if str(top)[0] == "2" else 2
        top = int(top)
    return top


def line_chart(
    points: Sequence[tuple[date, int]], *, title: str, ident: str, width: int = 640,
    height: int = 220,
) -> SafeString:  # fmt: skip
    """Values over days as a line with its area, y ticks and a few day labels."""
    left, right, top_pad, bottom = 48, 10, 12, 28
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = _nice_max(max([v for _d, v in points] + [1]))
    step = plot_w / max(1, len(points) - 1)
    parts: list[str] = []
    for i in range(5):
        y = top_pad + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{escape(intcomma(int(top * i / 4)))}</text>")  # fmt: skip
    coords = [
        (left + step * i, top_pad + plot_h - plot_h * value / top)
        for i, (_day, value) in enumerate(points)
    ]
    if coords:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        base = top_pad + plot_h
        parts.append(f'<polygon class="area" points="{coords[0][0]:.1f},{base} {line} '
                     f'{coords[-1][0]:.1f},{base}"/>')  # fmt: skip
        parts.append(f'<polyline class="line" points="{line}"/>')
    every = max(1, len(points) // 6)
    for i, (day, _value) in enumerate(points):
        if i % every == 0:
            x = left + step * i
            label = formats.date_format(day, "d/m")
            parts.append(f'<text class="tick" x="{x:.1f}" y="{height - 8}" text-anchor="middle">'
                         f"{escape(label)}</text>")  # fmt: skip
    summary = "; ".join(f"{formats.date_format(d, 'SHORT_DATE_FORMAT')}: {v}" for d, v in points)
    svg = (
        f'<svg class="chart line-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(summary)}</desc>' + "".join(parts) + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every text above is escaped, numbers are formatted
