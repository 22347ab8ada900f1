"""Read-only API of the SKM's published results; ``urlpatterns`` is mounted under /api/v1/.

Only periods the Kepala Dinas published are here, to anyone; drafts and comments are not.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

import core.converters  # noqa: F401  (registers <id:…>)

from . import selectors
from .models import Period


class SkmPeriodSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    service = serializers.CharField(source="service.name")
    service_slug = serializers.CharField(source="service.slug")
    kind = serializers.CharField(help_text="quarter, semester or year")
    year = serializers.IntegerField()
    number = serializers.IntegerField()
    label = serializers.CharField()
    published_at = serializers.DateTimeField()


class SkmElementSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="U1 to U9")
    name = serializers.CharField()
    answered = serializers.IntegerField()
    total = serializers.IntegerField(help_text="sum of the scores")
    nrr = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    weighted = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    converted = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    grade = serializers.CharField()


class SkmIndexSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=6, decimal_places=4, help_text="IKM, 1-4")
    converted = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="IKM x 25")
    grade = serializers.CharField(help_text="A, B, C or D")
    grade_label = serializers.CharField()


class SkmResultsSerializer(serializers.Serializer):
    period = SkmPeriodSerializer()
    respondents = serializers.IntegerField()
    index = SkmIndexSerializer(allow_null=True)
    elements = SkmElementSerializer(many=True)
    ranking = serializers.ListField(child=serializers.IntegerField(), help_text="weakest first")
    profile = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField()),
        help_text="respondents per sex, age group, education and occupation",
    )
    conclusion = serializers.CharField()


class PeriodListView(APIView):
    """The published periods, newest first."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=SkmPeriodSerializer(many=True))
    def get(self, request):
        periods = selectors.periods_published().order_by("-published_at")[:200]
        return Response(SkmPeriodSerializer(periods, many=True).data)


class PeriodResultsView(APIView):
    """A published period's results: NRR per element, the IKM, its grade, the profile."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=SkmResultsSerializer)
    def get(self, request, pk: int):
        period: Period = get_object_or_404(selectors.periods_published(), pk=pk)
        results = selectors.period_results(period)
        data = {
            "period": period,
            "respondents": results.respondents,
            "index": results.index,
            "elements": results.elements,
            "ranking": [e.number for e in results.ranking],
            "profile": {k: [[label, n] for label, n in v] for k, v in results.profile.items()},
            "conclusion": period.conclusion,
        }
        return Response(SkmResultsSerializer(data).data)


urlpatterns = [
    path("skm/periods/", PeriodListView.as_view(), name="skm-period-list"),
    path("skm/periods/<id:pk>/results/", PeriodResultsView.as_view(), name="skm-period-results"),
]
