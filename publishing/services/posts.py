"""The life of a post: compose, edit, submit, approve, reject, return, reschedule, delete.

Every transition is permission-checked with ``post_policy`` / ``channel_policy``, happens inside
one transaction on a locked row, and writes one audit event (``post.create``, ``post.update``,
``post.submit``, ``post.approve``, ``post.reject``, ``post.return``, ``post.reschedule``,
``post.delete``): the post's timeline is those events.

An approval is for one **content version**: changing anything the public or a platform sees
(text, variants, media, their descriptions and Instagram crops, channels, link, first comment,
thread, whether it
shows on the public pages and with its author's name, and its time) bumps ``content_version`` and
sends an approved or scheduled post back to approval, with the fields that changed in the audit
event. Only the working title, which is never published, changes freely. A post being sent or
sent cannot change at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.services import audit_record, notification_send, notification_settle
from assets.crops import Crop, CropError, crop_rendition, crop_rendition_delete
from assets.models import Asset
from assets.selectors import assets_for_user

from ..checks import check_post
from ..models import (
    EDITABLE_STATUSES,
    Channel,
    Platform,
    Post,
    PostMedia,
    PostOrigin,
    PostStatus,
    PostVariant,
)
from ..permissions import channel_policy, post_policy

# Statuses from which a post goes to approval.
SUBMITTABLE = frozenset({PostStatus.DRAFT, PostStatus.RETURNED, PostStatus.REJECTED})
# Statuses of an approved post not yet sent out.
APPROVED_WAITING = frozenset({PostStatus.APPROVED, PostStatus.SCHEDULED})
MAX_MEDIA = 20


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


def _locked(post: Post | int) -> Post:
    pk = post.pk if isinstance(post, Post) else post
    return Post.objects.select_for_update().get(pk=pk)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _channels_for(actor: User, ids: Iterable[int], *, keep: Iterable[int] = ()) -> list[Channel]:
    """The channels ``ids``, refusing any the person may not draft for (those already on the post,
    ``keep``, stay whoever edits)."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    keep = set(keep)
    allowed = set(
        channel_policy.instances_user_has_permission_for(actor, "draft")
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    found = {c.pk: c for c in Channel.objects.filter(pk__in=ids)}
    refused = [i for i in ids if i not in keep and (i not in allowed or i not in found)]
    if refused:
        names = ", ".join(found[i].name for i in refused if i in found) or ", ".join(
            str(i) for i in refused
        )
        raise ValidationError(
            {"channels": _("You may not post to these channels: %(names)s.") % {"names": names}}
        )
    return [found[i] for i in ids if i in found]


def _assets_for(actor: User, ids: Iterable[int], *, keep: Iterable[int] = ()) -> list[Asset]:
    """The library assets ``ids``, in order, refusing any the person may not see (a restricted
    folder's asset stays out of reach even by its id)."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    if len(ids) > MAX_MEDIA:
        raise ValidationError(
            {"assets": _("At most %(count)d photos or videos per post.") % {"count": MAX_MEDIA}}
        )
    keep = set(keep)
    visible = {a.pk: a for a in assets_for_user(actor, [i for i in ids if i not in keep])}
    kept = {a.pk: a for a in Asset.objects.filter(pk__in=[i for i in ids if i in keep])}
    missing = [i for i in ids if i not in visible and i not in kept]
    if missing:
        raise ValidationError(
            {"assets": _("These assets do not exist or are not open to you: %(ids)s.")
             % {"ids": ", ".join(str(i) for i in missing)}}
        )  # fmt: skip
    return [visible.get(i) or kept[i] for i in ids]


def _clean_variants(variants: Mapping[str, str] | None) -> dict[str, str]:
    cleaned = {}
    for platform, text in (variants or {}).items():
        if platform not in Platform.values:
            raise ValidationError(
                {"variants": _("Unknown platform %(name)s.") % {"name": platform}}
            )
        if (text or "").strip():
            cleaned[platform] = text
    return cleaned


# A post is scheduled within these years. Before them there is nothing to plan, and the office's
# zone (WIB) only took its +07:00 in the 1920s: earlier times have offsets with seconds that no
# calendar or API client reads.
SCHEDULE_YEARS = (2000, 2100)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment is not None and not SCHEDULE_YEARS[0] <= moment.year <= SCHEDULE_YEARS[1]:
        raise ValidationError(
            {"scheduled_at": _("Choose a time between the years %(start)s and %(end)s.")
             % {"start": SCHEDULE_YEARS[0], "end": SCHEDULE_YEARS[1]}}
        )  # fmt: skip
    return moment


def _snapshot(post: Post) -> dict[str, Any]:
    """What the public and the platforms see, and when: an approval holds for exactly this."""
    media = list(post.media.all())
    return {
        "text": post.text,
        "public_title": post.public_title,
        "first_comment": post.first_comment,
        "link": post.link,
        "thread": post.thread,
        "variants": {v.platform: v.text for v in post.variants.all()},
        "media": [m.asset_id for m in media],
        "alt_texts": [m.alt_text for m in media],
        "crops": [m.crop.as_text() if m.crop else "" for m in media],
        "channels": sorted(c.pk for c in post.channels.all()),
        "is_public": post.is_public,
        "show_author": post.show_author,
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
    }


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(key for key in after if before.get(key) != after[key])


def _back_to_approval(post: Post, details: dict[str, Any]) -> None:
    """A new content version: an approved or scheduled post waits for approval again."""
    post.content_version += 1
    details["content_version"] = post.content_version
    if post.status in APPROVED_WAITING:
        # The approval was for other content: it goes back to the Kepala Dinas.
        post.status = PostStatus.SUBMITTED
        post.submitted_at = timezone.now()
        post.approved_by = None
        post.approved_at = None
        details["back_to_approval"] = True
    post.save(update_fields=["content_version", "status", "submitted_at", "approved_by",
                             "approved_at", "updated_at"])  # fmt: skip


def _write_relations(
    post: Post,
    *,
    variants: dict[str, str] | None,
    assets: list[Asset] | None,
    channels: list[Channel] | None,
    crops: Mapping[int, Crop] | None = None,
) -> None:
    if variants is not None:
        post.variants.exclude(platform__in=list(variants)).delete()
        for platform, text in variants.items():
            PostVariant.objects.update_or_create(post=post, platform=platform,
                                                 defaults={"text": text})  # fmt: skip
    if assets is not None:
        current = {m.asset_id: m.crop for m in post.media.all()}
        if list(current) != [a.pk for a in assets]:
            post.media.all().delete()
            PostMedia.objects.bulk_create(
                PostMedia(post=post, asset=asset, position=index)
                for index, asset in enumerate(assets)
            )
            if crops is None:  # the photos kept keep their crops
                crops = {pk: crop for pk, crop in current.items() if crop is not None}
    if crops is not None:
        _write_crops(post, crops)
    if channels is not None:
        post.channels.set(channels)


def _write_crops(post: Post, crops: Mapping[int, Crop]) -> None:
    """Instagram's crop of each photo (none for those left out), each made now if it is new:
    a crop that cannot be made is refused here, not at delivery. A crop replaced and used by
    no other post is removed."""
    for use in post.media.select_related("asset"):
        crop, before = crops.get(use.asset_id), use.crop
        if crop is not None and use.asset.kind == Asset.Kind.PHOTO:
            try:
                crop_rendition(use.asset, crop)
            except CropError as exc:
                raise ValidationError({"assets": str(exc)}) from None
            use.crop_ratio, use.crop_x, use.crop_y = crop.ratio, crop.x, crop.y
        else:
            use.crop_ratio, use.crop_x, use.crop_y = "", 0.5, 0.5
        use.save(update_fields=["crop_ratio", "crop_x", "crop_y"])
        if (
            before is not None
            and before != use.crop
            and not PostMedia.objects.filter(
                asset=use.asset, crop_ratio=before.ratio, crop_x=before.x, crop_y=before.y
            ).exists()
        ):
            crop_rendition_delete(use.asset, before)


@transaction.atomic
def post_create(
    *,
    actor: User,
    text: str = "",
    title: str = "",
    public_title: str = "",
    variants: Mapping[str, str] | None = None,
    asset_ids: Sequence[int] = (),
    channel_ids: Sequence[int] = (),
    scheduled_at: datetime | None = None,
    first_comment: str = "",
    link: str = "",
    thread: bool = False,
    is_public: bool = False,
    crops: Mapping[int, Crop] | None = None,
) -> Post:
    """A new draft by ``actor`` (Staf and up), for channels they may draft for, with assets they
    may see (``crops``: Instagram's crop per asset id). Nothing is checked against the
    platforms yet: a draft may be unfinished."""
    _require(post_policy.user_has_permission(actor, "add"), _("You may not write posts."))
    channels = _channels_for(actor, channel_ids)
    assets = _assets_for(actor, asset_ids)
    post = Post(
        title=title,
        public_title=public_title.strip(),
        text=text,
        first_comment=first_comment,
        link=link,
        thread=thread,
        scheduled_at=_aware(scheduled_at),
        is_public=is_public,
        origin=PostOrigin.COMPOSER,
        author=actor,
        division=actor.division,
    )
    post.full_clean()
    post.save()
    _write_relations(post, variants=_clean_variants(variants), assets=assets, channels=channels,
                     crops=crops or {})  # fmt: skip
    audit_record(actor=actor, action="post.create", target=post,
                 details={"channels": [c.pk for c in channels]})  # fmt: skip
    return post


@transaction.atomic
def post_update(
    *,
    actor: User,
    post: Post | int,
    text: str = UNCHANGED,
    title: str = UNCHANGED,
    public_title: str = UNCHANGED,
    variants: Mapping[str, str] | None = UNCHANGED,
    asset_ids: Sequence[int] = UNCHANGED,
    channel_ids: Sequence[int] = UNCHANGED,
    scheduled_at: datetime | None = UNCHANGED,
    first_comment: str = UNCHANGED,
    link: str = UNCHANGED,
    thread: bool = UNCHANGED,
    is_public: bool = UNCHANGED,
    crops: Mapping[int, Crop] | None = UNCHANGED,
) -> Post:
    """Change a post that is not yet sent out; arguments left out stay as they are.

    A change of anything the public or a platform sees, its time included (``_snapshot``), bumps
    ``content_version``; on an approved or scheduled post it also sends the post back to
    approval (``submitted``). The working title alone changes freely.
    """
    post = _editable(actor, post)
    before = _snapshot(post)
    current_channels = before["channels"]
    _set_given(
        post,
        text=text,
        title=title,
        public_title=public_title.strip() if isinstance(public_title, str) else public_title,
        first_comment=first_comment,
        link=link,
        thread=thread,
        is_public=is_public,
    )
    schedule_changed = False
    if scheduled_at is not UNCHANGED:
        scheduled_at = _aware(scheduled_at)
        schedule_changed = scheduled_at != post.scheduled_at
        post.scheduled_at = scheduled_at
    channels = None if channel_ids is UNCHANGED else _channels_for(
        actor, channel_ids, keep=current_channels
    )  # fmt: skip
    assets = None if asset_ids is UNCHANGED else _assets_for(actor, asset_ids, keep=before["media"])
    cleaned_variants = None if variants is UNCHANGED else _clean_variants(variants)
    post.full_clean()
    post.save()
    _write_relations(post, variants=cleaned_variants, assets=assets, channels=channels,
                     crops=None if crops is UNCHANGED else (crops or {}))  # fmt: skip
    post = Post.objects.get(pk=post.pk)  # relations as written
    changed = _changed(before, _snapshot(post))
    content_changed = bool(changed)
    details: dict[str, Any] = {"content_changed": content_changed, "changed": changed}
    if content_changed:
        _back_to_approval(post, details)
    if schedule_changed:
        _check_moved(post)
        details["scheduled_at"] = post.scheduled_at.isoformat() if post.scheduled_at else None
    audit_record(actor=actor, action="post.update", target=post, details=details)
    return post


def _editable(actor: User, post: Post | int) -> Post:
    """The post, locked, when ``actor`` may change it and it is not yet sent out."""
    post = _locked(post)
    _require(
        post_policy.user_has_permission_for_instance(actor, "change", post),
        _("You may not change this post."),
    )
    if post.status not in EDITABLE_STATUSES:
        raise ValidationError(_("This post is already being sent or was sent; it cannot change."))
    return post


def _set_given(post: Post, **fields: Any) -> None:
    """Set the fields given a value (``UNCHANGED``: left as they are)."""
    for name, value in fields.items():
        if value is not UNCHANGED:
            setattr(post, name, value)


def _check_moved(post: Post) -> None:
    """An approved post waiting for its time may only move to a later time."""
    if post.status in APPROVED_WAITING and (
        post.scheduled_at is None or post.scheduled_at <= timezone.now()
    ):
        raise ValidationError(
            {"scheduled_at": _("An approved post can only be moved to a later time.")}
        )


@transaction.atomic
def post_submit(*, actor: User, post: Post | int) -> Post:
    """Send a post to approval. Only who may submit for every one of its channels (the channel's
    division Editors and named staff) does; the post must pass every check (platform limits, a
    schedule in the future, assets ready, channels active and assigned)."""
    post = _locked(post)
    channels = list(post.channels.all())
    unassigned = [c.name for c in channels if c.responsible_division_id is None]
    if unassigned:
        raise ValidationError(
            _("These channels have no responsible division yet; the Head of Department must "
              "assign one first: %(names)s.") % {"names": ", ".join(unassigned)}
        )  # fmt: skip
    _require(
        post_policy.user_has_permission_for_instance(actor, "submit", post),
        _("You may not submit posts for every one of these channels."),
    )
    if post.status == PostStatus.SUBMITTED:
        return post  # sent twice (a double click): already waiting
    if post.status not in SUBMITTABLE:
        raise ValidationError(_("Only a draft, or a post returned or rejected, goes to approval."))
    report = check_post(post)
    if not report.ok:
        raise ValidationError(report.all_problems())
    post.status = PostStatus.SUBMITTED
    post.submitted_at = timezone.now()
    post.save(update_fields=["status", "submitted_at", "updated_at"])
    event = audit_record(actor=actor, action="post.submit", target=post,
                         details={"content_version": post.content_version})  # fmt: skip
    notification_send(
        recipients=[person for person in _approvers(post) if person.pk != actor.pk],
        kind="post.submitted",
        key=f"post.submitted:{post.pk}:{event.pk}",
        params={"post": post.display_title, "author": actor.get_full_name() or actor.username},
        url=reverse("publishing:approval_queue"),
    )
    return post


def _approvers(post: Post) -> list[User]:
    """Who may approve ``post`` now: the Kepala Dinas, and anyone granted ``approve_channel`` on
    its channels who holds it for every one of them."""
    from guardian.shortcuts import get_users_with_perms

    candidates = {
        user.pk: user
        for user in User.objects.filter(is_active=True, groups__name=Role.KEPALA_DINAS.value)
    }
    for channel in post.channels.all():
        for user in get_users_with_perms(channel, only_with_perms_in=["approve_channel"]):
            candidates.setdefault(user.pk, user)
    return [
        user
        for _pk, user in sorted(candidates.items())
        if post_policy.user_has_permission_for_instance(user, "approve", post)
    ]


def _release_on_commit(post_id: int) -> None:
    from .delivery import post_release

    transaction.on_commit(lambda: post_release(post_id=post_id))


@transaction.atomic
def post_approve(*, actor: User, post: Post | int) -> Post:
    """Approve the current content of a submitted post. Only who may approve every one of its
    channels does (the Kepala Dinas by default). A post due now is released after commit
    (``post_release``), a later one waits as ``scheduled`` for its time.

    The row is locked: a second approval of the same version (a double click, two tabs) changes
    nothing and releases nothing.
    """
    post = _locked(post)
    _require(
        post_policy.user_has_permission_for_instance(actor, "approve", post),
        _("You may not approve posts for every one of these channels."),
    )
    if post.approved_version == post.content_version and post.status not in (
        PostStatus.SUBMITTED,
        *SUBMITTABLE,
    ):
        return post  # already approved (and perhaps already out): nothing more to do
    if post.status != PostStatus.SUBMITTED:
        raise ValidationError(_("Only a post waiting for approval can be approved."))
    report = check_post(post, schedule=False)
    if not report.ok:
        raise ValidationError(report.all_problems())
    now = timezone.now()
    post.approved_by = actor
    post.approved_at = now
    post.approved_version = post.content_version
    post.review_comment = ""
    post.status = PostStatus.APPROVED if post.is_due else PostStatus.SCHEDULED
    post.save(update_fields=["approved_by", "approved_at", "approved_version", "review_comment",
                             "status", "updated_at"])  # fmt: skip
    audit_record(
        actor=actor,
        action="post.approve",
        target=post,
        details={
            "content_version": post.content_version,
            "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        },
    )
    _settle_submission(post)
    if post.status == PostStatus.APPROVED:
        _release_on_commit(post.pk)
    return post


def _settle_submission(post: Post) -> None:
    """The approvers' "waiting for approval" notifications of this post stop being new."""
    notification_settle(key_prefix=f"post.submitted:{post.pk}:")


def post_approve_many(*, actor: User, post_ids: Iterable[int]) -> tuple[list[Post], dict[int, str]]:
    """Approve several posts (the approval queue): each on its own, so that one refused post
    does not hold back the others. Returns the approved posts and, per refused id, why."""
    approved: list[Post] = []
    refused: dict[int, str] = {}
    for pk in dict.fromkeys(int(i) for i in post_ids):
        try:
            approved.append(post_approve(actor=actor, post=pk))
        except Post.DoesNotExist:
            refused[pk] = _("This post does not exist.")
        except (PermissionDenied, ValidationError) as exc:
            refused[pk] = " ".join(getattr(exc, "messages", None) or [str(exc)])
    return approved, refused


def _review(actor: User, post: Post | int, *, status: str, action: str, comment: str) -> Post:
    post = _locked(post)
    _require(
        post_policy.user_has_permission_for_instance(actor, "approve", post),
        _("You may not review posts for every one of these channels."),
    )
    if post.status != PostStatus.SUBMITTED:
        raise ValidationError(_("Only a post waiting for approval can be reviewed."))
    post.status = status
    post.review_comment = comment.strip()
    post.save(update_fields=["status", "review_comment", "updated_at"])
    event = audit_record(actor=actor, action=action, target=post,
                         details={"comment": post.review_comment[:1000]})  # fmt: skip
    _settle_submission(post)
    # The author hears of it, with the reviewer's words (and whoever submitted it, if another).
    kind = "post.rejected" if status == PostStatus.REJECTED else "post.returned"
    if post.author_id and post.author_id != actor.pk:
        notification_send(
            recipients=[post.author],
            kind=kind,
            key=f"{kind}:{post.pk}:{event.pk}",
            params={
                "post": post.display_title,
                "reviewer": actor.get_full_name() or actor.username,
                "comment": post.review_comment or "—",
            },
            url=reverse("publishing:post_detail", args=[post.pk]),
        )
    return post


@transaction.atomic
def post_reject(*, actor: User, post: Post | int, comment: str) -> Post:
    """Refuse a submitted post, saying why (the comment is required)."""
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Say why the post is rejected.")})
    return _review(actor, post, status=PostStatus.REJECTED, action="post.reject", comment=comment)


@transaction.atomic
def post_return(*, actor: User, post: Post | int, comment: str = "") -> Post:
    """Send a submitted post back to its author for changes, with a comment."""
    return _review(actor, post, status=PostStatus.RETURNED, action="post.return",
                   comment=comment or "")  # fmt: skip


@transaction.atomic
def post_reschedule(*, actor: User, post: Post | int, scheduled_at: datetime) -> Post:
    """Move a post to another time (the calendar's drag and drop); the new time must be in the
    future. The time is part of what the Kepala Dinas approved: an approved or scheduled post
    that moves goes back to approval (``post.reschedule`` records it)."""
    post = _locked(post)
    _require(
        post_policy.user_has_permission_for_instance(actor, "change", post),
        _("You may not change this post."),
    )
    if post.status not in EDITABLE_STATUSES:
        raise ValidationError(_("This post is already being sent or was sent; it cannot move."))
    scheduled_at = _aware(scheduled_at)
    if scheduled_at is None or scheduled_at <= timezone.now():
        raise ValidationError({"scheduled_at": _("Choose a time in the future.")})
    previous = post.scheduled_at
    post.scheduled_at = scheduled_at
    post.save(update_fields=["scheduled_at", "updated_at"])
    details: dict[str, Any] = {
        "from": previous.isoformat() if previous else None,
        "to": scheduled_at.isoformat(),
    }
    if previous != scheduled_at:
        _back_to_approval(post, details)
    audit_record(actor=actor, action="post.reschedule", target=post, details=details)
    return post


@transaction.atomic
def post_delete(*, actor: User, post: Post | int) -> None:
    """Delete a post that has not gone out (a draft, or a scheduled post cancelled). The audit
    log keeps that it existed."""
    post = _locked(post)
    _require(
        post_policy.user_has_permission_for_instance(actor, "change", post),
        _("You may not delete this post."),
    )
    if post.status not in EDITABLE_STATUSES or post.deliveries.exists():
        raise ValidationError(_("This post is already being sent or was sent; it stays."))
    audit_record(actor=actor, action="post.delete", target=post,
                 details={"status": post.status, "title": post.display_title})  # fmt: skip
    post.delete()
