"""Sync against busy accounts and fresh rules, through the real client libraries and the
simulator paging as each platform pages: every driver follows the platform's paging to the end,
a poll walks down to what it has already read (bounded per poll, continued at the next), posts
made before a rule was set are history, and mirrors go out oldest first, each once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.db import models
from django.utils import timezone

from publishing.drivers._graph import graph_api, graph_page
from publishing.drivers.registry import get_driver
from publishing.drivers.types import MediaKind
from publishing.models import Delivery, Post, PostOrigin
from publishing.simulator import services as sim
from publishing.simulator.models import Post as SimPost
from publishing.simulator.views import _native_id
from publishing.sync import services
from publishing.sync.models import PollState, SeenNativePost, SeenStatus

from .sync_fixtures import held_queue, sync_channels  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("held_queue")]


def natives(platform: str, handle: str, count: int, *, prefix: str = "Kabar", spread=None):
    """``count`` posts made in the platform's own app, oldest first (``spread``: the time between
    the first and the last, ending now; otherwise all made at this moment, many in one second)."""
    account = sim.account_by_handle(platform, handle)
    made = []
    for index in range(count):
        made.append(
            sim.record_post(
                account,
                text=f"{prefix} {index:04d}",
                origin=SimPost.Origin.NATIVE,
                external_id=_native_id(account),
            )
        )
    if spread is not None:
        start = timezone.now() - spread
        for index, post in enumerate(made):
            moment = start + spread * index / max(count - 1, 1)
            SimPost.objects.filter(pk=post.pk).update(created_at=moment)
    return [f"{prefix} {index:04d}" for index in range(count)]


def listing_requests(simulator, part: str) -> int:
    return sum(1 for r in simulator.log()["requests"] if r["method"] == "GET" and part in r["path"])


def poll_and_mirror(channel):
    services.sync_poll_channel(channel_id=channel.pk)
    return services.sync_mirror_channel(channel_id=channel.pk)


def mirrored_texts(source) -> list[str]:
    """The native text of each mirror, in the order the mirrors were made."""
    texts = []
    for post in Post.objects.filter(origin=PostOrigin.MIRROR).order_by("id"):
        (seen,) = post.mirrored_from.all()
        assert seen.channel_id == source.pk
        texts.append(seen.text)
    return texts


# --- every driver follows the platform's paging -----------------------------------------------


@pytest.mark.parametrize(
    ("driver", "platform", "handle", "per_page", "count", "edge"),
    [
        ("x", "x", "mediacenterBJN", 100, 230, "/tweets"),
        ("facebook", "facebook", "MediaCenterBJN", 100, 230, "/published_posts"),
        ("instagram_graph", "instagram", "mediacenterbojonegoro", 50, 120, "/media"),
        ("instagram_private", "instagram", "kominfobojonegoro", 33, 80, "/feed/user/"),
    ],
)
def test_every_driver_reads_the_whole_listing_page_by_page(
    simulator, driver, platform, handle, per_page, count, edge
):
    since = datetime.now(UTC) - timedelta(minutes=1)
    texts = natives(platform, handle, count)
    account = sim.account_by_handle(platform, handle)
    old = sim.record_post(account, text="Lama", origin=SimPost.Origin.NATIVE,
                          external_id=_native_id(account))  # fmt: skip
    SimPost.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    platform_driver = get_driver(driver)
    credential = simulator.credential(platform, handle, driver=driver)
    if driver == "instagram_private":
        credential = platform_driver.refresh(credential)  # signs in: a session to read with
    before = listing_requests(simulator, edge)
    first = platform_driver.fetch_page(credential, since, "")
    assert len(first.posts) == per_page and first.cursor  # a full page, and more to come
    found = platform_driver.fetch_recent(credential, since)
    # Every post once, newest first; the one made before ``since`` is not among them.
    assert [p.text for p in found] == list(reversed(texts))
    pages = -(-count // per_page)
    assert listing_requests(simulator, edge) - before == 1 + pages


def test_a_post_made_while_a_reader_pages_shifts_nothing(simulator):
    """Page cursors point at a post, not at a count: a post made between two pages neither
    repeats a post nor skips one."""
    x = get_driver("x")
    credential = simulator.credential("x", "mediacenterBJN", driver="x")
    since = datetime.now(UTC) - timedelta(minutes=1)
    texts = natives("x", "mediacenterBJN", 150)
    first = x.fetch_page(credential, since, "")
    natives("x", "mediacenterBJN", 3, prefix="Baru")
    second = x.fetch_page(credential, since, first.cursor)
    assert [p.text for p in first.posts + second.posts] == list(reversed(texts))
    assert second.cursor == ""


def test_graph_time_based_paging_is_followed_by_its_next_address(simulator):
    """A Page's ``feed`` pages by time: only ``paging.next`` (``until`` and a paging token), no
    cursors. The driver's paging follows that address, without the token it carries."""
    texts = natives("facebook", "MediaCenterBJN", 130)
    credential = simulator.credential("facebook", "MediaCenterBJN", driver="facebook")
    api = graph_api(credential, platform="facebook")
    params = {"fields": "id,message,created_time", "limit": 50}
    seen, cursor, kinds = [], "", []
    while True:
        data, cursor = graph_page(
            api, (credential["page_id"], "feed"), params, cursor, platform="facebook"
        )
        seen += [d["message"] for d in data]
        kinds.append(cursor.split(":", 1)[0])
        if not cursor:
            break
    assert seen == list(reversed(texts))
    assert kinds == ["next", "next", ""]


def test_a_next_address_off_the_graph_api_is_not_followed(simulator):
    from publishing.drivers.errors import PermanentError

    credential = simulator.credential("facebook", "MediaCenterBJN", driver="facebook")
    api = graph_api(credential, platform="facebook")
    with pytest.raises(PermanentError):
        graph_page(api, ("1", "feed"), {}, "next:https://evil.example/steal?x=1", platform="fb")


def test_videos_come_with_their_files(simulator, media_dir):
    """X sends a video's files only with ``media.fields=variants`` (the MP4 of the highest bit
    rate is taken, not the HLS playlist); Facebook's is the attachment's ``media.source``, not its
    ``url`` (the video's page)."""
    clip = (media_dir / "clip.mp4").read_bytes()
    since = datetime.now(UTC) - timedelta(minutes=1)
    for platform, handle in (("x", "mediacenterBJN"), ("facebook", "MediaCenterBJN")):
        simulator.native(platform, handle, "Video kegiatan",
                         files={"media": ("v.mp4", clip, "video/mp4")})  # fmt: skip
        credential = simulator.credential(platform, handle, driver=platform)
        (post,) = get_driver(platform).fetch_recent(credential, since)
        (video,) = post.media
        assert video.kind == MediaKind.VIDEO
        assert requests.get(video.url, timeout=10).content == clip, platform


# --- history: what was posted before the rule was set ----------------------------------------


def wait_for_second_start() -> None:
    """Start at the beginning of a second, so that what follows shares that second."""
    time.sleep(1 - (time.time() % 1) + 0.05)


def test_a_post_made_right_after_the_rule_is_saved_is_mirrored_once(channels, kadis, simulator):
    fb, x = channels("fb"), channels("x")
    simulator.native("facebook", "MediaCenterBJN", "Sudah ada sebelum aturan")
    wait_for_second_start()
    services.sync_rule_create(actor=kadis, source=fb, targets=[x])
    # The platform dates posts to the second: one in the very second the rule was saved...
    simulator.native("facebook", "MediaCenterBJN", "Dalam detik yang sama")
    time.sleep(1)
    # ... and one a second later; the first poll comes after both.
    simulator.native("facebook", "MediaCenterBJN", "Sedetik kemudian")
    poll_and_mirror(fb)
    assert mirrored_texts(fb) == ["Dalam detik yang sama", "Sedetik kemudian"]
    history = SeenNativePost.objects.get(channel=fb, text="Sudah ada sebelum aturan")
    assert history.status == SeenStatus.SKIPPED and "sebelum" in history.note
    assert poll_and_mirror(fb) == []
    assert Delivery.objects.filter(channel=x).count() == 2


def test_posts_made_while_a_rule_was_off_are_history(channels, kadis, simulator):
    fb, x = channels("fb"), channels("x")
    rule = services.sync_rule_create(actor=kadis, source=fb, targets=[x])
    time.sleep(1)
    simulator.native("facebook", "MediaCenterBJN", "Saat aturan menyala")
    poll_and_mirror(fb)
    services.sync_rule_update(actor=kadis, rule=rule, enabled=False)
    time.sleep(1)
    simulator.native("facebook", "MediaCenterBJN", "Saat aturan mati")
    time.sleep(1)
    services.sync_rule_update(actor=kadis, rule=rule, enabled=True)
    time.sleep(1)
    simulator.native("facebook", "MediaCenterBJN", "Setelah aturan menyala lagi")
    poll_and_mirror(fb)
    assert mirrored_texts(fb) == ["Saat aturan menyala", "Setelah aturan menyala lagi"]
    off = SeenNativePost.objects.get(channel=fb, text="Saat aturan mati")
    assert off.status == SeenStatus.SKIPPED
    rule.refresh_from_db()
    assert rule.active_since > timezone.now() - timedelta(seconds=3)  # moved when switched on
    # Another change of the rule (not switching it on) moves nothing.
    rule.refresh_from_db()
    since = rule.active_since
    services.sync_rule_update(actor=kadis, rule=rule, needs_approval=False, enabled=True)
    rule.refresh_from_db()
    assert rule.active_since == since


# --- busy accounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(("source_key", "platform", "handle"), [
    ("x", "x", "mediacenterBJN"),
    ("fb", "facebook", "MediaCenterBJN"),
])  # fmt: skip
def test_250_native_posts_between_two_polls_are_all_mirrored_once_in_order(
    channels, kadis, simulator, source_key, platform, handle
):
    source = channels(source_key)
    target = channels("fb_pemkab" if source_key == "x" else "x")
    services.sync_rule_create(actor=kadis, source=source, targets=[target])
    time.sleep(1)
    assert poll_and_mirror(source) == []  # the first poll: nothing yet
    texts = natives(platform, handle, 250)  # many within one second, as on a busy day
    poll_and_mirror(source)
    assert mirrored_texts(source) == texts
    assert poll_and_mirror(source) == []
    assert Delivery.objects.filter(channel=target).count() == 250
    assert SeenNativePost.objects.filter(channel=source, status=SeenStatus.MIRRORED).count() == 250


@pytest.mark.parametrize(("source_key", "platform", "handle"), [
    ("x", "x", "mediacenterBJN"),
    ("fb", "facebook", "MediaCenterBJN"),
])  # fmt: skip
def test_a_worker_stopped_for_an_hour_misses_nothing_and_sends_nothing_twice(
    channels, kadis, simulator, settings, source_key, platform, handle, client_for
):
    source = channels(source_key)
    target = channels("fb_pemkab" if source_key == "x" else "x")
    rule = services.sync_rule_create(actor=kadis, source=source, targets=[target])
    type(rule).objects.filter(pk=rule.pk).update(active_since=timezone.now() - timedelta(hours=2))
    assert poll_and_mirror(source) == []
    # The worker is down for an hour; 250 posts are made over that hour.
    texts = natives(platform, handle, 250, spread=timedelta(hours=1))
    settings.SYNC_POLL_MAX_PAGES = 1  # a small bound: the backlog takes several polls
    polls = 0
    state = PollState.objects.get(channel=source)
    while True:
        polls += 1
        poll_and_mirror(source)
        state.refresh_from_db()
        if polls == 1:
            # Mid-walk nothing is mirrored (the backlog goes out oldest first), and posts made
            # meanwhile are read by the next walk.
            assert state.walk_cursor and mirrored_texts(source) == []
            page = client_for(kadis).get("/publishing/sync/").content.decode()
            assert "membaca postingan yang lebih lama" in page  # the sync page says so
            texts += natives(platform, handle, 5, prefix="Sementara")
        if not state.walk_cursor:
            break
        assert polls < 10
    assert polls == 3  # 250 posts, 100 a page, one page a poll
    assert mirrored_texts(source) == texts[:250]
    poll_and_mirror(source)  # the next walk reads what was made meanwhile
    assert mirrored_texts(source) == texts
    assert poll_and_mirror(source) == []
    assert Delivery.objects.filter(channel=target).count() == 255
    assert Post.objects.filter(origin=PostOrigin.MIRROR).count() == 255


def test_a_page_cursor_the_platform_no_longer_takes_restarts_the_walk(
    channels, kadis, simulator, settings
):
    x, fb = channels("x"), channels("fb")
    services.sync_rule_create(actor=kadis, source=x, targets=[fb])
    time.sleep(1)
    texts = natives("x", "mediacenterBJN", 150)
    settings.SYNC_POLL_MAX_PAGES = 1
    poll_and_mirror(x)
    PollState.objects.filter(channel=x).update(walk_cursor="bm90LWEtY3Vyc29y")
    result = services.sync_poll_channel(channel_id=x.pk)
    assert result.error  # refused: recorded, and the walk starts again from the newest post
    assert PollState.objects.get(channel=x).walk_cursor == ""
    settings.SYNC_POLL_MAX_PAGES = 10
    PollState.objects.filter(channel=x).update(next_poll_at=None)
    poll_and_mirror(x)
    assert mirrored_texts(x) == texts


def test_deletions_watched_over_a_long_window_do_not_hold_new_posts_back(
    channels, kadis, simulator, settings
):
    """With deletions propagated the listing reaches back over the deletion window; when the
    bound stops it there, the new posts (all above the mark) are still mirrored in that poll."""
    x, fb = channels("x"), channels("fb")
    natives("x", "mediacenterBJN", 250, prefix="Lama", spread=timedelta(hours=5))
    SimPost.objects.filter(text__startswith="Lama").update(
        created_at=models.F("created_at") - timedelta(hours=1)
    )
    services.sync_rule_create(actor=kadis, source=x, targets=[fb], propagate_deletions=True)
    time.sleep(1)
    fresh = natives("x", "mediacenterBJN", 3, prefix="Baru")
    settings.SYNC_POLL_MAX_PAGES = 1
    poll_and_mirror(x)
    assert mirrored_texts(x) == fresh
    assert PollState.objects.get(channel=x).walk_cursor == ""
