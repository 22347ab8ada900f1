"""Numbers, ids and dates read from a query string or a form, or a clear 400.

A view reads ``?channel=``, ``?assets=1,2`` or ``?date_from=`` through these functions instead
of ``int()`` or ``date.fromisoformat()``: a value that is not what the address expects (letters,
25 digits, a negative id, year 1 or 9999) raises ``BadParameter``, which
``config.middleware.BadParameterMiddleware`` answers with status 400 and the message, on a page
for people and as JSON for API clients; never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

# The largest id a database row can have (a 64-bit signed integer: BigAutoField, SQLite).
MAX_ID = 2**63 - 1
# Dates the portal works with: an archive back to 1900, plans up to 2100. Outside this range a
# calendar's next month or a range's next day would not exist (year 9999) or not convert (year 1).
MIN_YEAR, MAX_YEAR = 1900, 2100
_DIGITS = re.compile(r"^[0-9]{1,19}$")
_SIGNED = re.compile(r"^-?[0-9]{1,19}$")
_ISO_DAY = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


class BadParameter(BadRequest):
    """A value in the request that the address cannot take; ``message`` says which and why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def object_id(value: object, *, name: str, required: bool = False) -> int | None:
    """The id of a row (1 to 2**63-1); ``None`` when empty and not ``required``."""
    text = _text(value)
    if not text:
        if required:
            raise BadParameter(_("“%(name)s” is missing.") % {"name": name})
        return None
    number = int(text) if _DIGITS.match(text) else 0
    if not 1 <= number <= MAX_ID:
        raise BadParameter(
            _("“%(name)s” must be the number of an existing item, not “%(value)s”.")
            % {"name": name, "value": text[:40]}
        )
    return number


def integer(
    value: object,
    *,
    name: str,
    minimum: int,
    maximum: int,
    default: int | None = None,
) -> int | None:
    """A whole number between ``minimum`` and ``maximum``; ``default`` when empty."""
    text = _text(value)
    if not text:
        return default
    number = int(text) if _SIGNED.match(text) else None
    if number is None or not minimum <= number <= maximum:
        raise BadParameter(
            _("“%(name)s” must be a whole number from %(min)s to %(max)s, not “%(value)s”.")
            % {"name": name, "min": minimum, "max": maximum, "value": text[:40]}
        )
    return number


def id_list(values: str | Iterable[str], *, name: str, limit: int = 50) -> list[int]:
    """Ids given as ``1,2,3`` (or as repeated fields): each must be an id, at most ``limit``,
    duplicates dropped in order. Empty items (``1,,2``, a trailing comma) are skipped."""
    items = (
        values.split(",")
        if isinstance(values, str)
        else [part for value in values for part in _text(value).split(",")]
    )
    ids = [object_id(item, name=name) for item in items if _text(item)]
    unique = list(dict.fromkeys(i for i in ids if i is not None))
    if len(unique) > limit:
        raise BadParameter(
            _("“%(name)s” may name at most %(limit)s items.") % {"name": name, "limit": limit}
        )
    return unique


def day(value: object, *, name: str, required: bool = False) -> date | None:
    """A date written ``YYYY-MM-DD`` between years 1900 and 2100; ``None`` when empty."""
    text = _text(value)
    if not text:
        if required:
            raise BadParameter(_("“%(name)s” is missing.") % {"name": name})
        return None
    match = _ISO_DAY.match(text)
    try:
        parsed = date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        parsed = None
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise BadParameter(
            _(
                "“%(name)s” must be a date written YYYY-MM-DD between the years %(min)s and "
                "%(max)s, not “%(value)s”."
            )
            % {"name": name, "min": MIN_YEAR, "max": MAX_YEAR, "value": text[:40]}
        )
    return parsed


def check_day(value: date | None, *, name: str) -> date | None:
    """A date already parsed (by a form) held to the same years as ``day``."""
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise BadParameter(
            _("“%(name)s” must be a date between the years %(min)s and %(max)s.")
            % {"name": name, "min": MIN_YEAR, "max": MAX_YEAR}
        )
    return value
