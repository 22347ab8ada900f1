"""Deliveries: one (post, channel) pair each, and a record of every try (never a secret)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .channels import Channel
from .posts import Post


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery status", "Waiting")
    QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
    SENDING = "sending", pgettext_lazy("delivery status", "Sending")
    RETRYING = "retrying", pgettext_lazy("delivery status", "Will try again")
    PUBLISHED = "published", pgettext_lazy("delivery status", "Published")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("delivery status", "Cancelled")


DELIVERY_DONE = frozenset(
    {DeliveryStatus.PUBLISHED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED}
)


class Delivery(models.Model):
    """One post on one channel: sent by one Celery task, exactly once."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempt_count = models.PositiveIntegerField(_("tries"), default=0)
    external_id = models.CharField(_("id on the platform"), max_length=200, blank=True)
    extra_ids = models.JSONField(default=list, blank=True)
    permalink = models.URLField(_("address on the platform"), max_length=500, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    next_attempt_at = models.DateTimeField(_("next try"), null=True, blank=True, db_index=True)
    first_attempt_at = models.DateTimeField(_("first try"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["post_id", "channel__platform", "channel__name"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="delivery_unique_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.channel_id}"

    @property
    def is_done(self) -> bool:
        return self.status in DELIVERY_DONE


class DeliveryAttempt(models.Model):
    """One try of a delivery: when, how it went, an excerpt of the answer (never a secret)."""

    class Outcome(models.TextChoices):
        PUBLISHED = "published", pgettext_lazy("attempt outcome", "Published")
        FOUND = "found", pgettext_lazy("attempt outcome", "Found from an earlier try")
        RETRY = "retry", pgettext_lazy("attempt outcome", "Will try again")
        DEFERRED = "deferred", pgettext_lazy("attempt outcome", "Deferred")
        FAILED = "failed", pgettext_lazy("attempt outcome", "Failed")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField(_("try"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    duration = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    message = models.TextField(_("message"), blank=True)
    excerpt = models.TextField(_("answer excerpt"), blank=True)

    class Meta:
        ordering = ["delivery_id", "number", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number} {self.outcome}"
