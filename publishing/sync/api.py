"""API of account sync and partner reposts (mounted under /api/v1/).

``GET/POST sync-rules/``, ``GET/PATCH/DELETE sync-rules/{id}/``, ``GET repost-suggestions/``,
``POST repost-suggestions/{id}/accept/`` and ``.../dismiss/``. Views parse and call the services.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

import core.converters  # noqa: F401  (registers <id:…>)
from core import api as strict

from ..models import Channel
from . import selectors, services
from .models import RepostSuggestion, SyncKinds, SyncRule
from .permissions import sync_rule_policy


def _drf_error(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "message_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"detail": exc.messages})


class TargetSerializer(strict.Serializer):
    channel = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.all())
    add_hashtag = serializers.CharField(required=False, allow_blank=True, default="")
    link_back = serializers.BooleanField(required=False, default=False)
    shorten_for_x = serializers.BooleanField(required=False, default=False)


class SyncRuleSerializer(strict.Serializer):
    id = serializers.IntegerField(read_only=True)
    source = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.all())
    targets = TargetSerializer(many=True)
    kinds = serializers.ChoiceField(choices=SyncKinds.choices, default=SyncKinds.ALL)
    enabled = serializers.BooleanField(default=True)
    needs_approval = serializers.BooleanField(default=False)
    propagate_deletions = serializers.BooleanField(default=False)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    created_at = serializers.DateTimeField(read_only=True)
    active_since = serializers.DateTimeField(
        read_only=True,
        help_text="Posts made before this moment (the rule was set or last switched on) are "
        "history and are not mirrored.",
    )

    def to_representation(self, rule: SyncRule) -> dict:
        return {
            "id": rule.pk,
            "source": rule.source_id,
            "targets": [
                {
                    "channel": link.channel_id,
                    "add_hashtag": link.add_hashtag,
                    "link_back": link.link_back,
                    "shorten_for_x": link.shorten_for_x,
                }
                for link in rule.target_links.all()
            ],
            "kinds": rule.kinds,
            "enabled": rule.enabled,
            "needs_approval": rule.needs_approval,
            "propagate_deletions": rule.propagate_deletions,
            "created_by": rule.created_by.username if rule.created_by else None,
            "created_at": rule.created_at.isoformat(),
            "active_since": rule.active_since.isoformat(),
        }


def _specs(targets: list[dict]) -> list[services.TargetSpec]:
    return [services.TargetSpec(**target) for target in targets]


class SyncRuleListView(generics.ListCreateAPIView):
    """Sync rules; a new one by the Kepala Dinas or an Editor of its channels."""

    serializer_class = SyncRuleSerializer

    def get_queryset(self):
        return selectors.sync_rules_for(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            rule = services.sync_rule_create(
                actor=request.user, targets=_specs(data.pop("targets")), **data
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        rule = selectors.sync_rules_for(request.user).get(pk=rule.pk)
        return Response(SyncRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class SyncRuleDetailView(APIView):
    serializer_class = SyncRuleSerializer

    def _rule(self, request, pk: int) -> SyncRule:
        return get_object_or_404(selectors.sync_rules_for(request.user), pk=pk)

    @extend_schema(responses=SyncRuleSerializer)
    def get(self, request, pk: int):
        return Response(SyncRuleSerializer(self._rule(request, pk)).data)

    @extend_schema(request=SyncRuleSerializer(partial=True), responses=SyncRuleSerializer)
    def patch(self, request, pk: int):
        rule = self._rule(request, pk)
        serializer = SyncRuleSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "source" in data and data.pop("source").pk != rule.source_id:
            raise ValidationError({"source": [_("The source of a rule cannot change.")]})
        targets = data.pop("targets", None)
        try:
            services.sync_rule_update(
                actor=request.user,
                rule=rule,
                targets=_specs(targets) if targets is not None else None,
                **data,
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(SyncRuleSerializer(self._rule(request, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        rule = self._rule(request, pk)
        if not sync_rule_policy.user_has_permission_for_instance(request.user, "manage", rule):
            raise PermissionDenied(_("You may not remove this sync rule."))
        services.sync_rule_delete(actor=request.user, rule=rule)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SuggestionSerializer(serializers.ModelSerializer):
    partner = serializers.CharField(source="partner.name")
    platform = serializers.CharField(source="partner.platform")
    post = serializers.IntegerField(source="post_id", allow_null=True)

    class Meta:
        model = RepostSuggestion
        fields = [
            "id",
            "partner",
            "platform",
            "external_id",
            "text",
            "permalink",
            "media",
            "posted_at",
            "status",
            "comment",
            "post",
        ]


class SuggestionListView(generics.ListAPIView):
    """The "Usulan repost" queue: pending suggestions (``?status=accepted|dismissed|all``)."""

    serializer_class = SuggestionSerializer

    def get_queryset(self):
        wanted = self.request.query_params.get("status", "pending")
        return selectors.repost_suggestions_for(
            self.request.user, status="" if wanted == "all" else wanted
        )


class AcceptSerializer(strict.Serializer):
    channels = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.all(), many=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AcceptedSerializer(serializers.Serializer):
    post = serializers.IntegerField()
    status = serializers.CharField()


class SuggestionAcceptView(APIView):
    """Accept: a repost post for the chosen channels, waiting for approval."""

    @extend_schema(request=AcceptSerializer, responses={201: AcceptedSerializer})
    def post(self, request, pk: int):
        suggestion = get_object_or_404(
            selectors.repost_suggestions_for(request.user, status=""), pk=pk
        )
        serializer = AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            post = services.repost_suggestion_accept(
                actor=request.user,
                suggestion=suggestion,
                channels=serializer.validated_data["channels"],
                comment=serializer.validated_data["comment"],
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response({"post": post.pk, "status": post.status}, status=status.HTTP_201_CREATED)


class SuggestionDismissView(APIView):
    @extend_schema(request=None, responses=SuggestionSerializer)
    def post(self, request, pk: int):
        strict.refuse_body(request)
        suggestion = get_object_or_404(
            selectors.repost_suggestions_for(request.user, status=""), pk=pk
        )
        try:
            suggestion = services.repost_suggestion_dismiss(
                actor=request.user, suggestion=suggestion
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(SuggestionSerializer(suggestion).data)


urlpatterns = [
    path("sync-rules/", SyncRuleListView.as_view(), name="sync-rule-list"),
    path("sync-rules/<id:pk>/", SyncRuleDetailView.as_view(), name="sync-rule-detail"),
    path("repost-suggestions/", SuggestionListView.as_view(), name="repost-suggestion-list"),
    path(
        "repost-suggestions/<id:pk>/accept/",
        SuggestionAcceptView.as_view(),
        name="repost-suggestion-accept",
    ),
    path(
        "repost-suggestions/<id:pk>/dismiss/",
        SuggestionDismissView.as_view(),
        name="repost-suggestion-dismiss",
    ),
]
