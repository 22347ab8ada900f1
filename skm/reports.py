"""The SKM report in the usual layout: the processing table, the charts with their tables, the
conclusions and the follow-up plan per weak element; as PDF (under the office's letterhead) and
XLSX."""

from __future__ import annotations

import io

from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from accounts.selectors import office_letterhead
from core.pdf import render_pdf

from . import charts, selectors
from .forms import PROFILE_LABELS
from .models import FollowUp, Period
from .regulation import GRADES, krejcie_morgan

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Text typed by people, never read by a spreadsheet as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def default_conclusion(period: Period, results: selectors.Results) -> str:
    """A first draft of the conclusions the Kepala Dinas edits before publishing."""
    if results.index is None:
        return ""
    weakest = results.ranking[0] if results.ranking else None
    strongest = results.ranking[-1] if results.ranking else None
    parts = [
        _(
            "The community satisfaction index of %(service)s in %(period)s is %(value)s "
            "(grade %(grade)s, %(label)s) from %(count)s respondents."
        )
        % {
            "service": period.service.name,
            "period": period.label,
            "value": formats.number_format(results.index.converted, 2),
            "grade": results.index.grade,
            "label": results.index.grade_label,
            "count": results.respondents,
        }
    ]
    if weakest and strongest and weakest is not strongest:
        parts.append(
            _(
                "The weakest element is %(weak)s (NRR %(wv)s); the strongest is %(strong)s (NRR %(sv)s)."
            )
            % {
                "weak": weakest.name,
                "wv": formats.number_format(weakest.nrr, 2),
                "strong": strongest.name,
                "sv": formats.number_format(strongest.nrr, 2),
            }
        )
    return " ".join(parts)


def _context(period: Period) -> dict:
    results = selectors.period_results(period)
    return {
        "period": period,
        "results": results,
        "grades": GRADES,
        "target": krejcie_morgan(period.population),
        "nrr_chart": charts.horizontal_bars(
            [(f"U{e.number} {e.name}", e.nrr) for e in results.elements],
            maximum=4,
            title=_("Mean score (NRR) per element"),
        ),
        "profile_blocks": charts.profile_blocks(results.profile, PROFILE_LABELS),
        "follow_ups": list(FollowUp.objects.filter(period=period).order_by("element")),
        "conclusion": period.conclusion or default_conclusion(period, results),
    }


def report_pdf(period: Period) -> bytes:
    return render_pdf("skm/report_pdf.html", _context(period), letterhead=office_letterhead())


def report_xlsx(period: Period) -> bytes:
    """The report as a workbook: the index per element with its chart, the respondents'
    profile, the conclusions."""
    context = _context(period)
    results: selectors.Results = context["results"]
    book = Workbook()
    sheet = book.active
    sheet.title = "SKM"
    _xlsx_index(sheet, period, context, results)
    _xlsx_profile(book, results)
    _xlsx_conclusions(book, context, results)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_index(sheet, period: Period, context: dict, results: selectors.Results) -> None:
    """The first sheet: the survey, each element's scores, the index, its chart, the ranking."""
    bold = Font(bold=True)
    sheet.append([_text(office_letterhead()["name"])])
    sheet.append([_("Community satisfaction survey"), _text(period.service.name), period.label])
    sheet.append([_("Respondents"), results.respondents, _("Target sample"), context["target"]])
    sheet.append([])
    header = [
        _("Element"),
        _("Name"),
        _("Answered"),
        _("Sum of scores"),
        "NRR",
        _("Weighted NRR"),
        _("Converted"),
        _("Grade"),
    ]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    first = sheet.max_row + 1
    for e in results.elements:
        sheet.append(
            [
                f"U{e.number}",
                e.name,
                e.answered,
                e.total,
                float(e.nrr) if e.nrr is not None else None,
                float(e.weighted) if e.weighted is not None else None,
                float(e.converted) if e.converted is not None else None,
                e.grade,
            ]
        )
    last = sheet.max_row
    if results.index:
        sheet.append(
            [
                _("IKM"),
                "",
                "",
                "",
                "",
                float(results.index.value),
                float(results.index.converted),
                results.index.grade,
            ]
        )
        sheet.append([_("Grade"), f"{results.index.grade} ({results.index.grade_label})"])
    chart = BarChart()
    chart.type = "bar"
    chart.title = _("Mean score (NRR) per element")
    chart.add_data(
        Reference(sheet, min_col=5, min_row=first - 1, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    sheet.add_chart(chart, "J2")
    sheet.append([])
    sheet.append([_("Elements from weakest to strongest")])
    for rank, e in enumerate(results.ranking, 1):
        sheet.append([rank, f"U{e.number} {e.name}", float(e.nrr)])


def _xlsx_profile(book: Workbook, results: selectors.Results) -> None:
    profile = book.create_sheet(_("Respondents"))
    for key, rows in results.profile.items():
        profile.append([str(PROFILE_LABELS[key])])
        for label, count in rows:
            profile.append([label, count])
        profile.append([])


def _xlsx_conclusions(book: Workbook, context: dict, results: selectors.Results) -> None:
    notes = book.create_sheet(_("Conclusions"))
    notes.append([_("Conclusions")])
    notes.append([_text(context["conclusion"])])
    notes.append([])
    notes.append([_("Follow-up plan"), _("Element"), _("When")])
    for f in context["follow_ups"]:
        notes.append([_text(f.plan), f"U{f.element}", _text(f.due)])
    notes.append([])
    notes.append([_("Comments and suggestions")])
    for comment in results.comments:
        notes.append([_text(comment)])
