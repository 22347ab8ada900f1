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


def bar_chart(
    bars: Sequence[tuple[str, float]], *, title: str, ident: str, unit: str = "",
    width: int = 640, bar_height: int = 26,
) -> SafeString:  # fmt: skip
    """Horizontal bars, one per label, longest first as given; each value written at its bar's
    end. The SVG scales to the width of its box (a phone or a laptop)."""
    label_w, right, top_pad = 190, 70, 6
    height = top_pad * 2 + bar_height * max(1, len(bars))
    plot_w = width - label_w - right
    top = max([v for _label, v in bars] + [0]) or 1
    parts: list[str] = []
    for i, (label, value) in enumerate(bars):
        y = top_pad + i * bar_height
        length = max(0.0, plot_w * value / top)
        shown = f"{formats.number_format(value, 2)}{unit}"
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(f'<text class="tick" x="{label_w - 6}" y="{y + bar_height / 2 + 4:.1f}" '
                     f'text-anchor="end">{escape(short)}</text>')  # fmt: skip
        parts.append(f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{length:.1f}" '
                     f'height="{bar_height - 8}" rx="2"/>')  # fmt: skip
        parts.append(f'<text class="tick" x="{label_w + length + 4:.1f}" '
                     f'y="{y + bar_height / 2 + 4:.1f}">{escape(shown)}</text>')  # fmt: skip
    summary = "; ".join(f"{label}: {formats.number_format(v, 2)}{unit}" for label, v in bars)
    svg = (
        f'<svg class="chart bar-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(summary)}</desc>' + "".join(parts) + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every text above is escaped, numbers are formatted
