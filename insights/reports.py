"""A period's report of the office, a division or an account group: the figures, the views per
day (chart with its table), the best posts with their thumbnails and links, the community
satisfaction survey's results of the period and a signature block; as PDF under the office's
letterhead and as XLSX with the same numbers."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from accounts.selectors import office_letterhead
from core.pdf import render_pdf

from . import charts, selectors
from .models import Report

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Text typed by people, never read by a spreadsheet as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


@dataclass
class SurveyRow:
    service: str
    label: str
    respondents: int
    index: float | None
    grade: str


def _survey(period: selectors.Period) -> list[SurveyRow]:
    """The published survey periods overlapping the report's period."""
    from skm.models import Period as SurveyPeriod
    from skm.selectors import period_results

    rows = []
    candidates = SurveyPeriod.objects.filter(
        published_at__isnull=False, year__gte=period.start.year, year__lte=period.end.year
    ).select_related("service")
    for survey in candidates.order_by("service__name", "year", "number"):
        if survey.start > period.end or survey.end < period.start:
            continue
        results = period_results(survey)
        index = results.index
        rows.append(SurveyRow(survey.service.name, survey.label, results.respondents,
                              float(index.converted) if index else None,
                              index.grade if index else ""))  # fmt: skip
    return rows


def _thumb(post) -> str:
    """The post's first thumbnail as a ``data:`` URI (a PDF loads nothing else), or ""."""
    from assets.models import Rendition

    item = next(iter(post.media.all()), None)
    if item is None:
        return ""
    rendition = Rendition.objects.filter(asset=item.asset, name="thumb").first()
    if rendition is None or not rendition.file:
        return ""
    try:
        with rendition.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(data).decode()


def scope_label(report: Report) -> str:
    from publishing.models import AccountGroup

    if report.division_id:
        return report.division.name
    if report.account_group:
        return str(dict(AccountGroup.choices).get(report.account_group, report.account_group))
    return office_letterhead()["name"]


def context(report: Report, *, thumbnails: bool = True) -> dict:
    period = selectors.Period("custom", report.start, report.end)
    figures = selectors.overview(channel_id=None, division_id=report.division_id,
                                 account_group=report.account_group, period=period)  # fmt: skip
    base = settings.ASSET_PUBLIC_BASE_URL.rstrip("/")
    top = [
        {"figures": f, "post": post, "channel": channel,
         "url": base + reverse("publishing:post_detail", args=[post.pk]),
         "thumb": _thumb(post) if thumbnails else ""}
        for f, post, channel in figures.best
    ]  # fmt: skip
    return {
        "report": report,
        "scope": scope_label(report),
        "title": period_title(report),
        "figures": figures,
        "top": top,
        "survey": _survey(period),
        "partners": selectors.partner_ranking(period),
        "chart": charts.line_chart(
            figures.daily_views, title=_("Views per day"), ident="report-views"
        ),
        "head": _head_of_office(),
    }


def _head_of_office() -> str:
    from accounts.models import User
    from accounts.roles import Role

    head = (
        User.objects.filter(is_active=True, groups__name=Role.KEPALA_DINAS.value)
        .order_by("pk")
        .values_list("full_name", flat=True)
        .first()
    )
    return head or ""


def report_pdf(data: dict) -> bytes:
    return render_pdf("insights/report_pdf.html", data, letterhead=office_letterhead())


FIGURES = (
    ("views", gettext_lazy("Views")),
    ("reach", gettext_lazy("Reach")),
    ("followers_gained", gettext_lazy("Followers gained")),
)


def report_xlsx(data: dict) -> bytes:
    report: Report = data["report"]
    figures: selectors.Overview = data["figures"]
    book = Workbook()
    bold = Font(bold=True)
    sheet = book.active
    sheet.title = _("Figures")
    sheet.append([_text(office_letterhead()["name"])])
    sheet.append([_("Report"), _text(data["scope"]), report.get_kind_display(),
                  report.start.isoformat(), report.end.isoformat()])  # fmt: skip
    sheet.append([])
    sheet.append([_("Figure"), _("Value")])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for key, label in FIGURES:
        sheet.append([str(label), figures.totals.get(key, 0)])
    sheet.append([_("Engagement on the period's posts"), figures.engagement])
    rate = figures.engagement_rate
    sheet.append([_("Engagement rate (%)"), round(rate, 2) if rate is not None else None])
    sheet.append([_("Posts made"), figures.totals.get("posts", 0)])
    daily = book.create_sheet(_("Views per day"))
    daily.append([_("Day"), _("Views")])
    for day, value in figures.daily_views:
        daily.append([day, value])
    best = book.create_sheet(_("Best posts"))
    best.append([_("Post"), _("Channel"), _("Views"), _("Engagement"), _("Address")])
    for row in data["top"]:
        best.append([_text(row["post"].display_title[:200]), _text(row["channel"].name),
                     row["figures"].views, row["figures"].engagement, row["url"]])  # fmt: skip
    survey = book.create_sheet(_("Survey"))
    survey.append([_("Service"), _("Period"), _("Respondents"), _("IKM"), _("Grade")])
    for row in data["survey"]:
        survey.append([_text(row.service), row.label, row.respondents, row.index, row.grade])
    partners = book.create_sheet(_("Partner accounts"))
    partners.append([_("Rank"), _("Account"), _("Platform"), _("Followers"),
                     _("Followers gained"), _("Engagement rate per post (%)"), _("Note")])  # fmt: skip
    for rank in data["partners"]:
        rate = round(rank.engagement_rate, 2) if rank.engagement_rate is not None else None
        partners.append([rank.position, _text(rank.partner.name),
                         rank.partner.get_platform_display(), rank.followers,
                         rank.followers_gained, rate, _text(str(rank.reason or ""))])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def period_title(report: Report) -> str:
    if report.kind == "month":
        return formats.date_format(report.start, "F Y")
    if report.kind == "quarter":
        return _("Quarter %(n)s %(year)s") % {"n": (report.start.month - 1) // 3 + 1,
                                             "year": report.start.year}  # fmt: skip
    return _("Year %(year)s") % {"year": report.start.year}
