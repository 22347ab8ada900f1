"""The beat's daily snapshot through the broker to a real worker process, which reads the
simulator over HTTP with the vault's credentials; run twice, it keeps no duplicate."""

from __future__ import annotations

import pytest
from django.utils import timezone

from insights.models import ChannelMetricDay, DeliveryMetricDay
from insights.tasks import PERIODIC_TASKS, insights_snapshot_due
from tests.conftest import wait_for
from tests.insights.builders import channels, published

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _settled(expected_channels: int):
    rows = (ChannelMetricDay.objects.values("channel").distinct().count(),
            DeliveryMetricDay.objects.values("delivery").distinct().count())  # fmt: skip
    return rows if rows[0] == expected_channels and rows[1] == 3 else None


def test_the_daily_snapshot_runs_in_a_real_worker(simulator, use_queue, kadis, divisions, editor):
    media_center = channels(kadis, divisions["PKP"])
    deliveries = [published(editor, channel) for channel in media_center.values()]
    published(editor, media_center["facebook"], days_old=200, text="Terlalu lama")
    answer = insights_snapshot_due.delay().get(timeout=60)
    assert answer == {"channels": 3, "deliveries": 3, "partners": 0, "partners_not_read": 0}
    wait_for(lambda: _settled(3), timeout=60)
    wait_for(
        lambda: DeliveryMetricDay.objects.filter(delivery=deliveries[2]).count() >= 7, timeout=60
    )
    first = (ChannelMetricDay.objects.count(), DeliveryMetricDay.objects.count())
    # The second run's tasks have all run when every row was read again after the first.
    mark = timezone.now()
    insights_snapshot_due.delay().get(timeout=60)
    wait_for(lambda: not DeliveryMetricDay.objects.filter(fetched_at__lt=mark).exists()
             and not ChannelMetricDay.objects.filter(fetched_at__lt=mark).exists(), timeout=60)  # fmt: skip
    assert (ChannelMetricDay.objects.count(), DeliveryMetricDay.objects.count()) == first
    views = DeliveryMetricDay.objects.get(delivery=deliveries[0], metric="views")
    assert views.value > 0 and views.day == timezone.localdate()


def test_the_snapshot_is_declared_for_beat():
    from core.periodic import declared_tasks

    names = {task.task for task in declared_tasks()}
    assert "insights.tasks.insights_snapshot_due" in names
    assert PERIODIC_TASKS[0].schedule.hour == 2
    from django_celery_beat.models import PeriodicTask as BeatTask

    from core.periodic import sync_periodic_tasks

    sync_periodic_tasks()
    beat = BeatTask.objects.get(task="insights.tasks.insights_snapshot_due")
    assert beat.enabled and beat.crontab.hour == "2" and beat.crontab.minute == "0"


def test_a_report_is_made_by_a_real_worker(use_queue, kadis, divisions, editor, client_for):
    from insights import services
    from insights.models import Report, ReportStatus

    report = services.report_request(kind="month", year=2026, number=1, requested_by=kadis)
    wait_for(lambda: Report.objects.filter(pk=report.pk, status=ReportStatus.DONE).exists()
             or None, timeout=90)  # fmt: skip
    report.refresh_from_db()
    assert report.progress == 100 and report.pdf.name.endswith(".pdf")
    download = client_for(kadis).get(f"/insights/reports/{report.pk}/report.xlsx")
    assert download.status_code == 200


def test_the_monthly_report_is_declared_for_beat():
    names = {task.task: task for task in PERIODIC_TASKS}
    assert names["insights.tasks.insights_monthly_report"].schedule.hour == 7
