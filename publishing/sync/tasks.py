"""Background work of account sync: thin tasks taking ids only.

Beat runs ``sync_poll_due`` every ``SYNC_POLL_SECONDS``; it queues one poll per source channel and
partner account that is due (a channel backing off after errors waits for its ``next_poll_at``).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from core.periodic import Every, PeriodicTask

from . import mirror, partners, poll, selectors

PERIODIC_TASKS = [
    PeriodicTask(
        "poll synced accounts and partners",
        "publishing.sync.tasks.sync_poll_due",
        Every(seconds=int(getattr(settings, "SYNC_POLL_SECONDS", 180))),
    ),
]


@shared_task
def sync_poll_due() -> int:
    channels = selectors.source_channels_due()
    for channel_id in channels:
        sync_poll_channel.delay(channel_id)
    partners = selectors.partners_due()
    for partner_id in partners:
        partner_poll.delay(partner_id)
    return len(channels) + len(partners)


@shared_task
def sync_poll_channel(channel_id: int) -> dict:
    result = poll.sync_poll_channel(channel_id=channel_id)
    return {"found": result.found, "new": result.new, "error": result.error}


@shared_task
def sync_mirror_channel(channel_id: int) -> list[int]:
    return mirror.sync_mirror_channel(channel_id=channel_id)


@shared_task
def sync_delete_mirrors(seen_id: int) -> int:
    return mirror.sync_delete_mirrors(seen_id=seen_id)


@shared_task
def partner_poll(partner_id: int) -> dict:
    result = partners.partner_poll(partner_id=partner_id)
    return {"found": result.found, "new": result.new, "error": result.error}
