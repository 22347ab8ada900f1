"""Taking the daily snapshots: each channel's figures of yesterday, and each published post's
figures to date, read through the channel's own login (the vault, decrypted in the worker) and
kept one row per (post or channel, figure, day).

A snapshot is idempotent: run twice on a day it rewrites the same rows. Older posts are read less
often (daily for their first week, weekly until three months, then no more), and an X channel
whose monthly call ceiling is reached is not read (X bills every read).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from publishing.drivers.errors import DriverError
from publishing.drivers.insights import (
    FOLLOWERS,
    FOLLOWERS_GAINED,
    Reading,
    fetch_account_insights,
    fetch_post_insights,
)
from publishing.models import Channel, Delivery, DeliveryStatus
from publishing.services.channel_client import REPEATED_USE_RECORDED_EVERY, call_channel
from publishing.services.usage import is_metered, polling_allowed

from .models import ChannelMetricDay, DeliveryMetricDay

logger = logging.getLogger(__name__)

DAILY_FOR_DAYS = 7
WEEKLY_UNTIL_DAYS = 90
USED_BY = "insights"


@dataclass(frozen=True)
class SnapshotResult:
    stored: int = 0
    not_available: int = 0
    skipped: str = ""
    error: str = ""


def post_due(published_on: date, today: date) -> bool:
    """Whether a post published on ``published_on`` is read on ``today``: every day of its first
    week, every seventh day until three months, then never again."""
    age = (today - published_on).days
    if age < 0:
        return False
    if age < DAILY_FOR_DAYS:
        return True
    return age <= WEEKLY_UNTIL_DAYS and age % 7 == 0


def _budget_refusal(channel: Channel) -> str:
    if is_metered(channel) and not polling_allowed(channel):
        return "call ceiling reached"
    return ""


def _store(model, owner: dict, readings: list[Reading], day: date) -> SnapshotResult:
    """Keep the readings, one row per (owner, figure, day): inserted, or rewritten when the day
    was read before (one statement, whatever the number of figures)."""
    (owner_field,) = owner
    rows = {}
    for reading in readings:  # the last reading of a figure and day wins, as row by row did
        rows[(reading.key, reading.day or day)] = model(
            **owner,
            metric=reading.key,
            day=reading.day or day,
            value=reading.value,
            platform_metric=reading.metric[:80],
            reason=reading.reason[:300],
            permission=reading.permission[:60],
        )
    model.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=[owner_field, "metric", "day"],
        update_fields=["value", "platform_metric", "reason", "permission", "fetched_at"],
    )
    stored = sum(reading.available for reading in readings)
    return SnapshotResult(stored=stored, not_available=len(readings) - stored)


def channel_snapshot(*, channel_id: int, day: date) -> SnapshotResult:
    """The channel's figures of ``day`` (a whole past day)."""
    channel = Channel.objects.select_related("credential").get(pk=channel_id)
    if reason := _budget_refusal(channel):
        return SnapshotResult(skipped=reason)
    try:
        readings = call_channel(
            channel,
            lambda driver, credential: fetch_account_insights(driver, credential, day),
            used_by=USED_BY,
            record_every=REPEATED_USE_RECORDED_EVERY,
        )
    except DriverError as exc:
        logger.warning("insights of channel %s not read: %s", channel_id, exc)
        return SnapshotResult(error=str(exc))
    return _store(ChannelMetricDay, {"channel": channel}, _with_gain(channel, readings, day), day)


def _with_gain(channel: Channel, readings: list[Reading], day: date) -> list[Reading]:
    """Followers gained, from the kept history, where the platform gives only the count (X)."""
    keys = {r.key for r in readings}
    count = next((r for r in readings if r.key == FOLLOWERS and r.available), None)
    if FOLLOWERS_GAINED in keys or count is None:
        return readings
    before = (
        ChannelMetricDay.objects.filter(
            channel=channel, metric=FOLLOWERS, day=day - timedelta(days=1)
        )
        .exclude(value=None)
        .values_list("value", flat=True)
        .first()
    )
    if before is None:
        return readings
    gained = Reading(FOLLOWERS_GAINED, "followers difference", max(0, count.value - before), day)
    return [*readings, gained]


def delivery_snapshot(*, delivery_id: int, day: date) -> SnapshotResult:
    """A published post's figures on its channel to date, kept as of ``day``."""
    delivery = Delivery.objects.select_related("channel__credential").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PUBLISHED or not delivery.external_id:
        return SnapshotResult(skipped="not published")
    if reason := _budget_refusal(delivery.channel):
        return SnapshotResult(skipped=reason)
    try:
        readings = call_channel(
            delivery.channel,
            lambda driver, credential: fetch_post_insights(
                driver, credential, delivery.external_id, created_at=delivery.published_at
            ),
            used_by=USED_BY,
            record_every=REPEATED_USE_RECORDED_EVERY,
        )
    except DriverError as exc:
        logger.warning("insights of delivery %s not read: %s", delivery_id, exc)
        return SnapshotResult(error=str(exc))
    return _store(DeliveryMetricDay, {"delivery": delivery}, readings, day)


def snapshot_day(now=None) -> date:
    """The day a snapshot taken now is kept under (WIB)."""
    return timezone.localdate(now)


def due_work(today: date) -> tuple[list[int], list[int]]:
    """The channels and the deliveries to read today."""
    from .selectors import active_channel_ids, published_deliveries_since

    deliveries = [
        pk
        for pk, published_at in published_deliveries_since(
            today - timedelta(days=WEEKLY_UNTIL_DAYS)
        )
        if post_due(timezone.localdate(published_at), today)
    ]
    return active_channel_ids(), deliveries


# --- the reports --------------------------------------------------------------------------------


def report_request(
    *, kind: str, year: int, number: int = 1, division=None, account_group: str = "",
    requested_by=None,
):  # fmt: skip
    """Keep a report to make and hand it to a worker once the record is saved. The same report
    asked again while it is still waiting or being made (a double click, a second tab) is that
    one, not a second job."""
    from .models import Report, ReportStatus
    from .selectors import report_period

    period = report_period(kind, year, number)
    scope = {"kind": kind, "start": period.start, "end": period.end, "division": division,
             "account_group": account_group}  # fmt: skip
    with transaction.atomic():
        pending = (
            Report.objects.select_for_update()
            .filter(**scope, status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
            .first()
        )
        if pending is not None:
            return pending
        report = Report.objects.create(**scope, requested_by=requested_by)
    enqueue_on_commit("insights.tasks.insights_report_build", report.pk)
    return report


def _progress(report, percent: int, step: str) -> None:
    report.progress, report.step = percent, step
    report.save(update_fields=["progress", "step", "status"])


def report_build(*, report_id: int) -> str:
    """Make the report's PDF and XLSX and keep them in storage; the progress is saved as it goes.
    Returns the status."""
    from django.core.files.base import ContentFile

    from . import reports
    from .models import Report, ReportStatus

    report = Report.objects.select_related("division").get(pk=report_id)
    if report.status == ReportStatus.DONE:
        return report.status
    report.status = ReportStatus.RUNNING
    _progress(report, 10, "figures")
    try:
        data = reports.context(report)
        _progress(report, 40, "pdf")
        pdf = reports.report_pdf(data)
        _progress(report, 75, "xlsx")
        xlsx = reports.report_xlsx(data)
        stem = f"laporan-{report.kind}-{report.start.isoformat()}-{report.pk}"
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    except Exception as exc:
        logger.exception("report %s not made", report_id)
        report.status, report.error = ReportStatus.FAILED, str(exc)[:300]
        report.save(update_fields=["status", "error"])
        return report.status
    report.status, report.progress, report.step = ReportStatus.DONE, 100, ""
    report.finished_at = timezone.now()
    report.save()
    return report.status


def report_mail(*, report_id: int) -> int:
    """Send the report, PDF and XLSX attached, to every active Kepala Dinas; returns how many."""
    from django.core.mail import EmailMessage
    from django.utils.translation import gettext as _

    from accounts.models import User
    from accounts.roles import Role

    from . import reports
    from .models import Report, ReportStatus

    report = Report.objects.select_related("division").get(pk=report_id)
    if report.status != ReportStatus.DONE or report.mailed_at:
        return 0
    to = list(
        User.objects.filter(is_active=True, groups__name=Role.KEPALA_DINAS.value)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not to:
        return 0
    subject = _("Social media report %(title)s") % {"title": reports.period_title(report)}
    message = EmailMessage(
        subject=subject,
        body=_("The report of %(title)s is attached, as PDF and as XLSX.")
        % {"title": reports.period_title(report)},
        to=to,
    )
    for field, content_type in ((report.pdf, "application/pdf"),
                                (report.xlsx, "application/vnd.openxmlformats-officedocument."
                                              "spreadsheetml.sheet")):  # fmt: skip
        with field.open("rb") as handle:
            message.attach(field.name.rsplit("/", 1)[-1], handle.read(), content_type)
    message.send()
    report.mailed_at = timezone.now()
    report.save(update_fields=["mailed_at"])
    return len(to)


def monthly_report_due(today: date):
    """On the month's first working day, the office's report of the month before (once)."""
    from .models import Report, ReportKind
    from .selectors import first_working_day, previous_month, report_period

    if today != first_working_day(today.year, today.month):
        return None
    year, month = previous_month(today)
    period = report_period(ReportKind.MONTH, year, month)
    existing = Report.objects.filter(kind=ReportKind.MONTH, start=period.start, division=None,
                                     account_group="", requested_by=None).first()  # fmt: skip
    if existing:
        return existing
    return Report.objects.create(kind=ReportKind.MONTH, start=period.start, end=period.end)
