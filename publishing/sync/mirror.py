"""Mirroring what a poll found (the second half of a mirror; ``poll.py`` is the first).

``sync_mirror_channel`` takes the pending posts of one channel, oldest first (each claimed by one
atomic update, so two workers never mirror the same one), checks they still exist, downloads their
media once into the library and creates one mirror post per group of targets, approved at once
unless the rule asks for approval, then hands it to ``post_release``.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record
from assets.models import Asset
from assets.services import DuplicateAsset, asset_create_from_file, folder_get_or_create_path

from ..drivers.errors import DriverError
from ..drivers.registry import get_driver
from ..drivers.types import (
    FETCH_ALL_MAX_PAGES,
    MediaItem,
    MediaKind,
    PostPayload,
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
from ..services.delivery import post_release
from .models import (
    PollState,
    SeenNativePost,
    SeenStatus,
    SyncRule,
    SyncTarget,
)
from .poll import to_the_second, walk_pages
from .transforms import transform_text

logger = logging.getLogger(__name__)

# Posts without media are mirrored this many to a transaction.
MIRROR_BATCH = 50


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
            driver=channel.driver,
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
            natives, following = walk_pages(
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
