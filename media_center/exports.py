"""Survey results as CSV and Excel (openpyxl) files: one row per period, then the whole range."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .models import Answer, Survey
from .selectors import Results, SeriesRow

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Text that a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def header() -> list[str]:
    labels = [str(a.label) for a in Answer]
    return [
        _("Period"),
        *labels,
        _("Total"),
        *[f"% {label}" for label in labels],
        _("Information service satisfaction index"),
        _("Grade"),
    ]


def _row(label: str | date, results: Results) -> list:
    index = results.index
    return [
        label,
        *[a.count for a in results.answers],
        results.total,
        *[a.percent if a.percent is not None else "" for a in results.answers],
        float(index.value) if index else "",
        f"{index.grade} ({index.grade_label})" if index else "",
    ]


def rows(series: Sequence[SeriesRow], overall: Results) -> list[list]:
    body = [_row(row.start, row.results) for row in series]
    body.append(_row(_("All"), overall))
    return body


def as_csv(survey: Survey, series: Sequence[SeriesRow], overall: Results) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Question"), _text(survey.question)])
    writer.writerow(header())
    for row in rows(series, overall):
        writer.writerow([v.isoformat() if isinstance(v, date) else v for v in row])
    # A byte order mark lets Excel open the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(survey: Survey, series: Sequence[SeriesRow], overall: Results) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Results")[:31]
    sheet.append([_("Question")])
    question = sheet.cell(row=1, column=2, value=survey.question)
    question.data_type = "s"  # never a formula, whatever the question starts with
    sheet.append(header())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows(series, overall):
        sheet.append(row)
        if isinstance(row[0], date):
            sheet.cell(row=sheet.max_row, column=1).number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 14
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
