"""Writes of account sync and partner reposts (see ``publishing/sync/models.py``).

The two halves of a mirror run in separate tasks:

1. ``sync_poll_channel`` walks the source channel's listing page by page down to its high-water
   mark (bounded per poll; a longer walk continues at the next poll where it stopped),
   remembers every post not seen before exactly once (unique on channel and external id; whoever
   inserts the row owns it), takes a post made before the rule was set as history, recognises
   the portal's own posts by their ids on a ``Delivery`` and defers a post that may be a delivery
   still being recorded. The mark moves only after a successful answer; a failure backs off and
   loses nothing.
2. ``sync_mirror_channel`` takes the pending posts of one channel, oldest first (each claimed by one atomic
   update, so two workers never mirror the same one), checks they still exist, downloads their
   media once into the library and creates one mirror post per group of targets, approved at
   once unless the rule asks for approval, then hands it to ``post_release``.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from assets.models import Asset
from assets.services import DuplicateAsset, asset_create_from_file, folder_get_or_create_path

from ..drivers.errors import DriverError, PermanentError
from ..drivers.registry import get_driver
from ..drivers.types import (
    FETCH_ALL_MAX_PAGES,
    MediaItem,
    MediaKind,
    NativePost,
    PostPayload,
    same_text,
)
from ..models import (
    DELIVERY_DONE,
    Channel,
    Delivery,
    DeliveryStatus,
    Post,
    PostMedia,
    PostOrigin,
    PostStatus,
    PostVariant,
)
from ..services.channel_client import REPEATED_USE_RECORDED_EVERY, call_channel
from ..services.usage import poll_seconds, polling_allowed
from .models import (
    PartnerAccount,
    PollState,
    RepostSuggestion,
    SeenNativePost,
    SeenStatus,
    SuggestionStatus,
    SyncKinds,
    SyncRule,
    SyncTarget,
)
from .permissions import repost_policy, sync_rule_policy
from .transforms import transform_text

logger = logging.getLogger(__name__)

# Posts without media are mirrored this many to a transaction.
MIRROR_BATCH = 50


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


# --- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetSpec:
    """A target channel of a rule and its text transform."""

    channel: Channel
    add_hashtag: str = ""
    link_back: bool = False
    shorten_for_x: bool = False


def _as_specs(targets: Iterable[Channel | TargetSpec]) -> list[TargetSpec]:
    specs = [t if isinstance(t, TargetSpec) else TargetSpec(channel=t) for t in targets]
    seen: set[int] = set()
    unique = []
    for spec in specs:
        if spec.channel.pk not in seen:
            seen.add(spec.channel.pk)
            unique.append(spec)
    return unique


def _check_rule(source: Channel, specs: Sequence[TargetSpec], kinds: str) -> None:
    errors: dict[str, list[str]] = {}
    if not specs:
        errors.setdefault("targets", []).append(_("Choose at least one target channel."))
    if any(spec.channel.pk == source.pk for spec in specs):
        errors.setdefault("targets", []).append(
            _("A channel cannot mirror to itself: remove %(channel)s from the targets.")
            % {"channel": source}
        )
    if kinds not in SyncKinds.values:
        errors.setdefault("kinds", []).append(_("Choose which posts are mirrored."))
    if errors:
        raise ValidationError(errors)


def _write_targets(rule: SyncRule, specs: Sequence[TargetSpec]) -> None:
    SyncTarget.objects.filter(rule=rule).exclude(
        channel__in=[spec.channel for spec in specs]
    ).delete()
    for spec in specs:
        target = SyncTarget(
            rule=rule,
            channel=spec.channel,
            add_hashtag=spec.add_hashtag.strip(),
            link_back=spec.link_back,
            shorten_for_x=spec.shorten_for_x,
        )
        target.full_clean(exclude=["rule", "channel"], validate_constraints=False)
        SyncTarget.objects.update_or_create(
            rule=rule,
            channel=spec.channel,
            defaults={
                "add_hashtag": target.add_hashtag,
                "link_back": target.link_back,
                "shorten_for_x": target.shorten_for_x,
            },
        )


@transaction.atomic
def sync_rule_create(
    *,
    actor: User,
    source: Channel,
    targets: Iterable[Channel | TargetSpec],
    kinds: str = SyncKinds.ALL,
    enabled: bool = True,
    needs_approval: bool = False,
    propagate_deletions: bool = False,
) -> SyncRule:
    """Set a rule mirroring ``source``'s new native posts to ``targets``.

    Refused (``ValidationError``) for a rule from a channel to itself or without targets; refused
    (``PermissionDenied``) unless ``actor`` is the Kepala Dinas or an Editor who may submit for
    the source and every target. Only posts made after the rule is set (by the platform's own
    time, ``active_since``) are mirrored.
    """
    specs = _as_specs(targets)
    if not sync_rule_policy.user_may_manage(actor, source, [s.channel for s in specs]):
        raise PermissionDenied(
            _("Only the Head of Department or an Editor of these channels sets sync rules.")
        )
    _check_rule(source, specs, kinds)
    rule = SyncRule(
        source=source,
        kinds=kinds,
        enabled=enabled,
        active_since=timezone.now(),
        needs_approval=needs_approval,
        propagate_deletions=propagate_deletions,
        created_by=actor,
    )
    rule.full_clean()
    rule.save()
    _write_targets(rule, specs)
    PollState.objects.get_or_create(channel=source)
    audit_record(
        actor=actor,
        action="sync_rule.create",
        target=rule,
        details={"source": source.pk, "targets": [s.channel.pk for s in specs]},
    )
    return rule


@transaction.atomic
def sync_rule_update(
    *,
    actor: User,
    rule: SyncRule,
    targets: Iterable[Channel | TargetSpec] | None = None,
    **changes: Any,
) -> SyncRule:
    """Change a rule (``kinds``, ``enabled``, ``needs_approval``, ``propagate_deletions``,
    ``targets``); the same checks as :func:`sync_rule_create`, before and after the change.
    Switching a rule back on moves ``active_since`` to now: posts made while it was off are
    history, posts made after it came back are mirrored."""
    rule = SyncRule.objects.select_for_update().get(pk=rule.pk)
    if not sync_rule_policy.user_has_permission_for_instance(actor, "manage", rule):
        raise PermissionDenied(_("You may not change this sync rule."))
    allowed = {"kinds", "enabled", "needs_approval", "propagate_deletions"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These cannot be changed: %s") % ", ".join(sorted(unknown)))
    switched_on = changes.get("enabled") is True and not rule.enabled
    for name, value in changes.items():
        setattr(rule, name, value)
    if switched_on:
        # What was posted while the rule was off is history; from now on, posts are mirrored.
        rule.active_since = timezone.now()
    if targets is not None:
        specs = _as_specs(targets)
        if not sync_rule_policy.user_may_manage(actor, rule.source, [s.channel for s in specs]):
            raise PermissionDenied(_("You may not mirror to these channels."))
        _check_rule(rule.source, specs, rule.kinds)
        _write_targets(rule, specs)
    else:
        _check_rule(rule.source, [TargetSpec(c) for c in rule.targets.all()], rule.kinds)
    rule.full_clean()
    rule.save()
    audit_record(
        actor=actor,
        action="sync_rule.change",
        target=rule,
        details={"changed": sorted(changes) + (["targets"] if targets is not None else [])},
    )
    return rule


@transaction.atomic
def sync_rule_delete(*, actor: User, rule: SyncRule) -> None:
    """Remove a rule. What it mirrored stays."""
    if not sync_rule_policy.user_has_permission_for_instance(actor, "manage", rule):
        raise PermissionDenied(_("You may not remove this sync rule."))
    audit_record(actor=actor, action="sync_rule.delete", target=rule)
    rule.delete()


# --- polling ------------------------------------------------------------------------------------


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


def _record_failure(state: PollState, exc: DriverError, now: datetime) -> None:
    state.failures += 1
    state.last_poll_at = now
    state.last_error = str(exc)[:1000]
    state.next_poll_at = now + timedelta(
        seconds=_backoff_seconds(state.failures, getattr(exc, "retry_after", None))
    )
    state.save(update_fields=["failures", "last_poll_at", "last_error", "next_poll_at"])


def _record_success(
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


def _walk_pages(
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


def _native_media(native: NativePost) -> list[dict[str, str]]:
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
    try:
        state = channel.poll_state
    except PollState.DoesNotExist:
        state, _created = PollState.objects.get_or_create(channel=channel)
    now = timezone.now()
    propagate = any(rule["propagate_deletions"] for rule in rules)
    resuming = bool(state.walk_cursor)
    # Down to here the walk looks for new posts; with deletions propagated the listing goes on
    # down the deletion window, as far as the bound allows.
    since = min(rule["active_since"] for rule in rules) - poll_overlap()
    if state.cursor:
        since = max(since, state.cursor - poll_overlap())
    if resuming:
        fetch_since = state.walk_since
    else:
        fetch_since = min(since, now - deletion_window()) if propagate else since
    try:
        natives, following = _walk_pages(
            channel, fetch_since, state.walk_cursor, used_by=f"sync:{channel.pk}"
        )
    except DriverError as exc:
        if resuming and isinstance(exc, PermanentError):
            # The platform no longer takes the kept page cursor: the next poll walks again
            # from the newest post (what it finds again is already remembered).
            state.walk_cursor = ""
            state.save(update_fields=["walk_cursor"])
        _record_failure(state, exc, now)
        result.error = str(exc)
        return result
    result.found = len(natives)
    ids = [n.external_id for n in natives]
    wanted = Q(external_id__in=ids) | Q(status=SeenStatus.PENDING)
    if propagate:
        wanted |= Q(status=SeenStatus.MIRRORED, created_at__gte=fetch_since)
    known = {
        row["external_id"]: row
        for row in SeenNativePost.objects.filter(channel=channel)
        .filter(wanted)
        .values("id", "external_id", "status", "created_at", "rank")
    }
    ranks = _ranks(natives, known, state.walk_rank if resuming else None, now)
    new = [n for n in natives if n.external_id not in known]
    deferred: list[NativePost] = []
    if new:
        ours = _portal_ids(channel, [n.external_id for n in new])
        flying = _in_flight_texts(channel)
        rows: list[dict[str, Any]] = []
        for native in reversed(new):  # oldest first: rows get their ids in posting order
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
                    "media": _native_media(native),
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
    result.deferred = len(deferred)
    # The walk is complete at the end of the listing, or once it has read past ``since`` (what is
    # below is already known; a deletion check that needs more pages waits for another poll).
    whole = not following
    complete = whole or bool(natives and natives[-1].created_at < since)
    if propagate and whole and not resuming:
        # Only a listing read whole in this poll tells what is no longer there.
        present = set(ids)
        gone = [
            row["id"]
            for row in known.values()
            if row["status"] == SeenStatus.MIRRORED
            and row["external_id"] not in present
            and row["created_at"] >= fetch_since
        ]
        if gone:
            result.deleted = _mark_deleted(channel, gone)
    # The mark this walk leaves when it is complete: its newest post, or, when a post waits for
    # a delivery's record, just before that post (the next walk reads it again).
    if resuming:
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
    if complete:
        state.cursor_id = top_id
        state.walk_cursor, state.walk_since, state.walk_top = "", None, None
        state.walk_top_id, state.walk_rank = "", None
        _record_success(state, top, now, also=_WALK_FIELDS)
    else:
        state.walk_cursor, state.walk_since = following, fetch_since
        state.walk_top, state.walk_top_id = top, top_id
        state.walk_rank = (min(ranks.values()) if ranks else state.walk_rank or _rank_now(now)) - 1
        _record_success(state, state.cursor, now, also=_WALK_FIELDS)
    pending_before = any(row["status"] == SeenStatus.PENDING for row in known.values())
    if complete and (result.pending or pending_before):
        from .tasks import sync_mirror_channel

        transaction.on_commit(lambda: sync_mirror_channel.delay(channel.pk))
    return result


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
    from .tasks import sync_delete_mirrors

    count = 0
    for seen_id in seen_ids:
        updated = SeenNativePost.objects.filter(pk=seen_id, status=SeenStatus.MIRRORED).update(
            status=SeenStatus.DELETED, note=_("Deleted at the source.")
        )
        if updated:
            count += 1
            transaction.on_commit(lambda seen_id=seen_id: sync_delete_mirrors.delay(seen_id))
    return count


# --- mirroring ----------------------------------------------------------------------------------


@dataclass
class _Target:
    link: SyncTarget
    needs_approval: bool
    created_by_id: int | None


def _rules_of(channel_id: int) -> list[SyncRule]:
    return list(
        SyncRule.objects.filter(source_id=channel_id, enabled=True)
        .prefetch_related("target_links__channel")
        .order_by("id")
    )


def _targets_for(seen: SeenNativePost, rules: list[SyncRule] | None = None) -> list[_Target]:
    """The targets of every enabled rule of the channel that takes this post; a channel in
    several rules is mirrored to once (the oldest rule's transform)."""
    out: dict[int, _Target] = {}
    for rule in _rules_of(seen.channel_id) if rules is None else rules:
        if not rule.accepts(has_media=bool(seen.media), is_reply=seen.is_reply):
            continue
        if seen.created_at < to_the_second(rule.active_since):
            continue  # posted before this rule was set or switched on
        for link in rule.target_links.all():
            channel = link.channel
            if channel.pk == seen.channel_id or not channel.is_active or channel.pk in out:
                continue
            out[channel.pk] = _Target(link, rule.needs_approval, rule.created_by_id)
    return list(out.values())


def _library_folder(channel: Channel, when: datetime):
    division = channel.responsible_division
    if division is None:
        from accounts.models import Division

        division = Division.objects.order_by("id").first()
    local = timezone.localtime(when)
    return folder_get_or_create_path(
        actor=None,
        path=["Sinkronisasi", channel.name, f"{local.year}", f"{local.month:02d}"],
        division=division,
    )


def _download(seen: SeenNativePost) -> list[Asset]:
    """The post's media, stored once in the library (the same bytes are never stored twice)."""
    if not seen.media:
        return []
    folder = _library_folder(seen.channel, seen.created_at)
    assets = []
    words = " ".join(seen.text.split())
    title = (words[:80] or _("Post of %(channel)s") % {"channel": seen.channel.name})[:200]
    for index, item in enumerate(seen.media, start=1):
        with requests.get(item["url"], stream=True, timeout=60) as response:
            response.raise_for_status()
            mime = (item.get("mime_type") or response.headers.get("Content-Type", "")).split(";")[0]
            extension = mimetypes.guess_extension(mime.strip()) or ".bin"
            response.raw.decode_content = True
            try:
                asset = asset_create_from_file(
                    actor=None,
                    folder=folder,
                    fileobj=response.raw,
                    filename=f"{seen.channel.handle}-{seen.external_id}-{index}{extension}",
                    title=title if len(seen.media) == 1 else f"{title} ({index})"[:200],
                    event_date=timezone.localtime(seen.created_at).date(),
                    description=seen.text,
                    credit=seen.channel.name,
                    tags=["sinkronisasi", seen.channel.platform],
                )
            except DuplicateAsset as duplicate:
                asset = duplicate.existing
        assets.append(asset)
    return assets


def _media_items(assets: Sequence[Asset]) -> tuple[MediaItem, ...]:
    items = []
    for asset in assets:
        kind = MediaKind.VIDEO if asset.kind == "video" else MediaKind.IMAGE
        items.append(
            MediaItem(
                kind=kind,
                mime_type=asset.mime_type,
                opener=asset.file.open,
                width=asset.width,
                height=asset.height,
                duration=asset.duration,
                size=asset.size,
                filename=asset.original_name,
            )
        )
    return tuple(items)


def _group(texts: list[tuple[_Target, str]]) -> list[list[tuple[_Target, str]]]:
    """Targets in as few posts as possible: one post holds one text per platform (its variants)
    and one approval mode."""
    groups: list[list[tuple[_Target, str]]] = []
    for target, text in texts:
        platform = target.link.channel.platform
        for group in groups:
            if group[0][0].needs_approval != target.needs_approval:
                continue
            same = [
                t for tg, t in ((g[0], g[1]) for g in group) if tg.link.channel.platform == platform
            ]
            if all(t == text for t in same):
                group.append((target, text))
                break
        else:
            groups.append([(target, text)])
    return groups


def _create_mirror(seen: SeenNativePost, group, assets: Sequence[Asset]) -> Post:
    now = timezone.now()
    first_target, first_text = group[0]
    needs_approval = first_target.needs_approval
    post = Post(
        title=(_("Mirror of %(channel)s") % {"channel": seen.channel.name})[:200],
        text=first_text,
        origin=PostOrigin.MIRROR,
        author_id=first_target.created_by_id,
        division=seen.channel.responsible_division,
        status=PostStatus.SUBMITTED if needs_approval else PostStatus.APPROVED,
        submitted_at=now,
    )
    if not needs_approval:
        post.approved_at = now
        post.approved_version = post.content_version
    post.save()
    Post.channels.through.objects.bulk_create(
        [Post.channels.through(post=post, channel=target.link.channel) for target, _text in group]
    )
    variants = {}
    for target, text in group:
        if text != first_text:
            variants[target.link.channel.platform] = text
    PostVariant.objects.bulk_create(
        [
            PostVariant(post=post, platform=platform, text=text)
            for platform, text in variants.items()
        ]
    )
    PostMedia.objects.bulk_create(
        [PostMedia(post=post, asset=asset, position=i) for i, asset in enumerate(assets)]
    )
    return post


def _release(post_id: int) -> None:
    """Hand an approved mirror to the delivery engine: one delivery per target, each sent by its
    own ``deliver`` task (the same retries and exactly-once as any post)."""
    from ..services.delivery import post_release

    post_release(post_id=post_id)


def _claim(seen_id: int) -> bool:
    return bool(
        SeenNativePost.objects.filter(pk=seen_id, status=SeenStatus.PENDING).update(
            status=SeenStatus.MIRRORING
        )
    )


def sync_mirror_seen(
    *, seen: SeenNativePost, still_there: bool = True, rules: list[SyncRule] | None = None
) -> list[int]:
    """Mirror one claimed native post to its targets: one post per group of targets, the media
    once in the library, targets that cannot take it recorded with the platform's reason.
    Returns the ids of the posts created. ``seen`` must have been claimed (status mirroring)."""
    if not still_there:
        SeenNativePost.objects.filter(pk=seen.pk).update(
            status=SeenStatus.GONE, note=_("The post was deleted before it was mirrored.")
        )
        return []
    targets = _targets_for(seen, rules)
    if not targets:
        SeenNativePost.objects.filter(pk=seen.pk).update(
            status=SeenStatus.SKIPPED, note=_("No rule takes this kind of post.")
        )
        return []
    try:
        assets = _download(seen)
    except (requests.RequestException, ValidationError, OSError) as exc:
        SeenNativePost.objects.filter(pk=seen.pk).update(
            status=SeenStatus.FAILED,
            note=_("The media could not be copied into the library: %s") % exc,
        )
        return []
    items = _media_items(assets)
    texts: list[tuple[_Target, str]] = []
    problems: dict[str, str] = {}
    for target in targets:
        channel = target.link.channel
        text = transform_text(
            seen.text,
            platform=channel.platform,
            permalink=seen.permalink,
            hashtag=target.link.add_hashtag,
            link_back=target.link.link_back,
            shorten_for_x=target.link.shorten_for_x,
        )
        refused = get_driver(channel.driver).validate(PostPayload(text=text, media=items))
        if refused:
            problems[str(channel.pk)] = " ".join(str(p) for p in refused)
        else:
            texts.append((target, text))
    post_ids = []
    # Joins the caller's transaction when there is one (a batch of posts without media).
    with transaction.atomic(savepoint=False):
        for group in _group(texts):
            post = _create_mirror(seen, group, assets)
            SeenNativePost.mirror_posts.through.objects.create(seennativepost=seen, post=post)
            post_ids.append(post.pk)
            if post.status == PostStatus.APPROVED:
                transaction.on_commit(lambda post_id=post.pk: _release(post_id))
        SeenNativePost.objects.filter(pk=seen.pk).update(
            status=SeenStatus.MIRRORED if post_ids else SeenStatus.FAILED,
            problems=problems,
            mirrored_at=timezone.now(),
            note="" if post_ids else _("No target channel could take this post."),
        )
    return post_ids


def sync_mirror_channel(*, channel_id: int, confirm: bool = True) -> list[int]:
    """Mirror every pending native post of one source channel, each exactly once.

    With ``confirm`` the source is asked again first, so a post deleted since the poll found it
    is not mirrored (recorded as gone); if the source does not answer, the posts stay pending
    for the next poll. Returns the ids of the mirror posts created.
    """
    if PollState.objects.filter(channel_id=channel_id).exclude(walk_cursor="").exists():
        return []  # a walk is under way: its last poll mirrors everything, oldest first
    pending = list(
        SeenNativePost.objects.filter(channel_id=channel_id, status=SeenStatus.PENDING)
        .select_related("channel__responsible_division")
        .order_by("created_at", "rank", "id")
    )
    if not pending:
        return []
    channel = pending[0].channel
    present: set[str] | None = None
    complete = True
    if confirm:
        oldest = min(seen.created_at for seen in pending) - timedelta(seconds=1)
        try:
            natives, following = _walk_pages(
                channel, oldest, "", used_by=f"sync:{channel.pk}", bound=FETCH_ALL_MAX_PAGES
            )
        except DriverError as exc:
            logger.info("sync: source %s did not answer before mirroring: %s", channel.pk, exc)
            return []
        # A walk cut short by the bound knows only the posts it read.
        present = {n.external_id for n in natives}
        complete = not following
    post_ids: list[int] = []
    rules = _rules_of(channel_id)
    quick: list[tuple[SeenNativePost, bool]] = []
    slow: list[SeenNativePost] = []
    for seen in pending:
        there = present is None or seen.external_id in present
        if not there and not complete:
            continue
        if not seen.media or not there:
            quick.append((seen, there))
        else:
            slow.append(seen)
    # Nothing to download: claimed and mirrored in one transaction per batch (a claim taken by an
    # overlapping worker's batch waits for its commit, then finds the post no longer pending).
    for start in range(0, len(quick), MIRROR_BATCH):
        with transaction.atomic():
            for seen, there in quick[start : start + MIRROR_BATCH]:
                if _claim(seen.pk):
                    post_ids += sync_mirror_seen(seen=seen, still_there=there, rules=rules)
    for seen in slow:
        if not _claim(seen.pk):
            continue  # another worker took it
        try:
            post_ids += sync_mirror_seen(seen=seen, rules=rules)
        except Exception:
            SeenNativePost.objects.filter(pk=seen.pk, status=SeenStatus.MIRRORING).update(
                status=SeenStatus.PENDING
            )
            raise
    return post_ids


def sync_delete_mirrors(*, seen_id: int) -> int:
    """Remove the mirrors of a native post deleted at its source (only for rules that ask):
    published copies are deleted through the drivers, unsent ones cancelled. Returns how many
    copies were deleted on the platforms."""
    seen = SeenNativePost.objects.get(pk=seen_id)
    deleted = 0
    for post in seen.mirror_posts.all():
        with transaction.atomic():
            locked = Post.objects.select_for_update().get(pk=post.pk)
            if (
                locked.status
                in (
                    PostStatus.DRAFT,
                    PostStatus.SUBMITTED,
                    PostStatus.APPROVED,
                    PostStatus.SCHEDULED,
                    PostStatus.RETURNED,
                )
                and not locked.deliveries.exists()
            ):
                locked.status = PostStatus.REJECTED
                locked.review_comment = _("The source post was deleted; this mirror is withdrawn.")
                locked.save(update_fields=["status", "review_comment", "updated_at"])
            Delivery.objects.filter(post=locked, external_id="").exclude(
                status__in=DELIVERY_DONE
            ).update(status=DeliveryStatus.CANCELLED)
        for delivery in (
            Delivery.objects.filter(post=post)
            .exclude(external_id="")
            .select_related("channel__credential")
        ):
            external_id = delivery.external_id
            try:
                call_channel(
                    delivery.channel,
                    lambda driver, credential, external_id=external_id: driver.delete(
                        external_id, credential
                    ),
                    used_by=f"sync-delete:{delivery.pk}",
                    record_every=REPEATED_USE_RECORDED_EVERY,
                )
            except DriverError as exc:
                SeenNativePost.objects.filter(pk=seen.pk).update(
                    note=_("A mirror could not be deleted on %(channel)s: %(error)s")
                    % {"channel": delivery.channel, "error": exc}
                )
                continue
            deleted += 1
            audit_record(
                actor=None,
                action="sync.delete_mirror",
                target=delivery.post,
                details={"channel": delivery.channel_id, "external_id": external_id},
            )
    return deleted


# --- partner reposts ----------------------------------------------------------------------------


@transaction.atomic
def partner_account_create(
    *,
    actor: User,
    platform: str,
    handle: str,
    external_id: str,
    name: str,
    kind: str,
    via_channel: Channel,
) -> PartnerAccount:
    """Watch a partner's account (Kepala Dinas only), read through ``via_channel`` (one of the
    office's channels on the same platform)."""
    if not repost_policy.user_has_permission(actor, "watch"):
        raise PermissionDenied(_("Only the Head of Department changes the partner watch list."))
    if via_channel.platform != platform:
        raise ValidationError(
            {"via_channel": _("Choose one of the office's channels on the same platform.")}
        )
    partner = PartnerAccount(
        platform=platform,
        handle=handle.strip().lstrip("@"),
        external_id=external_id.strip(),
        name=name.strip(),
        kind=kind,
        via_channel=via_channel,
        created_by=actor,
    )
    partner.full_clean()
    partner.save()
    PollState.objects.create(partner=partner)
    audit_record(actor=actor, action="partner.create", target=partner)
    return partner


def partner_poll(*, partner_id: int) -> PollResult:
    """Read a partner's recent posts; each new one (not a reply, not a repost) becomes one
    pending repost suggestion. Failures back off like a channel's poll."""
    result = PollResult(partner_id=partner_id)
    partner = PartnerAccount.objects.select_related("via_channel__credential").get(pk=partner_id)
    if not partner.is_active:
        return result
    state, _created = PollState.objects.get_or_create(partner=partner)
    now = timezone.now()
    since = (state.cursor - poll_overlap()) if state.cursor else partner.created_at
    try:
        natives = call_channel(
            partner.via_channel,
            lambda driver, credential: driver.fetch_recent(credential, since),
            used_by=f"partner:{partner.pk}",
            record_every=REPEATED_USE_RECORDED_EVERY,
            account_id=partner.external_id,
            handle=partner.handle,
        )
    except DriverError as exc:
        _record_failure(state, exc, now)
        result.error = str(exc)
        return result
    result.found = len(natives)
    known = set(
        RepostSuggestion.objects.filter(
            partner=partner, external_id__in=[n.external_id for n in natives]
        ).values_list("external_id", flat=True)
    )
    for native in natives:
        if native.external_id in known or native.is_reply or native.is_repost:
            continue
        if native.created_at < since:
            continue
        _suggestion, created = RepostSuggestion.objects.get_or_create(
            partner=partner,
            external_id=native.external_id,
            defaults={
                "text": native.text,
                "permalink": native.permalink[:500],
                "media": _native_media(native),
                "posted_at": native.created_at,
            },
        )
        result.new += int(created)
    newest = max((n.created_at for n in natives), default=None)
    _record_success(state, max(filter(None, [state.cursor, newest]), default=None), now)
    return result


def repost_text(suggestion: RepostSuggestion, comment: str = "") -> str:
    """The text of a repost where the platform has no native share: the comment, the credit
    and the link to the original."""
    partner = suggestion.partner
    credit = _("Repost from %(name)s") % {"name": partner.name}
    parts = [comment.strip(), f"{credit}:", (suggestion.text or "").strip(), suggestion.permalink]
    return "\n\n".join(p for p in parts if p).replace(f"{credit}:\n\n", f"{credit}:\n")


@transaction.atomic
def repost_suggestion_accept(
    *,
    actor: User,
    suggestion: RepostSuggestion,
    channels: Sequence[Channel],
    comment: str = "",
) -> Post:
    """Turn a suggestion into a post (origin repost) for ``channels``, submitted for approval
    like any post. On the partner's own platform the delivery uses the platform's share or quote
    (:func:`publishing.sync.selectors.repost_for`); elsewhere the post carries credit and link."""
    suggestion = (
        RepostSuggestion.objects.select_for_update().select_related("partner").get(pk=suggestion.pk)
    )
    channels = list(channels)
    if not channels:
        raise ValidationError({"channels": _("Choose at least one channel.")})
    if not repost_policy.user_may_accept_for(actor, channels):
        raise PermissionDenied(_("You may not submit posts for every one of these channels."))
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError(_("This suggestion has already been decided."))
    now = timezone.now()
    partner = suggestion.partner
    post = Post(
        title=(_("Repost: %(name)s") % {"name": partner.name})[:200],
        text=repost_text(suggestion, comment),
        link=suggestion.permalink,
        origin=PostOrigin.REPOST,
        author=actor,
        division=actor.division,
        status=PostStatus.SUBMITTED,
        submitted_at=now,
    )
    post.full_clean(exclude=["link"])
    post.save()
    post.channels.set(channels)
    if any(channel.platform == partner.platform for channel in channels):
        # The native share or quote carries the original itself: only the comment is added.
        PostVariant.objects.create(post=post, platform=partner.platform, text=comment.strip())
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.decided_by = actor
    suggestion.decided_at = now
    suggestion.comment = comment.strip()
    suggestion.post = post
    suggestion.save(update_fields=["status", "decided_by", "decided_at", "comment", "post"])
    audit_record(
        actor=actor,
        action="repost.accept",
        target=post,
        details={"suggestion": suggestion.pk, "channels": [c.pk for c in channels]},
    )
    return post


@transaction.atomic
def repost_suggestion_dismiss(*, actor: User, suggestion: RepostSuggestion) -> RepostSuggestion:
    """Dismiss a suggestion; it leaves the queue."""
    if not repost_policy.user_has_permission(actor, "decide"):
        raise PermissionDenied(_("Only Editors decide on repost suggestions."))
    suggestion = RepostSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError(_("This suggestion has already been decided."))
    suggestion.status = SuggestionStatus.DISMISSED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    return suggestion
