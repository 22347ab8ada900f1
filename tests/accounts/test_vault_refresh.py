"""Refreshing an OAuth token set: a single-use refresh token is spent once, even by two workers
at the same moment, and the new pair is kept before it is used."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts import services, vault
from accounts.models import AuditEvent, Credential


class Platform:
    """Plays X's token endpoint: each refresh token works once and yields a new pair."""

    def __init__(self, first_refresh_token: str, delay: float = 0.0):
        self.valid = {first_refresh_token}
        self.calls = 0
        self.delay = delay
        self.lock = threading.Lock()

    def refresh(self, current: dict) -> dict:
        time.sleep(self.delay)  # the platform answers slowly: the race window is wide open
        with self.lock:
            self.calls += 1
            token = current["refresh_token"]
            if token not in self.valid:
                raise RuntimeError("invalid_grant: the refresh token was already used")
            self.valid.discard(token)
            new_refresh = f"refresh-baru-{self.calls:03d}-abcdef"
            self.valid.add(new_refresh)
        return {
            "access_token": f"akses-baru-{self.calls:03d}-abcdef",
            "refresh_token": new_refresh,
            "expires_in": 7200,
        }


def _x_credential(kadis, *, expires_in: timedelta) -> Credential:
    return services.credential_create(
        actor=kadis,
        label="Akun X Diskominfo",
        kind="oauth",
        secret={
            "access_token": "akses-lama-000-abcdef",
            "refresh_token": "refresh-lama-000-abcdef",
            "token_type": "bearer",
        },
        expires_at=timezone.now() + expires_in,
    )


@pytest.mark.django_db
def test_a_token_still_valid_is_not_refreshed(kadis):
    credential = _x_credential(kadis, expires_in=timedelta(hours=1))
    platform = Platform("refresh-lama-000-abcdef")
    payload = services.credential_refresh_oauth(
        credential_id=credential.pk, refresher=platform.refresh, used_by="delivery:1"
    )
    assert platform.calls == 0
    assert payload["access_token"] == "akses-lama-000-abcdef"


@pytest.mark.django_db
def test_an_expired_token_is_refreshed_and_the_new_pair_is_kept(kadis):
    credential = _x_credential(kadis, expires_in=timedelta(minutes=-1))
    platform = Platform("refresh-lama-000-abcdef")
    payload = services.credential_refresh_oauth(
        credential_id=credential.pk, refresher=platform.refresh, used_by="delivery:2"
    )
    assert platform.calls == 1
    assert payload["access_token"] == "akses-baru-001-abcdef"
    credential.refresh_from_db()
    stored = vault.decrypt(credential.ciphertext)
    assert stored["refresh_token"] == "refresh-baru-001-abcdef"
    assert stored["token_type"] == "bearer"
    assert credential.expires_at > timezone.now() + timedelta(minutes=110)
    event = AuditEvent.objects.get(action="credential.refresh")
    assert event.details == {"used_by": "delivery:2"}


@pytest.mark.django_db
def test_a_token_the_platform_refused_is_refreshed_even_before_its_expiry(kadis):
    credential = _x_credential(kadis, expires_in=timedelta(hours=1))
    platform = Platform("refresh-lama-000-abcdef")
    services.credential_refresh_oauth(
        credential_id=credential.pk,
        refresher=platform.refresh,
        rejected_access_token="akses-lama-000-abcdef",
    )
    assert platform.calls == 1


@pytest.mark.django_db
def test_a_failed_refresh_changes_nothing(kadis):
    credential = _x_credential(kadis, expires_in=timedelta(minutes=-1))
    before = Credential.objects.get(pk=credential.pk).ciphertext

    def broken(current):
        raise ConnectionError("platform unreachable")

    with pytest.raises(ConnectionError):
        services.credential_refresh_oauth(credential_id=credential.pk, refresher=broken)
    assert Credential.objects.get(pk=credential.pk).ciphertext == before
    assert not AuditEvent.objects.filter(action="credential.refresh").exists()


@pytest.mark.django_db
def test_a_token_set_without_refresh_token_asks_to_connect_again(kadis):
    credential = services.credential_create(
        actor=kadis,
        label="Halaman Facebook",
        kind="oauth",
        secret={"access_token": "token-halaman-abcdef"},
        expires_at=timezone.now() - timedelta(days=1),
    )
    with pytest.raises(services.CredentialUnavailable, match="hubungkan ulang"):
        services.credential_refresh_oauth(credential_id=credential.pk, refresher=lambda current: {})


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(kadis):
    credential = _x_credential(kadis, expires_in=timedelta(minutes=-1))
    platform = Platform("refresh-lama-000-abcdef", delay=0.5)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker(name: str) -> None:
        try:
            barrier.wait()
            payload = services.credential_refresh_oauth(
                credential_id=credential.pk, refresher=platform.refresh, used_by=name
            )
            results.append(payload["access_token"])
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"delivery:{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert platform.calls == 1, "the single-use refresh token was spent twice"
    assert results == ["akses-baru-001-abcdef", "akses-baru-001-abcdef"]
    stored = vault.decrypt(Credential.objects.get(pk=credential.pk).ciphertext)
    assert stored["refresh_token"] in platform.valid  # the pair kept is the one that still works


@pytest.mark.django_db
def test_a_token_set_no_key_opens_is_refused_and_reported(kadis):
    from accounts.models import HealthState

    credential = _x_credential(kadis, expires_in=timedelta(minutes=-1))
    Credential.objects.filter(pk=credential.pk).update(ciphertext="gAAAAArusak")
    platform = Platform("refresh-lama-000-abcdef")
    with pytest.raises(vault.VaultKeyError, match="VAULT_KEYS"):
        services.credential_refresh_oauth(credential_id=credential.pk, refresher=platform.refresh)
    assert platform.calls == 0
    assert Credential.objects.get(pk=credential.pk).health_state == HealthState.UNREADABLE
    assert AuditEvent.objects.filter(action="credential.unreadable").exists()
