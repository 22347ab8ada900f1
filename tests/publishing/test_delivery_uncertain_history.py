"""An uncertain try anywhere in a delivery's past makes every later try look the post up first.

The soak found an Instagram post sent twice. Instagram's Graph API has no duplicate detection of
its own, so the delivery engine is all that stands between a lost answer and a second post:

1. try 1: Instagram stores the post, the answer is lost (an uncertain send);
2. try 2: fails before anything is sent (a 500 from Instagram while looking the post up);
3. try 3: must look the post up again and record it as found, not publish it a second time.

Before the fix only a try right after the uncertain one looked; try 3 published again.

Each try runs the delivery engine's own service (what the ``deliver`` task runs) in the test's
process, so that the simulator's faults can be set between the tries; the retries the engine
enqueues wait in a queue of the test's own that no worker reads.
"""

from __future__ import annotations

import pytest

from publishing.drivers.errors import UncertainSend
from publishing.models import Delivery, DeliveryStatus, PostStatus
from publishing.services.delivery import delivery_send
from tests.publishing.delivery_fixtures import approved_post, make_channels, photo_asset
from tests.publishing.sync_fixtures import held_queue  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HANDLE = "mediacenterbojonegoro"
TEXT = "Pelayanan KTP keliling di Kecamatan Dander, Kamis pukul 09.00 WIB."


@pytest.fixture
def instagram(simulator, kadis, divisions, live_server, settings):
    settings.ASSET_PUBLIC_BASE_URL = live_server.url
    settings.PUBLISHING_RETRY_BASE_SECONDS = 0.05  # each retry is due at once
    settings.PUBLISHING_MAX_ATTEMPTS = 8
    specs = [("instagram_graph", "instagram", HANDLE, "")]
    return make_channels(kadis, divisions["PKP"], specs=specs)["instagram_graph"]


def _try(delivery: Delivery) -> Delivery:
    """One try, as the worker runs it when the retry's message comes."""
    before = delivery.attempts.count()
    sent = delivery_send(delivery_id=delivery.pk)
    assert sent is not None and sent.attempts.count() == before + 1, "the try did not run"
    return sent


@pytest.mark.usefixtures("held_queue")
def test_a_try_after_a_failed_one_that_followed_a_lost_answer_still_finds_the_post(
    simulator, instagram, editor, kadis, divisions
):
    post = approved_post(
        editor=editor,
        kadis=kadis,
        channels=[instagram],
        text=TEXT,
        assets=[photo_asset(editor, divisions["PKP"])],
    )
    delivery = Delivery.objects.get(post=post)
    assert delivery.status == DeliveryStatus.QUEUED

    # Try 1: Instagram publishes the post, then the answer to media_publish is a 500.
    simulator.fault("instagram", HANDLE, mode="accept_then_fail", scope="publish", remaining=1)
    delivery = _try(delivery)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.error_code == UncertainSend.code
    assert len(simulator.posts("instagram", HANDLE)) == 1

    # Try 2: a 500 before anything is sent (the read that looks for the post fails).
    simulator.fault("instagram", HANDLE, mode="server_error", scope="read", remaining=1)
    delivery = _try(delivery)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.error_code not in ("", UncertainSend.code)
    assert len(simulator.posts("instagram", HANDLE)) == 1

    # Try 3: no fault left. It looks the post up (an uncertain try is in its past) and finds it.
    delivery = _try(delivery)

    posts = simulator.posts("instagram", HANDLE)
    assert len(posts) == 1, f"Instagram holds {len(posts)} posts: sent twice"
    assert delivery.status == DeliveryStatus.PUBLISHED
    assert delivery.external_id == posts[0]["external_id"]
    attempts = list(delivery.attempts.order_by("number").values("number", "outcome", "error_code"))
    assert [(a["number"], a["outcome"]) for a in attempts] == [
        (1, "retry"),
        (2, "retry"),
        (3, "found"),
    ]
    assert attempts[0]["error_code"] == UncertainSend.code  # uncertain
    assert attempts[1]["error_code"] not in ("", UncertainSend.code)  # failed before sending
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    # One media_publish reached Instagram in all: the one whose answer was lost.
    requests = simulator.log(platform="instagram", account=HANDLE)["requests"]
    publishes = [r for r in requests if r["method"] == "POST" and "media_publish" in r["path"]]
    assert len(publishes) == 1, publishes
