"""Account sync end to end through a real Celery worker: the beat's task polls, the worker mirrors,
the delivery engine's ``deliver`` task sends through the real client library to the simulator."""

from __future__ import annotations

import pytest

from publishing.models import DeliveryStatus, Post, PostOrigin, PostStatus
from publishing.sync import services, tasks
from publishing.sync.models import SeenNativePost, SeenStatus
from tests.conftest import wait_for

from .sync_fixtures import sync_channels  # noqa: F401 - fixture
from .test_sync import back_date

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_native_facebook_post_reaches_x_once_through_the_worker_and_is_not_echoed(
    channels, kadis, simulator, celery_worker
):
    fb, x = channels("fb"), channels("x")
    for source, target in ((fb, x), (x, fb)):
        back_date(services.sync_rule_create(actor=kadis, source=source, targets=[target]))
    native = simulator.native("facebook", "MediaCenterBJN", "Jalan sehat HUT Bojonegoro ke-349")

    # What the beat runs: a poll of each source that is due (both), then the worker does the rest.
    assert tasks.sync_poll_due.delay().get(timeout=30) == 2
    mirror = wait_for(
        lambda: Post.objects.filter(origin=PostOrigin.MIRROR, status=PostStatus.PUBLISHED).first(),
        timeout=60,
        message="The mirror was not published:\n" + celery_worker.log()[-3000:],
    )
    (delivery,) = mirror.deliveries.all()
    assert delivery.channel == x and delivery.status == DeliveryStatus.PUBLISHED
    (on_x,) = simulator.posts("x", "mediacenterBJN")
    assert on_x["text"] == native["text"] and on_x["external_id"] == delivery.external_id

    # The next polls: X's copy is the portal's own, so nothing goes back to Facebook.
    tasks.sync_poll_channel.delay(x.pk).get(timeout=30)
    tasks.sync_poll_channel.delay(fb.pk).get(timeout=30)
    assert SeenNativePost.objects.get(channel=x).status == SeenStatus.OURS
    assert SeenNativePost.objects.get(channel=fb).status == SeenStatus.MIRRORED
    assert Post.objects.filter(origin=PostOrigin.MIRROR).count() == 1
    posts = [p for p in simulator.log()["posts"] if p["published"] and not p["deleted"]]
    # On the platforms: the native post, and exactly one post the portal made.
    assert [(p["platform"], p["origin"]) for p in posts] == [
        ("facebook", "native"),
        ("x", "api"),
    ]
    assert [p["text"] for p in simulator.posts("facebook", "MediaCenterBJN")] == [native["text"]]
