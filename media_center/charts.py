"""Charts drawn on the server as SVG: no script, no CDN, readable without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import formats
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import Answer
from .selectors import SeriesRow

# One CSS class per answer (colours live in the stylesheet, not in the markup).
ANSWER_CLASSES = {
    Answer.SANGAT_PUAS: "a1",
    Answer.PUAS: "a2",
    Answer.CUKUP_PUAS: "a3",
    Answer.TIDAK_PUAS: "a4",
}
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 56


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 5:
            return step * 5
    return ((value // 10000) + 1) * 10000


def stacked_bars(
    rows: Sequence[SeriesRow], *, date_format: str = "SHORT_DATE_FORMAT"
) -> SafeString:
    """Votes per period, stacked by answer, with a legend and a text alternative."""
    title = _("Answers per period")
    if not rows:
        return format_html('<p class="muted">{}</p>', _("No answers in this range yet."))
    top = _nice_max(max(row.results.total for row in rows))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / len(rows)
    bar_w = max(2.0, min(40.0, slot * 0.7))
    parts: list[str] = []
    for i in range(6):  # grid and y labels
        value = top * i / 5
        y = TOP + plot_h - plot_h * i / 5
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{int(value)}</text>'
        )
    label_every = max(1, len(rows) // 8)
    descriptions = []
    for index, row in enumerate(rows):
        x = LEFT + slot * index + (slot - bar_w) / 2
        y = TOP + plot_h
        label = formats.date_format(row.start, date_format)
        descriptions.append(f"{label}: {row.results.total}")
        for share in row.results.answers:
            if not share.count:
                continue
            h = plot_h * share.count / top
            y -= h
            parts.append(
                f'<rect class="{ANSWER_CLASSES[Answer(share.value)]}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}"><title>{escape(label)} · '
                f"{escape(share.label)}: {share.count}</title></rect>"
            )
        if index % label_every == 0:
            cx = x + bar_w / 2
            parts.append(
                f'<text class="tick" x="{cx:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    legend_x = LEFT
    for answer in Answer:
        parts.append(
            f'<rect class="{ANSWER_CLASSES[answer]}" x="{legend_x}" y="{HEIGHT - 20}" width="12" height="12"/>'
        )
        parts.append(
            f'<text class="legend" x="{legend_x + 16}" y="{HEIGHT - 10}">{escape(answer.label)}</text>'
        )
        legend_x += 24 + 8 * len(str(answer.label))
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">{escape(title)}</title>'
        f'<desc id="chart-desc">{escape("; ".join(descriptions))}</desc>'
        + "".join(parts)
        + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every text above is escaped, numbers are formatted
