"""The Instagram (username and password) driver against the simulator, through instagrapi
over real HTTP: login with an encrypted password, upload, configure, and its failures."""

from __future__ import annotations

import threading
import time as real_time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from instagrapi.mixins import album, photo, video

from publishing.drivers.errors import (
    BackOffLong,
    ChallengeRequired,
    PermanentError,
    TokenExpired,
    UncertainSend,
)
from publishing.drivers.registry import call_with_refresh, get_driver
from publishing.drivers.types import HealthState, MediaItem, MediaKind, PostPayload

ACCOUNT = "kominfobojonegoro"


class _FastTime:
    """instagrapi pauses three seconds before each configure; the simulator needs no pause."""

    def sleep(self, seconds):
        return None

    def __getattr__(self, name):
        return getattr(real_time, name)


@pytest.fixture
def insta(simulator, monkeypatch):
    for module in (photo, video, album):
        monkeypatch.setattr(module, "time", _FastTime())
    return get_driver("instagram_private")


class Vault:
    def __init__(self, secret):
        self.secret = dict(secret)
        self.saves = 0
        self._lock = threading.Lock()

    def load(self):
        return dict(self.secret)

    def save(self, secret):
        self.secret = dict(secret)
        self.saves += 1

    @contextmanager
    def lock(self):
        with self._lock:
            yield


@pytest.fixture
def vault(simulator):
    return Vault(simulator.credential("instagram", ACCOUNT, driver="instagram_private"))


def publish(insta, vault, payload):
    return call_with_refresh(
        insta,
        lambda secret: insta.publish(payload, secret),
        load=vault.load,
        save=vault.save,
        lock=vault.lock,
    )


def jpeg(media_dir, name="photo.jpg"):
    return MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", path=media_dir / name)


def test_first_use_logs_in_once_and_keeps_the_session(insta, vault, simulator, media_dir):
    result = publish(insta, vault, PostPayload(text="Foto pertama", media=(jpeg(media_dir),)))
    assert vault.saves == 1
    assert vault.secret["settings"]["authorization_data"]["sessionid"]
    publish(insta, vault, PostPayload(text="Foto kedua", media=(jpeg(media_dir, "photo2.jpg"),)))
    assert vault.saves == 1  # the stored session was used, no second login
    logins = [r for r in simulator.log()["requests"] if r["path"].endswith("accounts/login/")]
    assert len(logins) == 1 and logins[0]["status"] == 200
    posts = simulator.posts("instagram", ACCOUNT)
    assert [p["text"] for p in posts] == ["Foto pertama", "Foto kedua"]
    assert posts[0]["external_id"] == result.external_id.split("_")[0]


def test_album_video_and_first_comment(insta, vault, simulator, media_dir):
    publish(
        insta,
        vault,
        PostPayload(text="Album", media=(jpeg(media_dir), jpeg(media_dir, "portrait.jpg"))),
    )
    clip = MediaItem(kind=MediaKind.VIDEO, mime_type="video/mp4", path=media_dir / "clip.mp4")
    result = publish(
        insta, vault, PostPayload(text="Video", media=(clip,), first_comment="Komentar pertama")
    )
    posts = {p["text"]: p for p in simulator.log(account=ACCOUNT)["posts"]}
    assert [m["mime_type"] for m in posts["Album"]["media"]] == ["image/jpeg", "image/jpeg"]
    assert posts["Video"]["media"][0]["mime_type"] == "video/mp4"
    assert posts["Komentar pertama"]["parent"] == result.external_id.split("_")[0]


def test_expired_session_logs_in_again_once(insta, vault, simulator, media_dir):
    publish(insta, vault, PostPayload(text="Sebelum", media=(jpeg(media_dir),)))
    simulator.fault("instagram", ACCOUNT, mode="expire_tokens")
    publish(insta, vault, PostPayload(text="Sesudah", media=(jpeg(media_dir),)))
    assert vault.saves == 2
    assert [p["text"] for p in simulator.posts("instagram", ACCOUNT)] == ["Sebelum", "Sesudah"]


def test_session_refused_after_one_login_fails_for_good(insta, vault, simulator, media_dir):
    publish(insta, vault, PostPayload(text="Awal", media=(jpeg(media_dir),)))
    simulator.fault("instagram", ACCOUNT, mode="token_expired")
    with pytest.raises(TokenExpired) as caught:
        publish(insta, vault, PostPayload(text="Ditolak", media=(jpeg(media_dir),)))
    assert not caught.value.refreshable
    assert [p["text"] for p in simulator.posts("instagram", ACCOUNT)] == ["Awal"]


@pytest.mark.parametrize("mode", ["challenge", "two_factor"])
def test_challenge_or_two_factor_at_login_is_reported_not_retried(
    insta, vault, simulator, media_dir, mode
):
    simulator.fault("instagram", ACCOUNT, mode=mode)
    with pytest.raises(ChallengeRequired) as caught:
        publish(insta, vault, PostPayload(text="Tantangan", media=(jpeg(media_dir),)))
    assert not caught.value.retryable
    logins = [r for r in simulator.log()["requests"] if r["path"].endswith("accounts/login/")]
    assert len(logins) == 1


@pytest.mark.parametrize("mode", ["feedback_required", "please_wait"])
def test_platform_watching_the_account_means_back_off(insta, vault, simulator, media_dir, mode):
    publish(insta, vault, PostPayload(text="Normal", media=(jpeg(media_dir),)))
    simulator.fault("instagram", ACCOUNT, mode=mode, scope="publish", remaining=1)
    with pytest.raises(BackOffLong) as caught:
        publish(insta, vault, PostPayload(text="Diawasi", media=(jpeg(media_dir),)))
    assert not caught.value.retryable
    assert vault.secret["password"] not in str(caught.value.as_dict())


def test_lost_configure_answer_is_uncertain_and_found(
    insta, vault, simulator, media_dir, short_timeout
):
    publish(insta, vault, PostPayload(text="Awal", media=(jpeg(media_dir),)))
    payload = PostPayload(
        text="Jawaban hilang", media=(jpeg(media_dir),), not_before=datetime.now(UTC)
    )
    simulator.fault("instagram", ACCOUNT, mode="slow", delay=short_timeout, remaining=1)
    with pytest.raises(UncertainSend):
        publish(insta, vault, payload)
    found = insta.find_existing(payload, vault.load())
    assert found is not None
    assert [p["text"] for p in simulator.posts("instagram", ACCOUNT)] == ["Awal", "Jawaban hilang"]


def test_wrong_password_is_final(insta, simulator, media_dir):
    vault = Vault({"username": ACCOUNT, "password": "salah-sandi", "settings": {}})
    with pytest.raises(TokenExpired) as caught:
        publish(insta, vault, PostPayload(text="x", media=(jpeg(media_dir),)))
    assert not caught.value.refreshable and vault.saves == 0
    assert "salah-sandi" not in str(caught.value.as_dict())


def test_video_in_a_carousel_is_refused_before_sending(insta, vault, media_dir, simulator):
    clip = MediaItem(kind=MediaKind.VIDEO, mime_type="video/mp4", path=media_dir / "clip.mp4")
    with pytest.raises(PermanentError):
        publish(insta, vault, PostPayload(text="x", media=(jpeg(media_dir), clip)))


def test_fetch_recent_metrics_delete_health(insta, vault, simulator, media_dir):
    since = datetime.now(UTC) - timedelta(minutes=1)
    native = simulator.native(
        "instagram",
        ACCOUNT,
        "Dari aplikasi",
        files={"media": ("p.jpg", (media_dir / "photo.jpg").read_bytes(), "image/jpeg")},
    )
    posts = call_with_refresh(
        insta,
        lambda s: insta.fetch_recent(s, since),
        load=vault.load,
        save=vault.save,
        lock=vault.lock,
    )
    assert [(p.external_id.split("_")[0], p.text) for p in posts] == [
        (native["external_id"], "Dari aplikasi")
    ]
    secret = vault.load()
    assert insta.fetch_metrics(posts[0].external_id, secret).likes == 0
    insta.delete(posts[0].external_id, secret)
    assert insta.fetch_recent(secret, since) == []
    assert insta.check_credential(secret).state == HealthState.VALID
    simulator.fault("instagram", ACCOUNT, mode="challenge")
    assert insta.check_credential(secret).state == HealthState.NEEDS_ATTENTION


def test_a_stored_file_without_extension_is_still_sent(
    insta, vault, simulator, media_dir, tmp_path
):
    stored = tmp_path / "original"  # storage names need not carry the type
    stored.write_bytes((media_dir / "photo.jpg").read_bytes())
    item = MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", path=stored)
    opened = MediaItem(
        kind=MediaKind.IMAGE, mime_type="image/jpeg", opener=lambda: stored.open("rb")
    )
    publish(insta, vault, PostPayload(text="Tanpa ekstensi", media=(item,)))
    publish(insta, vault, PostPayload(text="Dari aliran", media=(opened,)))
    assert [p["text"] for p in simulator.posts("instagram", ACCOUNT)] == [
        "Tanpa ekstensi",
        "Dari aliran",
    ]
