"""What the delivery tests share: a real Celery worker on a queue of their own (with short retry
pauses), the demo channels with vault credentials, and posts approved through the workflow.

The worker runs as its own process group, so that a test can kill it (and its pool) with SIGKILL
the way a crashed machine would, and start it again.
"""

from __future__ import annotations

import io
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from assets.models import Asset
from assets.services import asset_create_from_file, asset_render, folder_create
from publishing.models import AccountGroup, Channel, Post
from publishing.seed import channel_with_credential
from publishing.services.posts import post_approve, post_create, post_submit
from publishing.simulator import services as simulator_services
from tests.conftest import WorkerProcess, database_url_for_workers

RETRY_BASE = 0.2
# Three accounts of the Media Center: (driver, simulator platform, handle, platform id)
MEDIA_CENTER = [
    ("facebook", "facebook", "MediaCenterBJN", "100090000000101"),
    ("x", "x", "mediacenterBJN", "1500000000000000101"),
    ("instagram_graph", "instagram", "mediacenterbojonegoro", "17841400000000101"),
]


class DeliveryWorker(WorkerProcess):
    """``celery worker`` on the test database and a queue of its own: more processes than cores,
    as the work is mostly waiting for the platform."""

    def __init__(self, env: dict[str, str], queue: str, log_path: Path):
        super().__init__(
            env,
            queue,
            log_path,
            concurrency=env.get("DELIVERY_TEST_CONCURRENCY", "4"),
            name="delivery",
        )


def worker_env(live_server, media_root, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url_for_workers(),
        "MEDIA_ROOT": str(media_root),
        "SOCIAL_API_BASE": f"{live_server.url}/simulator",
        "SOCIAL_API_TIMEOUT": "1.5",
        "ASSET_PUBLIC_BASE_URL": live_server.url,
        "INSTAGRAM_PRIVATE_DELAY": "0",
        "PUBLISHING_RETRY_BASE_SECONDS": str(RETRY_BASE),
        "PUBLISHING_STALE_SECONDS": "60",
        "PUBLISHING_MAX_ATTEMPTS": "8",
        "CELERY_POLLING_INTERVAL": "0.05",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def start_worker(worker: DeliveryWorker) -> None:
    from media_center.tasks import worker_heartbeat

    worker.start()
    try:
        worker_heartbeat.apply_async(queue=worker.queue).get(timeout=60)
    except Exception:
        worker.stop()
        pytest.fail("The delivery worker did not start:\n" + worker.log()[-3000:])


@pytest.fixture(scope="session")
def delivery_queue_name() -> str:
    return f"delivery-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def use_queue(delivery_queue_name, delivery_worker):
    """Tasks sent by this test (after commit) go to the delivery workers' queue.

    Guard: should the shared worker die during the test (an unrecoverable broker error, a
    crash), this test fails with the worker's last lines and the next test gets a new worker,
    instead of every following test timing out on a queue nobody reads."""
    from config.celery import app

    before = app.conf.task_default_queue
    app.conf.task_default_queue = delivery_queue_name
    yield delivery_queue_name
    app.conf.task_default_queue = before
    if not delivery_worker.alive():
        tail = delivery_worker.log()[-3000:]
        delivery_worker.start()  # for the tests that follow (waited for by their first task)
        pytest.fail(f"The delivery worker died during this test:\n{tail}")


@contextmanager
def own_broker_folders(folder: Path):
    """Point this process's Celery app at broker folders of its own (the filesystem broker);
    yields the environment that gives a worker the same folders. On Redis the queue name alone
    keeps a test apart, so nothing changes there."""
    from config.celery import app

    if settings.REDIS_URL:
        yield {}
        return
    options = {
        **app.conf.broker_transport_options,
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "processed_folder": str(folder / "processed"),
    }
    for name in ("queue", "control", "processed"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    before = app.conf.broker_transport_options

    def switch(to):
        app.conf.broker_transport_options = to
        # The producer pools were made for the old folders; Celery makes new ones on demand.
        app._pool = None
        app.amqp._producer_pool = None

    switch(options)
    try:
        yield {"CELERY_BROKER_DIR": str(folder)}
    finally:
        switch(before)


@pytest.fixture(scope="session")
def delivery_worker(
    django_db_setup,
    django_db_blocker,
    live_server,
    media_root,
    delivery_queue_name,
    tmp_path_factory,
):
    from config.celery import app

    worker = DeliveryWorker(
        worker_env(live_server, media_root),
        delivery_queue_name,
        tmp_path_factory.mktemp("delivery-worker") / "worker.log",
    )
    before = app.conf.task_default_queue
    app.conf.task_default_queue = delivery_queue_name
    try:
        with django_db_blocker.unblock():
            start_worker(worker)
    finally:
        app.conf.task_default_queue = before
    yield worker
    worker.stop()


# --- channels and posts ------------------------------------------------------------------------


def make_channels(kadis, division, *, specs=MEDIA_CENTER) -> dict[str, Channel]:
    """The demo accounts as channels, each with a vault credential made by the Kepala Dinas."""
    simulator_services.seed_accounts()
    return {
        driver: channel_with_credential(
            actor=kadis,
            driver=driver,
            platform=platform,
            handle=handle,
            name=handle,
            account_group=AccountGroup.MEDIA_CENTER,
            division=division,
        )
        for driver, platform, handle, _external_id in specs
    }


def photo_asset(editor, division, *, size=(1200, 1000), name="foto.jpg") -> Asset:
    from PIL import Image

    folder = folder_create(
        actor=editor, name=f"Publikasi {uuid.uuid4().hex[:6]}", division=division
    )
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "JPEG", quality=80)
    asset = asset_create_from_file(
        actor=editor, folder=folder, fileobj=io.BytesIO(buffer.getvalue()), filename=name
    )
    asset_render(asset_id=asset.pk)
    return Asset.objects.get(pk=asset.pk)


def submitted_post(*, editor, channels, text: str, assets=(), scheduled_at=None) -> Post:
    """A post composed and sent to approval by ``editor`` through the workflow's services."""
    post = post_create(
        actor=editor,
        text=text,
        asset_ids=[a.pk for a in assets],
        channel_ids=[c.pk for c in channels],
        scheduled_at=scheduled_at,
    )
    return post_submit(actor=editor, post=post)


def approved_post(*, editor, kadis, channels, text: str, assets=(), scheduled_at=None) -> Post:
    """A post composed, submitted and approved through the workflow's services. One due now is
    released by the approval (after its commit): its deliveries are queued on return."""
    post = submitted_post(
        editor=editor, channels=channels, text=text, assets=assets, scheduled_at=scheduled_at
    )
    return post_approve(actor=kadis, post=post)
