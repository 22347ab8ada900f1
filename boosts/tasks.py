"""The boosts' background work: thin tasks taking ids only (never a secret)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core.periodic import Daily, PeriodicTask

from . import services

PERIODIC_TASKS = [
    # After the insights' snapshot: Meta has closed yesterday's figures by then.
    PeriodicTask("boosts daily spend", "boosts.tasks.boosts_read_spend_due", Daily(hour=3)),
]


@shared_task
def boost_launch(boost_id: int) -> str:
    return services.boost_launch(boost_id=boost_id)


@shared_task
def boost_pause(boost_id: int) -> str:
    return services.boost_pause(boost_id=boost_id)


@shared_task
def boost_estimate(boost_id: int) -> str:
    return services.boost_estimate(boost_id=boost_id)


@shared_task
def boost_read_spend(boost_id: int) -> dict:
    return services.boost_read_spend(boost_id=boost_id)


@shared_task
def ad_account_check(account_id: int) -> str:
    return services.ad_account_check(account_id=account_id)


@shared_task
def boosts_read_spend_due() -> dict:
    due = services.spend_due(timezone.localdate())
    for boost_id in due:
        boost_read_spend.delay(boost_id)
    return {"boosts": len(due)}
