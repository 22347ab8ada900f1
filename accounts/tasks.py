"""Background work of the vault: the daily credential check. Tasks take ids only, never a secret."""

from celery import shared_task

from core.periodic import Daily, PeriodicTask

from . import services

PERIODIC_TASKS = [
    PeriodicTask("check credentials", "accounts.tasks.check_credentials", Daily(hour=6)),
]


@shared_task
def check_credentials() -> int:
    """Queue one check per active credential (a driver-based check may take a while each)."""
    ids = services.credential_ids_to_check()
    for credential_id in ids:
        check_credential.delay(credential_id)
    return len(ids)


@shared_task
def check_credential(credential_id: int) -> str:
    credential = services.credential_health_check(credential_id=credential_id)
    return credential.health_state
