"""Celery tasks of this app: thin, taking ids only.

``deliver`` is idempotent (the service claims the delivery under a row lock and never sends one
that is done or has an external id), so a message delivered twice — ``acks_late`` hands a killed
worker's message to another — sends nothing twice. Retries are new messages with an ``eta``
written by the service, and the delivery's ``next_attempt_at`` keeps the time in the database:
``resume_stalled_deliveries`` enqueues again any whose message was lost with its worker.
"""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from core.periodic import Every, PeriodicTask

from .services import delivery as delivery_services
from .sync import tasks as sync_tasks  # noqa: F401 - account sync (publishing/sync/tasks.py)

PERIODIC_TASKS = [
    PeriodicTask("release scheduled posts", "publishing.tasks.release_due_posts", Every(30)),
    PeriodicTask(
        "resume stalled deliveries", "publishing.tasks.resume_stalled_deliveries", Every(120)
    ),
]


@shared_task(acks_late=True, ignore_result=True)
def deliver(delivery_id: int) -> str | None:
    """Send one delivery (one try; the service schedules the next one if needed). Its result is
    not stored: the delivery's row and its attempts are the record."""
    # Reasons are written in the portal's language (Indonesian), as people will read them.
    with translation.override(settings.LANGUAGE_CODE):
        delivery = delivery_services.delivery_send(delivery_id=delivery_id)
    return delivery.status if delivery else None


@shared_task
def release_due_posts() -> list[int]:
    """Release every scheduled post whose time has come (also those missed while no worker or
    beat ran: they are still ``scheduled`` and due, and each is released once)."""
    released = []
    for post_id in delivery_services.due_post_ids():
        if delivery_services.post_release(post_id=post_id):
            released.append(post_id)
    return released


@shared_task
def resume_stalled_deliveries(grace: float = 300) -> list[int]:
    """Enqueue again the deliveries whose message was lost (a worker died, a broker restarted)."""
    return delivery_services.deliveries_resume(grace=grace)


@shared_task
def complete_login(channel_id: int) -> bool:
    """Complete a login that waited for a person (the code is read from the database, never
    passed here)."""
    from .services.logins import login_wait_complete

    with translation.override(settings.LANGUAGE_CODE):
        return login_wait_complete(channel_id=channel_id)
