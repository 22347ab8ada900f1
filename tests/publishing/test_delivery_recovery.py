"""Delivery when things break around it: a worker killed mid-send, posts released by Celery beat,
a missed schedule, an editor's retry, and 200 posts x 3 channels through random faults."""

from __future__ import annotations

import contextlib
import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from publishing.models import AccountGroup, Delivery, DeliveryStatus, Post, PostStatus
from publishing.seed import channel_with_credential
from publishing.services.delivery import delivery_retry
from tests.conftest import BASE_DIR, wait_for
from tests.publishing.delivery_fixtures import (
    DeliveryWorker,
    approved_post,
    make_channels,
    own_broker_folders,
    start_worker,
    worker_env,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FINISHED = (PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED, PostStatus.FAILED)


@pytest.fixture
def channels(simulator, kadis, divisions):
    return make_channels(kadis, divisions["PKP"])


def _finished(post: Post, timeout: float = 40) -> Post:
    return wait_for(
        lambda: (p := Post.objects.get(pk=post.pk)).status in FINISHED and p,
        timeout=timeout,
        message=f"post {post.pk} did not finish",
    )


@pytest.fixture
def stack():
    with contextlib.ExitStack() as stack:
        yield stack


@pytest.fixture
def own_queue():
    """A queue for this test alone (its own worker processes), restored afterwards."""
    from config.celery import app

    before = app.conf.task_default_queue
    name = f"own-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = name
    yield name
    app.conf.task_default_queue = before


def test_worker_killed_mid_delivery_completes_once_after_restart(
    simulator, channels, editor, kadis, live_server, media_root, own_queue, tmp_path, stack
):
    # Broker folders of its own: what the killed worker leaves behind stays with this test.
    broker_env = stack.enter_context(own_broker_folders(tmp_path / "broker"))
    env = worker_env(
        live_server,
        media_root,
        SOCIAL_API_TIMEOUT="30",
        PUBLISHING_STALE_SECONDS="2",
        **broker_env,
    )
    first = DeliveryWorker(env, own_queue, tmp_path / "first.log")
    start_worker(first)
    # The platform stores the post, then takes its time to answer: the worker is mid-send.
    simulator.fault(
        "facebook", "MediaCenterBJN", mode="slow", delay=3, scope="publish", remaining=1
    )
    post = approved_post(
        editor=editor, kadis=kadis, channels=[channels["facebook"]], text="Pekerja mati mendadak."
    )
    wait_for(lambda: simulator.posts("facebook", "MediaCenterBJN"), timeout=30, interval=0.05)
    delivery = Delivery.objects.get(post=post)
    assert delivery.status == DeliveryStatus.SENDING
    first.kill()  # SIGKILL to the worker and its pool, mid-send

    second = DeliveryWorker(env, own_queue, tmp_path / "second.log")
    start_worker(second)
    try:
        # The watchman (beat's resume_stalled_deliveries) finds it once its lease is over.
        from publishing.tasks import resume_stalled_deliveries

        wait_for(
            lambda: Delivery.objects.get(pk=delivery.pk).next_attempt_at < timezone.now(),
            interval=0.1,
        )
        resume_stalled_deliveries.apply_async(kwargs={"grace": 0}).get(timeout=30)
        post = _finished(post)
    finally:
        second.stop()
    delivery.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert delivery.status == DeliveryStatus.PUBLISHED
    assert list(delivery.attempts.values_list("outcome", flat=True)) == ["found"]
    assert len(simulator.posts("facebook", "MediaCenterBJN")) == 1


def test_beat_releases_scheduled_posts_within_a_minute_and_missed_ones_once(
    simulator,
    channels,
    editor,
    kadis,
    delivery_worker,
    use_queue,
    live_server,
    tmp_path,
):
    from django_celery_beat.models import IntervalSchedule
    from django_celery_beat.models import PeriodicTask as BeatTask

    from core.periodic import sync_periodic_tasks
    from publishing.tasks import PERIODIC_TASKS

    # In the product beat looks every 30 s (within a minute of the time); here every 2 s, so
    # that the test does not wait half a minute for what the interval alone decides.
    release = next(t for t in PERIODIC_TASKS if t.task.endswith("release_due_posts"))
    assert release.schedule.seconds <= 60
    sync_periodic_tasks()
    BeatTask.objects.filter(task=release.task).update(
        interval=IntervalSchedule.objects.get_or_create(every=2, period="seconds")[0]
    )
    now = timezone.now()
    # Due while no beat ran (the machine was down): released once when beat comes back.
    missed = approved_post(
        editor=editor,
        kadis=kadis,
        channels=[channels["facebook"]],
        text="Terlewat saat pekerja mati.",
        scheduled_at=now + timedelta(seconds=1),
    )
    soon = approved_post(
        editor=editor,
        kadis=kadis,
        channels=[channels["x"]],
        text="Dijadwalkan beberapa detik lagi.",
        scheduled_at=now + timedelta(seconds=5),
    )
    assert missed.status == soon.status == PostStatus.SCHEDULED
    time.sleep(max(0.0, (missed.scheduled_at - timezone.now()).total_seconds()) + 0.5)
    log = (tmp_path / "beat.log").open("ab")
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
        cwd=BASE_DIR,
        env={**delivery_worker.env, "CELERY_QUEUE": use_queue},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _finished(missed, timeout=30)
        soon = _finished(soon, timeout=30)
    except BaseException:
        print((tmp_path / "beat.log").read_text()[-3000:])
        raise
    finally:
        beat.terminate()
        beat.wait(timeout=30)
    missed.refresh_from_db()
    assert missed.status == soon.status == PostStatus.PUBLISHED
    assert 0 <= (soon.released_at - soon.scheduled_at).total_seconds() < 60
    assert len(simulator.posts("facebook", "MediaCenterBJN")) == 1
    assert len(simulator.posts("x", "mediacenterBJN")) == 1


def test_editor_retries_one_failed_delivery_alone(
    simulator,
    channels,
    editor,
    kadis,
    staf_other,
    delivery_worker,
    use_queue,
):
    simulator.fault("facebook", "MediaCenterBJN", mode="blocked", remaining=1)
    post = approved_post(
        editor=editor,
        kadis=kadis,
        channels=[channels["facebook"], channels["x"]],
        text="Coba lagi satu kanal saja.",
    )
    post = _finished(post)
    failed = Delivery.objects.get(post=post, channel=channels["facebook"])
    assert failed.status == DeliveryStatus.FAILED
    with pytest.raises(Exception, match=r"berhak|may not"):
        delivery_retry(actor=staf_other, delivery_id=failed.pk)
    sent_before = {d.channel_id: d.external_id for d in post.deliveries.filter(status="published")}
    delivery_retry(actor=editor, delivery_id=failed.pk)
    post = wait_for(
        lambda: (
            (p := Post.objects.get(pk=post.pk)).status in FINISHED
            and Delivery.objects.get(pk=failed.pk).status == DeliveryStatus.PUBLISHED
            and p
        ),
        timeout=30,
    )
    assert len(simulator.posts("facebook", "MediaCenterBJN")) == 1
    for channel_id, external_id in sent_before.items():
        assert Delivery.objects.get(post=post, channel_id=channel_id).external_id == external_id
    assert post.status in (PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED)


def test_200_posts_on_3_channels_with_random_faults_each_once(
    simulator, channels, editor, kadis, divisions, delivery_worker, use_queue
):
    # Text posts, so that 600 deliveries fit in well under a minute on a small machine (media
    # paths are tested above). The third channel is the regency's Facebook Page.
    targets = [
        channels["facebook"],
        channels["x"],
        channel_with_credential(
            actor=kadis,
            driver="facebook",
            platform="facebook",
            handle="PemkabBojonegoro",
            name="Pemkab Bojonegoro",
            account_group=AccountGroup.PEMKAB,
            division=divisions["PKP"],
        ),
    ]
    rng = random.Random(4)
    accounts = [
        ("facebook", "MediaCenterBJN"),
        ("x", "mediacenterBJN"),
        ("facebook", "PemkabBojonegoro"),
    ]
    injected = {}
    for platform, handle in accounts:
        for mode in ("rate_limit", "server_error", "accept_then_fail", "slow"):
            count = rng.randint(2, 5)
            options = {"retry_after": 1} if mode == "rate_limit" else {}
            if mode == "slow":
                options = {"delay": 2}
            scope = "publish" if mode in ("accept_then_fail", "slow") else "write"
            simulator.fault(platform, handle, mode=mode, remaining=count, scope=scope, **options)
            injected[(handle, mode)] = count
    started = time.monotonic()
    # Composed, submitted and approved one by one, as the Kepala Dinas would (the approval
    # queue's "approve all" does the same): each approval releases its post at once.
    posts = [
        approved_post(
            editor=editor,
            kadis=kadis,
            channels=targets,
            text=f"Kabar ke-{n} dari Media Center: {uuid.uuid4().hex[:8]}",
        )
        for n in range(200)
    ]
    approved = time.monotonic() - started
    wait_for(
        lambda: (
            Post.objects.filter(pk__in=[p.pk for p in posts], status__in=FINISHED).count()
            == len(posts)
        ),
        timeout=180,
        interval=0.25,
        message="not every post finished",
    )
    elapsed = time.monotonic() - started
    unpublished = list(
        Delivery.objects.exclude(status=DeliveryStatus.PUBLISHED).values_list(
            "channel__handle", "status", "attempt_count", "last_error"
        )
    )
    assert not unpublished, unpublished
    texts = {p.text for p in posts}
    for platform, handle in accounts:
        received = [p["text"] for p in simulator.posts(platform, handle) if p["parent"] is None]
        assert sorted(received) == sorted(texts), handle  # every post once, none lost
    found = Delivery.objects.filter(attempts__outcome="found").distinct().count()
    retried = Delivery.objects.filter(attempts__outcome="retry").distinct().count()
    assert found >= 6 and retried >= 20
    print(
        f"200 posts x 3 channels, faults {injected}: {elapsed:.1f} s ({approved:.1f} s to "
        f"compose, submit and approve), {retried} retried, {found} found"
    )
