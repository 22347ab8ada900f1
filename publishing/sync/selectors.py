"""Reads of account sync and partner reposts, each a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from ..drivers.types import Repost, RepostKind
from ..models import Channel, Post, PostOrigin
from .models import (
    PartnerAccount,
    PollState,
    RepostSuggestion,
    SeenNativePost,
    SeenStatus,
    SuggestionStatus,
    SyncRule,
    SyncTarget,
)
from .permissions import repost_policy, sync_rule_policy


def sync_rules_for(user: Any) -> QuerySet[SyncRule]:
    if not sync_rule_policy.user_has_permission(user, "view"):
        return SyncRule.objects.none()
    return (
        SyncRule.objects.select_related("source", "created_by", "source__poll_state")
        .prefetch_related(
            Prefetch("target_links", queryset=SyncTarget.objects.select_related("channel"))
        )
        .order_by("source__name", "id")
    )


def source_channels_due(now=None) -> list[int]:
    """Source channels of enabled rules whose next poll is due (or never polled)."""
    now = now or timezone.now()
    return list(
        Channel.objects.filter(is_active=True, credential__isnull=False)
        .filter(pk__in=SyncRule.objects.filter(enabled=True).values("source_id"))
        .filter(Q(poll_state__isnull=True) | Q(poll_state__next_poll_at__isnull=True)
                | Q(poll_state__next_poll_at__lte=now))
        .values_list("pk", flat=True)
    )  # fmt: skip


def partners_due(now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        PartnerAccount.objects.filter(is_active=True)
        .filter(Q(poll_state__isnull=True) | Q(poll_state__next_poll_at__isnull=True)
                | Q(poll_state__next_poll_at__lte=now))
        .values_list("pk", flat=True)
    )  # fmt: skip


def poll_states() -> QuerySet[PollState]:
    """Last poll of every source channel and partner, for the sync page."""
    return (
        PollState.objects.select_related("channel", "partner")
        .annotate(
            waiting=Count("channel__seen_posts", filter=Q(channel__seen_posts__status="pending"))
        )
        .order_by("channel__name", "partner__name")
    )


def seen_problems(limit: int = 30) -> QuerySet[SeenNativePost]:
    """Recent native posts that could not be mirrored everywhere."""
    return (
        SeenNativePost.objects.filter(
            Q(status__in=[SeenStatus.FAILED, SeenStatus.GONE]) | ~Q(problems={})
        )
        .select_related("channel")
        .order_by("-seen_at")[:limit]
    )


def recent_mirrors(limit: int = 30) -> QuerySet[SeenNativePost]:
    return (
        SeenNativePost.objects.filter(status__in=[SeenStatus.MIRRORED, SeenStatus.DELETED])
        .select_related("channel")
        .prefetch_related("mirror_posts__channels")
        .order_by("-seen_at")[:limit]
    )


def repost_suggestions_for(user: Any, *, status: str = SuggestionStatus.PENDING) -> QuerySet:
    if not repost_policy.user_has_permission(user, "view"):
        return RepostSuggestion.objects.none()
    queryset = RepostSuggestion.objects.select_related("partner", "decided_by", "post")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-posted_at", "-id")


def partners_for(user: Any) -> QuerySet[PartnerAccount]:
    if not repost_policy.user_has_permission(user, "view"):
        return PartnerAccount.objects.none()
    return PartnerAccount.objects.select_related("via_channel", "poll_state")


def repost_for(*, post: Post, channel: Channel) -> Repost | None:
    """What the delivery of a repost passes as ``PostPayload.repost`` on ``channel``: the
    platform's own quote (with a comment) or share (without) when the original is on the same
    platform; ``None`` elsewhere (the post's text then carries the credit and the link)."""
    if post.origin != PostOrigin.REPOST:
        return None
    suggestion = RepostSuggestion.objects.select_related("partner").filter(post_id=post.pk).first()
    if suggestion is None or suggestion.partner.platform != channel.platform:
        return None
    kind = RepostKind.QUOTE if suggestion.comment else RepostKind.SHARE
    return Repost(kind=kind, external_id=suggestion.external_id, url=suggestion.permalink)


def origin_of(post: Post) -> dict[str, Any]:
    """Where a post came from, for the timeline: composed here, mirrored from a channel's post
    (with every copy), or a repost of a partner."""
    if post.origin == PostOrigin.MIRROR:
        seen = (
            SeenNativePost.objects.select_related("channel")
            .prefetch_related("mirror_posts__channels")
            .filter(mirror_posts=post)
            .first()
        )
        return {
            "kind": "mirror",
            "seen": seen,
            "copies": list(seen.mirror_posts.all()) if seen else [],
        }
    if post.origin == PostOrigin.REPOST:
        suggestion = RepostSuggestion.objects.select_related("partner").filter(post=post).first()
        return {"kind": "repost", "suggestion": suggestion}
    return {"kind": "composer"}
