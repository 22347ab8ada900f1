"""The Facebook Page driver against the simulator, through facebook-business over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from publishing.drivers import facebook as facebook_module
from publishing.drivers.errors import (
    BackOffLong,
    DuplicateDetected,
    RateLimited,
    RetryableError,
    TokenExpired,
    UncertainSend,
)
from publishing.drivers.registry import get_driver
from publishing.drivers.types import (
    HealthState,
    MediaItem,
    MediaKind,
    PostPayload,
    Repost,
    RepostKind,
)

PAGE = "MediaCenterBJN"


@pytest.fixture
def fb(simulator):
    return get_driver("facebook")


@pytest.fixture
def credential(simulator):
    return simulator.credential("facebook", PAGE)


def image(media_dir, name="photo.jpg", url=""):
    return MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", path=media_dir / name, url=url)


def test_text_post_with_link_and_first_comment(fb, credential, simulator):
    result = fb.publish(
        PostPayload(
            text="Layanan KTP keliling",
            link="https://bojonegorokab.go.id",
            first_comment="Info lengkap di tautan",
        ),
        credential,
    )
    assert result.external_id.startswith("100090000000101_")
    assert requests.get(result.permalink, timeout=5).status_code == 200
    log = simulator.log(platform="facebook", account=PAGE)["posts"]
    post = next(p for p in log if p["external_id"] == result.external_id)
    assert post["text"] == "Layanan KTP keliling" and post["link"] == "https://bojonegorokab.go.id"
    comments = [p for p in log if p["kind"] == "comment"]
    assert [(c["parent"], c["text"]) for c in comments] == [
        (result.external_id, "Info lengkap di tautan")
    ]


def test_one_photo_by_upload_and_one_by_address(fb, credential, simulator, media_dir, file_server):
    uploaded = fb.publish(PostPayload(text="Foto diunggah", media=(image(media_dir),)), credential)
    fetched = fb.publish(
        PostPayload(
            text="Foto lewat alamat",
            media=(image(media_dir, "photo2.jpg", f"{file_server}/photo2.jpg"),),
        ),
        credential,
    )
    posts = {p["external_id"]: p for p in simulator.posts("facebook", PAGE)}
    assert posts[uploaded.external_id]["media"][0]["width"] == 64
    assert posts[fetched.external_id]["media"][0]["width"] == 80


def test_several_photos_make_one_post_with_attached_media(fb, credential, simulator, media_dir):
    payload = PostPayload(
        text="Album kegiatan",
        media=(image(media_dir), image(media_dir, "photo2.jpg"), image(media_dir, "portrait.jpg")),
    )
    result = fb.publish(payload, credential)
    posts = simulator.posts("facebook", PAGE)
    assert [p["external_id"] for p in posts] == [result.external_id]
    assert [m["width"] for m in posts[0]["media"]] == [64, 80, 64]


def test_video_post(fb, credential, simulator, media_dir):
    video = MediaItem(kind=MediaKind.VIDEO, mime_type="video/mp4", path=media_dir / "clip.mp4")
    result = fb.publish(PostPayload(text="Video kegiatan", media=(video,)), credential)
    posts = simulator.posts("facebook", PAGE)
    assert [(p["external_id"], p["media"][0]["mime_type"]) for p in posts] == [
        (result.external_id, "video/mp4")
    ]


def test_reply_is_a_comment_on_the_target(fb, credential, simulator):
    first = fb.publish(PostPayload(text="Pengumuman"), credential)
    fb.publish(
        PostPayload(text="Balasan", repost=Repost(RepostKind.REPLY, first.external_id)), credential
    )
    comments = [p for p in simulator.log(account=PAGE)["posts"] if p["kind"] == "comment"]
    assert comments[0]["parent"] == first.external_id


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_throttling_codes_are_retryable_with_the_regain_time(fb, credential, simulator, code):
    simulator.fault("facebook", PAGE, mode="rate_limit", code=code, retry_after=300, remaining=1)
    with pytest.raises(RateLimited) as caught:
        fb.publish(PostPayload(text=f"Batas {code}"), credential)
    assert caught.value.platform_code == code
    assert caught.value.retry_after == 300
    fb.publish(PostPayload(text=f"Batas {code}"), credential)
    assert len(simulator.posts("facebook", PAGE)) == 1


def test_server_error_then_success(fb, credential, simulator):
    payload = PostPayload(text="Coba lagi", not_before=datetime.now(UTC))
    simulator.fault("facebook", PAGE, mode="server_error", remaining=1)
    with pytest.raises(RetryableError) as caught:
        fb.publish(payload, credential)
    assert caught.value.http_status == 500
    assert fb.find_existing(payload, credential) is None
    fb.publish(payload, credential)
    assert len(simulator.posts("facebook", PAGE)) == 1


@pytest.mark.parametrize("mode", ["slow", "accept_then_fail"])
def test_lost_answer_is_uncertain_and_the_post_is_found(
    fb, credential, simulator, mode, short_timeout
):
    payload = PostPayload(text=f"Jawaban hilang {mode}", not_before=datetime.now(UTC))
    simulator.fault("facebook", PAGE, mode=mode, delay=short_timeout, remaining=1)
    with pytest.raises(UncertainSend):
        fb.publish(payload, credential)
    found = fb.find_existing(payload, credential)
    assert found is not None
    assert [p["external_id"] for p in simulator.posts("facebook", PAGE)] == [found.external_id]


def test_blind_retry_meets_506_duplicate(fb, credential, simulator):
    payload = PostPayload(text="Sekali saja", not_before=datetime.now(UTC))
    simulator.fault("facebook", PAGE, mode="accept_then_fail", remaining=1)
    with pytest.raises(UncertainSend):
        fb.publish(payload, credential)
    with pytest.raises(DuplicateDetected) as caught:
        fb.publish(payload, credential)
    assert caught.value.platform_code == "506/1455006"
    assert len(simulator.posts("facebook", PAGE)) == 1


def test_expired_token_and_temporary_block_are_not_retried(fb, credential, simulator):
    simulator.fault("facebook", PAGE, mode="token_expired", remaining=1)
    with pytest.raises(TokenExpired) as caught:
        fb.publish(PostPayload(text="Token habis"), credential)
    assert not caught.value.refreshable and not caught.value.retryable
    assert caught.value.platform_code == "190/463"
    assert "kedaluwarsa" in str(caught.value)
    simulator.fault("facebook", PAGE, mode="blocked", remaining=1)
    with pytest.raises(BackOffLong) as caught:
        fb.publish(PostPayload(text="Diblokir"), credential)
    assert caught.value.platform_code == "368/1390008" and not caught.value.retryable
    assert simulator.posts("facebook", PAGE) == []


def test_fetch_recent_delete_health_and_metrics(fb, credential, simulator):
    since = datetime.now(UTC) - timedelta(minutes=1)
    native = simulator.native("facebook", PAGE, "Ditulis di aplikasi Facebook")
    posts = fb.fetch_recent(credential, since)
    assert [(p.external_id, p.text) for p in posts] == [
        (native["external_id"], "Ditulis di aplikasi Facebook")
    ]
    assert fb.fetch_metrics(native["external_id"], credential).comments == 0
    fb.delete(native["external_id"], credential)
    assert fb.fetch_recent(credential, since) == []
    assert fb.check_credential(credential).state == HealthState.VALID
    simulator.fault("facebook", PAGE, mode="expire_tokens")
    assert fb.check_credential(credential).state == HealthState.EXPIRED


def test_connect_pages_through_facebook_login(simulator, live_server):
    redirect_uri = f"{live_server.url}/publishing/channels/oauth/facebook/callback/"
    url = facebook_module.oauth_start(redirect_uri=redirect_uri, state="s-123")
    assert url.startswith(simulator.base + "/facebook/www/")
    consent = simulator.session.get(url, timeout=5)
    assert consent.status_code == 200 and "Izinkan" in consent.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    allowed = simulator.session.post(
        url, data={**query, "decision": "allow"}, allow_redirects=False, timeout=5
    )
    back = parse_qs(urlsplit(allowed.headers["Location"]).query)
    assert back["state"] == ["s-123"]
    pages = facebook_module.oauth_finish(code=back["code"][0], redirect_uri=redirect_uri)
    by_name = {page["name"]: page for page in pages}
    media_center = by_name["Media Center Bojonegoro"]
    assert media_center["instagram"]["username"] == "mediacenterbojonegoro"
    assert get_driver("facebook").check_credential(media_center).state == HealthState.VALID
    # The code is single-use.
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do
        facebook_module.oauth_finish(code=back["code"][0], redirect_uri=redirect_uri)
    denied = simulator.session.post(
        url, data={**query, "decision": "deny"}, allow_redirects=False, timeout=5
    )
    assert parse_qs(urlsplit(denied.headers["Location"]).query)["error"] == ["access_denied"]
