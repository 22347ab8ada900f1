"""Insights as the platforms answer them: the metric names Meta and X still serve (kept with their
sources in ``tests/contracts/facebook/insights.json``, ``instagram_graph/insights.json`` and
``x/post_metrics.json``), the refusal of a retired or unknown name (the whole request fails), and
numbers that grow over a post's life.

Every number is computed, not stored: a hash of the object's id and the metric gives a post its
size, and its age gives how much of that it has reached (fast in the first two days, then
levelling off), so the same post at the same age always answers the same, and a test can move a
post's ``created_at`` back to see it grow.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from .models import Account, Post

# --- the catalogue ----------------------------------------------------------------------------

TITLES = {
    "page_media_view": "Media views",
    "page_total_media_view_unique": "Total media viewers",
    "page_post_engagements": "Post engagements",
    "page_follows": "Followers",
    "page_daily_follows_unique": "Daily new followers",
    "post_media_view": "Media views",
    "post_total_media_view_unique": "Media viewers",
    "post_clicks": "Post clicks",
    "post_reactions_by_type_total": "Total post reactions by type",
    "reach": "Accounts reached",
    "follower_count": "Follower count",
    "views": "Views",
    "accounts_engaged": "Accounts engaged",
    "total_interactions": "Total interactions",
    "likes": "Likes",
    "comments": "Comments",
    "shares": "Shares",
    "saves": "Saves",
    "saved": "Saved",
    "profile_views": "Profile views",
}
PAGE_METRICS = (
    "page_media_view",
    "page_total_media_view_unique",
    "page_post_engagements",
    "page_follows",
    "page_daily_follows_unique",
)
PAGE_POST_METRICS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_by_type_total",
)
IG_ACCOUNT_DAY = ("reach", "follower_count")
IG_ACCOUNT_TOTAL = (
    "views",
    "accounts_engaged",
    "total_interactions",
    "likes",
    "comments",
    "shares",
    "saves",
    "profile_views",
)
IG_MEDIA_METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
PAGE_INVALID = "(#100) The value must be a valid insights metric"
FEW_VIEWERS = "(#10) Not enough viewers for the media to show insights"
MIN_VIEWERS = 10
MAX_WINDOW_DAYS = 90
X_PRIVATE_DAYS = 30

# How big each metric is against a post's views, and how many followers an account starts with.
_SHARE = {
    "views": 1.0,
    "reach": 0.62,
    "likes": 0.045,
    "comments": 0.008,
    "shares": 0.006,
    "saves": 0.004,
    "clicks": 0.03,
    "profile": 0.01,
}


def _seed(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def post_views(external_id: str, created_at: datetime, now: datetime | None = None) -> int:
    """How many times the post has been seen by ``now``: a size between 300 and 5,000 reached
    along ``1 - e^(-hours/36)``."""
    now = now or timezone.now()
    hours = max(0.0, (now - created_at).total_seconds() / 3600)
    size = 300 + 4700 * _seed(external_id, "size") ** 2
    return int(size * (1 - math.exp(-hours / 36)))


def post_counts(post: Post, now: datetime | None = None) -> dict[str, int]:
    """The post's numbers by our own names (views, reach, likes, ...)."""
    views = post_views(post.external_id, post.created_at, now)
    counts = {"views": views}
    for name, share in _SHARE.items():
        if name != "views":
            jitter = 0.6 + 0.8 * _seed(post.external_id, name)
            counts[name] = int(views * share * jitter)
    counts["comments"] += post.children.filter(kind="comment").count()
    return counts


def account_followers(account: Account, day: date) -> int:
    """Followers at the end of ``day``: a start fixed by the account, a few more each day."""
    start = 800 + int(9000 * _seed(account.external_id, "followers"))
    origin = date(2026, 1, 1)
    days = (day - origin).days
    daily = 2 + int(10 * _seed(account.external_id, "daily"))
    return max(0, start + days * daily + int(5 * _seed(account.external_id, day)))


def account_day(account: Account, day: date) -> dict[str, int]:
    """An account's numbers of one day: the views of its posts' growth that day, and the rest."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    views = 0
    for post in account.posts.filter(parent__isnull=True, created_at__lt=end, deleted_at=None):
        views += post_views(post.external_id, post.created_at, end) - post_views(
            post.external_id, post.created_at, max(start, post.created_at)
        )
    views += int(40 * _seed(account.external_id, day, "base"))
    followers = account_followers(account, day)
    gained = followers - account_followers(account, day - timedelta(days=1))
    engaged = int(views * 0.06)
    return {
        "views": views,
        "reach": int(views * 0.64),
        "engagements": engaged,
        "followers": followers,
        "followers_gained": max(0, gained),
        "likes": int(engaged * 0.7),
        "comments": int(engaged * 0.1),
        "shares": int(engaged * 0.08),
        "saves": int(engaged * 0.05),
        "profile_views": int(views * 0.02),
    }


# --- Graph answers ----------------------------------------------------------------------------


def _metric_row(object_id: str, name: str, period: str, values: list[dict]) -> dict:
    return {
        "name": name,
        "period": period,
        "values": values,
        "title": TITLES.get(name, name),
        "description": f"{TITLES.get(name, name)} ({period})",
        "id": f"{object_id}/insights/{name}/{period}",
    }


def _page_value(name: str, numbers: dict[str, int]):
    return {
        "page_media_view": numbers["views"],
        "page_total_media_view_unique": numbers["reach"],
        "page_post_engagements": numbers["engagements"],
        "page_follows": numbers["followers"],
        "page_daily_follows_unique": numbers["followers_gained"],
        "reach": numbers["reach"],
        "follower_count": numbers["followers_gained"],
        "views": numbers["views"],
        "accounts_engaged": int(numbers["engagements"] * 0.8),
        "total_interactions": numbers["engagements"],
        "likes": numbers["likes"],
        "comments": numbers["comments"],
        "shares": numbers["shares"],
        "saves": numbers["saves"],
        "profile_views": numbers["profile_views"],
    }[name]


def _post_value(name: str, counts: dict[str, int]):
    likes = counts["likes"]
    return {
        "post_media_view": counts["views"],
        "post_total_media_view_unique": counts["reach"],
        "post_clicks": counts["clicks"],
        "post_reactions_by_type_total": {"like": likes - likes // 5, "love": likes // 5}
        if likes
        else {},
        "views": counts["views"],
        "reach": counts["reach"],
        "likes": likes,
        "comments": counts["comments"],
        "shares": counts["shares"],
        "saved": counts["saves"],
        "total_interactions": likes + counts["comments"] + counts["shares"] + counts["saves"],
    }[name]


def refused_metric(names: list[str], allowed: tuple[str, ...], platform: str) -> str | None:
    """The message of the refusal when any asked name is not served, else ``None``."""
    for index, name in enumerate(names):
        if name not in allowed:
            if platform == "facebook":
                return PAGE_INVALID
            return f"(#100) metric[{index}] must be one of the following values: " + ", ".join(
                allowed
            )
    return None


def _days(since: datetime | None, until: datetime | None) -> list[date]:
    """The days asked: from ``since`` (included) to ``until`` (excluded), never today or later;
    without ``since``, the two days before ``until``."""
    today = timezone.now().astimezone(UTC).date()
    end = min(until.astimezone(UTC).date(), today) if until else today
    first = since.astimezone(UTC).date() if since else end - timedelta(days=2)
    return [first + timedelta(days=i) for i in range(max(0, (end - first).days))]


def account_insights(account: Account, names: list[str], data, since, until) -> dict:
    """``GET /{page-id}/insights`` or ``/{ig-user-id}/insights`` by day (``since`` inclusive)."""
    days = _days(since, until)
    rows = []
    total_value = str(data.get("metric_type") or "") == "total_value"
    numbers = {day: account_day(account, day) for day in days}
    for name in names:
        per_day = [(day, _page_value(name, numbers[day])) for day in days]
        if total_value and account.platform == "instagram":
            row = _metric_row(account.external_id, name, "day", [])
            row.pop("values")
            row["total_value"] = {"value": sum(v for _d, v in per_day)}
        else:
            values = [
                {"value": value, "end_time": (datetime.combine(day, datetime.min.time(), tzinfo=UTC)
                                              + timedelta(days=1, hours=8)).strftime("%Y-%m-%dT%H:%M:%S+0000")}
                for day, value in per_day
            ]  # fmt: skip
            row = _metric_row(account.external_id, name, "day", values)
        rows.append(row)
    return {"data": rows}


def post_insights(post: Post, names: list[str]) -> dict:
    """``GET /{post-id}/insights`` or ``/{ig-media-id}/insights``: lifetime values."""
    counts = post_counts(post)
    rows = [
        _metric_row(post.external_id, name, "lifetime", [{"value": _post_value(name, counts)}])
        for name in names
    ]
    return {"data": rows}


# --- X ----------------------------------------------------------------------------------------


def x_public_metrics(post: Post) -> dict[str, int]:
    counts = post_counts(post)
    return {
        "retweet_count": counts["shares"],
        "reply_count": counts["comments"],
        "like_count": counts["likes"],
        "quote_count": counts["shares"] // 4,
        "bookmark_count": counts["saves"],
        "impression_count": counts["views"],
    }


def x_private_metrics(post: Post) -> dict[str, int]:
    counts = post_counts(post)
    return {
        "impression_count": counts["views"],
        "url_link_clicks": counts["clicks"],
        "user_profile_clicks": counts["profile"],
    }


def x_private_allowed(post: Post) -> bool:
    return timezone.now() - post.created_at < timedelta(days=X_PRIVATE_DAYS)


def x_field_refused(post: Post, field: str) -> dict:
    """X's Field Authorization Error for a private field of a post older than 30 days."""
    return {
        "value": post.external_id,
        "detail": f"Sorry, you are not authorized to access '{field}' on the Tweet with id : "
        f"[{post.external_id}].",
        "field": field,
        "parameter": "tweet.fields",
        "resource_id": post.external_id,
        "resource_type": "tweet",
        "section": "data",
        "title": "Field Authorization Error",
        "type": "https://api.twitter.com/2/problems/not-authorized-for-field",
    }


def x_user_metrics(account: Account) -> dict[str, int]:
    today = timezone.now().astimezone(UTC).date()
    return {
        "followers_count": account_followers(account, today),
        "following_count": 40 + int(200 * _seed(account.external_id, "following")),
        "tweet_count": account.posts.filter(deleted_at=None).count(),
        "listed_count": int(20 * _seed(account.external_id, "listed")),
        "like_count": int(300 * _seed(account.external_id, "likes")),
    }
