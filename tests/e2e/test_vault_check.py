"""The daily credential check runs through the configured broker on a real worker: states and
notifications land in the database, and no secret travels in a queue message."""

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Credential, HealthState, Notification
from accounts.services import credential_create
from accounts.tasks import check_credentials
from tests.conftest import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "Rahasia-Antrean-5e2d9a7c"


def _decoded(raw: str) -> str:
    """A kombu message with its body decoded (bodies travel base64-encoded)."""
    try:
        message = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(message, dict) and message.get("properties", {}).get("body_encoding") == "base64":
        body = base64.b64decode(message.get("body", "")).decode(errors="replace")
        return raw + "\n" + body
    return raw


def _broker_contents(queue: str) -> str:
    """Every message the broker holds or has handed out (filesystem folders, or this session's
    Redis queue and the unacknowledged messages)."""
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        chunks = []
        for key in [*client.scan_iter(match=f"{queue}*"), b"unacked"]:
            kind = client.type(key)
            if kind == b"list":
                chunks += [v.decode(errors="replace") for v in client.lrange(key, 0, -1)]
            elif kind == b"string":
                chunks.append((client.get(key) or b"").decode(errors="replace"))
            elif kind == b"hash":
                chunks += [v.decode(errors="replace") for v in client.hvals(key)]
        return "\n".join(_decoded(chunk) for chunk in chunks)
    folders = [
        settings.CELERY_BROKER_TRANSPORT_OPTIONS[name]
        for name in ("data_folder_in", "processed_folder")
    ]
    return "\n".join(
        _decoded(path.read_text(errors="replace"))
        for folder in folders
        for path in Path(folder).glob("*")
    )


def test_the_daily_check_runs_on_a_worker_and_notifies_the_head(
    celery_worker, celery_queue, kadis, client_for
):
    expiring = credential_create(
        actor=kadis,
        label="Token Halaman Facebook",
        kind="oauth",
        secret={"access_token": SECRET},
        expires_at=timezone.now() + timedelta(days=2),
    )
    healthy = credential_create(
        actor=kadis, label="Kunci API", kind="api_key", secret={"api_key": SECRET + "-2"}
    )
    result = check_credentials.delay()
    assert result.get(timeout=60) >= 2
    wait_for(
        lambda: (
            Credential.objects.get(pk=healthy.pk).health_state == HealthState.OK
            and Credential.objects.get(pk=expiring.pk).health_state == HealthState.EXPIRING
        ),
        timeout=60,
        message="the worker did not check the credentials:\n" + celery_worker.log()[-2000:],
    )
    notification = Notification.objects.get(recipient=kadis, kind="credential.expiring")
    assert "Token Halaman Facebook" in notification.message
    page = client_for(kadis).get("/dashboard/").content.decode()
    assert "Notifikasi belum dibaca" in page
    contents = _broker_contents(celery_queue)
    if not settings.REDIS_URL:  # the filesystem broker keeps what it handed out: it was looked at
        assert "accounts.tasks.check_credential" in contents
        assert f"[[{healthy.pk}]" in contents or f"[{healthy.pk}]" in contents  # bodies decoded
    assert SECRET not in contents
    assert SECRET not in celery_worker.log()
