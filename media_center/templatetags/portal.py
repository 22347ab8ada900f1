"""Template helpers shared by every page."""

from datetime import date, datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def wib(value: datetime | date | None, style: str = "datetime") -> str:
    """A moment shown in Western Indonesian Time, e.g. ``28 November 2026 14.05 WIB``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
        if style == "date":
            return formats.date_format(value, "DATE_FORMAT")
        if style == "time":
            return formats.time_format(value, "TIME_FORMAT") + " " + _("WIB")
        return (
            formats.date_format(value, "DATE_FORMAT")
            + " "
            + formats.time_format(value, "TIME_FORMAT")
            + " "
            + _("WIB")
        )
    return formats.date_format(value, "DATE_FORMAT")


@register.filter
def input_value(value: datetime | date | None) -> str:
    """A date or time as the active language's date fields show it (Indonesian: 04/12/2026)."""
    if value in (None, ""):
        return ""
    return formats.localize_input(value)
