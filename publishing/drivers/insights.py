"""Reading a channel's insights: what each platform still serves, asked through its own client
library (facebook-business for Facebook Pages and Instagram business accounts, tweepy for X).

The metric names, periods and refusals are the platforms' own (``tests/contracts/facebook/
insights.json``, ``instagram_graph/insights.json``, ``x/post_metrics.json``). Meta fails a whole
insights request when one name in it is retired or unknown, without saying which: the request is
asked whole first, and on that refusal one metric at a time, so a retired metric becomes "not
available" for itself alone. A missing permission makes every metric of that call "not available"
with the permission named. Throttling, an expired token or the network raise the driver's typed
errors as every other call does.

Each reading carries our own name for the figure (``views``, ``reach``, ``likes``, ...), so the
portal compares channels without knowing any platform's vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import requests
from django.utils.translation import gettext_lazy as _
from facebook_business.exceptions import FacebookRequestError

from ._graph import graph_api, graph_error
from .http import Stopwatch, transport_error

# Our names for the figures a platform gives.
VIEWS, REACH, ENGAGEMENT, LIKES, COMMENTS, SHARES, SAVES, CLICKS = (
    "views", "reach", "engagement", "likes", "comments", "shares", "saves", "clicks",
)  # fmt: skip
FOLLOWERS, FOLLOWERS_GAINED = "followers", "followers_gained"

# Facebook Page: the media-view family that replaced page_impressions* (daily).
FACEBOOK_PAGE = {
    "page_media_view": VIEWS,
    "page_total_media_view_unique": REACH,
    "page_post_engagements": ENGAGEMENT,
    "page_follows": FOLLOWERS,
    "page_daily_follows_unique": FOLLOWERS_GAINED,
}
FACEBOOK_POST = {
    "post_media_view": VIEWS,
    "post_total_media_view_unique": REACH,
    "post_clicks": CLICKS,
}
INSTAGRAM_ACCOUNT_DAY = {"reach": REACH, "follower_count": FOLLOWERS_GAINED}
INSTAGRAM_ACCOUNT_TOTAL = {
    "views": VIEWS,
    "total_interactions": ENGAGEMENT,
    "likes": LIKES,
    "comments": COMMENTS,
    "shares": SHARES,
    "saves": SAVES,
}
INSTAGRAM_MEDIA = {
    "views": VIEWS,
    "reach": REACH,
    "likes": LIKES,
    "comments": COMMENTS,
    "shares": SHARES,
    "saved": SAVES,
    "total_interactions": ENGAGEMENT,
}
INSIGHTS_PERMISSIONS = {
    "facebook": ("read_insights", "pages_read_engagement"),
    "instagram": ("instagram_manage_insights", "instagram_basic", "pages_read_engagement"),
}
X_PRIVATE_DAYS = 30
X_PUBLIC = {
    "impression_count": VIEWS,
    "like_count": LIKES,
    "reply_count": COMMENTS,
    "bookmark_count": SAVES,
}
X_PRIVATE = {"url_link_clicks": CLICKS}

RETIRED = _("The platform no longer gives this figure (metric retired or not offered for it).")
NOT_SERVED = _("The platform does not give this figure for this kind of account.")
FEW_VIEWERS = _("Instagram shows no figures for a post seen by too few people yet.")
TOO_OLD = _("X gives private figures (clicks) only for posts younger than 30 days.")
PRIVATE_API = _(
    "Instagram accounts connected by username and password give no insights here "
    "(instagrapi reads them only through Instagram's private ads interface, for business "
    "accounts); connect the account through its Facebook Page for reach and views."
)


@dataclass(frozen=True)
class Reading:
    """One figure: ``value`` ``None`` means not available, with why (and the permission
    missing, if that is why). ``day`` is the day a daily figure counts; ``None`` is a post's
    total to date."""

    key: str
    metric: str
    value: int | None
    day: date | None = None
    reason: str = ""
    permission: str = ""

    @property
    def available(self) -> bool:
        return self.value is not None


def _unavailable(key: str, metric: str, reason: Any, *, day=None, permission="") -> Reading:
    return Reading(key, metric, None, day=day, reason=str(reason), permission=permission)


def _too_few_viewers(exc: FacebookRequestError) -> bool:
    """Instagram's "(#10) Not enough viewers for the media to show insights": code 10, and no
    permission missing."""
    return (
        exc.api_error_code() == 10
        and "not enough viewers" in (exc.api_error_message() or "").lower()
    )


def _missing_permission(exc: FacebookRequestError, platform: str) -> str | None:
    """The permission a Graph refusal (code 10 or 200-299) is about, else ``None``."""
    code = exc.api_error_code()
    if _too_few_viewers(exc) or (code != 10 and not (code is not None and 200 <= code < 300)):
        return None
    message = exc.api_error_message() or ""
    for name in INSIGHTS_PERMISSIONS[platform]:
        if re.search(rf"\b{name}\b", message):
            return name
    return INSIGHTS_PERMISSIONS[platform][0]


def _invalid_metric(exc: FacebookRequestError) -> bool:
    """Graph's "not a valid insights metric" (code 100; an unknown object is 100 too, with
    subcode 33, and is not this)."""
    return exc.api_error_code() == 100 and exc.api_error_subcode() in (None, 0)


def _graph_rows(api, credential, node: str, params: dict[str, Any], *, platform: str):
    """One insights call. An invalid metric or a missing permission is raised as Graph's own
    error (the caller decides); anything else as the driver's typed errors."""
    watch = Stopwatch()
    try:
        return api.call("GET", (node, "insights"), params=params).json().get("data") or []
    except FacebookRequestError as exc:
        if _invalid_metric(exc) or _missing_permission(exc, platform) or _too_few_viewers(exc):
            raise
        raise graph_error(exc, credential, watch.elapsed, platform=platform, write=False) from None
    except requests.RequestException as exc:
        raise transport_error(exc, platform=platform, duration=watch.elapsed, write=False,
                              credential=credential) from None  # fmt: skip


def graph_insights(
    credential, node: str, names: dict[str, str], params: dict[str, Any], *, platform: str
) -> tuple[list[dict], list[Reading]]:
    """The rows Graph gives for ``names`` on ``node`` and the readings it refused: all asked at
    once, then one at a time when one unknown name failed the whole request."""
    api = graph_api(credential, platform=platform)
    try:
        return _graph_rows(api, credential, node, {**params, "metric": ",".join(names)},
                           platform=platform), []  # fmt: skip
    except FacebookRequestError as exc:
        if (permission := _missing_permission(exc, platform)) is not None:
            reason = _("The portal lacks the permission %(permission)s on this account.") % {
                "permission": permission
            }
            return [], [_unavailable(k, m, reason, permission=permission) for m, k in names.items()]
        if _too_few_viewers(exc):
            return [], [_unavailable(k, m, FEW_VIEWERS) for m, k in names.items()]
    rows, refused = [], []
    for metric, key in names.items():
        try:
            rows += _graph_rows(api, credential, node, {**params, "metric": metric},
                                platform=platform)  # fmt: skip
        except FacebookRequestError as exc:
            permission = _missing_permission(exc, platform) or ""
            refused.append(_unavailable(key, metric, RETIRED, permission=permission))
    return rows, refused


def _value(row: dict, *, total: bool = False) -> int | None:
    if total:
        return _number((row.get("total_value") or {}).get("value"))
    values = row.get("values") or []
    return _number(values[-1].get("value")) if values else None


def _number(value: Any) -> int | None:
    if isinstance(value, dict):  # a breakdown (reactions by type): its sum
        return sum(int(v) for v in value.values() if isinstance(v, int | float))
    if isinstance(value, bool) or value is None:
        return None
    return int(value)


# A platform day closes hours after the office's (Graph's days end at midnight Pacific time) and
# its figures come late: each daily read asks the last few days again, and a day not served yet
# is filled in by a later read instead of being lost.
LOOKBACK_DAYS = 3


def _window(day: date, days: int = 1) -> dict[str, int]:
    start = datetime.combine(day - timedelta(days=days - 1), time.min, tzinfo=UTC)
    until = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    return {"since": int(start.timestamp()), "until": int(until.timestamp())}


def _value_day(value: dict) -> date | None:
    """The day a daily value counts: the day that ends at its ``end_time``."""
    try:
        end = datetime.strptime(str(value.get("end_time")), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None
    return (end.astimezone(UTC) - timedelta(days=1)).date()


def _from_days(rows: list[dict], names: dict[str, str], day: date) -> list[Reading]:
    """One reading per metric and served day of the window that ends with ``day``."""
    first = day - timedelta(days=LOOKBACK_DAYS - 1)
    readings = []
    for row in rows:
        key = names.get(row.get("name", ""))
        if not key:
            continue
        for value in row.get("values") or []:
            served = _value_day(value)
            if served is not None and first <= served <= day:
                readings.append(Reading(key, row["name"], _number(value.get("value")), day=served))
    return readings


def _from_rows(rows: list[dict], names: dict[str, str], *, day=None, total=False) -> list[Reading]:
    readings = []
    for row in rows:
        key = names.get(row.get("name", ""))
        if key:
            readings.append(Reading(key, row["name"], _value(row, total=total), day=day))
    return readings


def _absent(readings: list[Reading], names: dict[str, str], *, day=None) -> list[Reading]:
    """Metrics Graph answered with no row ("an empty data set instead of 0"): not available."""
    seen = {r.metric for r in readings}
    return [_unavailable(k, m, NOT_SERVED, day=day) for m, k in names.items() if m not in seen]


# --- Facebook Page ----------------------------------------------------------------------------


def facebook_account(credential, day: date) -> list[Reading]:
    params = {"period": "day", **_window(day, LOOKBACK_DAYS)}
    rows, refused = graph_insights(credential, credential["page_id"], FACEBOOK_PAGE, params,
                                   platform="facebook")  # fmt: skip
    readings = _from_days(rows, FACEBOOK_PAGE, day)
    refused = [Reading(r.key, r.metric, None, day, r.reason, r.permission) for r in refused]
    return readings + refused + _absent(readings + refused, FACEBOOK_PAGE, day=day)


def facebook_post(driver, credential, external_id: str) -> list[Reading]:
    rows, refused = graph_insights(credential, external_id, FACEBOOK_POST, {"period": "lifetime"},
                                   platform="facebook")  # fmt: skip
    readings = _from_rows(rows, FACEBOOK_POST) + refused
    counts = driver.fetch_metrics(external_id, credential)
    readings += [
        Reading(LIKES, "reactions", counts.likes),
        Reading(COMMENTS, "comments", counts.comments),
        Reading(SHARES, "shares", counts.shares),
    ]
    return readings + _absent(readings, FACEBOOK_POST)


# --- Instagram business account ---------------------------------------------------------------


def instagram_account(credential, day: date) -> list[Reading]:
    node, window = credential["ig_user_id"], _window(day)
    params = {"period": "day", **_window(day, LOOKBACK_DAYS)}
    rows, refused = graph_insights(credential, node, INSTAGRAM_ACCOUNT_DAY, params,
                                   platform="instagram")  # fmt: skip
    readings = _from_days(rows, INSTAGRAM_ACCOUNT_DAY, day)
    if any(r.permission for r in refused):  # the same permission refuses the second call
        permission = next(r for r in refused if r.permission)
        refused += [_unavailable(k, m, permission.reason, permission=permission.permission)
                    for m, k in INSTAGRAM_ACCOUNT_TOTAL.items()]  # fmt: skip
    else:
        params = {"period": "day", "metric_type": "total_value", **window}
        totals, more = graph_insights(credential, node, INSTAGRAM_ACCOUNT_TOTAL, params,
                                      platform="instagram")  # fmt: skip
        readings += _from_rows(totals, INSTAGRAM_ACCOUNT_TOTAL, day=day, total=True)
        refused += more
    refused = [Reading(r.key, r.metric, None, day, r.reason, r.permission) for r in refused]
    everything = {**INSTAGRAM_ACCOUNT_DAY, **INSTAGRAM_ACCOUNT_TOTAL}
    return readings + refused + _absent(readings + refused, everything, day=day)


def instagram_post(credential, external_id: str) -> list[Reading]:
    rows, refused = graph_insights(credential, external_id, INSTAGRAM_MEDIA, {},
                                   platform="instagram")  # fmt: skip
    readings = _from_rows(rows, INSTAGRAM_MEDIA) + refused
    return readings + _absent(readings, INSTAGRAM_MEDIA)


# --- X ----------------------------------------------------------------------------------------


def x_post(driver, credential, external_id: str, created_at: datetime | None) -> list[Reading]:
    """``GET /2/tweets/:id`` with ``public_metrics`` always, ``non_public_metrics`` (the owner's
    user token) only while the post is younger than 30 days: one call either way."""
    client = driver._client(credential)
    young = created_at is None or datetime.now(UTC) - created_at < timedelta(days=X_PRIVATE_DAYS)
    fields = ["created_at", "public_metrics"] + (["non_public_metrics"] if young else [])
    response = driver._call(
        credential,
        lambda: client.get_tweet(external_id, tweet_fields=fields, user_auth=False),
        write=False,
    )
    data = response.data
    public = (data and data.public_metrics) or {}
    private = (data and data.data.get("non_public_metrics")) or {}
    readings = [Reading(key, f"public_metrics.{name}", _number(public.get(name)))
                for name, key in X_PUBLIC.items()]  # fmt: skip
    shares = [public.get("retweet_count"), public.get("quote_count")]
    if any(v is not None for v in shares):
        readings.append(Reading(SHARES, "public_metrics.retweet_count+quote_count",
                                sum(int(v or 0) for v in shares)))  # fmt: skip
    for name, key in X_PRIVATE.items():
        value = _number(private.get(name))
        readings.append(Reading(key, f"non_public_metrics.{name}", value) if value is not None
                        else _unavailable(key, f"non_public_metrics.{name}", TOO_OLD))  # fmt: skip
    return readings


def x_account(driver, credential, day: date) -> list[Reading]:
    client = driver._client(credential)
    response = driver._call(
        credential, lambda: client.get_me(user_fields=["public_metrics"], user_auth=False),
        write=False,
    )  # fmt: skip
    metrics = (response.data and response.data.public_metrics) or {}
    return [
        Reading(FOLLOWERS, "public_metrics.followers_count",
                _number(metrics.get("followers_count")), day=day),
        _unavailable(VIEWS, "views", NOT_SERVED, day=day),
    ]  # fmt: skip


# --- the entry points -------------------------------------------------------------------------


# The drivers whose platform gives an account's and a post's figures through its API, and how
# each is read; the rest give what their driver's ``fetch_metrics`` counts.
ACCOUNT_READERS: dict[str, Callable[..., list[Reading]]] = {
    "facebook": lambda driver, credential, day: facebook_account(credential, day),
    "instagram_graph": lambda driver, credential, day: instagram_account(credential, day),
    "x": x_account,
}
POST_READERS: dict[str, Callable[..., list[Reading]]] = {
    "facebook": lambda driver, credential, external_id, created_at: facebook_post(
        driver, credential, external_id
    ),
    "instagram_graph": lambda driver, credential, external_id, created_at: instagram_post(
        credential, external_id
    ),
    "x": x_post,
}


def measured_drivers() -> tuple[str, ...]:
    """The drivers whose platform gives a channel's figures through its API."""
    return tuple(ACCOUNT_READERS)


def fetch_account_insights(driver, credential, day: date) -> list[Reading]:
    """The channel's figures of ``day`` (a whole day, UTC)."""
    if reader := ACCOUNT_READERS.get(driver.name):
        return reader(driver, credential, day)
    reason = driver.facts.insights_note or PRIVATE_API
    return [_unavailable(key, key, reason, day=day) for key in (VIEWS, REACH, FOLLOWERS)]


def fetch_post_insights(
    driver, credential, external_id: str, *, created_at: datetime | None = None
) -> list[Reading]:
    """A post's figures to date."""
    if reader := POST_READERS.get(driver.name):
        return reader(driver, credential, external_id, created_at)
    counts = driver.fetch_metrics(external_id, credential)
    reason = driver.facts.insights_note or PRIVATE_API
    return [
        Reading(LIKES, "like_count", counts.likes),
        Reading(COMMENTS, "comment_count", counts.comments),
        Reading(VIEWS, "play_count", counts.views)
        if counts.views is not None
        else _unavailable(VIEWS, "play_count", reason),
        _unavailable(REACH, "reach", reason),
    ]
