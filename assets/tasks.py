"""Celery tasks of the media library: thin, taking ids only."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from core.periodic import Daily, Every, PeriodicTask

from . import services

PERIODIC_TASKS = [
    PeriodicTask("remove abandoned uploads", "assets.tasks.prune_abandoned_uploads", Every(3600)),
    # Reads every original once a night (01:30 WIB), when nobody uploads.
    PeriodicTask("check stored files", "assets.tasks.check_storage", Daily(hour=1, minute=30)),
]


@shared_task(acks_late=True)
def render_asset(asset_id: int) -> str | None:
    """Make an asset's renditions (idempotent: a second run finds nothing left to do)."""
    # Reasons are written in the portal's language (Indonesian), as people will read them.
    with translation.override(settings.LANGUAGE_CODE):
        asset = services.asset_render(asset_id=asset_id)
    return asset.status if asset else None


@shared_task
def prune_abandoned_uploads() -> int:
    return services.upload_prune_abandoned()


@shared_task
def check_storage() -> dict:
    """Check every asset's files and remove orphan files; the result is on the dashboard."""
    check = services.storage_check_run()
    return {
        "check": check.pk,
        "files_checked": check.files_checked,
        "problems": len(check.problems),
        "orphans_removed": len(check.orphans_removed),
    }
