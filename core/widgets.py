"""Date and time fields as text in the interface's own format (Indonesian: 04/12/2026 and 14.30,
24-hour), with the portal's small calendar (``static/js/datepicker.js``) instead of the browser's
native picker, which follows the browser's language (mm/dd/yyyy in an English browser)."""

from __future__ import annotations

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

# strftime -> what the reader sees as the pattern to type.
_PATTERNS = {"%d": "dd", "%m": "mm", "%Y": "yyyy", "%H": "hh", "%M": "mm"}


def _pattern(format_: str) -> str:
    for code, letters in _PATTERNS.items():
        format_ = format_.replace(code, letters)
    return format_


class _TextDateMixin:
    picker = "date"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        shown = formats.get_format(self.format_key)[0]
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.setdefault("placeholder", _pattern(shown))
        widget_attrs.setdefault("data-picker", self.picker)
        widget_attrs.setdefault("data-format", shown)
        widget_attrs.setdefault("data-picker-label", str(_("Choose a date")))
        widget_attrs.setdefault("autocomplete", "off")
        widget_attrs.setdefault("inputmode", "numeric")
        return context


class PortalDateInput(_TextDateMixin, forms.DateInput):
    """A date as text in the active language's first input format."""

    input_type = "text"


class PortalDateTimeInput(_TextDateMixin, forms.DateTimeInput):
    """A date and time as text ("04/12/2026 14.30" in Indonesian)."""

    input_type = "text"
    picker = "datetime"
