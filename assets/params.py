"""Ids read from requests (query strings, forms, JSON, upload metadata, paths).

An id is a whole number from 1 up that fits the database's 64-bit key: ASCII digits only (Python's
``str.isdigit`` also takes "²" and full-width digits, which ``int`` then refuses or reads as
other numbers), at most 19 of them. Anything else is a ``BadId`` with a message for a person, so
that a bad number answers 400, never a database overflow (500).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import forms
from django.urls import register_converter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

MAX_ID = 2**63 - 1
_ID = re.compile(r"[0-9]{1,19}")


class BadId(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 1 <= value <= MAX_ID
    text = str(value) if value is not None else ""
    return bool(_ID.fullmatch(text)) and 1 <= int(text) <= MAX_ID


def parse_id(value: object, *, field: str = "") -> int:
    if not is_id(value):
        raise BadId(
            _("%(field)s must be an id: a whole number from 1 up.")
            % {"field": field or _("The number")}
        )
    return int(value)


def parse_optional_id(value: object, *, field: str = "") -> int | None:
    """``None`` for a missing or empty value, the id otherwise (``BadId`` when it is not one)."""
    if value is None or value == "":
        return None
    return parse_id(value, field=field)


def parse_ids(values: Iterable[object], *, field: str = "") -> list[int]:
    return [parse_id(value, field=field) for value in values]


class IdPathConverter:
    """``<libid:pk>`` in addresses: an id that fits the database; anything longer is not found."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)  # the address does not match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdPathConverter, "libid")


class IdModelChoiceField(forms.ModelChoiceField):
    """A model choice whose submitted value is checked to be an id before any query."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, (str, int)) and not is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """An API's related id, checked to be an id before any query."""

    default_error_messages = {
        "incorrect_type": gettext_lazy("An id is a whole number from 1 up."),
    }

    def to_internal_value(self, data):
        if not is_id(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


def id_serializer_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
