"""The insights page: thin, the figures come from the selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Division
from publishing.models import Channel
from publishing.permissions import post_policy

from . import charts, selectors, services
from .forms import OverviewFilter, PartnerFilter, ReportForm
from .models import Report, ReportStatus


@login_required
@require_GET
def overview(request):
    if not post_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied
    form = OverviewFilter(request.GET or None, channels=Channel.objects.filter(is_active=True),
                          divisions=Division.objects.all())  # fmt: skip
    data = form.cleaned_data if form.is_valid() else {}
    period = selectors.period_from(
        {"period": data.get("period"), "start": str(data.get("start") or ""),
         "end": str(data.get("end") or "")},
        timezone.localdate(),
    )  # fmt: skip
    figures = selectors.overview(
        channel_id=data["channel"].pk if data.get("channel") else None,
        division_id=data["division"].pk if data.get("division") else None,
        period=period,
    )
    chart = charts.line_chart(figures.daily_views, title=_("Views per day"), ident="views-daily")
    return render(request, "insights/overview.html", {
        "form": form, "figures": figures, "chart": chart, "boosted": selectors.boosted(figures),
        "heat_rows": list(zip(_weekdays(), figures.heat, strict=True)), "hours": range(24),
    })  # fmt: skip


@login_required
@require_GET
def partners(request):
    """The watched partners' accounts ranked by engagement rate and followers gained."""
    _may_view(request.user)
    form = PartnerFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    period = selectors.period_from(
        {"period": data.get("period"), "start": str(data.get("start") or ""),
         "end": str(data.get("end") or "")},
        timezone.localdate(),
    )  # fmt: skip
    ranking = selectors.partner_ranking(period)
    bars = [(rank.partner.name, rank.engagement_rate) for rank in ranking
            if rank.engagement_rate is not None]  # fmt: skip
    chart = charts.bar_chart(bars, title=_("Engagement rate per post"), ident="partner-rate",
                             unit="%") if bars else None  # fmt: skip
    return render(request, "insights/partners.html",
                  {"form": form, "period": period, "ranking": ranking, "chart": chart})  # fmt: skip


def _weekdays() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def _may_view(user) -> None:
    if not post_policy.user_has_permission(user, "view"):
        raise PermissionDenied


@login_required
def reports(request):
    _may_view(request.user)
    form = ReportForm(request.POST or None, divisions=Division.objects.all(),
                      initial={"year": timezone.localdate().year})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = services.report_request(kind=data["kind"], year=data["year"],
                                         number=data["number"], division=data["division"],
                                         account_group=data["account_group"],
                                         requested_by=request.user)  # fmt: skip
        return redirect("insights:report", pk=report.pk)
    archive = Report.objects.select_related("division", "requested_by")[:100]
    return render(request, "insights/reports.html", {"form": form, "archive": archive})


@login_required
@require_GET
def report(request, pk: int):
    _may_view(request.user)
    item = get_object_or_404(Report.objects.select_related("division"), pk=pk)
    template = (
        "insights/_report_status.html" if request.GET.get("partial") else "insights/report.html"
    )
    return render(request, template, {"report": item})


@login_required
@require_GET
def report_file(request, pk: int, fmt: str):
    _may_view(request.user)
    item = get_object_or_404(Report, pk=pk, status=ReportStatus.DONE)
    field = {"pdf": item.pdf, "xlsx": item.xlsx}.get(fmt)
    if not field:
        raise Http404
    return FileResponse(field.open("rb"), as_attachment=True,
                        filename=field.name.rsplit("/", 1)[-1])  # fmt: skip


@login_required
@require_GET
def next_slot(request):
    """The composer's hint: the next good hour to publish on the chosen channels."""
    _may_view(request.user)
    # A hint, not a form: what is not a channel's id ("x", "²", 25 digits) is passed over.
    ids = [int(v) for v in request.GET.getlist("channels") if v.isascii() and v.isdigit()
           and len(v) < 10]  # fmt: skip
    return render(request, "insights/_next_slot.html",
                  {"slot": selectors.next_good_slot(ids), "chosen": bool(ids)})  # fmt: skip
