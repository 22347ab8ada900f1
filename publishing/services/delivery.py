"""Fan-out: one delivery per (post, channel), each sent by its own Celery task, exactly once.

How exactly-once holds (see also the ``deliver`` task and README "Publishing"):

* ``post_release`` locks the post and creates the deliveries with ``get_or_create`` on the unique
  (post, channel): a double-clicked approve, two beat runs or a redelivered message fan out once.
* ``delivery_send`` claims the delivery under a row lock before any platform call: a delivery
  that is done, or has an external id, is never sent again; one being sent by a live worker (its
  lease, ``next_attempt_at``, not yet over) is left to it.
* A send whose outcome is unknown (the answer was lost, or the worker died while sending) is
  followed by ``driver.find_existing`` before any new send: if the platform has the post, it is
  recorded as found, not sent twice.
* The network call happens outside any database transaction; the outcome is written in a short
  one afterwards, with one ``DeliveryAttempt`` per try (never a secret).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import SystemRandom
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import vault
from accounts.models import User
from accounts.roles import Role
from accounts.services import (
    CredentialUnavailable,
    audit_record,
    notification_send,
)

from .. import drivers as _drivers  # noqa: F401  (the registry)
from .. import enqueue
from ..checks import delivery_problem
from ..drivers.errors import (
    BackOffLong,
    ChallengeRequired,
    DriverError,
    DuplicateDetected,
    PermanentError,
    QuotaDeferred,
    RetryableError,
    TokenExpired,
    UncertainSend,
)
from ..drivers.http import redact
from ..drivers.types import PostPayload, PublishResult
from ..media import MediaProblem, media_for
from ..models import (
    DELIVERY_DONE,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Post,
    PostStatus,
)
from ..permissions import post_policy
from ..sync.selectors import repost_for
from .channel_client import call_channel, channel_driver, require_credential

logger = logging.getLogger(__name__)

RELEASABLE = (PostStatus.APPROVED, PostStatus.SCHEDULED)
MAX_BACKOFF_SECONDS = 3600
_jitter = SystemRandom()
Outcome = DeliveryAttempt.Outcome


# --- release -----------------------------------------------------------------------------------


def post_release(*, post_id: int, actor: User | None = None) -> list[int]:
    """Create one ``Delivery`` per target channel of an approved post that is due, mark the post
    ``publishing`` and enqueue one task per delivery after commit.

    Idempotent: a post already released (or not approved, or not yet due, or edited since its
    approval) creates nothing; the ids of the deliveries created are returned. A target channel
    that was deactivated after approval gets a cancelled delivery saying so.
    """
    # What is stored for people to read is written in the portal's language (as the worker does).
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        post = Post.objects.select_for_update().filter(pk=post_id).first()
        if post is None or post.status not in RELEASABLE or not post.is_due:
            return []
        channels = list(post.channels.all())
        if not channels:
            return []
        if post.approved_version is not None and post.approved_version != post.content_version:
            return []
        now = timezone.now()
        created: list[int] = []
        to_send: list[int] = []
        for channel in channels:
            defaults: dict[str, Any] = {"status": DeliveryStatus.QUEUED, "next_attempt_at": now}
            if not channel.is_active:
                defaults = {
                    "status": DeliveryStatus.CANCELLED,
                    "last_error": _(
                        "The channel %(channel)s was deactivated after the post was approved; "
                        "nothing was sent to it."
                    )
                    % {"channel": channel},
                    "error_code": "channel_inactive",
                }
            delivery, was_new = Delivery.objects.get_or_create(
                post=post, channel=channel, defaults=defaults
            )
            if was_new:
                created.append(delivery.pk)
                if delivery.status == DeliveryStatus.QUEUED:
                    to_send.append(delivery.pk)
        post.status = PostStatus.PUBLISHING
        post.released_at = now
        post.save(update_fields=["status", "released_at", "updated_at"])
        audit_record(
            actor=actor,
            action="post.release",
            target=post,
            details={"deliveries": len(created), "queued": len(to_send)},
        )
        _finish_post_if_done(post)
        transaction.on_commit(lambda: _enqueue(to_send))
    return created


def _enqueue(delivery_ids: list[int], *, eta: datetime | None = None) -> None:
    for delivery_id in delivery_ids:
        enqueue.deliver(delivery_id, eta=eta)


def due_post_ids(*, now: datetime | None = None) -> list[int]:
    """Scheduled posts whose time has come (the beat's ``release_due_posts``)."""
    now = now or timezone.now()
    return list(
        Post.objects.filter(status=PostStatus.SCHEDULED, scheduled_at__lte=now)
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)
    )


# --- retry by an editor ------------------------------------------------------------------------


def delivery_retry(*, actor: User, delivery_id: int) -> Delivery:
    """Send one failed delivery again, alone, with a fresh set of tries. The post goes back to
    ``publishing`` until it is done. Only whoever may change the post (its editors, the Kepala
    Dinas) retries; audit event ``delivery.retry``."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("post", "channel")
            .get(pk=delivery_id)
        )
        post = Post.objects.select_for_update().get(pk=delivery.post_id)
        if not post_policy.user_has_permission_for_instance(actor, "retry", post):
            raise PermissionDenied(_("You may not retry deliveries of this post."))
        if delivery.status != DeliveryStatus.FAILED:
            raise ValidationError(_("Only a failed delivery can be tried again."))
        if not delivery.channel.is_active:
            raise ValidationError(_("This channel is no longer active."))
        now = timezone.now()
        delivery.status = DeliveryStatus.QUEUED
        delivery.attempt_count = 0
        delivery.next_attempt_at = now
        delivery.save(update_fields=["status", "attempt_count", "next_attempt_at", "updated_at"])
        post.status = PostStatus.PUBLISHING
        post.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="delivery.retry",
            target=post,
            details={"delivery": delivery.pk, "channel": str(delivery.channel)},
        )
        transaction.on_commit(lambda: _enqueue([delivery.pk]))
    return delivery


# --- sending -----------------------------------------------------------------------------------


@dataclass
class _Claim:
    delivery_id: int
    number: int  # this attempt's number
    uncertain: bool  # an earlier try may have gone through: look before sending


def _stale_after() -> timedelta:
    return timedelta(seconds=float(settings.PUBLISHING_STALE_SECONDS))


def _claim(delivery_id: int) -> _Claim | None:
    """Take the delivery for this worker, or ``None`` when there is nothing to do."""
    now = timezone.now()
    # The usual case, the first try of a released delivery, in one conditional UPDATE: of two
    # workers given the same message, the row lock lets one change the row and the other, which
    # reads it again after waiting, finds nothing left to change and takes the path below.
    first_try = Delivery.objects.filter(
        pk=delivery_id,
        status=DeliveryStatus.QUEUED,
        first_attempt_at__isnull=True,
        external_id="",
    ).update(
        status=DeliveryStatus.SENDING,
        next_attempt_at=now + _stale_after(),
        first_attempt_at=now,
        updated_at=now,
    )
    if first_try:
        return _Claim(delivery_id=delivery_id, number=1, uncertain=False)
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status in DELIVERY_DONE or delivery.external_id:
            return None
        if delivery.status == DeliveryStatus.PENDING:
            return None  # not released
        lease_running = delivery.next_attempt_at is not None and delivery.next_attempt_at > now
        if delivery.status == DeliveryStatus.SENDING and lease_running:
            return None  # a live worker is sending it
        if (
            delivery.status == DeliveryStatus.RETRYING
            and delivery.next_attempt_at
            and (delivery.next_attempt_at > now + timedelta(seconds=1))
        ):
            return None  # an early copy of the message: the one due later will come
        last = delivery.attempts.order_by("-number").first()
        # Any uncertain try, not only the last: after "accepted, answer lost" a later try that
        # failed before sending (a timeout creating an Instagram container) proves nothing.
        uncertain = (
            delivery.status == DeliveryStatus.SENDING
            or delivery.attempts.filter(error_code=UncertainSend.code).exists()
        )
        delivery.status = DeliveryStatus.SENDING
        delivery.next_attempt_at = now + _stale_after()
        if delivery.first_attempt_at is None:
            delivery.first_attempt_at = now
        delivery.save(update_fields=["status", "next_attempt_at", "first_attempt_at", "updated_at"])
        return _Claim(
            delivery_id=delivery.pk, number=(last.number if last else 0) + 1, uncertain=uncertain
        )


def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one delivery to its platform (one try), record the try, and decide what follows:
    published, another try later (backoff with jitter, or the platform's ``Retry-After``),
    deferred to when a publishing quota allows, or failed with the reason in words.

    Never sends a delivery that is done or has an external id; looks the post up on the platform
    before sending again after an uncertain try. Safe to run twice for the same delivery.
    """
    claim = _claim(delivery_id)
    if claim is None:
        return Delivery.objects.filter(pk=delivery_id).first()
    delivery = Delivery.objects.select_related("post", "channel__credential").get(pk=delivery_id)
    started = timezone.now()
    clock = time.monotonic()
    try:
        result, outcome = _attempt(delivery, claim)
    except DriverError as exc:
        return _record_error(delivery, claim, exc, started, time.monotonic() - clock)
    except MediaProblem as exc:
        error = PermanentError(str(exc), code="media")
        return _record_error(delivery, claim, error, started, time.monotonic() - clock)
    except CredentialUnavailable as exc:
        error = PermanentError(str(exc), code="credential_unavailable")
        return _record_error(delivery, claim, error, started, time.monotonic() - clock)
    except vault.VaultKeyError:
        error = PermanentError(
            _(
                "The channel's credential cannot be decrypted; the Head of Department must enter it again."
            ),
            code="credential_unreadable",
        )
        return _record_error(delivery, claim, error, started, time.monotonic() - clock, notify=True)
    except Exception as exc:  # a bug or an unexpected library error: keep trying, say what
        logger.exception("delivery %s: unexpected error", delivery_id)
        error = RetryableError(
            _("Unexpected error while sending (%(error)s); it will be tried again.")
            % {"error": exc.__class__.__name__},
            code="unexpected",
            excerpt=redact(f"{exc.__class__.__name__}: {exc}"),
        )
        return _record_error(delivery, claim, error, started, time.monotonic() - clock)
    return _record_success(delivery, claim, result, outcome, started, time.monotonic() - clock)


def _attempt(delivery: Delivery, claim: _Claim) -> tuple[PublishResult, str]:
    """One try: (what the platform has, FOUND or PUBLISHED). Raises the driver's errors."""
    channel = delivery.channel
    require_credential(channel)
    driver = channel_driver(channel)
    payload = build_payload(delivery, driver)
    problems = driver.validate(payload)
    if problems:
        raise PermanentError(" ".join(str(p) for p in problems), code="invalid")

    def operation(credential):
        if claim.uncertain:
            found = driver.find_existing(payload, credential)
            if found is not None:
                return found, Outcome.FOUND
        try:
            return driver.publish(payload, credential), Outcome.PUBLISHED
        except DuplicateDetected:
            found = driver.find_existing(payload, credential)
            if found is None:
                raise
            return found, Outcome.FOUND

    return call_channel(
        channel,
        lambda _driver, credential: operation(credential),
        used_by=f"delivery:{delivery.pk}",
        driver=driver,
    )


def _media(post: Post, channel: Channel, driver) -> tuple:
    """The post's media for ``channel``, refused (``MediaProblem``) with the checks' words when
    the platform would refuse them."""
    if problem := delivery_problem(post, channel, driver.limits):
        raise MediaProblem(problem)
    return media_for(post, channel, driver)


def build_payload(delivery: Delivery, driver) -> PostPayload:
    """What goes to the platform: the text for it, media in its form, the delivery's key, and
    for a partner's post reposted on its own platform the native share or quote."""
    post = delivery.post
    return PostPayload(
        text=post.text_for(delivery.channel.platform),
        title=post.public_title,
        media=_media(post, delivery.channel, driver),
        first_comment=post.first_comment,
        link=post.link,
        idempotency_key=str(delivery.idempotency_key),
        thread=post.thread,
        not_before=delivery.first_attempt_at,
        repost=repost_for(post=post, channel=delivery.channel),
    )


# --- recording the outcome ---------------------------------------------------------------------


def _backoff(tries: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter ("equal jitter"), never shorter than the platform asked."""
    base = float(settings.PUBLISHING_RETRY_BASE_SECONDS)
    ceiling = min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, tries - 1))
    delay = ceiling / 2 + _jitter.uniform(0, ceiling / 2)
    if retry_after:
        delay = max(delay, float(retry_after) + _jitter.uniform(0, min(1.0, base)))
    return delay


SUCCESS_FIELDS = [
    "status",
    "attempt_count",
    "external_id",
    "extra_ids",
    "permalink",
    "published_at",
    "next_attempt_at",
    "last_error",
    "error_code",
    "updated_at",
]


def _record_success(
    delivery: Delivery,
    claim: _Claim,
    result: PublishResult,
    outcome: str,
    started: datetime,
    duration: float,
) -> Delivery:
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        DeliveryAttempt.objects.create(
            delivery=current,
            number=claim.number,
            started_at=started,
            duration=round(result.duration or duration, 3),
            outcome=outcome,
            http_status=result.http_status,
            message=(
                _("Found on the platform from an earlier try; not sent again.")
                if outcome == Outcome.FOUND
                else ""
            ),
            excerpt=redact(result.raw_excerpt)[:500],
        )
        current.status = DeliveryStatus.PUBLISHED
        current.attempt_count += 1
        current.external_id = result.external_id
        current.extra_ids = list(result.extra_ids)
        current.permalink = result.permalink[:500]
        current.published_at = now
        current.next_attempt_at = None
        current.last_error = ""
        current.error_code = ""
        current.save(update_fields=SUCCESS_FIELDS)
        post = Post.objects.select_for_update().get(pk=current.post_id)
        audit_record(
            actor=None,
            action="delivery.published",
            target=post,
            details={
                "delivery": current.pk,
                "channel": str(delivery.channel),
                "external_id": current.external_id,
                "permalink": current.permalink,
                "found": outcome == Outcome.FOUND,
            },
        )
        _finish_post_if_done(post)
    return current


# What each error means for the delivery: (final?, burns a try?, tell the Kepala Dinas?)
def _verdict(exc: DriverError) -> tuple[bool, bool, bool]:
    if isinstance(exc, QuotaDeferred):
        return False, False, False
    if isinstance(exc, TokenExpired | ChallengeRequired | BackOffLong):
        return True, True, True
    if isinstance(exc, RetryableError) or exc.retryable:
        return False, True, False
    return True, True, False


def _message_for(exc: DriverError, channel: Channel) -> str:
    if isinstance(exc, TokenExpired):
        return _(
            "The access token of %(channel)s has expired or was revoked (token kedaluwarsa); "
            "the Head of Department must connect the account again. %(detail)s"
        ) % {"channel": channel, "detail": exc.platform_message or ""}
    return str(exc)


def _record_error(
    delivery: Delivery,
    claim: _Claim,
    exc: DriverError,
    started: datetime,
    duration: float,
    *,
    notify: bool = False,
) -> Delivery:
    final, burns, tell_head = _verdict(exc)
    tell_head = tell_head or notify
    channel = delivery.channel
    message = _message_for(exc, channel)
    retry_at: datetime | None = None
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        tries = current.attempt_count + (1 if burns else 0)
        if not final and burns and tries >= int(settings.PUBLISHING_MAX_ATTEMPTS):
            final = True
            message = _("Gave up after %(tries)d tries: %(message)s") % {
                "tries": tries,
                "message": message,
            }
        if final:
            outcome = Outcome.FAILED
        elif isinstance(exc, QuotaDeferred):
            outcome = Outcome.DEFERRED
            retry_at = exc.retry_at or now + timedelta(seconds=_backoff(1, exc.retry_after))
        else:
            outcome = Outcome.RETRY
            retry_at = now + timedelta(seconds=_backoff(tries, exc.retry_after))
        DeliveryAttempt.objects.create(
            delivery=current,
            number=claim.number,
            started_at=started,
            duration=round(exc.duration or duration, 3),
            outcome=outcome,
            http_status=exc.http_status,
            error_code=exc.code[:40],
            message=message,
            excerpt=redact(exc.excerpt)[:500],
        )
        current.attempt_count = tries
        current.last_error = message
        current.error_code = exc.code[:40]
        current.status = DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING
        current.next_attempt_at = retry_at
        current.save()
        post = Post.objects.select_for_update().get(pk=current.post_id)
        if final:
            audit_record(
                actor=None,
                action="delivery.failed",
                target=post,
                details={"delivery": current.pk, "channel": str(channel), "code": exc.code},
            )
            if tell_head:
                _tell_head(current, post, message)
            _finish_post_if_done(post)
        else:
            eta = retry_at
            transaction.on_commit(lambda: _enqueue([current.pk], eta=eta))
    return current


def _tell_head(delivery: Delivery, post: Post, message: str) -> None:
    heads = User.objects.filter(is_active=True, groups__name=Role.KEPALA_DINAS.value).distinct()
    try:
        url = reverse("publishing:post_detail", args=[post.pk])
    except NoReverseMatch:
        url = ""
    notification_send(
        recipients=heads,
        kind="delivery.failed",
        key=f"delivery.failed:{delivery.pk}:{delivery.attempts.count()}",
        params={"channel": str(delivery.channel), "post": post.display_title, "message": message},
        url=url,
    )


def _finish_post_if_done(post: Post) -> None:
    """When every delivery of the (locked) post is done: published, partly published or failed."""
    if post.status != PostStatus.PUBLISHING:
        return
    statuses = list(post.deliveries.values_list("status", flat=True))
    if not statuses or any(status not in DELIVERY_DONE for status in statuses):
        return
    published = sum(1 for status in statuses if status == DeliveryStatus.PUBLISHED)
    if published == len(statuses):
        post.status = PostStatus.PUBLISHED
    elif published:
        post.status = PostStatus.PARTLY_PUBLISHED
    else:
        post.status = PostStatus.FAILED
    fields = ["status", "updated_at"]
    if published and post.published_at is None:
        post.published_at = timezone.now()
        fields.append("published_at")
    post.save(update_fields=fields)
    audit_record(
        actor=None,
        action=f"post.{post.status}",
        target=post,
        details={"published": published, "deliveries": len(statuses)},
    )


# --- the watchman ------------------------------------------------------------------------------


def stalled_delivery_ids(*, now: datetime | None = None, grace: float = 300) -> list[int]:
    """Deliveries nobody is working on although they should be: queued or waiting for a retry
    whose time passed ``grace`` seconds ago (the message was lost with its worker), or sending past
    their lease (the worker died mid-send)."""
    now = now or timezone.now()
    late = now - timedelta(seconds=grace)
    waiting = Q(
        status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING], next_attempt_at__lte=late
    )
    lost = Q(status=DeliveryStatus.SENDING, next_attempt_at__lte=now)
    return list(Delivery.objects.filter(waiting | lost).order_by("pk").values_list("pk", flat=True))


def deliveries_resume(*, grace: float = 300) -> list[int]:
    """Enqueue every stalled delivery again (the claim makes a duplicate message harmless)."""
    ids = sorted(set(stalled_delivery_ids(grace=grace)))
    _enqueue(ids)
    return ids
