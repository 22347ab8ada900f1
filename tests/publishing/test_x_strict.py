"""X as strict as X: what the platform refuses, the simulator refuses too, and the driver (tweepy
over real HTTP) meets it the way it would meet X. Each fact is a contract example under
``tests/contracts/x/``: the driver's requests and the simulator's answers are checked against the
same example."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from publishing.drivers import http as drivers_http
from publishing.drivers.errors import PermanentError, QuotaDeferred, RateLimited, UncertainSend
from publishing.drivers.registry import call_with_refresh, get_driver
from publishing.drivers.types import (
    HealthState,
    MediaItem,
    MediaKind,
    PostPayload,
    Repost,
    RepostKind,
)
from publishing.drivers.x import SCOPE_BLOCKS, XDriver
from publishing.simulator import services as simulator_services
from tests.contracts.examples import load, missing_from
from tests.publishing.sync_fixtures import held_queue  # noqa: F401 - fixture
from tests.publishing.test_driver_x import Vault

HANDLE = "mediacenterBJN"
OTHER = "KominfoBjn"


@pytest.fixture
def x(simulator):
    return get_driver("x")


@pytest.fixture
def credential(simulator):
    return simulator.credential("x", HANDLE)


@pytest.fixture
def sent(monkeypatch):
    """Every request the drivers send, as it leaves through the transport."""
    requests_sent = []
    original = drivers_http.PlatformAdapter.send

    def spy(self, request, *args, **kwargs):
        requests_sent.append(request.copy())
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(drivers_http.PlatformAdapter, "send", spy)
    return requests_sent


def _path(request) -> str:
    """The path on X itself (the spy sees the request before it is pointed at the simulator)."""
    assert urlsplit(request.url).netloc in ("api.twitter.com", "api.x.com"), request.url
    return urlsplit(request.url).path


def _photo(media_dir) -> MediaItem:
    return MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", path=media_dir / "photo.jpg")


def _api(simulator, credential, method, path, **kwargs):
    return requests.request(
        method,
        f"{simulator.base}/x{path}",
        headers={"Authorization": f"Bearer {credential['access_token']}"},
        timeout=10,
        **kwargs,
    )


# --- quote with media --------------------------------------------------------------------------


def test_a_quote_with_media_goes_as_a_post_ending_with_the_quoted_posts_address(
    x, credential, simulator, media_dir, sent
):
    """X refuses quote_tweet_id next to media; the quote goes out with the address instead."""
    first = x.publish(PostPayload(text="Yang dikutip"), credential)
    link = f"https://x.com/{HANDLE}/status/{first.external_id}"
    payload = PostPayload(
        text="Kutipan bergambar",
        media=(_photo(media_dir),),
        repost=Repost(RepostKind.QUOTE, first.external_id, url=link),
    )
    assert x.validate(payload) == []
    sent.clear()
    result = x.publish(payload, credential)
    import json

    body = json.loads(next(r.body for r in sent if _path(r) == "/2/tweets"))
    assert "quote_tweet_id" not in body and body["media"]["media_ids"]
    assert body["text"] == f"Kutipan bergambar\n\n{link}"
    posts = {p["external_id"]: p for p in simulator.posts("x", HANDLE)}
    assert posts[result.external_id]["text"].endswith(link)
    assert len(posts[result.external_id]["media"]) == 1
    # The address counts 23 towards the 280: a text that fits alone may not fit with it.
    long = PostPayload(
        text="a" * 260, media=payload.media, repost=Repost(RepostKind.QUOTE, first.external_id)
    )
    assert x.validate(long) and not x.validate(PostPayload(text="a" * 260))
    # Found again after a lost answer, by the text as sent.
    assert x.find_existing(payload, credential).external_id == result.external_id


def test_the_simulator_refuses_a_quote_with_media_as_x_does(x, credential, simulator, media_dir):
    example = load("x", "quote_with_media_refused")
    target = x.publish(PostPayload(text="Asli"), credential).external_id
    media_id = x._upload(x._client(credential), _photo(media_dir), credential)
    body = {**example["request"]["json"], "quote_tweet_id": target}
    body["media"] = {"media_ids": [media_id]}
    answer = _api(simulator, credential, "POST", "/2/tweets", json=body)
    assert answer.status_code == example["response"]["status"]
    assert missing_from(example["response"]["json"], answer.json()) == []
    assert [p["text"] for p in simulator.posts("x", HANDLE)] == ["Asli"]
    # Without the media the same quote goes through (contract: quote_post).
    quote = load("x", "quote_post")
    answer = _api(
        simulator, credential, "POST", "/2/tweets", json={**body, "media": None, "text": "Kutip"}
    )
    assert answer.status_code == quote["response"]["status"]
    assert missing_from(quote["response"]["json"], answer.json()) == []


# --- undoing a repost --------------------------------------------------------------------------


def test_undoing_a_repost_undoes_it_and_leaves_the_other_accounts_post(
    x, credential, simulator, sent
):
    example = load("x", "undo_repost")
    original = x.publish(PostPayload(text="Pos akun lain"), credential)
    other = simulator.credential("x", OTHER)
    shared = x.publish(PostPayload(repost=Repost(RepostKind.SHARE, original.external_id)), other)
    assert [p["kind"] for p in simulator.posts("x", OTHER)] == ["retweet"]
    sent.clear()
    x.delete(shared.external_id, other)
    deletes = [r for r in sent if r.method == "DELETE"]
    expected = example["request"]["path"].format(
        id=other["user_id"], source_tweet_id=original.external_id
    )
    assert [(r.method, _path(r)) for r in deletes] == [("DELETE", expected)]
    assert simulator.posts("x", OTHER) == []  # the repost is gone
    assert [p["external_id"] for p in simulator.posts("x", HANDLE)] == [original.external_id]


def test_the_simulator_answers_undo_repost_as_documented(x, credential, simulator):
    example = load("x", "undo_repost")
    original = x.publish(PostPayload(text="Sekali saja"), credential)
    other = simulator.credential("x", OTHER)
    path = example["request"]["path"].format(
        id=other["user_id"], source_tweet_id=original.external_id
    )
    for _ in range(2):  # "succeeds with no action" when there is no repost to undo
        answer = _api(simulator, other, "DELETE", path)
        assert answer.status_code == example["response"]["status"]
        assert answer.json() == example["response"]["json"]
    # Someone else's repost cannot be undone with this account's token.
    path = example["request"]["path"].format(
        id=credential["user_id"], source_tweet_id=original.external_id
    )
    assert _api(simulator, other, "DELETE", path).status_code == 403


def test_deleting_an_own_post_still_deletes_it(x, credential, simulator):
    own = x.publish(PostPayload(text="Hapus saya"), credential)
    x.delete(own.external_id, credential)
    assert simulator.posts("x", HANDLE) == []


# --- caps ------------------------------------------------------------------------------------


def test_a_spent_daily_cap_defers_to_its_reset(x, credential, simulator):
    example = load("x", "daily_cap_429")
    simulator.fault("x", HANDLE, mode="daily_cap", retry_after=5 * 3600, remaining=1)
    started = datetime.now(UTC)
    with pytest.raises(QuotaDeferred) as caught:
        x.publish(PostPayload(text="Batas harian"), credential)
    deferred = caught.value
    assert deferred.http_status == example["response"]["status"]
    assert deferred.retry_at is not None
    assert started + timedelta(hours=5) - timedelta(seconds=5) <= deferred.retry_at
    assert deferred.retry_at <= started + timedelta(hours=5, seconds=5)
    assert simulator.posts("x", HANDLE) == []


def test_the_apps_daily_cap_defers_too(x, credential, simulator):
    simulator.fault("x", HANDLE, mode="daily_cap", code=1, retry_after=600, remaining=1)
    with pytest.raises(QuotaDeferred) as caught:
        x.publish(PostPayload(text="Batas aplikasi"), credential)
    assert caught.value.retry_at > datetime.now(UTC) + timedelta(seconds=500)


def test_the_15_minute_window_stays_a_plain_rate_limit(x, credential, simulator):
    simulator.fault("x", HANDLE, mode="rate_limit", retry_after=60, remaining=1)
    with pytest.raises(RateLimited) as caught:
        x.publish(PostPayload(text="Jendela 15 menit"), credential)
    assert not isinstance(caught.value, QuotaDeferred)


def test_the_simulators_cap_answers_carry_the_documented_headers(credential, simulator):
    for name, fault in (
        ("daily_cap_429", {"mode": "daily_cap"}),
        ("rate_limit_429", {"mode": "rate_limit"}),
    ):
        example = load("x", name)
        simulator.fault("x", HANDLE, remaining=1, **fault)
        answer = _api(simulator, credential, "POST", "/2/tweets", json={"text": "x"})
        assert answer.status_code == 429
        for header in example["response"]["headers"]:
            assert answer.headers.get(header, "").isdigit(), header
        assert missing_from(example["response"]["json"], answer.json()) == []


# --- scopes ------------------------------------------------------------------------------------


def _token_with(simulator, scopes: str) -> dict:
    account = simulator_services.account_by_handle("x", HANDLE)
    credential = simulator.credential("x", HANDLE)
    token = simulator_services.issue_token(
        account, "access", lifetime=timedelta(hours=2), scopes=scopes
    )
    return {**credential, "access_token": token, "scope": scopes}


def test_a_token_without_media_write_cannot_upload_and_the_report_says_what_it_blocks(
    x, simulator, media_dir
):
    narrow = _token_with(simulator, "tweet.read tweet.write users.read offline.access")
    with pytest.raises(PermanentError) as caught:
        x.publish(PostPayload(text="Foto", media=(_photo(media_dir),)), narrow)
    assert caught.value.http_status == 403
    x.publish(PostPayload(text="Tanpa foto"), narrow)  # text alone needs no media.write
    health = x.check_credential(narrow)
    assert health.state == HealthState.VALID
    assert dict(health.missing) == {"media.write": str(SCOPE_BLOCKS["media.write"])}
    limits = dict(health.limits)
    assert limits["x-rate-limit-limit"].isdigit()


def test_a_read_only_token_cannot_post(x, simulator):
    reader = _token_with(simulator, "tweet.read users.read")
    with pytest.raises(PermanentError) as caught:
        x.publish(PostPayload(text="Tidak boleh"), reader)
    assert caught.value.http_status == 403
    assert simulator.posts("x", HANDLE) == []


def test_the_simulator_enforces_each_endpoints_documented_scopes(simulator):
    scopes = load("x", "scopes")["endpoints"]
    reader = _token_with(simulator, " ".join(scopes["GET /2/users/me"]))
    assert _api(simulator, reader, "GET", "/2/users/me").status_code == 200
    answer = _api(simulator, reader, "POST", "/2/tweets", json={"text": "tidak"})
    assert answer.status_code == 403
    writer = _token_with(simulator, " ".join(scopes["POST /2/tweets"]))
    assert _api(simulator, writer, "POST", "/2/tweets", json={"text": "ya"}).status_code == 201
    init = {"media_type": "image/jpeg", "total_bytes": 10, "media_category": "tweet_image"}
    assert _api(simulator, writer, "POST", "/2/media/upload/initialize", json=init).status_code == (
        403
    )


# --- refresh ---------------------------------------------------------------------------------


class Crash(Exception):
    pass


def test_a_refresh_granting_fewer_scopes_keeps_the_new_pair_through_a_crash(
    x, credential, simulator
):
    """X spends the refresh token when it answers. oauthlib then raises "Scope has changed" on
    an answer with fewer scopes than asked: the pair in that answer must still be saved, or the
    account is lost. The worker crashes right after the save: the vault still holds a pair that
    works."""
    vault = Vault(credential)
    simulator.fault("x", HANDLE, mode="expire_tokens")
    simulator.fault("x", HANDLE, mode="narrow_scope")

    def crash_after_renewal(secret):
        if secret["access_token"] != credential["access_token"]:
            raise Crash("the worker died here")
        return x.publish(PostPayload(text="Sebelum mati"), secret)

    with pytest.raises(Crash):
        call_with_refresh(x, crash_after_renewal, load=vault.load, save=vault.save, lock=vault.lock)
    assert vault.saves == 1
    saved = vault.secret
    assert saved["refresh_token"] and saved["refresh_token"] != credential["refresh_token"]
    assert "media.write" not in saved["scope"].split()
    assert "tweet.write" in saved["scope"].split()
    # The old refresh token is spent; the saved one renews again, and posts go out.
    with pytest.raises(Exception):  # noqa: B017 - TokenExpired, whichever detail
        x.refresh(credential)
    renewed = x.refresh(saved)
    assert x.publish(PostPayload(text="Setelah hidup lagi"), renewed).external_id
    health = x.check_credential(renewed)
    assert [scope for scope, _blocks in health.missing] == ["media.write"]


def test_the_simulators_refresh_answer_matches_the_documented_one(credential, simulator):
    from django.conf import settings

    example = load("x", "refresh_token")
    form = {**example["request"]["form"], "refresh_token": credential["refresh_token"]}
    form["client_id"] = settings.X_CLIENT_ID
    auth = (settings.X_CLIENT_ID, settings.X_CLIENT_SECRET) if settings.X_CLIENT_SECRET else None
    answer = requests.post(f"{simulator.base}/x/2/oauth2/token", data=form, auth=auth, timeout=10)
    assert answer.status_code == example["response"]["status"], answer.text
    assert missing_from(example["response"]["json"], answer.json()) == []
    again = requests.post(f"{simulator.base}/x/2/oauth2/token", data=form, auth=auth, timeout=10)
    assert again.status_code == 400  # single-use


# --- media processing ------------------------------------------------------------------------


def test_media_processing_is_polled_no_sooner_than_x_says(simulator, media_dir, sent):
    example = load("x", "media_processing")
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    x = XDriver(sleep=sleep)
    credential = simulator.credential("x", HANDLE)
    video = MediaItem(kind=MediaKind.VIDEO, mime_type="video/mp4", path=media_dir / "clip.mp4")
    x.publish(PostPayload(text="Video diproses", media=(video,)), credential)
    statuses = [r for r in sent if r.method == "GET" and _path(r) == example["request"]["path"]]
    assert statuses and all("command=STATUS" in r.url for r in statuses)
    assert waits and all(w >= 1 for w in waits)
    assert len(statuses) == len(waits)
    answer = _api(simulator, credential, "GET", "/2/media/upload", params={"media_id": "none"})
    assert answer.status_code == 404


# --- a connection dropped mid-answer ------------------------------------------------------------


def test_a_connection_dropped_mid_answer_is_an_uncertain_send(x, credential, simulator):
    payload = PostPayload(text="Jawaban terputus", not_before=datetime.now(UTC))
    simulator.fault("x", HANDLE, mode="drop_connection", scope="publish", remaining=1)
    with pytest.raises(UncertainSend):
        x.publish(payload, credential)
    found = x.find_existing(payload, credential)
    assert found is not None and found.found_existing
    assert len(simulator.posts("x", HANDLE)) == 1


# --- the driver's requests against the examples -------------------------------------------------


def test_the_drivers_requests_match_the_documented_ones(x, credential, simulator, sent):
    first = x.publish(
        PostPayload(text=load("x", "create_post")["request"]["json"]["text"]), credential
    )
    quote = load("x", "quote_post")
    x.publish(
        PostPayload(text="Kutip", repost=Repost(RepostKind.QUOTE, first.external_id)), credential
    )
    other = simulator.credential("x", OTHER)
    x.publish(PostPayload(repost=Repost(RepostKind.SHARE, first.external_id)), other)
    import json

    posts = [r for r in sent if r.method == "POST" and _path(r) == "/2/tweets"]
    bodies = [json.loads(r.body) for r in posts]
    assert set(load("x", "create_post")["request"]["json"]) <= set(bodies[0])
    assert set(quote["request"]["json"]) <= set(bodies[1])
    assert bodies[1]["quote_tweet_id"] == first.external_id
    repost = load("x", "repost")
    reposts = [r for r in sent if _path(r).endswith("/retweets")]
    assert [(r.method, _path(r)) for r in reposts] == [
        (repost["request"]["method"], repost["request"]["path"].format(id=other["user_id"]))
    ]
    assert set(json.loads(reposts[0].body)) == set(repost["request"]["json"])
    # tweepy is told the account's id: no /2/users/me before the repost (a paid call).
    assert not any(_path(r) == "/2/users/me" for r in sent)


# --- counting calls ----------------------------------------------------------------------------


def test_every_request_the_driver_sends_is_counted(simulator, media_dir, sent):
    calls: list[tuple[str, str]] = []
    x = XDriver(on_call=lambda method, url: calls.append((method, url)))
    credential = simulator.credential("x", HANDLE)
    x.publish(PostPayload(text="Dihitung", media=(_photo(media_dir),)), credential)
    x.check_credential(credential)
    x.refresh(credential)
    assert len(calls) == len(sent) >= 5  # initialize, append, finalize, post, me, token
    assert any(url.endswith("/2/oauth2/token") for _m, url in calls)


# --- the delivery machinery ----------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("held_queue")
def test_a_delivery_meeting_the_daily_cap_waits_for_the_reset_without_spending_a_try(
    simulator, kadis, editor, divisions
):
    from publishing.models import Delivery, DeliveryStatus
    from publishing.services.delivery import delivery_send
    from tests.publishing.delivery_fixtures import approved_post, make_channels

    channels = make_channels(kadis, divisions["PKP"], specs=[("x", "x", HANDLE, "")])
    simulator.fault("x", HANDLE, mode="daily_cap", retry_after=3 * 3600, remaining=1)
    post = approved_post(editor=editor, kadis=kadis, channels=[channels["x"]], text="Tunggu besok")
    delivery = Delivery.objects.get(post=post)
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.attempt_count == 0  # no try spent
    assert delivery.error_code == "quota_deferred"
    wait = delivery.next_attempt_at - datetime.now(UTC)
    assert timedelta(hours=3) - timedelta(minutes=1) < wait <= timedelta(hours=3, seconds=5)
    assert list(delivery.attempts.values_list("outcome", flat=True)) == ["deferred"]
