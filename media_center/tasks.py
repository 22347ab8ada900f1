import socket

from celery import shared_task

from core.periodic import Every, PeriodicTask

from . import services

PERIODIC_TASKS = [
    PeriodicTask("worker heartbeat", "media_center.tasks.worker_heartbeat", Every(60)),
    PeriodicTask("prune broker messages", "media_center.tasks.prune_broker_messages", Every(3600)),
    PeriodicTask(
        "prune survey address tallies", "media_center.tasks.prune_address_tallies", Every(86400)
    ),
]


@shared_task
def worker_heartbeat() -> str:
    hostname = socket.gethostname()
    services.worker_heartbeat_record(hostname=hostname)
    return hostname


@shared_task
def prune_broker_messages() -> int:
    return services.broker_processed_prune()


@shared_task
def prune_address_tallies() -> int:
    return services.address_tallies_prune()
