"""Reading a partner account's public figures (the regency's agencies, the Regent) through one of
the office's own logins on the same platform, for the ranking of how the agencies' accounts do.

* **Instagram**: business discovery, asked on the office's own professional account
  (``GET /{ig-user-id}?fields=business_discovery.username(HANDLE){followers_count,media_count,
  media.limit(N){like_count,comments_count,timestamp}}``, facebook-business). It serves only
  professional (business or creator) accounts: an unknown username and a personal account get
  the same refusal, code 110 / subcode 2207013 ``Invalid user id``
  (``tests/contracts/instagram_graph/business_discovery.json``).
* **X**: ``GET /2/users/by/username/:username`` with ``user.fields=public_metrics`` (followers,
  posts), then ``GET /2/users/:id/tweets`` with ``tweet.fields=public_metrics`` for the recent
  posts' likes, replies, reposts and quotes (tweepy). An unknown username is X's 200 answer with
  a ``Not Found Error`` and no data (``tests/contracts/x/user_by_username.json``).

A refusal about the account itself (unknown, not professional, a handle the platform cannot
hold) is a :class:`PartnerFigures` with no values and the reason, never zeros. Throttling, an
expired login and the network raise the driver's typed errors as every other call does.

Each read costs a known number of calls (:func:`calls_per_read`), and a run of the daily snapshot
spends at most :func:`calls_per_run` of them per office account: Instagram counts business
discovery against the account's own rate limit, which the office's own insights share, and X
bills every read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests
from django.utils.translation import gettext_lazy as _
from facebook_business.exceptions import FacebookRequestError

from ._graph import graph_api, graph_error
from .http import Stopwatch, transport_error

# How many recent posts the engagement is summed over (X answers 5 to 100 per page).
RECENT_POSTS = 10

# What one partner read costs, by driver: Instagram one business discovery call, X the user
# lookup and the user's posts.
CALLS_PER_READ = {"instagram_graph": 1, "x": 2}

# At most this many calls a run per office account. Instagram: business discovery counts
# against the account's Business Use Case limit (Meta's rate-limiting page: 4800 * impressions a
# day, 200 an hour for the smallest account); the office's own insights use the same account in
# the same run, so partners take at most a quarter of one hour's smallest allowance. X: the
# user lookup allows 900 calls a user per 15 minutes, but X bills each read, so the run reads at
# most 15 partners a channel.
CALLS_PER_RUN = {"instagram_graph": 50, "x": 30}

# Usernames as each platform allows them (anything else could not be an account there).
INSTAGRAM_USERNAME = re.compile(r"[A-Za-z0-9._]{1,30}")
X_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")

NOT_DISCOVERABLE = _(
    "Instagram does not show this account's figures: the username is unknown, or it is a "
    "personal account (business discovery serves only business and creator accounts)."
)
UNKNOWN_ON_X = _("X has no account with this username.")
BAD_HANDLE = _("This is not a username the platform allows.")
NOT_SERVED = _(
    "The platform gives no public figures of another account through this kind of login."
)


@dataclass(frozen=True)
class PartnerFigures:
    """A partner's public figures as read now: ``followers`` and ``posts`` (the account's whole
    count), ``recent_posts`` read and the sum of their likes, comments and shares
    (``recent_engagement``). ``reason`` says why there are no values."""

    followers: int | None = None
    posts: int | None = None
    recent_posts: int | None = None
    recent_engagement: int | None = None
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.followers is not None

    @property
    def engagement_rate(self) -> float | None:
        """Engagement per recent post against the followers, in percent (as regencies publish
        it); ``None`` without followers or posts."""
        if not self.followers or not self.recent_posts or self.recent_engagement is None:
            return None
        return round(100 * self.recent_engagement / self.recent_posts / self.followers, 4)


def calls_per_read(driver_name: str) -> int:
    return CALLS_PER_READ.get(driver_name, 0)


def calls_per_run(driver_name: str) -> int:
    return CALLS_PER_RUN.get(driver_name, 0)


def fetch_partner_figures(driver, credential, handle: str) -> PartnerFigures:
    """The public figures of the account ``handle``, read through the office's ``credential``."""
    handle = handle.strip().lstrip("@")
    if driver.name == "instagram_graph":
        return instagram_partner(credential, handle)
    if driver.name == "x":
        return x_partner(driver, credential, handle)
    return PartnerFigures(reason=str(NOT_SERVED))


# --- Instagram: business discovery --------------------------------------------------------------


def _not_discoverable(exc: FacebookRequestError) -> bool:
    return exc.api_error_code() == 110 and exc.api_error_subcode() == 2207013


def discovery_fields(handle: str, limit: int = RECENT_POSTS) -> str:
    return (
        f"business_discovery.username({handle})"
        f"{{followers_count,media_count,media.limit({limit}){{like_count,comments_count,timestamp}}}}"
    )


def instagram_partner(credential, handle: str) -> PartnerFigures:
    if not INSTAGRAM_USERNAME.fullmatch(handle):
        return PartnerFigures(reason=str(BAD_HANDLE))
    api = graph_api(credential, platform="instagram")
    watch = Stopwatch()
    try:
        body = api.call(
            "GET", (credential["ig_user_id"],), params={"fields": discovery_fields(handle)}
        ).json()
    except FacebookRequestError as exc:
        if _not_discoverable(exc):
            return PartnerFigures(reason=str(NOT_DISCOVERABLE))
        raise graph_error(exc, credential, watch.elapsed, platform="instagram",
                          write=False) from None  # fmt: skip
    except requests.RequestException as exc:
        raise transport_error(exc, platform="instagram", duration=watch.elapsed, write=False,
                              credential=credential) from None  # fmt: skip
    found = body.get("business_discovery") or {}
    if found.get("followers_count") is None:
        return PartnerFigures(reason=str(NOT_DISCOVERABLE))
    media = (found.get("media") or {}).get("data") or []
    # A post whose owner hides its likes has no like_count: it counts its comments only.
    engagement = sum(int(m.get("like_count") or 0) + int(m.get("comments_count") or 0)
                     for m in media)  # fmt: skip
    return PartnerFigures(
        followers=int(found["followers_count"]),
        posts=int(found.get("media_count") or 0),
        recent_posts=len(media),
        recent_engagement=engagement,
    )


# --- X: user lookup and the user's posts --------------------------------------------------------

X_ENGAGEMENT = ("like_count", "reply_count", "retweet_count", "quote_count")


def x_partner(driver, credential, handle: str) -> PartnerFigures:
    if not X_USERNAME.fullmatch(handle):
        return PartnerFigures(reason=str(BAD_HANDLE))
    client = driver._client(credential)
    user = driver._call(
        credential,
        lambda: client.get_user(username=handle, user_fields=["public_metrics"], user_auth=False),
        write=False,
    )
    if user.data is None:
        return PartnerFigures(reason=str(UNKNOWN_ON_X))
    metrics = user.data.public_metrics or {}
    if metrics.get("followers_count") is None:
        return PartnerFigures(reason=str(NOT_SERVED))
    tweets = driver._call(
        credential,
        lambda: client.get_users_tweets(
            user.data.id,
            max_results=RECENT_POSTS,
            tweet_fields=["created_at", "public_metrics"],
            exclude=["retweets", "replies"],
            user_auth=False,
        ),
        write=False,
    )
    posts = tweets.data or []
    engagement = sum(int((post.public_metrics or {}).get(name) or 0)
                     for post in posts for name in X_ENGAGEMENT)  # fmt: skip
    return PartnerFigures(
        followers=int(metrics["followers_count"]),
        posts=int(metrics.get("tweet_count") or 0),
        recent_posts=len(posts),
        recent_engagement=engagement,
    )


__all__ = [
    "CALLS_PER_READ",
    "CALLS_PER_RUN",
    "PartnerFigures",
    "calls_per_read",
    "calls_per_run",
    "fetch_partner_figures",
]
