"""Delivery through a real Celery worker (filesystem broker, or Redis when REDIS_URL is set) to the
simulator on the live server, spoken to by the real client libraries: faults, exactly-once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, Notification
from publishing.models import Delivery, DeliveryAttempt, DeliveryStatus, Post, PostStatus
from publishing.services.delivery import post_release
from publishing.services.posts import post_approve
from tests.conftest import wait_for
from tests.publishing.delivery_fixtures import (
    approved_post,
    make_channels,
    photo_asset,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("delivery_worker", "use_queue"),
]


@pytest.fixture
def channels(simulator, kadis, divisions):
    return make_channels(kadis, divisions["PKP"])


@pytest.fixture
def photo(editor, divisions):
    return photo_asset(editor, divisions["PKP"])


def _finished(post: Post, timeout: float = 40) -> Post:
    return wait_for(
        lambda: (
            (p := Post.objects.get(pk=post.pk)).status
            in (PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED, PostStatus.FAILED)
            and p
        ),
        timeout=timeout,
        message=f"post {post.pk} did not finish",
    )


def _publish_requests(simulator, platform: str, handle: str) -> list[dict]:
    return [
        r
        for r in simulator.log()["requests"]
        if r["platform"] == platform and r["account"] == handle and r["method"] == "POST"
    ]


def test_approved_post_goes_once_to_each_channel(simulator, channels, editor, kadis, photo):
    post = approved_post(
        editor=editor,
        kadis=kadis,
        channels=channels.values(),
        text="Bupati meresmikan jembatan baru di Kecamatan Kalitidu.",
        assets=[photo],
    )
    # The approval released it (after its commit): one delivery per channel, queued.
    assert post.deliveries.count() == 3
    assert post_release(post_id=post.pk) == []  # already released: nothing more
    post = _finished(post)
    assert post.status == PostStatus.PUBLISHED and post.published_at is not None
    for driver, platform, handle in [
        ("facebook", "facebook", "MediaCenterBJN"),
        ("x", "x", "mediacenterBJN"),
        ("instagram_graph", "instagram", "mediacenterbojonegoro"),
    ]:
        delivery = Delivery.objects.get(post=post, channel=channels[driver])
        assert delivery.status == DeliveryStatus.PUBLISHED
        assert delivery.external_id and delivery.permalink.startswith("http")
        posts = [p for p in simulator.posts(platform, handle) if p["kind"] != "comment"]
        top = [p for p in posts if p["parent"] is None]
        assert len(top) == 1, top
        assert top[0]["text"].startswith("Bupati meresmikan")
        assert top[0]["media"] and top[0]["media"][0]["mime_type"] == "image/jpeg"
    actions = list(
        AuditEvent.objects.filter(object_type="publishing.post", object_id=str(post.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[:4] == ["post.create", "post.submit", "post.approve", "post.release"]
    assert actions[-1] == "post.published"
    assert actions.count("delivery.published") == 3


def test_double_release_fans_out_once(simulator, channels, editor, kadis):
    post = approved_post(
        editor=editor, kadis=kadis, channels=[channels["facebook"]], text="Sekali saja."
    )
    # A double-clicked approve, then a beat run that sees it: neither fans out again.
    post_approve(actor=kadis, post=post.pk)
    assert post_release(post_id=post.pk) == []
    _finished(post)
    assert len(simulator.posts("facebook", "MediaCenterBJN")) == 1
    assert Delivery.objects.filter(post=post).count() == 1


def test_channel_deactivated_after_approval_is_cancelled(simulator, channels, editor, kadis):
    due = timezone.now() + timedelta(seconds=1)
    post = approved_post(
        editor=editor,
        kadis=kadis,
        channels=[channels["facebook"], channels["x"]],
        text="Kanal X dinonaktifkan setelah persetujuan.",
        scheduled_at=due,
    )
    assert post.status == PostStatus.SCHEDULED
    channels["x"].is_active = False
    channels["x"].save()
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.05)
    assert len(post_release(post_id=post.pk)) == 2  # what beat's release_due_posts does
    post = _finished(post)
    assert post.status == PostStatus.PARTLY_PUBLISHED
    cancelled = Delivery.objects.get(post=post, channel=channels["x"])
    assert cancelled.status == DeliveryStatus.CANCELLED
    assert "dinonaktifkan setelah" in cancelled.last_error
    assert simulator.posts("x", "mediacenterBJN") == []


def test_429_with_retry_after_is_honoured(simulator, channels, editor, kadis):
    simulator.fault("x", "mediacenterBJN", mode="rate_limit", remaining=1, retry_after=3)
    post = approved_post(editor=editor, kadis=kadis, channels=[channels["x"]], text="Antre dulu.")
    post = _finished(post)
    assert post.status == PostStatus.PUBLISHED
    first, second = DeliveryAttempt.objects.filter(delivery__post=post).order_by("number")
    assert first.outcome == DeliveryAttempt.Outcome.RETRY and first.http_status == 429
    assert first.error_code == "rate_limited"
    # X names the moment of reset in whole epoch seconds: the pause is at least 3 s less that.
    assert (second.started_at - first.started_at).total_seconds() >= 2
    assert second.outcome == DeliveryAttempt.Outcome.PUBLISHED
    assert len(simulator.posts("x", "mediacenterBJN")) == 1


def test_500_then_success(simulator, channels, editor, kadis):
    simulator.fault("facebook", "MediaCenterBJN", mode="server_error", remaining=2)
    post = approved_post(
        editor=editor, kadis=kadis, channels=[channels["facebook"]], text="Server sempat galat."
    )
    post = _finished(post)
    delivery = post.deliveries.get()
    assert delivery.status == DeliveryStatus.PUBLISHED and delivery.attempt_count == 3
    outcomes = list(delivery.attempts.values_list("outcome", "http_status"))
    assert outcomes[-1][0] == "published" and all(o == ("retry", 500) for o in outcomes[:-1])
    assert len(simulator.posts("facebook", "MediaCenterBJN")) == 1


@pytest.mark.parametrize(
    ("driver", "platform", "handle"),
    [("facebook", "facebook", "MediaCenterBJN"), ("x", "x", "mediacenterBJN")],
)
def test_timeout_after_accept_posts_once(
    simulator, channels, editor, kadis, driver, platform, handle
):
    # The platform stores the post, then answers after the driver gave up waiting (1.5 s).
    simulator.fault(platform, handle, mode="slow", delay=3, scope="publish", remaining=1)
    post = approved_post(
        editor=editor, kadis=kadis, channels=[channels[driver]], text=f"Jawaban terlambat {driver}."
    )
    post = _finished(post)
    delivery = post.deliveries.get()
    assert delivery.status == DeliveryStatus.PUBLISHED
    outcomes = list(delivery.attempts.values_list("outcome", "error_code"))
    assert outcomes == [("retry", "uncertain"), ("found", "")]
    stored = simulator.posts(platform, handle)
    assert (
        len(stored) == 1 and stored[0]["external_id"] == delivery.external_id.split("_")[-1]
    ) or (stored[0]["external_id"] == delivery.external_id)


def test_expired_token_fails_at_once_and_tells_the_head(simulator, channels, editor, kadis):
    simulator.fault("facebook", "MediaCenterBJN", mode="token_expired")
    post = approved_post(
        editor=editor, kadis=kadis, channels=[channels["facebook"]], text="Token sudah kedaluwarsa."
    )
    post = _finished(post)
    assert post.status == PostStatus.FAILED and post.published_at is None
    delivery = post.deliveries.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "token kedaluwarsa" in delivery.last_error
    assert delivery.attempt_count == 1 and delivery.attempts.count() == 1
    assert len(_publish_requests(simulator, "facebook", "MediaCenterBJN")) == 1
    note = Notification.objects.get(recipient=kadis, kind="delivery.failed")
    assert "token kedaluwarsa" in note.message
    assert simulator.posts("facebook", "MediaCenterBJN") == []
