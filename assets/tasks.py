"""Celery tasks of the media library: thin, taking ids only."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from media_center.periodic import Every, PeriodicTask

from . import services

PERIODIC_TASKS = [
    PeriodicTask("remove abandoned uploads", "assets.tasks.prune_abandoned_uploads", Every(3600)),
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
