"""Periodic work, declared in code.

Each app may list ``PERIODIC_TASKS`` in its ``tasks.py``; ``manage.py sync_periodic_tasks`` makes
django-celery-beat's table match those declarations (run by ``make run`` and by the beat service).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import import_module

PORTAL_APPS = (
    "accounts",
    "assets",
    "publishing",
    "publishing.sync",
    "insights",
    "boosts",
    "skm",
    "media_center",
)
NAME_PREFIX = "portal: "


@dataclass(frozen=True)
class Every:
    seconds: int


@dataclass(frozen=True)
class Daily:
    hour: int
    minute: int = 0


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    task: str
    schedule: Every | Daily
    kwargs: dict = field(default_factory=dict)


def declared_tasks() -> list[PeriodicTask]:
    declared: list[PeriodicTask] = []
    for app in PORTAL_APPS:
        try:
            module = import_module(f"{app}.tasks")
        except ModuleNotFoundError:
            continue
        declared.extend(getattr(module, "PERIODIC_TASKS", []))
    return declared


def sync_periodic_tasks() -> list[str]:
    """Create or update the beat rows for every declared task; disable ours no longer declared."""
    from django.conf import settings
    from django_celery_beat.models import (
        CrontabSchedule,
        IntervalSchedule,
    )
    from django_celery_beat.models import (
        PeriodicTask as BeatTask,
    )

    names = []
    for spec in declared_tasks():
        name = NAME_PREFIX + spec.name
        defaults = {"task": spec.task, "kwargs": json.dumps(spec.kwargs), "enabled": True}
        if isinstance(spec.schedule, Every):
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=spec.schedule.seconds, period=IntervalSchedule.SECONDS
            )
            defaults |= {"interval": interval, "crontab": None}
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=str(spec.schedule.minute),
                hour=str(spec.schedule.hour),
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone=settings.TIME_ZONE,
            )
            defaults |= {"crontab": crontab, "interval": None}
        BeatTask.objects.update_or_create(name=name, defaults=defaults)
        names.append(name)
    BeatTask.objects.filter(name__startswith=NAME_PREFIX).exclude(name__in=names).update(
        enabled=False
    )
    return names
