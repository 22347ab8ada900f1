"""Queueing background work from a service, by the task's name.

Services decide what runs in the background; the tasks (``publishing/tasks.py``,
``publishing/sync/tasks.py``) call the services. Sending by name keeps the two apart: a service
imports this module, never a tasks module, so services and tasks do not import each other. Each
message carries ids only, never a secret.
"""

from __future__ import annotations

from datetime import datetime

from core.enqueue import enqueue

DELIVER = "publishing.tasks.deliver"
COMPLETE_LOGIN = "publishing.tasks.complete_login"
SYNC_MIRROR_CHANNEL = "publishing.sync.tasks.sync_mirror_channel"
SYNC_DELETE_MIRRORS = "publishing.sync.tasks.sync_delete_mirrors"


def _send(name: str, *args: int, eta: datetime | None = None) -> None:
    enqueue(name, *args, eta=eta)


def deliver(delivery_id: int, *, eta: datetime | None = None) -> None:
    """Send one delivery now, or at ``eta``."""
    _send(DELIVER, delivery_id, eta=eta)


def complete_login(channel_id: int) -> None:
    """Complete a login that waited for a person (the code is read from the database)."""
    _send(COMPLETE_LOGIN, channel_id)


def sync_mirror_channel(channel_id: int) -> None:
    """Mirror the pending posts a poll of ``channel_id`` found."""
    _send(SYNC_MIRROR_CHANNEL, channel_id)


def sync_delete_mirrors(seen_id: int) -> None:
    """Delete the mirrors of a source post deleted at its source."""
    _send(SYNC_DELETE_MIRRORS, seen_id)
