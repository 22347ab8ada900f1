"""A task goes through the configured broker (filesystem, or Redis when REDIS_URL is set) to a real
worker process and its effect lands in the database."""

import pytest
from django.conf import settings

from media_center.models import WorkerHeartbeat
from media_center.tasks import worker_heartbeat
from tests.conftest import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_round_trip_through_a_real_worker(celery_worker, client_for, staf):
    broker = "redis" if settings.REDIS_URL else "filesystem"
    assert settings.CELERY_BROKER_URL.startswith(broker)
    WorkerHeartbeat.objects.all().delete()
    result = worker_heartbeat.delay()
    hostname = result.get(timeout=60)
    assert result.successful()
    beat = wait_for(lambda: WorkerHeartbeat.objects.filter(hostname=hostname).first())
    assert beat.last_seen is not None
    page = client_for(staf).get("/dashboard/").content.decode()
    assert "Pekerja latar belakang berjalan" in page
