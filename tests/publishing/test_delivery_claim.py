"""The same delivery's message in two workers at once (a broker delivering it twice, a stalled
delivery enqueued again while its first message is taken): the post goes out once.

Both workers run the delivery engine's own service (what the ``deliver`` task runs) in threads of
the test's process, each on its own database connection, released together; the released
post's own messages wait in a queue that no worker reads."""

from __future__ import annotations

import pytest

from publishing.models import Delivery, DeliveryStatus, PostStatus
from publishing.services.delivery import delivery_send
from tests.conftest import run_at_once
from tests.publishing.delivery_fixtures import approved_post, make_channels
from tests.publishing.sync_fixtures import held_queue  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = "Car free day di Alun-alun Bojonegoro, Minggu pukul 06.00 WIB."


@pytest.mark.usefixtures("held_queue")
def test_two_workers_given_the_same_message_at_once_send_it_once(
    simulator, kadis, editor, divisions
):
    channels = make_channels(kadis, divisions["PKP"], specs=[("x", "x", "mediacenterBJN", "")])
    post = approved_post(editor=editor, kadis=kadis, channels=[channels["x"]], text=TEXT)
    delivery = Delivery.objects.get(post=post)
    assert delivery.status == DeliveryStatus.QUEUED

    run_at_once(lambda: delivery_send(delivery_id=delivery.pk))

    posts = simulator.posts("x", "mediacenterBJN")
    assert [p["text"] for p in posts] == [TEXT], "the post went out more than once, or not at all"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PUBLISHED
    assert delivery.external_id == posts[0]["external_id"]
    assert list(delivery.attempts.values_list("number", "outcome")) == [(1, "published")]
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
