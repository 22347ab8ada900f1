"""Read queries of this app, filtered by what the reader may see.

Each list costs a fixed number of queries whatever its length.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, User
from assets.models import Asset, Rendition

from .models import Channel, Delivery, Post, PostMedia, PostStatus
from .permissions import channel_policy, post_policy

# What the calendar shows: posts with a time that are approved, on their way or out.
CALENDAR_STATUSES = [
    PostStatus.SUBMITTED,
    PostStatus.APPROVED,
    PostStatus.SCHEDULED,
    PostStatus.PUBLISHING,
    PostStatus.PUBLISHED,
    PostStatus.PARTLY_PUBLISHED,
    PostStatus.FAILED,
]


def _with_relations(posts: QuerySet) -> QuerySet:
    return posts.select_related("author", "division", "approved_by").prefetch_related(
        Prefetch("channels", queryset=Channel.objects.order_by("account_group", "platform")),
        "variants",
        Prefetch(
            "media",
            queryset=PostMedia.objects.select_related("asset").prefetch_related(
                Prefetch("asset__renditions", queryset=Rendition.objects.order_by("width"))
            ),
        ),
        Prefetch("deliveries", queryset=Delivery.objects.select_related("channel")),
    )


def post_list(
    *,
    user: User,
    status: str = "",
    q: str = "",
    channel: int | None = None,
    mine: bool = False,
) -> QuerySet[Post]:
    """Posts the person may see, newest first."""
    posts = post_policy.instances_user_has_permission_for(user, "view")
    if status:
        posts = posts.filter(status=status)
    if q:
        for word in q.split()[:10]:
            posts = posts.filter(Q(title__icontains=word) | Q(text__icontains=word))
    if channel:
        posts = posts.filter(channels=channel)
    if mine:
        posts = posts.filter(author=user)
    return _with_relations(posts.distinct().order_by("-created_at", "-id"))


def post_get_for_user(user: User, pk: int) -> Post | None:
    return (
        _with_relations(post_policy.instances_user_has_permission_for(user, "view"))
        .filter(pk=pk)
        .first()
    )


def approval_queue(*, user: User) -> list[Post]:
    """Submitted posts this person may approve (every one of their channels), oldest first."""
    if not post_policy.user_has_permission(user, "approve"):
        return []
    approvable = set(
        channel_policy.instances_user_has_permission_for(user, "approve").values_list(
            "pk", flat=True
        )
    )
    posts = _with_relations(
        post_policy.instances_user_has_permission_for(user, "view").filter(
            status=PostStatus.SUBMITTED
        )
    ).order_by("submitted_at", "id")
    return [
        post
        for post in posts
        if post.channels.all() and {c.pk for c in post.channels.all()} <= approvable
    ]


def approval_count(*, user: User) -> int:
    """How many posts wait for this person's approval (the dashboard's figure)."""
    return len(approval_queue(user=user))


def post_timeline(post: Post, user: User | None = None) -> list[AuditEvent]:
    """The post's history: every transition, oldest first, each with a label for people, who did
    it ("System" for automatic work) and, for a delivery, its channel and the post on the
    platform."""
    from accounts.events import describe

    events = list(
        AuditEvent.objects.filter(object_type="publishing.post", object_id=str(post.pk))
        .order_by("created_at", "id")
        .select_related("actor")
    )
    describe(events, user)
    for event in events:
        event.link = None  # the page is the post itself
        details = event.details or {}
        event.channel = details.get("channel", "") if event.action.startswith("delivery.") else ""
        permalink = details.get("permalink") or ""
        event.permalink = permalink if permalink.startswith(("https://", "http://")) else ""
    return events


def post_deliveries(post: Post) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(post=post)
        .select_related("channel")
        .annotate(tries=Count("attempts"))
        .order_by("channel__platform", "channel__name")
    )


def channel_list(*, user: User, action: str = "view", active_only: bool = False) -> QuerySet:
    channels = channel_policy.instances_user_has_permission_for(user, action).select_related(
        "responsible_division"
    )
    if active_only:
        channels = channels.filter(is_active=True)
    return channels.order_by("account_group", "platform", "name")


def channels_by_group(channels) -> OrderedDict:
    """Channels grouped by account group (Media Center, Pemkab, Dinkominfo), in order."""
    groups: OrderedDict = OrderedDict()
    for channel in channels:
        groups.setdefault(channel.get_account_group_display(), []).append(channel)
    return groups


def picker_assets(*, user: User, q: str = "", limit: int = 24) -> list[Asset]:
    """Photos and videos for the composer's picker: what the person may see, newest first."""
    from assets.selectors import asset_list

    assets = asset_list(user=user, q=q, sort="-uploaded").filter(
        kind__in=[Asset.Kind.PHOTO, Asset.Kind.VIDEO]
    )
    return list(assets[:limit])


def calendar_range(view: str, anchor: date) -> tuple[date, date]:
    """The first and last day shown: a month grid (whole weeks from Monday) or one week."""
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6)
    first = anchor.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = first - timedelta(days=first.weekday())
    last = following - timedelta(days=1)
    end = last + timedelta(days=6 - last.weekday())
    return start, end


def calendar_posts(*, user: User, start: date, end: date, channel: int | None = None) -> dict:
    """Posts with a time between ``start`` and ``end`` (inclusive, WIB), by local date: the
    scheduled time of those waiting, the publication time of those out."""
    tz = timezone.get_current_timezone()
    begin = timezone.make_aware(datetime.combine(start, time.min), tz)
    finish = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz)
    posts = post_policy.instances_user_has_permission_for(user, "view").filter(
        status__in=CALENDAR_STATUSES
    )
    posts = posts.filter(
        Q(scheduled_at__gte=begin, scheduled_at__lt=finish)
        | Q(scheduled_at__isnull=True, published_at__gte=begin, published_at__lt=finish)
        | Q(scheduled_at__isnull=True, released_at__gte=begin, released_at__lt=finish)
    )
    if channel:
        posts = posts.filter(channels=channel)
    days: dict[date, list[Post]] = {}
    for post in _with_relations(posts.distinct()).order_by("scheduled_at", "published_at", "id"):
        moment = post.scheduled_at or post.published_at or post.released_at
        post.calendar_time = timezone.localtime(moment, tz)
        days.setdefault(post.calendar_time.date(), []).append(post)
    return days


def dashboard_cards(user: User) -> list[dict]:
    """The dashboard's figures: posts waiting for this person's approval."""
    if not post_policy.user_has_permission(user, "approve"):
        return []
    waiting = approval_count(user=user)
    return [
        {
            "label": _("Posts waiting for your approval"),
            "value": waiting,
            "url_name": "publishing:approval_queue",
            "warn": waiting > 0,
        }
    ]
