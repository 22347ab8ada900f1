"""Who is voting, without knowing who they are: the widget token, the voter cookie, the keyed
hash of address and browser, and the voting period (the per-address limits are kept in the
database: ``services.vote_cast``).

- The widget token is signed by the portal and names the survey and the voter it was given to; a
  vote without a valid, fresh token is refused. Together with the ``Origin`` check it replaces
  Django's CSRF token for the embedded widget, whose pages live on other sites.
- The voter cookie is a signed random id. Two people behind one address (a carrier's NAT, an
  office network) hold different cookies, so both count. A client that keeps no cookie is known
  only by the keyed hash of its address and browser, so it counts once per period.
- The raw address never leaves this module: it is hashed with a key derived from ``SECRET_KEY``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from core import allowance
from core.allowance import address_group, client_address  # noqa: F401 (the widget's callers)

TOKEN_SALT = "media_center.survey.widget"  # noqa: S105 - a signing salt, not a secret
TOKEN_MAX_AGE = 12 * 3600  # a page left open for a working day still votes
VOTER_COOKIE = "pmc_voter"
VOTER_COOKIE_SALT = "media_center.survey.voter"
VOTER_COOKIE_AGE = 365 * 24 * 3600
WIB_OFFSET = 7 * 3600  # periods start at midnight in Western Indonesian Time


class TokenError(ValueError):
    """The widget token is missing, forged, expired or for another survey."""


@dataclass(frozen=True)
class WidgetToken:
    survey_id: int
    voter_id: str


def token_issue(*, survey_id: int, voter_id: str) -> str:
    return signing.dumps({"s": survey_id, "v": voter_id}, salt=TOKEN_SALT, compress=False)


def token_read(token: str, *, survey_id: int, max_age: int | None = None) -> WidgetToken:
    max_age = TOKEN_MAX_AGE if max_age is None else max_age
    if not token or len(token) > 500:
        raise TokenError("missing")
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise TokenError("expired") from exc
    except signing.BadSignature as exc:
        raise TokenError("forged") from exc
    if (
        not isinstance(data, dict)
        or data.get("s") != survey_id
        or not isinstance(data.get("v"), str)
    ):
        raise TokenError("other survey")
    return WidgetToken(survey_id=data["s"], voter_id=data["v"])


def voter_id_from_cookie(request: HttpRequest) -> str | None:
    value = request.get_signed_cookie(
        VOTER_COOKIE, default=None, salt=VOTER_COOKIE_SALT, max_age=VOTER_COOKIE_AGE
    )
    if value and 16 <= len(value) <= 64:
        return value
    return None


def voter_id_for(request: HttpRequest) -> tuple[str, bool]:
    """The voter id of this browser and whether it is new (then ``voter_cookie_set`` it)."""
    existing = voter_id_from_cookie(request)
    if existing:
        return existing, False
    return secrets.token_urlsafe(18), True


def voter_cookie_set(request: HttpRequest, response: HttpResponse, voter_id: str) -> None:
    # Over HTTPS the cookie is SameSite=None so that the widget framed in another regency site
    # still recognises its voter; over plain HTTP browsers only accept Lax.
    secure = request.is_secure()
    response.set_signed_cookie(
        VOTER_COOKIE,
        voter_id,
        salt=VOTER_COOKIE_SALT,
        max_age=VOTER_COOKIE_AGE,
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
    )


def address_hash(address: str) -> str:
    """The keyed hash of an address's group (``core.allowance.address_group``): the key of the
    limits."""
    return allowance.address_hash(address, salt="media_center.survey.address")


def client_hash(address: str, user_agent: str) -> str:
    value = f"{address}\n{user_agent[:500]}"
    return salted_hmac("media_center.survey.client", value, algorithm="sha256").hexdigest()


def voter_key(*, voter_id: str | None, client: str) -> str:
    if voter_id:
        return salted_hmac("media_center.survey.voter", voter_id, algorithm="sha256").hexdigest()
    return client  # already a keyed hash of address and browser


def period_of(timestamp: float, *, hours: int | None = None) -> int:
    """The number of the voting period a moment falls in (periods start at 00:00 WIB)."""
    length = (hours or settings.SURVEY_VOTE_PERIOD_HOURS) * 3600
    return int((timestamp + WIB_OFFSET) // length)
