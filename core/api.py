"""What every serializer of the API that reads a request body shares.

DRF drops fields a serializer does not declare without a word, so a client that misspells one
(``{"body": ...}`` for ``text``) gets a 201 and a post without text. Every serializer that reads
a body derives from :class:`Serializer` or :class:`ModelSerializer` here (nested ones too): a
field it does not know is refused with 400, naming the field. The API schema says the same
(``additionalProperties: false`` on request bodies, :func:`config.openapi.forbid_unknown_fields`),
and ``tests/publishing/test_api_unknown_fields.py`` sends an unknown field to every write
operation the schema lists, so an endpoint whose serializer forgets this is found.

It also holds the API's one exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``): a
service refuses with Django's ``ValidationError`` or ``PermissionDenied``, and a view lets the
refusal travel up; the handler answers 400 or 403 with the service's own words, never 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# Every address of the API starts here (the middleware and the error pages tell API clients apart).
API_PREFIX = "/api/"


def as_drf_exception(exc: Exception) -> Exception:
    """A service's refusal (Django's exceptions) as the DRF exception that answers it."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, DjangoPermissionDenied):
        # DRF's own handler would drop the service's reason; keep it.
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, after turning a service's refusal into a 400 or 403 answer."""
    return drf_exception_handler(as_drf_exception(exc), context)


class StrictFieldsMixin:
    """Refuse (400) a field the serializer does not declare; read-only fields it declares are
    ignored, as DRF does."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            known = set(self.fields)
            unknown = sorted(str(name) for name in data if name not in known)
            if unknown:
                accepted = ", ".join(
                    sorted(name for name, field in self.fields.items() if not field.read_only)
                )
                raise serializers.ValidationError(
                    {
                        name: [
                            _("Unknown field. The fields taken here are: %(fields)s.")
                            % {"fields": accepted}
                        ]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class Serializer(StrictFieldsMixin, serializers.Serializer):
    pass


class ModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    pass


def refuse_body(request) -> None:
    """For a write operation that reads no body (submit, approve, retry, restore, dismiss):
    whatever field is sent is unknown, and refused (400) by name rather than dropped."""
    data = request.data
    if isinstance(data, Mapping) and data:
        raise serializers.ValidationError(
            {str(name): [_("Unknown field. This operation takes no fields.")] for name in data}
        )
