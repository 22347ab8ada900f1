"""A budget line's monthly spend report: each boost paid from it that month (post, channel, days,
spend, reach, impressions, results) and the line's ceiling, committed, spent and left; as PDF
under the office's letterhead and as XLSX with the same numbers (the insights' report machinery:
``core.pdf`` and openpyxl)."""

from __future__ import annotations

import io
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from accounts.selectors import office_letterhead
from core.pdf import render_pdf

from . import selectors
from .budget import line_figures
from .models import BudgetLine

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Text typed by people, never read by a spreadsheet as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def context(line: BudgetLine, month: date) -> dict:
    rows = selectors.month_spend(line, month)
    return {
        "line": line,
        "month": month,
        "title": formats.date_format(month, "F Y"),
        "rows": rows,
        "total": sum(row.spend for row in rows),
        "figures": line_figures(line),
    }


def report_pdf(data: dict) -> bytes:
    return render_pdf("boosts/report_pdf.html", data, letterhead=office_letterhead())


def report_xlsx(data: dict) -> bytes:
    line: BudgetLine = data["line"]
    book = Workbook()
    bold = Font(bold=True)
    sheet = book.active
    sheet.title = _("Spend")
    sheet.append([_text(office_letterhead()["name"])])
    sheet.append([_("Budget line"), _text(line.code), _text(line.name), data["title"]])
    figures = data["figures"]
    sheet.append([_("Ceiling"), figures.ceiling, _("Committed"), figures.committed,
                  _("Spent"), figures.spent, _("Left"), figures.left])  # fmt: skip
    sheet.append([])
    sheet.append([_("Boost"), _("Post"), _("Channel"), _("Status"), _("Spend (Rp)"),
                  _("Reach"), _("Impressions"), _("Results"), _("Ad Library")])  # fmt: skip
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in data["rows"]:
        boost = row.boost
        sheet.append([boost.pk, _text(boost.delivery.post.display_title[:200]),
                      _text(boost.delivery.channel.name), boost.get_status_display(), row.spend,
                      row.reach, row.impressions, row.results, boost.ad_library_url])  # fmt: skip
    sheet.append([_("Total"), "", "", "", data["total"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
