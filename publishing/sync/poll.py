"""Polling a source channel (the first half of a mirror; ``mirror.py`` is the second).

``sync_poll_channel`` walks the source channel's listing page by page down to its high-water mark
(bounded per poll; a longer walk continues at the next poll where it stopped), remembers every post
not seen before exactly once (unique on channel and external id; whoever inserts the row owns it),
takes a post made before the rule was set as history, recognises the portal's own posts by their
ids on a ``Delivery`` and defers a post that may be a delivery still being recorded. The mark moves
only after a successful answer; a failure backs off and loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import enqueue
from ..drivers.errors import DriverError, PermanentError
from ..drivers.types import (
    NativePost,
    same_text,
)
from ..models import (
    DELIVERY_DONE,
    Channel,
    Delivery,
    DeliveryStatus,
)
from ..services.channel_client import REPEATED_USE_RECORDED_EVERY, call_channel
from ..services.usage import poll_seconds, polling_allowed
from .models import (
    PollState,
    SeenNativePost,
    SeenStatus,
    SyncRule,
)

logger = logging.getLogger(__name__)


def poll_interval() -> int:
    return int(getattr(settings, "SYNC_POLL_SECONDS", 180))


def poll_overlap() -> timedelta:
    """Each poll looks this far back before its cursor: platforms index posts late, and the
    seen-posts table makes the overlap free of duplicates."""
    return timedelta(seconds=int(getattr(settings, "SYNC_POLL_OVERLAP_SECONDS", 600)))


def poll_max_pages() -> int:
    """Pages of the platform's listing one poll reads at most; a walk longer than that goes on
    at the next poll, from where this one stopped."""
    return max(1, int(getattr(settings, "SYNC_POLL_MAX_PAGES", 10)))


def to_the_second(moment: datetime) -> datetime:
    """The platforms give a post's time to the second: a rule set at 10:00:00.700 takes a post
    the platform dates 10:00:00."""
    return moment.replace(microsecond=0)


def deletion_window() -> timedelta:
    return timedelta(hours=int(getattr(settings, "SYNC_DELETION_WINDOW_HOURS", 48)))


def max_backoff() -> int:
    return int(getattr(settings, "SYNC_MAX_BACKOFF_SECONDS", 3600))


@dataclass
class PollResult:
    channel_id: int | None = None
    partner_id: int | None = None
    found: int = 0
    new: int = 0
    deferred: int = 0
    deleted: int = 0
    error: str = ""
    pending: list[int] = field(default_factory=list)


def _backoff_seconds(failures: int, retry_after: float | None) -> float:
    seconds = min(poll_interval() * (2 ** max(failures - 1, 0)), max_backoff())
    if retry_after:
        seconds = max(seconds, retry_after)
    return seconds


def record_failure(state: PollState, exc: DriverError, now: datetime) -> None:
    state.failures += 1
    state.last_poll_at = now
    state.last_error = str(exc)[:1000]
    state.next_poll_at = now + timedelta(
        seconds=_backoff_seconds(state.failures, getattr(exc, "retry_after", None))
    )
    state.save(update_fields=["failures", "last_poll_at", "last_error", "next_poll_at"])


def record_success(
    state: PollState, cursor: datetime | None, now: datetime, *, also: Sequence[str] = ()
) -> None:
    state.cursor = cursor
    state.failures = 0
    state.last_poll_at = now
    state.last_success_at = now
    state.last_error = ""
    interval = poll_seconds(state.channel, poll_interval()) if state.channel_id else poll_interval()
    state.next_poll_at = now + timedelta(seconds=interval)
    state.save(
        update_fields=[
            "cursor",
            "failures",
            "last_poll_at",
            "last_success_at",
            "last_error",
            "next_poll_at",
            *also,
        ]
    )


_WALK_FIELDS = ["cursor_id", "walk_cursor", "walk_since", "walk_top", "walk_top_id", "walk_rank"]


def walk_pages(
    channel: Channel, since: datetime | None, cursor: str, *, used_by: str, bound: int = 0
) -> tuple[list[NativePost], str]:
    """Read ``channel``'s listing from ``cursor`` (the newest post when empty) down to ``since``,
    at most ``bound`` pages (:func:`poll_max_pages` by default). Returns the posts, newest first,
    and where the listing goes on (``""`` when it is over)."""
    bound = bound or poll_max_pages()

    def walk(driver, credential) -> tuple[list[NativePost], str]:
        posts: list[NativePost] = []
        following = cursor
        for _page in range(bound):
            page = driver.fetch_page(credential, since, following)
            posts.extend(page.posts)
            following = page.cursor
            if not following:
                break
        return posts, following

    return call_channel(channel, walk, used_by=used_by, record_every=REPEATED_USE_RECORDED_EVERY)


def _portal_ids(channel: Channel, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` the portal itself published on ``channel`` (a delivery's post, or the
    rest of its thread and its first comment)."""
    ours = set(
        Delivery.objects.filter(channel=channel, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    rest = set(ids) - ours
    if rest:
        since = timezone.now() - timedelta(days=30)
        for extra in (
            Delivery.objects.filter(
                channel=channel, created_at__gte=since, status=DeliveryStatus.PUBLISHED
            )
            .exclude(extra_ids=[])
            .values_list("extra_ids", flat=True)
        ):
            ours |= rest & {str(i) for i in extra or []}
    return ours


def _in_flight_texts(channel: Channel) -> list[str]:
    """Texts of deliveries to ``channel`` that may already be on the platform without their id
    recorded yet (sent, answer not yet saved): a post with such a text waits for the next poll."""
    texts = []
    for delivery in (
        Delivery.objects.filter(channel=channel)
        .exclude(status__in=DELIVERY_DONE)
        .filter(external_id="")
        .select_related("post")
        .prefetch_related("post__variants")
    ):
        texts.append(delivery.post.text_for(channel.platform))
    return texts


def native_media(native: NativePost) -> list[dict[str, str]]:
    return [
        {"kind": str(m.kind), "url": m.url, "mime_type": m.mime_type or ""} for m in native.media
    ]


def sync_poll_channel(*, channel_id: int) -> PollResult:
    """Poll one source channel once (see the module's docstring). Never raises a driver error:
    it is recorded on the channel's poll state and the next poll is pushed back.

    A poll walks the platform's listing, newest first, page after page, down to what it has
    already read (the high-water mark, less an overlap for posts the platform indexes late; never
    further back than the earliest ``active_since`` of the channel's rules, before which every post
    is history). At most :func:`poll_max_pages` pages: a longer walk keeps its place and the next
    poll continues it. Posts found are remembered at once; they are mirrored, oldest first, when
    the walk is complete, so a backlog goes out in the order it was posted.
    """
    result = PollResult(channel_id=channel_id)
    # The rules, their source channel, its credential and its poll state in one query.
    loaded = list(
        SyncRule.objects.filter(source_id=channel_id, enabled=True).select_related(
            "source__credential", "source__poll_state"
        )
    )
    if not loaded or not loaded[0].source.is_active:
        return result
    channel = loaded[0].source
    if not polling_allowed(channel):
        # A per-call platform past the channel's monthly ceiling (or set never to poll):
        # nothing is read; the next look is in an hour (a raised ceiling resumes it).
        PollState.objects.update_or_create(
            channel=channel, defaults={"next_poll_at": timezone.now() + timedelta(hours=1)}
        )
        result.error = _("Polling is stopped for this channel (API call ceiling or no polling).")
        return result
    rules = [
        {
            "id": r.pk,
            "active_since": to_the_second(r.active_since),
            "kinds": r.kinds,
            "propagate_deletions": r.propagate_deletions,
        }
        for r in loaded
    ]
    walk = _Walk.start(channel, rules)
    try:
        natives, following = walk_pages(
            channel, walk.fetch_since, walk.state.walk_cursor, used_by=f"sync:{channel.pk}"
        )
    except DriverError as exc:
        walk.failed(exc)
        result.error = str(exc)
        return result
    result.found = len(natives)
    known = walk.known(natives)
    ranks = _ranks(natives, known, walk.state.walk_rank if walk.resuming else None, walk.now)
    deferred = _remember_new(channel, natives, known, rules, ranks, result)
    result.deferred = len(deferred)
    # The walk is complete at the end of the listing, or once it has read past ``since`` (what is
    # below is already known; a deletion check that needs more pages waits for another poll).
    whole = not following
    complete = whole or bool(natives and natives[-1].created_at < walk.since)
    if walk.propagate and whole and not walk.resuming:
        # Only a listing read whole in this poll tells what is no longer there.
        result.deleted = walk.mark_gone(natives, known)
    walk.advance(natives, deferred, ranks, following if not complete else "")
    pending_before = any(row["status"] == SeenStatus.PENDING for row in known.values())
    if complete and (result.pending or pending_before):
        channel_id = channel.pk
        transaction.on_commit(lambda: enqueue.sync_mirror_channel(channel_id))
    return result


@dataclass
class _Walk:
    """One poll's walk down a source channel's listing: where it reads from, and the mark it
    leaves on the channel's poll state."""

    channel: Channel
    state: PollState
    now: datetime
    propagate: bool
    resuming: bool
    since: datetime
    fetch_since: datetime

    @classmethod
    def start(cls, channel: Channel, rules: list[dict[str, Any]]) -> _Walk:
        try:
            state = channel.poll_state
        except PollState.DoesNotExist:
            state, _created = PollState.objects.get_or_create(channel=channel)
        now = timezone.now()
        propagate = any(rule["propagate_deletions"] for rule in rules)
        resuming = bool(state.walk_cursor)
        # Down to here the walk looks for new posts; with deletions propagated the listing goes
        # on down the deletion window, as far as the bound allows.
        since = min(rule["active_since"] for rule in rules) - poll_overlap()
        if state.cursor:
            since = max(since, state.cursor - poll_overlap())
        if resuming:
            fetch_since = state.walk_since
        else:
            fetch_since = min(since, now - deletion_window()) if propagate else since
        return cls(channel, state, now, propagate, resuming, since, fetch_since)

    def failed(self, exc: DriverError) -> None:
        if self.resuming and isinstance(exc, PermanentError):
            # The platform no longer takes the kept page cursor: the next poll walks again
            # from the newest post (what it finds again is already remembered).
            self.state.walk_cursor = ""
            self.state.save(update_fields=["walk_cursor"])
        record_failure(self.state, exc, self.now)

    def known(self, natives: list[NativePost]) -> dict[str, dict[str, Any]]:
        """The remembered posts this walk meets, pending ones and (with deletions propagated)
        the mirrored ones in its window, by external id."""
        wanted = Q(external_id__in=[n.external_id for n in natives]) | Q(status=SeenStatus.PENDING)
        if self.propagate:
            wanted |= Q(status=SeenStatus.MIRRORED, created_at__gte=self.fetch_since)
        return {
            row["external_id"]: row
            for row in SeenNativePost.objects.filter(channel=self.channel)
            .filter(wanted)
            .values("id", "external_id", "status", "created_at", "rank")
        }

    def mark_gone(self, natives: list[NativePost], known: dict[str, dict[str, Any]]) -> int:
        present = {n.external_id for n in natives}
        gone = [
            row["id"]
            for row in known.values()
            if row["status"] == SeenStatus.MIRRORED
            and row["external_id"] not in present
            and row["created_at"] >= self.fetch_since
        ]
        return _mark_deleted(self.channel, gone) if gone else 0

    def advance(
        self,
        natives: list[NativePost],
        deferred: list[NativePost],
        ranks: dict[str, int],
        following: str,
    ) -> None:
        """Leave the mark of this walk: complete (no ``following`` page), the high-water mark
        moves; otherwise the walk keeps its place for the next poll."""
        state = self.state
        top, top_id = self._top(natives, deferred)
        if not following:
            state.cursor_id = top_id
            state.walk_cursor, state.walk_since, state.walk_top = "", None, None
            state.walk_top_id, state.walk_rank = "", None
            record_success(state, top, self.now, also=_WALK_FIELDS)
            return
        state.walk_cursor, state.walk_since = following, self.fetch_since
        state.walk_top, state.walk_top_id = top, top_id
        lowest = min(ranks.values()) if ranks else state.walk_rank or _rank_now(self.now)
        state.walk_rank = lowest - 1
        record_success(state, state.cursor, self.now, also=_WALK_FIELDS)

    def _top(
        self, natives: list[NativePost], deferred: list[NativePost]
    ) -> tuple[datetime | None, str]:
        """The mark this walk leaves when it is complete: its newest post, or, when a post waits
        for a delivery's record, just before that post (the next walk reads it again)."""
        state = self.state
        if self.resuming:
            top, top_id = state.walk_top, state.walk_top_id
        elif natives:
            top, top_id = natives[0].created_at, natives[0].external_id
        else:
            top, top_id = None, ""
        if state.cursor and (top is None or state.cursor > top):
            top, top_id = state.cursor, state.cursor_id
        if deferred:
            # The next poll subtracts the overlap again.
            waiting = min(n.created_at for n in deferred) - timedelta(seconds=1) + poll_overlap()
            if top is None or waiting < top:
                top, top_id = waiting, ""
        return top, top_id


def _remember_new(
    channel: Channel,
    natives: list[NativePost],
    known: dict[str, dict[str, Any]],
    rules: list[dict[str, Any]],
    ranks: dict[str, int],
    result: PollResult,
) -> list[NativePost]:
    """Remember each post not seen before, oldest first (rows get their ids in posting order);
    returns the posts deferred because they may be a delivery still being recorded."""
    new = [n for n in natives if n.external_id not in known]
    deferred: list[NativePost] = []
    if not new:
        return deferred
    ours = _portal_ids(channel, [n.external_id for n in new])
    flying = _in_flight_texts(channel)
    rows: list[dict[str, Any]] = []
    for native in reversed(new):
        status, note = _first_status(native, rules, ours)
        if status is None:
            if any(same_text(native.text, text) for text in flying):
                deferred.append(native)
                continue
            status, note = SeenStatus.PENDING, ""
        rows.append(
            {
                "channel": channel,
                "external_id": native.external_id,
                "created_at": native.created_at,
                "text": native.text,
                "permalink": native.permalink[:500],
                "media": native_media(native),
                "is_reply": native.is_reply,
                "rank": ranks[native.external_id],
                "status": status,
                "note": note,
            }
        )
    for seen in _remember(rows):
        result.new += 1
        if seen.status == SeenStatus.PENDING:
            result.pending.append(seen.pk)
    return deferred


def _rank_now(now: datetime) -> int:
    """The rank of the first post of a walk that meets no post already remembered: above every
    rank given before (a walk reads fewer posts than microseconds pass between two polls)."""
    return int(now.timestamp() * 1_000_000)


def _ranks(
    natives: list[NativePost], known: dict[str, dict[str, Any]], resume: int | None, now: datetime
) -> dict[str, int]:
    """Each post's rank in the platform's own order (``natives`` is newest first). A walk that
    goes on continues from ``resume``; a new walk is anchored on the first post it meets that is
    already remembered, so a post of this walk ranks against those of earlier walks as the
    platform orders them (many posts share a second)."""
    top = resume
    if top is None:
        top = _rank_now(now)
        for index, native in enumerate(natives):
            row = known.get(native.external_id)
            if row and row["rank"]:
                top = row["rank"] + index
                break
    return {native.external_id: top - index for index, native in enumerate(natives)}


def _first_status(
    native: NativePost, rules: list[dict[str, Any]], ours: set[str]
) -> tuple[str | None, str]:
    """What a newly found post is: the portal's own, a repost, not for any rule, history (made
    before every rule that would take it was set or switched on), or ``None``: to be mirrored."""
    if native.external_id in ours:
        return SeenStatus.OURS, ""
    if native.is_repost:
        return SeenStatus.SKIPPED, _("A repost of another account's post.")
    taking = [
        rule
        for rule in rules
        if _rule_accepts(rule["kinds"], has_media=bool(native.media), is_reply=native.is_reply)
    ]
    if not taking:
        return SeenStatus.SKIPPED, _("No rule takes this kind of post.")
    if all(native.created_at < rule["active_since"] for rule in taking):
        return SeenStatus.SKIPPED, _("Posted before the sync rule was set or switched on.")
    return None, ""


def _remember(rows: list[dict[str, Any]]) -> list[SeenNativePost]:
    """Insert the rows of newly seen posts and return those this poll inserted: all of them in one
    statement when no overlapping poll got there first (the usual case), else one by one, each
    row already remembered a moment ago by the other poll being left to it."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            return SeenNativePost.objects.bulk_create([SeenNativePost(**row) for row in rows])
    except IntegrityError:
        pass
    inserted = []
    for row in rows:
        try:
            with transaction.atomic():
                inserted.append(SeenNativePost.objects.create(**row))
        except IntegrityError:
            continue  # an overlapping poll remembered it a moment ago: it is theirs
    return inserted


def _rule_accepts(kinds: str, *, has_media: bool, is_reply: bool) -> bool:
    return SyncRule(kinds=kinds).accepts(has_media=has_media, is_reply=is_reply)


def _mark_deleted(channel: Channel, seen_ids: list[int]) -> int:
    count = 0
    for seen_id in seen_ids:
        updated = SeenNativePost.objects.filter(pk=seen_id, status=SeenStatus.MIRRORED).update(
            status=SeenStatus.DELETED, note=_("Deleted at the source.")
        )
        if updated:
            count += 1
            transaction.on_commit(lambda seen_id=seen_id: enqueue.sync_delete_mirrors(seen_id))
    return count
