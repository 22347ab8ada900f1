"""Instagram by username and password as strict as Instagram: a login from a device it has not
seen meets a two-factor prompt or a challenge (set per account in the simulator), answered through
instagrapi over real HTTP with the account's authenticator seed, or with the code a person gives
from the same device; a proxy per account; an upload's wait grows with its size; a connection
dropped during configure is an uncertain send."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from instagrapi.mixins import album, photo, video

from publishing.drivers import http as drivers_http
from publishing.drivers.errors import ChallengeRequired, UncertainSend
from publishing.drivers.registry import call_with_refresh, get_driver
from publishing.drivers.types import HealthState, PostPayload
from tests.contracts.examples import load, missing_from
from tests.publishing.test_driver_instagram_private import ACCOUNT, Vault, _FastTime, jpeg

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _login_setting(simulator, **values) -> dict:
    answer = simulator.session.post(
        f"{simulator.base}/_login/instagram/{ACCOUNT}/", json=values, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _phone(simulator) -> str:
    """The code the account holder reads from his authenticator now."""
    return simulator.session.get(
        f"{simulator.base}/_login/instagram/{ACCOUNT}/", timeout=10
    ).json()["code"]


def _logins(simulator, path="accounts/login/") -> list[dict]:
    return [r for r in simulator.log()["requests"] if r["path"].endswith(path)]


def publish(insta, vault, payload):
    return call_with_refresh(
        insta,
        lambda secret: insta.publish(payload, secret),
        load=vault.load,
        save=vault.save,
        lock=vault.lock,
    )


@pytest.fixture
def insta(simulator, monkeypatch):
    for module in (photo, video, album):
        monkeypatch.setattr(module, "time", _FastTime())
    return get_driver("instagram_private")


@pytest.fixture
def fresh(simulator):
    """The account's credential as the vault holds it before its first login."""
    return simulator.credential("instagram", ACCOUNT, driver="instagram_private")


def test_a_new_device_meets_two_factor_and_the_seed_answers_it(insta, simulator, fresh, media_dir):
    _login_setting(simulator, first_login="two_factor", two_factor_seed=SEED, forget_devices=True)
    vault = Vault({**fresh, "totp_seed": SEED})
    publish(insta, vault, PostPayload(text="Masuk dengan TOTP", media=(jpeg(media_dir),)))
    assert vault.saves == 1 and vault.secret["settings"]["authorization_data"]["sessionid"]
    assert [r["status"] for r in _logins(simulator)] == [400]  # the prompt, as instagrapi expects
    assert [r["status"] for r in _logins(simulator, "accounts/two_factor_login/")] == [200]
    # The device is known now: the next login from it meets no prompt.
    relogin = insta.refresh(vault.secret)
    assert relogin["settings"]["authorization_data"]["sessionid"]
    assert [r["status"] for r in _logins(simulator)][-1] == 200


def test_without_a_seed_a_person_gives_the_code_from_the_same_device(insta, simulator, fresh):
    contract = load("instagram_private", "two_factor_required")
    _login_setting(simulator, first_login="two_factor", two_factor_seed=SEED, forget_devices=True)
    with pytest.raises(ChallengeRequired) as caught:
        insta.refresh(fresh)
    waiting = caught.value
    assert waiting.waiting_for == "two_factor" and not waiting.retryable
    pending = waiting.pending_settings
    assert pending["uuids"] and "authorization_data" not in pending
    assert fresh["password"] not in str(waiting.as_dict())
    # The simulator's prompt is in the shape instagrapi reads.
    first = requests.post(
        f"{simulator.base}/instagram/api/v1/accounts/two_factor_login/",
        data={"username": ACCOUNT, "verification_code": "000000", "two_factor_identifier": "x"},
        timeout=10,
    )
    assert first.status_code == contract["refused_code"]["status"]
    assert missing_from(contract["refused_code"]["json"], first.json()) == []
    # A wrong code: asked again, nothing stored.
    with pytest.raises(ChallengeRequired) as again:
        insta.refresh({**fresh, "settings": pending, "verification_code": "123456"})
    assert again.value.waiting_for == "two_factor"
    # The right one, from the same device: logged in.
    done = insta.refresh({**fresh, "settings": pending, "verification_code": _phone(simulator)})
    assert done["settings"]["authorization_data"]["sessionid"]
    assert done["settings"]["uuids"] == pending["uuids"]
    assert "verification_code" not in done
    assert insta.check_credential(done).state == HealthState.VALID


def test_a_new_device_meeting_a_challenge_is_reported_as_waiting_for_a_person(
    insta, simulator, fresh
):
    contract = load("instagram_private", "challenge_required")
    _login_setting(simulator, first_login="challenge", forget_devices=True)
    with pytest.raises(ChallengeRequired) as caught:
        insta.refresh(fresh)
    assert caught.value.waiting_for == "challenge"
    assert len(_logins(simulator)) == 1  # not retried
    answer = requests.post(
        f"{simulator.base}/instagram/api/v1/accounts/login/",
        data={"username": ACCOUNT, "device_id": "android-new"},
        timeout=10,
    )
    assert answer.status_code == 400  # a wrong password is told before any challenge
    health = insta.check_credential(fresh)
    assert health.state in (HealthState.EXPIRING, HealthState.NEEDS_ATTENTION)
    assert contract["response"]["json"]["message"] == "challenge_required"


def test_the_proxy_of_the_account_carries_its_requests(insta, simulator, fresh):
    client = insta._client({**fresh, "proxy": "http://user:pw@10.9.8.7:3128"}, session=False)
    assert client.private.proxies == {
        "http": "http://user:pw@10.9.8.7:3128",
        "https": "http://user:pw@10.9.8.7:3128",
    }
    assert insta._client(fresh, session=False).private.proxies == {}


def test_a_connection_dropped_during_configure_is_uncertain_and_found(
    insta, simulator, fresh, media_dir
):
    vault = Vault(fresh)
    publish(insta, vault, PostPayload(text="Awal", media=(jpeg(media_dir),)))
    payload = PostPayload(text="Terputus", media=(jpeg(media_dir),), not_before=datetime.now(UTC))
    simulator.fault("instagram", ACCOUNT, mode="drop_connection", scope="publish", remaining=1)
    with pytest.raises(UncertainSend) as caught:
        publish(insta, vault, payload)
    assert caught.value.platform_code == "ClientConnectionError"  # instagrapi's, no address
    assert insta.find_existing(payload, vault.load()) is not None
    assert [p["text"] for p in simulator.posts("instagram", ACCOUNT)] == ["Awal", "Terputus"]


def test_an_uploads_wait_grows_with_its_size(settings):
    settings.SOCIAL_UPLOAD_MIN_RATE = 100_000
    small = requests.Request("POST", "https://i.instagram.com/x", data=b"a").prepare()
    video = requests.Request("POST", "https://i.instagram.com/x", data=b"v" * 5_000_000).prepare()
    read = requests.Request("GET", "https://i.instagram.com/x").prepare()
    assert drivers_http.body_timeout(30, read) == 30
    assert drivers_http.body_timeout(30, small) == pytest.approx(30.00001)
    assert drivers_http.body_timeout(30, video) == pytest.approx(80)
    assert drivers_http.body_timeout((5, 30), video) == (5, 30)  # a library's own pair is kept


def test_the_connection_report_names_the_account_and_what_waits(insta, simulator, fresh):
    vault = Vault({**fresh, "totp_seed": SEED})
    _login_setting(simulator, first_login="", forget_devices=True)
    logged = insta.refresh(vault.secret)
    health = insta.check_credential(logged)
    assert health.state == HealthState.VALID and health.account_name == ACCOUNT
    assert len(health.limits) == 2
    simulator.fault("instagram", ACCOUNT, mode="challenge", scope="read", remaining=1)
    waiting = insta.check_credential(logged)
    assert waiting.state == HealthState.NEEDS_ATTENTION
    assert waiting.account_name == ACCOUNT and len(waiting.limits) == 1
