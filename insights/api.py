"""``/api/v1/insights/...``: the kept figures, read-only."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

import core.converters  # noqa: F401  (registers <id:…>)
from accounts.models import Division
from core import api as strict
from publishing.models import AccountGroup, Post
from publishing.permissions import post_policy

from . import selectors, services
from .forms import PERIOD_CHOICES
from .models import Report, ReportKind, ReportStatus


class PeriodFilterSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=[key for key, _label in PERIOD_CHOICES],
                                     required=False, default="month")  # fmt: skip
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, data):
        if data.get("period") == "custom" and not (data.get("start") and data.get("end")):
            raise serializers.ValidationError(_("Choose both dates for a chosen period."))
        return data

    def chosen_period(self) -> selectors.Period:
        data = self.validated_data
        return selectors.period_from(
            {"period": data.get("period"), "start": str(data.get("start") or ""),
             "end": str(data.get("end") or "")},
            timezone.localdate(),
        )  # fmt: skip


class SummaryFilterSerializer(PeriodFilterSerializer):
    channel = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    division = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    account_group = serializers.ChoiceField(choices=AccountGroup.choices, required=False)


class DayValueSerializer(serializers.Serializer):
    day = serializers.DateField()
    value = serializers.IntegerField()


class UnavailableSerializer(serializers.Serializer):
    metric = serializers.CharField()
    reason = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    channels = serializers.ListField(child=serializers.IntegerField())
    totals = serializers.DictField(child=serializers.IntegerField())
    engagement = serializers.IntegerField()
    engagement_rate = serializers.FloatField(allow_null=True)
    daily_views = DayValueSerializer(many=True)
    unavailable = UnavailableSerializer(many=True)
    heat = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
        help_text="Engagement rate (%) by weekday (Monday first) and hour (WIB) of publishing.",
    )


class FigureSerializer(serializers.Serializer):
    metric = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    permission = serializers.CharField()


class DeliveryFiguresSerializer(serializers.Serializer):
    delivery = serializers.IntegerField()
    channel = serializers.IntegerField()
    platform = serializers.CharField()
    figures = FigureSerializer(many=True)
    views = DayValueSerializer(many=True)


class PartnerRankSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True, help_text="Empty: no figures in the period.")
    partner = serializers.IntegerField()
    name = serializers.CharField()
    platform = serializers.CharField()
    handle = serializers.CharField()
    kind = serializers.CharField()
    day = serializers.DateField(allow_null=True, help_text="The latest reading in the period.")
    followers = serializers.IntegerField(allow_null=True)
    followers_gained = serializers.IntegerField(allow_null=True)
    posts = serializers.IntegerField(allow_null=True)
    recent_posts = serializers.IntegerField(allow_null=True)
    recent_engagement = serializers.IntegerField(allow_null=True)
    engagement_rate = serializers.FloatField(
        allow_null=True, help_text="Engagement per recent post against the followers, in %."
    )
    reason = serializers.CharField(
        help_text="Why the figures are not available, when they are not."
    )


class PartnerRankingSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    partners = PartnerRankSerializer(many=True)


def _require_view(request) -> None:
    if not post_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied()


class SummaryView(APIView):
    @extend_schema(parameters=[SummaryFilterSerializer], responses=SummarySerializer)
    def get(self, request):
        _require_view(request)
        params = SummaryFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        period = params.chosen_period()
        figures = selectors.overview(
            channel_id=data.get("channel"), division_id=data.get("division"), period=period,
            account_group=data.get("account_group") or "",
        )  # fmt: skip
        body = {
            "start": period.start, "end": period.end,
            "channels": [c.pk for c in figures.channels],
            "totals": figures.totals, "engagement": figures.engagement,
            "engagement_rate": figures.engagement_rate,
            "daily_views": [{"day": d, "value": v} for d, v in figures.daily_views],
            "unavailable": [{"metric": m, "reason": r} for m, r in figures.unavailable],
            "heat": figures.heat,
        }  # fmt: skip
        return Response(SummarySerializer(body).data)


class PartnerRankingView(APIView):
    """The watched partner accounts ranked as on ``/insights/partners/``."""

    @extend_schema(parameters=[PeriodFilterSerializer], responses=PartnerRankingSerializer)
    def get(self, request):
        _require_view(request)
        params = PeriodFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        period = params.chosen_period()
        rows = []
        for rank in selectors.partner_ranking(period):
            partner = rank.partner
            rows.append({
                "rank": rank.position, "partner": partner.pk,
                "name": partner.name, "platform": partner.platform, "handle": partner.handle,
                "kind": partner.kind, "day": rank.day, "followers": rank.followers,
                "followers_gained": rank.followers_gained, "posts": rank.posts,
                "recent_posts": rank.recent_posts, "recent_engagement": rank.recent_engagement,
                "engagement_rate": rank.engagement_rate, "reason": str(rank.reason or ""),
            })  # fmt: skip
        body = {"start": period.start, "end": period.end, "partners": rows}
        return Response(PartnerRankingSerializer(body).data)


class PostFiguresView(APIView):
    @extend_schema(responses=DeliveryFiguresSerializer(many=True))
    def get(self, request, pk: int):
        _require_view(request)
        post = Post.objects.filter(pk=pk).first()
        if post is None:
            raise NotFound(_("This post does not exist."))
        body = [
            {
                "delivery": entry["delivery"].pk,
                "channel": entry["delivery"].channel_id,
                "platform": entry["delivery"].channel.platform,
                "figures": [{"metric": name, **figure} for name, figure in entry["latest"].items()],
                "views": [{"day": d, "value": v} for d, v in entry["series"]],
            }
            for entry in selectors.post_figures(post)
        ]
        return Response(DeliveryFiguresSerializer(body, many=True).data)


class ReportSerializer(serializers.ModelSerializer):
    pdf_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "kind", "start", "end", "division", "account_group", "status", "progress",
                  "created_at", "finished_at", "mailed_at", "pdf_url", "xlsx_url"]  # fmt: skip

    def _url(self, report: Report, fmt: str) -> str | None:
        if report.status != ReportStatus.DONE:
            return None
        return reverse("insights:report_file", args=[report.pk, fmt])

    def get_pdf_url(self, report: Report) -> str | None:
        return self._url(report, "pdf")

    def get_xlsx_url(self, report: Report) -> str | None:
        return self._url(report, "xlsx")


class ReportRequestSerializer(strict.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    number = serializers.IntegerField(min_value=1, max_value=12, required=False, default=1)
    division = serializers.PrimaryKeyRelatedField(queryset=Division.objects.all(), required=False,
                                                  allow_null=True, default=None)  # fmt: skip
    account_group = serializers.ChoiceField(choices=AccountGroup.choices, required=False,
                                            allow_blank=True, default="")  # fmt: skip

    def validate(self, data):
        if data["kind"] == ReportKind.QUARTER and data["number"] > 4:
            raise serializers.ValidationError({"number": _("A quarter is numbered 1 to 4.")})
        if data.get("division") and data.get("account_group"):
            raise serializers.ValidationError(_("Choose a division or an account group, not both."))
        return data


class ReportsView(APIView):
    @extend_schema(responses=ReportSerializer(many=True))
    def get(self, request):
        _require_view(request)
        return Response(ReportSerializer(Report.objects.all()[:100], many=True).data)

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportSerializer})
    def post(self, request):
        _require_view(request)
        params = ReportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        report = services.report_request(**params.validated_data, requested_by=request.user)
        return Response(ReportSerializer(report).data, status=202)


class ReportView(APIView):
    @extend_schema(responses=ReportSerializer)
    def get(self, request, pk: int):
        _require_view(request)
        report = Report.objects.filter(pk=pk).first()
        if report is None:
            raise NotFound(_("This report does not exist."))
        return Response(ReportSerializer(report).data)


urlpatterns = [
    path("insights/reports/", ReportsView.as_view(), name="insights-reports"),
    path("insights/reports/<id:pk>/", ReportView.as_view(), name="insights-report"),
    path("insights/summary/", SummaryView.as_view(), name="insights-summary"),
    path("insights/posts/<id:pk>/", PostFiguresView.as_view(), name="insights-post"),
    path("insights/partners/", PartnerRankingView.as_view(), name="insights-partners"),
]
