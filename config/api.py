"""What every serializer of the API that reads a request body shares.

DRF drops fields a serializer does not declare without a word, so a client that misspells one
(``{"body": ...}`` for ``text``) gets a 201 and a post without text. Every serializer that reads
a body derives from :class:`Serializer` or :class:`ModelSerializer` here (nested ones too): a
field it does not know is refused with 400, naming the field. The API schema says the same
(``additionalProperties: false`` on request bodies, :func:`config.openapi.forbid_unknown_fields`),
and ``tests/publishing/test_api_unknown_fields.py`` sends an unknown field to every write
operation the schema lists, so an endpoint whose serializer forgets this is found.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import serializers


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
