"""The X driver against the simulator, through tweepy over real HTTP."""

from __future__ import annotations

import itertools
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from publishing.drivers.errors import (
    DuplicateDetected,
    PermanentError,
    RateLimited,
    RetryableError,
    TokenExpired,
    UncertainSend,
)
from publishing.drivers.registry import call_with_refresh, get_driver
from publishing.drivers.types import (
    HealthState,
    MediaItem,
    MediaKind,
    PostPayload,
    Repost,
    RepostKind,
)
from publishing.drivers.x import split_thread, weighted_length

HANDLE = "mediacenterBJN"


@pytest.fixture
def x(simulator):
    return get_driver("x")


@pytest.fixture
def credential(simulator):
    return simulator.credential("x", HANDLE)


def photo(media_dir, name="photo.jpg"):
    return MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", path=media_dir / name)


def test_text_post_lands_once_with_a_permalink(x, credential, simulator):
    result = x.publish(PostPayload(text="Jadwal vaksinasi pekan ini"), credential)
    assert result.http_status == 201
    assert result.permalink.endswith(f"/{HANDLE}/status/{result.external_id}")
    posts = simulator.posts("x", HANDLE)
    assert [(p["external_id"], p["text"]) for p in posts] == [
        (result.external_id, "Jadwal vaksinasi pekan ini")
    ]
    assert (
        posts[0]["token_fingerprint"]
        and posts[0]["token_fingerprint"] not in credential["access_token"][:4]
    )


def test_photos_and_video_are_uploaded_through_the_v2_media_endpoints(
    x, credential, simulator, media_dir
):
    result = x.publish(
        PostPayload(text="Dua foto", media=(photo(media_dir), photo(media_dir, "graphic.png"))),
        credential,
    )
    video = MediaItem(kind=MediaKind.VIDEO, mime_type="video/mp4", path=media_dir / "clip.mp4")
    x.publish(PostPayload(text="Satu video", media=(video,)), credential)
    posts = {p["text"]: p for p in simulator.posts("x", HANDLE)}
    assert [m["mime_type"] for m in posts["Dua foto"]["media"]] == ["image/jpeg", "image/png"]
    assert posts["Satu video"]["media"][0]["mime_type"] == "video/mp4"
    paths = [r["path"] for r in simulator.log()["requests"]]
    assert any(p.endswith("/2/media/upload/initialize") for p in paths)
    assert any(p.endswith("/finalize") for p in paths)
    assert posts["Dua foto"]["external_id"] == result.external_id


def test_long_text_becomes_a_numbered_thread_and_first_comment_a_reply(x, credential, simulator):
    text = " ".join(f"Kalimat nomor {n} tentang pelayanan publik Bojonegoro." for n in range(20))
    result = x.publish(PostPayload(text=text, thread=True, first_comment="Info: 112"), credential)
    posts = simulator.posts("x", HANDLE)
    assert len(posts) == len(result.extra_ids) + 1 >= 4
    assert posts[0]["text"].endswith(f"(1/{len(posts) - 1})")
    for previous, reply in itertools.pairwise(posts):
        assert reply["reply_to"] == previous["external_id"]
    assert posts[-1]["text"] == "Info: 112"
    assert all(weighted_length(p["text"]) <= 280 for p in posts)


def test_too_long_text_without_thread_is_refused_before_sending(x, credential, simulator):
    with pytest.raises(PermanentError) as caught:
        x.publish(PostPayload(text="a" * 281), credential)
    assert "281" in str(caught.value)
    assert simulator.log()["requests"] == []


def test_weighted_length_counts_links_as_23_and_wide_characters_twice():
    assert weighted_length("halo https://example.com/a/very/long/path/that/goes/on") == 5 + 23
    assert weighted_length("日本") == 4
    assert split_thread("kata " * 10) == ["kata " * 10]


def test_reply_quote_and_share(x, credential, simulator):
    first = x.publish(PostPayload(text="Pengumuman"), credential)
    x.publish(
        PostPayload(text="Tambahan", repost=Repost(RepostKind.REPLY, first.external_id)), credential
    )
    x.publish(
        PostPayload(text="Kutipan", repost=Repost(RepostKind.QUOTE, first.external_id)), credential
    )
    other = simulator.credential("x", "KominfoBjn")
    x.publish(PostPayload(repost=Repost(RepostKind.SHARE, first.external_id)), other)
    posts = {p["text"] or p["kind"]: p for p in simulator.log(platform="x")["posts"]}
    assert posts["Tambahan"]["reply_to"] == first.external_id
    assert posts["Kutipan"]["quote_of"] == first.external_id
    assert posts["retweet"]["quote_of"] == first.external_id


def test_rate_limit_is_retryable_after_the_reset(x, credential, simulator):
    simulator.fault("x", HANDLE, mode="rate_limit", retry_after=120, remaining=1)
    with pytest.raises(RateLimited) as caught:
        x.publish(PostPayload(text="Kena batas"), credential)
    assert caught.value.retryable and caught.value.http_status == 429
    assert 100 <= caught.value.retry_after <= 121
    x.publish(PostPayload(text="Kena batas"), credential)
    assert len(simulator.posts("x", HANDLE)) == 1


def test_server_error_is_retryable_and_the_retry_posts_once(x, credential, simulator):
    payload = PostPayload(text="Server sibuk", not_before=datetime.now(UTC))
    simulator.fault("x", HANDLE, mode="server_error", remaining=1)
    with pytest.raises(RetryableError) as caught:
        x.publish(payload, credential)
    assert caught.value.http_status == 500
    assert x.find_existing(payload, credential) is None
    x.publish(payload, credential)
    assert len(simulator.posts("x", HANDLE)) == 1


@pytest.mark.parametrize("mode", ["slow", "accept_then_fail"])
def test_lost_answer_is_uncertain_and_find_existing_finds_the_post(
    x, credential, simulator, mode, short_timeout
):
    payload = PostPayload(text=f"Jawaban hilang {mode}", not_before=datetime.now(UTC))
    simulator.fault("x", HANDLE, mode=mode, delay=short_timeout, remaining=1)
    with pytest.raises(UncertainSend):
        x.publish(payload, credential)
    found = x.find_existing(payload, credential)
    assert found is not None and found.found_existing
    assert [p["external_id"] for p in simulator.posts("x", HANDLE)] == [found.external_id]


def test_blind_retry_after_a_lost_answer_meets_duplicate_content(x, credential, simulator):
    payload = PostPayload(text="Jangan dobel", not_before=datetime.now(UTC))
    simulator.fault("x", HANDLE, mode="accept_then_fail", remaining=1)
    with pytest.raises(UncertainSend):
        x.publish(payload, credential)
    with pytest.raises(DuplicateDetected) as caught:
        x.publish(payload, credential)
    assert caught.value.http_status == 403
    assert x.find_existing(payload, credential) is not None
    assert len(simulator.posts("x", HANDLE)) == 1


class Vault:
    """What the caller of a driver does with a credential: a locked, saved secret."""

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


def test_expired_token_is_refreshed_once_and_the_new_pair_saved(x, credential, simulator):
    vault = Vault(credential)
    simulator.fault("x", HANDLE, mode="expire_tokens")
    with pytest.raises(TokenExpired) as caught:
        x.publish(PostPayload(text="Sebelum diperbarui"), vault.load())
    assert caught.value.refreshable and caught.value.http_status == 401
    result = call_with_refresh(
        x,
        lambda secret: x.publish(PostPayload(text="Setelah diperbarui"), secret),
        load=vault.load,
        save=vault.save,
        lock=vault.lock,
    )
    assert vault.saves == 1
    assert vault.secret["refresh_token"] != credential["refresh_token"]
    assert [p["external_id"] for p in simulator.posts("x", HANDLE)] == [result.external_id]
    # The old refresh token was single-use.
    with pytest.raises(TokenExpired):
        x.refresh(credential)


def test_token_still_refused_after_one_refresh_fails_for_good(x, credential, simulator):
    vault = Vault(credential)
    simulator.fault("x", HANDLE, mode="token_expired")
    with pytest.raises(TokenExpired) as caught:
        call_with_refresh(
            x,
            lambda secret: x.publish(PostPayload(text="Tetap ditolak"), secret),
            load=vault.load,
            save=vault.save,
            lock=vault.lock,
        )
    assert not caught.value.refreshable
    assert vault.saves == 1
    assert simulator.posts("x", HANDLE) == []
    tweets = [r for r in simulator.log()["requests"] if r["path"].endswith("/2/tweets")]
    assert len(tweets) == 2


def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(x, credential, simulator):
    vault = Vault({**credential, "expires_at": time.time() - 10})
    results, errors = [], []

    def work():
        try:
            results.append(
                call_with_refresh(
                    x,
                    lambda s: x.check_credential(s),
                    load=vault.load,
                    save=vault.save,
                    lock=vault.lock,
                )
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and vault.saves == 1
    assert all(r.state == HealthState.VALID for r in results)


def test_fetch_recent_sees_native_posts_with_media_and_delete_removes(
    x, credential, simulator, media_dir
):
    since = datetime.now(UTC) - timedelta(minutes=1)
    native = simulator.native(
        "x",
        HANDLE,
        "Ditulis langsung di aplikasi X",
        files={"media": ("p.jpg", (media_dir / "photo.jpg").read_bytes(), "image/jpeg")},
    )
    posts = x.fetch_recent(credential, since)
    assert [(p.external_id, p.text) for p in posts] == [
        (native["external_id"], "Ditulis langsung di aplikasi X")
    ]
    assert posts[0].media[0].kind == MediaKind.IMAGE and posts[0].media[0].url.startswith("http")
    x.delete(native["external_id"], credential)
    assert x.fetch_recent(credential, since) == []


def test_check_credential_and_metrics(x, credential, simulator):
    health = x.check_credential(credential)
    assert health.state == HealthState.VALID and health.account_name == HANDLE
    result = x.publish(PostPayload(text="Berapa yang suka?"), credential)
    assert x.fetch_metrics(result.external_id, credential).likes == 0
    simulator.fault("x", HANDLE, mode="token_expired")
    assert x.check_credential({**credential, "refresh_token": ""}).state == HealthState.EXPIRED


def test_no_secret_in_any_error(x, credential, simulator):
    simulator.fault("x", HANDLE, mode="server_error")
    with pytest.raises(RetryableError) as caught:
        x.publish(PostPayload(text="rahasia"), credential)
    recorded = str(caught.value.as_dict())
    assert credential["access_token"] not in recorded
    assert credential["refresh_token"] not in recorded


def test_connect_an_x_account_with_pkce(simulator, live_server):
    from urllib.parse import parse_qs, urlsplit

    from publishing.drivers import x as x_module
    from publishing.simulator.models import Account

    redirect_uri = f"{live_server.url}/publishing/channels/oauth/x/callback/"
    start = x_module.oauth_start(redirect_uri=redirect_uri)
    assert start["url"].startswith(simulator.base + "/x/www/i/oauth2/authorize?")
    consent = simulator.session.get(start["url"], timeout=5)
    assert consent.status_code == 200 and "Izinkan" in consent.text
    query = {k: v[0] for k, v in parse_qs(urlsplit(start["url"]).query).items()}
    assert query["code_challenge_method"] == "S256" and "offline.access" in query["scope"]
    account = Account.objects.get(platform="x", handle="KominfoBjn")
    allowed = simulator.session.post(
        start["url"],
        data={**query, "decision": "allow", "account": account.pk},
        allow_redirects=False,
        timeout=5,
    )
    back = parse_qs(urlsplit(allowed.headers["Location"]).query)
    assert back["state"] == [start["state"]]
    code = back["code"][0]
    with pytest.raises(PermanentError):  # a verifier that does not match the challenge
        x_module.oauth_finish(code=code, code_verifier="x" * 64, redirect_uri=redirect_uri)
    allowed = simulator.session.post(
        start["url"],
        data={**query, "decision": "allow", "account": account.pk},
        allow_redirects=False,
        timeout=5,
    )
    code = parse_qs(urlsplit(allowed.headers["Location"]).query)["code"][0]
    secret = x_module.oauth_finish(
        code=code, code_verifier=start["code_verifier"], redirect_uri=redirect_uri
    )
    assert secret["username"] == "KominfoBjn" and secret["refresh_token"]
    get_driver("x").publish(PostPayload(text="Terhubung lewat OAuth"), secret)
    assert [p["text"] for p in simulator.posts("x", "KominfoBjn")] == ["Terhubung lewat OAuth"]
    with pytest.raises(PermanentError):  # the code was spent
        x_module.oauth_finish(
            code=code, code_verifier=start["code_verifier"], redirect_uri=redirect_uri
        )
    denied = simulator.session.post(
        start["url"], data={**query, "decision": "deny"}, allow_redirects=False, timeout=5
    )
    assert parse_qs(urlsplit(denied.headers["Location"]).query)["error"] == ["access_denied"]
