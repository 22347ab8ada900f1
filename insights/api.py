"""``/api/v1/insights/...``: the kept figures, read-only."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

import config.converters  # noqa: F401  (registers <id:…>)
from publishing.models import Post
from publishing.permissions import post_policy

from . import selectors
from .forms import PERIOD_CHOICES


class SummaryFilterSerializer(serializers.Serializer):
    channel = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    division = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    period = serializers.ChoiceField(choices=[key for key, _label in PERIOD_CHOICES],
                                     required=False, default="month")  # fmt: skip
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, data):
        if data.get("period") == "custom" and not (data.get("start") and data.get("end")):
            raise serializers.ValidationError(_("Choose both dates for a chosen period."))
        return data


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
        period = selectors.period_from(
            {"period": data.get("period"), "start": str(data.get("start") or ""),
             "end": str(data.get("end") or "")},
            timezone.localdate(),
        )  # fmt: skip
        figures = selectors.overview(
            channel_id=data.get("channel"), division_id=data.get("division"), period=period
        )
        body = {
            "start": period.start, "end": period.end,
            "channels": [c.pk for c in figures.channels],
            "totals": figures.totals, "engagement": figures.engagement,
            "engagement_rate": figures.engagement_rate,
            "daily_views": [{"day": d, "value": v} for d, v in figures.daily_views],
            "unavailable": [{"metric": m, "reason": r} for m, r in figures.unavailable],
        }  # fmt: skip
        return Response(SummarySerializer(body).data)


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


urlpatterns = [
    path("insights/summary/", SummaryView.as_view(), name="insights-summary"),
    path("insights/posts/<id:pk>/", PostFiguresView.as_view(), name="insights-post"),
]
