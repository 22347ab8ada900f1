"""The Instagram business driver against the simulator, through facebook-business over real
HTTP; the simulator fetches the media from the address it is given, as Instagram does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from publishing.drivers.errors import (
    PermanentError,
    QuotaDeferred,
    RateLimited,
    TokenExpired,
    UncertainSend,
)
from publishing.drivers.registry import get_driver
from publishing.drivers.types import HealthState, MediaItem, MediaKind, PostPayload

ACCOUNT = "mediacenterbojonegoro"


@pytest.fixture
def ig(simulator):
    driver = get_driver("instagram_graph")
    driver.poll_interval = 0.2
    return driver


@pytest.fixture
def credential(simulator):
    return simulator.credential("instagram", ACCOUNT)


def served(file_server, name, kind=MediaKind.IMAGE, mime="image/jpeg", **extra):
    return MediaItem(kind=kind, mime_type=mime, url=f"{file_server}/{name}", **extra)


def test_photo_post_with_first_comment(ig, credential, simulator, file_server):
    result = ig.publish(
        PostPayload(
            text="Foto kegiatan #bojonegoro",
            media=(served(file_server, "photo.jpg"),),
            first_comment="Selengkapnya di bio",
        ),
        credential,
    )
    posts = simulator.posts("instagram", ACCOUNT)
    assert [(p["external_id"], p["text"]) for p in posts if p["kind"] != "comment"] == [
        (result.external_id, "Foto kegiatan #bojonegoro")
    ]
    assert result.permalink.startswith("http")
    comments = [p for p in simulator.log(account=ACCOUNT)["posts"] if p["kind"] == "comment"]
    assert comments[0]["parent"] == result.external_id


def test_carousel_of_photos_and_a_video(ig, credential, simulator, file_server):
    media = (
        served(file_server, "photo.jpg"),
        served(file_server, "portrait.jpg"),
        served(file_server, "clip.mp4", MediaKind.VIDEO, "video/mp4"),
    )
    result = ig.publish(PostPayload(text="Carousel", media=media), credential)
    posts = simulator.posts("instagram", ACCOUNT)
    assert [p["external_id"] for p in posts] == [result.external_id]
    assert [m["mime_type"] for m in posts[0]["media"]] == ["image/jpeg", "image/jpeg", "video/mp4"]


def test_video_waits_for_its_container(ig, credential, simulator, file_server):
    result = ig.publish(
        PostPayload(
            text="Reels", media=(served(file_server, "clip.mp4", MediaKind.VIDEO, "video/mp4"),)
        ),
        credential,
    )
    statuses = [
        r for r in simulator.log()["requests"] if r["method"] == "GET" and r["status"] == 200
    ]
    assert len(statuses) >= 2  # polled IN_PROGRESS, then FINISHED
    assert simulator.posts("instagram", ACCOUNT)[0]["external_id"] == result.external_id


def test_instagram_needs_media_jpeg_and_a_supported_ratio(ig, credential, simulator, file_server):
    with pytest.raises(PermanentError, match="foto atau video"):
        ig.publish(PostPayload(text="Tanpa foto"), credential)
    with pytest.raises(PermanentError, match="JPEG"):
        ig.publish(
            PostPayload(text="PNG", media=(served(file_server, "graphic.png", mime="image/png"),)),
            credential,
        )
    # The shape is the portal's preflight's to check (publishing.checks); a photo that reaches
    # Instagram anyway is refused by Instagram itself, and nothing is posted.
    with pytest.raises(PermanentError, match="aspect ratio"):
        ig.publish(
            PostPayload(
                text="Tinggi", media=(served(file_server, "tall.jpg", width=40, height=100),)
            ),
            credential,
        )
    assert simulator.posts("instagram", ACCOUNT) == []
    # Without the dimensions the driver cannot know: the platform refuses it.
    with pytest.raises(PermanentError) as caught:
        ig.publish(PostPayload(text="Tinggi", media=(served(file_server, "tall.jpg"),)), credential)
    assert "aspect ratio" in caught.value.platform_message
    assert simulator.posts("instagram", ACCOUNT) == []


def test_full_publishing_limit_defers_until_the_window_allows(
    ig, credential, simulator, file_server
):
    simulator.fault("instagram", ACCOUNT, mode="quota_full")
    with pytest.raises(QuotaDeferred) as caught:
        ig.publish(PostPayload(text="Kuota", media=(served(file_server, "photo.jpg"),)), credential)
    assert caught.value.retryable
    assert caught.value.retry_at > datetime.now(UTC) + timedelta(minutes=30)
    simulator.clear("instagram", ACCOUNT)
    ig.publish(PostPayload(text="Kuota", media=(served(file_server, "photo.jpg"),)), credential)
    assert len(simulator.posts("instagram", ACCOUNT)) == 1


def test_lost_publish_answer_is_uncertain_and_found(ig, credential, simulator, file_server):
    payload = PostPayload(
        text="Hilang", media=(served(file_server, "photo.jpg"),), not_before=datetime.now(UTC)
    )
    simulator.fault("instagram", ACCOUNT, mode="accept_then_fail", remaining=1)
    with pytest.raises(UncertainSend):
        ig.publish(payload, credential)
    found = ig.find_existing(payload, credential)
    assert found is not None
    assert [p["external_id"] for p in simulator.posts("instagram", ACCOUNT)] == [found.external_id]


def test_throttle_and_expired_token(ig, credential, simulator, file_server):
    simulator.fault("instagram", ACCOUNT, mode="rate_limit", code=4, retry_after=60, remaining=1)
    with pytest.raises(RateLimited) as caught:
        ig.publish(PostPayload(text="x", media=(served(file_server, "photo.jpg"),)), credential)
    assert caught.value.retry_after == 60
    simulator.fault("instagram", ACCOUNT, mode="token_expired")
    with pytest.raises(TokenExpired):
        ig.publish(PostPayload(text="x", media=(served(file_server, "photo.jpg"),)), credential)
    assert ig.check_credential(credential).state == HealthState.EXPIRED


def test_fetch_recent_metrics_delete(ig, credential, simulator, media_dir):
    since = datetime.now(UTC) - timedelta(minutes=1)
    native = simulator.native(
        "instagram",
        ACCOUNT,
        "Dari aplikasi",
        files={"media": ("p.jpg", (media_dir / "photo.jpg").read_bytes(), "image/jpeg")},
    )
    posts = ig.fetch_recent(credential, since)
    assert [(p.external_id, p.text, len(p.media)) for p in posts] == [
        (native["external_id"], "Dari aplikasi", 1)
    ]
    assert ig.fetch_metrics(native["external_id"], credential).likes == 0
    assert ig.check_credential(credential).account_name == ACCOUNT
    ig.delete(native["external_id"], credential)
    assert ig.fetch_recent(credential, since) == []
