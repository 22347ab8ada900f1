"""Taking the daily snapshots: each channel's figures of yesterday, and each published post's
figures to date, read through the channel's own login (the vault, decrypted in the worker) and
kept one row per (post or channel, figure, day).

A snapshot is idempotent: run twice on a day it rewrites the same rows. Older posts are read less
often (daily for their first week, weekly until three months, then no more), and an X channel
whose monthly call ceiling is reached is not read (X bills every read).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from publishing.drivers.errors import DriverError
from publishing.drivers.insights import (
    FOLLOWERS,
    FOLLOWERS_GAINED,
    Reading,
    fetch_account_insights,
    fetch_post_insights,
)
from publishing.models import Channel, Delivery, DeliveryStatus
from publishing.services.channel_client import REPEATED_USE_RECORDED_EVERY, call_channel
from publishing.services.usage import is_metered, polling_allowed

from .models import ChannelMetricDay, DeliveryMetricDay

logger = logging.getLogger(__name__)

DAILY_FOR_DAYS = 7
WEEKLY_UNTIL_DAYS = 90
USED_BY = "insights"


@dataclass(frozen=True)
class SnapshotResult:
    stored: int = 0
    not_available: int = 0
    skipped: str = ""
    error: str = ""


def post_due(published_on: date, today: date) -> bool:
    """Whether a post published on ``published_on`` is read on ``today``: every day of its first
    week, every seventh day until three months, then never again."""
    age = (today - published_on).days
    if age < 0:
        return False
    if age < DAILY_FOR_DAYS:
        return True
    return age <= WEEKLY_UNTIL_DAYS and age % 7 == 0


def _budget_refusal(channel: Channel) -> str:
    if is_metered(channel) and not polling_allowed(channel):
        return "call ceiling reached"
    return ""


def _store(model, owner: dict, readings: list[Reading], day: date) -> SnapshotResult:
    stored = missing = 0
    with transaction.atomic():
        for reading in readings:
            model.objects.update_or_create(
                **owner,
                metric=reading.key,
                day=reading.day or day,
                defaults={
                    "value": reading.value,
                    "platform_metric": reading.metric[:80],
                    "reason": reading.reason[:300],
                    "permission": reading.permission[:60],
                },
            )
            stored += reading.available
            missing += not reading.available
    return SnapshotResult(stored=stored, not_available=missing)


def channel_snapshot(*, channel_id: int, day: date) -> SnapshotResult:
    """The channel's figures of ``day`` (a whole past day)."""
    channel = Channel.objects.select_related("credential").get(pk=channel_id)
    if reason := _budget_refusal(channel):
        return SnapshotResult(skipped=reason)
    try:
        readings = call_channel(
            channel,
            lambda driver, credential: fetch_account_insights(driver, credential, day),
            used_by=USED_BY,
            record_every=REPEATED_USE_RECORDED_EVERY,
        )
    except DriverError as exc:
        logger.warning("insights of channel %s not read: %s", channel_id, exc)
        return SnapshotResult(error=str(exc))
    return _store(ChannelMetricDay, {"channel": channel}, _with_gain(channel, readings, day), day)


def _with_gain(channel: Channel, readings: list[Reading], day: date) -> list[Reading]:
    """Followers gained, from the kept history, where the platform gives only the count (X)."""
    keys = {r.key for r in readings}
    count = next((r for r in readings if r.key == FOLLOWERS and r.available), None)
    if FOLLOWERS_GAINED in keys or count is None:
        return readings
    before = (
        ChannelMetricDay.objects.filter(
            channel=channel, metric=FOLLOWERS, day=day - timedelta(days=1)
        )
        .exclude(value=None)
        .values_list("value", flat=True)
        .first()
    )
    if before is None:
        return readings
    gained = Reading(FOLLOWERS_GAINED, "followers difference", max(0, count.value - before), day)
    return [*readings, gained]


def delivery_snapshot(*, delivery_id: int, day: date) -> SnapshotResult:
    """A published post's figures on its channel to date, kept as of ``day``."""
    delivery = Delivery.objects.select_related("channel__credential").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PUBLISHED or not delivery.external_id:
        return SnapshotResult(skipped="not published")
    if reason := _budget_refusal(delivery.channel):
        return SnapshotResult(skipped=reason)
    try:
        readings = call_channel(
            delivery.channel,
            lambda driver, credential: fetch_post_insights(
                driver, credential, delivery.external_id, created_at=delivery.published_at
            ),
            used_by=USED_BY,
            record_every=REPEATED_USE_RECORDED_EVERY,
        )
    except DriverError as exc:
        logger.warning("insights of delivery %s not read: %s", delivery_id, exc)
        return SnapshotResult(error=str(exc))
    return _store(DeliveryMetricDay, {"delivery": delivery}, readings, day)


def snapshot_day(now=None) -> date:
    """The day a snapshot taken now is kept under (WIB)."""
    return timezone.localdate(now)


def due_work(today: date) -> tuple[list[int], list[int]]:
    """The channels and the deliveries to read today."""
    from .selectors import active_channel_ids, published_deliveries_since

    deliveries = [
        pk
        for pk, published_at in published_deliveries_since(
            today - timedelta(days=WEEKLY_UNTIL_DAYS)
        )
        if post_due(timezone.localdate(published_at), today)
    ]
    return active_channel_ids(), deliveries
