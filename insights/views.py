"""The insights page: thin, the figures come from the selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Division
from publishing.models import Channel
from publishing.permissions import post_policy

from . import charts, selectors
from .forms import OverviewFilter


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
        "form": form, "figures": figures, "chart": chart,
        "heat_rows": list(zip(_weekdays(), figures.heat, strict=True)), "hours": range(24),
    })  # fmt: skip


def _weekdays() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
