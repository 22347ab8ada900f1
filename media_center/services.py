"""Writes of the portal's own housekeeping."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import WorkerHeartbeat


def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Note that the worker on ``hostname`` is alive now."""
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname[:200], defaults={"last_seen": timezone.now()}
    )
    return heartbeat


def broker_processed_prune(*, older_than_seconds: int = 86400) -> int:
    """Remove messages the filesystem broker has already handed out (kept a day for inspection)."""
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("processed_folder")
    if not folder:
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in Path(folder).glob("*.msg"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
