from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.authtoken import serializers as authtoken_serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core import api as strict

from . import selectors, services, vault_targets
from .models import CredentialKind, CredentialState, HealthState
from .permissions import credential_policy
from .services import api_token_create, user_requires_two_factor


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class AuthTokenSerializer(strict.StrictFieldsMixin, authtoken_serializers.AuthTokenSerializer):
    pass


class TokenObtainView(ObtainAuthToken):
    """Exchange a username and password for an API token (accounts without 2FA only)."""

    serializer_class = AuthTokenSerializer

    @extend_schema(responses=TokenResponseSerializer)
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if user_requires_two_factor(user):
            raise PermissionDenied(
                _("This account signs in with two-factor; create a token on your profile page.")
            )
        token = api_token_create(user=user, request=request)
        return Response({"token": token.key})


# --- the vault ----------------------------------------------------------------------------------


class UnlocksSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()


class CredentialSerializer(serializers.Serializer):
    """A credential as the API shows it: what it unlocks, kind, state and dates. Never a secret."""

    id = serializers.IntegerField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=CredentialKind.choices)
    state = serializers.ChoiceField(choices=CredentialState.choices)
    rotation_due = serializers.BooleanField()
    unlocks = UnlocksSerializer(many=True)
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    rotated_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    last_used_by = serializers.CharField()
    health_state = serializers.ChoiceField(choices=HealthState.choices)
    health_checked_at = serializers.DateTimeField(allow_null=True)
    replaces = serializers.IntegerField(allow_null=True)

    def to_representation(self, row: selectors.CredentialRow) -> dict:
        credential = row.credential
        return {
            "id": credential.pk,
            "label": credential.label,
            "kind": credential.kind,
            "state": row.state.value,
            "rotation_due": row.rotation_due,
            "unlocks": [
                {"type": target.key, "id": obj.pk, "name": str(obj)} for target, obj in row.unlocks
            ],
            "created_by": credential.created_by.username if credential.created_by else None,
            "created_at": serializers.DateTimeField().to_representation(credential.created_at),
            "rotated_at": serializers.DateTimeField().to_representation(credential.rotated_at),
            "expires_at": _when(credential.expires_at),
            "revoked_at": _when(credential.revoked_at),
            "last_used_at": _when(credential.last_used_at),
            "last_used_by": credential.last_used_by,
            "health_state": credential.health_state,
            "health_checked_at": _when(credential.health_checked_at),
            "replaces": credential.replaces_id,
        }


def _when(value):
    return serializers.DateTimeField().to_representation(value) if value else None


class CredentialCreateSerializer(strict.Serializer):
    """A new credential. ``secret`` is write-only; at most one target field (e.g. ``website``)
    says what it unlocks, and the new credential replaces that target's current one."""

    label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=CredentialKind.choices)
    secret = serializers.DictField(child=serializers.JSONField(), write_only=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for target in vault_targets.targets():
            self.fields[target.key] = serializers.PrimaryKeyRelatedField(
                queryset=target.queryset(), required=False, allow_null=True, write_only=True
            )

    def validate(self, attrs):
        given = [t.key for t in vault_targets.targets() if attrs.get(t.key) is not None]
        if len(given) > 1:
            raise serializers.ValidationError(_("A credential unlocks one thing at a time."))
        attrs["target"] = attrs.get(given[0]) if given else None
        if not attrs.get("label") and attrs["target"] is None:
            raise serializers.ValidationError({"label": _("Give a label, or what it unlocks.")})
        return attrs


class IsKepalaDinasForVault(permissions.BasePermission):
    message = gettext_lazy("Only the Kepala Dinas can open the credential vault.")

    def has_permission(self, request, view) -> bool:
        action = "view" if request.method in permissions.SAFE_METHODS else "add"
        return credential_policy.user_has_permission(request.user, action)


class CredentialListCreateView(generics.GenericAPIView):
    """The vault's credentials (Kepala Dinas only). No answer ever holds a secret."""

    permission_classes = [permissions.IsAuthenticated, IsKepalaDinasForVault]
    serializer_class = CredentialCreateSerializer

    @extend_schema(responses=CredentialSerializer(many=True))
    def get(self, request):
        rows = selectors.credential_rows(user=request.user)
        page = self.paginate_queryset(rows)
        data = CredentialSerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(request=CredentialCreateSerializer, responses={201: CredentialSerializer})
    def post(self, request):
        return self._create(request)

    @sensitive_variables()
    def _create(self, request):
        serializer = CredentialCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            credential = services.credential_create(
                actor=request.user,
                label=data.get("label", ""),
                kind=data["kind"],
                secret=data["secret"],
                target=data["target"],
                expires_at=data.get("expires_at"),
                request=request,
            )
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else error.messages
            raise serializers.ValidationError(detail) from None
        row = selectors.credential_row(user=request.user, credential_id=credential.pk)
        return Response(CredentialSerializer(row).data, status=status.HTTP_201_CREATED)

    def dispatch(self, request, *args, **kwargs):
        return sensitive_post_parameters()(super().dispatch)(request, *args, **kwargs)


urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
    path("credentials/", CredentialListCreateView.as_view(), name="credentials"),
]
