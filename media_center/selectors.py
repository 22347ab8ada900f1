"""Read queries for the dashboard and the portal's own state."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.utils import timezone

from .models import WorkerHeartbeat
from .periodic import PORTAL_APPS

# A worker that has not answered for this long is shown as stopped.
WORKER_STALE_AFTER = timedelta(minutes=3)


def worker_status() -> dict:
    heartbeat = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if heartbeat is None:
        return {"running": False, "last_seen": None}
    return {
        "running": timezone.now() - heartbeat.last_seen <= WORKER_STALE_AFTER,
        "last_seen": heartbeat.last_seen,
    }


def dashboard_cards(user) -> list[dict]:
    """Each app's figures for this person, in the order of the apps."""
    cards: list[dict] = []
    for app in PORTAL_APPS:
        if app == "media_center":
            continue
        module = import_module(f"{app}.selectors")
        provider = getattr(module, "dashboard_cards", None)
        if provider is not None:
            cards.extend(provider(user))
    return cards
