"""The daily snapshot: thin tasks taking ids and a day only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from celery import shared_task

from . import partners, services


@dataclass(frozen=True)
class _Daily:
    hour: int
    minute: int = 0


@dataclass(frozen=True)
class _Periodic:
    """A periodic task as the portal's beat schedule reads it (name, task, schedule, kwargs)."""

    name: str
    task: str
    schedule: _Daily
    kwargs: dict = field(default_factory=dict)


# After midnight WIB, when the platforms have closed the previous day.
PERIODIC_TASKS = [
    _Periodic("insights daily snapshot", "insights.tasks.insights_snapshot_due", _Daily(hour=2)),
    # Every morning; the task acts only on the month's first working day (Monday to Friday).
    _Periodic("insights monthly report", "insights.tasks.insights_monthly_report", _Daily(hour=7)),
]


@shared_task
def insights_snapshot_due() -> dict:
    today = services.snapshot_day()
    channels, deliveries = services.due_work(today)
    yesterday = (today - timedelta(days=1)).isoformat()
    for channel_id in channels:
        insights_snapshot_channel.delay(channel_id, yesterday)
    for delivery_id in deliveries:
        insights_snapshot_delivery.delay(delivery_id, today.isoformat())
    # A partner's counts read after midnight are its counts at the end of yesterday.
    plan = partners.partner_run(today - timedelta(days=1))
    for partner_id in plan.to_read:
        insights_snapshot_partner.delay(partner_id, yesterday)
    return {"channels": len(channels), "deliveries": len(deliveries),
            "partners": len(plan.to_read), "partners_not_read": len(plan.not_read)}  # fmt: skip


@shared_task
def insights_snapshot_channel(channel_id: int, day: str) -> dict:
    result = services.channel_snapshot(channel_id=channel_id, day=date.fromisoformat(day))
    return result.__dict__


@shared_task
def insights_snapshot_delivery(delivery_id: int, day: str) -> dict:
    result = services.delivery_snapshot(delivery_id=delivery_id, day=date.fromisoformat(day))
    return result.__dict__


@shared_task
def insights_snapshot_partner(partner_id: int, day: str) -> dict:
    return partners.partner_snapshot(partner_id=partner_id, day=date.fromisoformat(day))


@shared_task
def insights_report_build(report_id: int) -> str:
    return services.report_build(report_id=report_id)


@shared_task
def insights_monthly_report() -> dict:
    report = services.monthly_report_due(services.snapshot_day())
    if report is None:
        return {"report": None}
    status = services.report_build(report_id=report.pk)
    mailed = services.report_mail(report_id=report.pk)
    return {"report": report.pk, "status": status, "mailed": mailed}
