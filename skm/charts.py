"""The SKM's charts, drawn on the server as SVG (no script), each with a table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
ROW = 26
LEFT = 210
RIGHT = 60


def horizontal_bars(
    rows: Sequence[tuple[str, Decimal | int | None]], *, maximum: Decimal | int, title: str
) -> SafeString:
    """One bar per row (label, value) on a 0-``maximum`` scale; an empty value draws no bar."""
    height = ROW * len(rows) + 24
    plot = WIDTH - LEFT - RIGHT
    parts = [
        f'<svg class="skm-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    top = Decimal(maximum) or Decimal(1)
    for i, (label, value) in enumerate(rows):
        y = 8 + i * ROW
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(label[:32])}</text>"
        )
        if value is None:
            parts.append(f'<text x="{LEFT + 4}" y="{y + 15}" font-size="12">-</text>')
            continue
        w = float(Decimal(value) / top) * plot
        parts.append(
            f'<rect x="{LEFT}" y="{y + 3}" width="{w:.1f}" height="{ROW - 8}" fill="#1d6fa5"/>'
        )
        parts.append(
            f'<text x="{LEFT + w + 4:.1f}" y="{y + 15}" font-size="12">{escape(str(value))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def profile_blocks(profile: dict, titles: dict) -> list[tuple[str, list, SafeString]]:
    """Per profile question (sex, age, education, occupation): its title, its rows (label,
    respondents) and their chart."""
    blocks = []
    for key, rows in profile.items():
        title = str(titles[key])
        top = max([count for _label, count in rows] + [1])
        blocks.append((title, rows, horizontal_bars(rows, maximum=top, title=title)))
    return blocks
