"""API views of this app; ``urlpatterns`` is mounted under /api/v1/.

The survey endpoints are public: anyone may list the open surveys and read their results.
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .models import Survey


class SurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = Survey
        fields = ["slug", "question", "is_featured"]


class AnswerShareSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)


class ResultsSerializer(serializers.Serializer):
    slug = serializers.CharField()
    question = serializers.CharField()
    is_open = serializers.BooleanField()
    total = serializers.IntegerField()
    answers = AnswerShareSerializer(many=True)
    index = serializers.FloatField(
        allow_null=True,
        help_text="index of satisfaction with the information service, 25-100 scale",
    )
    grade = serializers.CharField(allow_null=True, help_text="A, B, C or D")
    grade_label = serializers.CharField(allow_null=True)


class SurveyListView(generics.ListAPIView):
    """The open surveys, the one the widget shows first."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = SurveySerializer

    def get_queryset(self):
        return selectors.surveys_open()


class SurveyResultsView(APIView):
    """Counts, whole-number percentages (sum 100, ``null`` without votes), total, and the
    index of satisfaction with the information service with its grade."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=ResultsSerializer)
    def get(self, request, slug: str):
        survey = selectors.survey_public(slug=slug)
        if survey is None:
            raise NotFound(_("There is no survey at this address."))
        response = Response(selectors.public_results(survey=survey))
        response["Cache-Control"] = "public, max-age=10"
        return response


urlpatterns = [
    path("surveys/", SurveyListView.as_view(), name="survey-list"),
    path("surveys/<str:slug>/results/", SurveyResultsView.as_view(), name="survey-results"),
]
