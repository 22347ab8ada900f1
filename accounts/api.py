from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from .services import api_token_create, user_requires_two_factor


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenObtainView(ObtainAuthToken):
    """Exchange a username and password for an API token (accounts without 2FA only)."""

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


urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
]
