"""The daily credential check: expiry, rotation period, target checkers, notifications."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services, vault_targets
from accounts.models import Credential, HealthState, Notification
from media_center.services import guideline_save

pytestmark = pytest.mark.django_db


def _api_key(kadis, label: str, **kwargs) -> Credential:
    return services.credential_create(
        actor=kadis, label=label, kind="api_key", secret={"api_key": "kunci-" + "x" * 16}, **kwargs
    )


def test_expiring_and_expired_credentials_are_reported_once(
    kadis, make_user, django_capture_on_commit_callbacks
):
    from accounts.roles import Role

    second_head = make_user("kadis2", Role.KEPALA_DINAS, None)
    soon = _api_key(kadis, "Kunci A", expires_at=timezone.now() + timedelta(days=3))
    gone = _api_key(kadis, "Kunci B", expires_at=timezone.now() - timedelta(days=1))
    fine = _api_key(kadis, "Kunci C", expires_at=timezone.now() + timedelta(days=60))
    with django_capture_on_commit_callbacks(execute=True):
        for credential in (soon, gone, fine):
            services.credential_health_check(credential_id=credential.pk)
    states = dict(Credential.objects.values_list("label", "health_state"))
    assert states == {
        "Kunci A": HealthState.EXPIRING,
        "Kunci B": HealthState.EXPIRED,
        "Kunci C": HealthState.OK,
    }
    for person in (kadis, second_head):
        kinds = sorted(Notification.objects.filter(recipient=person).values_list("kind", flat=True))
        assert kinds == ["credential.expired", "credential.expiring"]
    message = Notification.objects.filter(kind="credential.expiring").first().message
    assert "Kunci A" in message and "kedaluwarsa" in message
    assert len(mail.outbox) == 4
    assert {m.to[0] for m in mail.outbox} == {kadis.email, second_head.email}
    assert "Kunci A" in mail.outbox[0].body + mail.outbox[1].body
    # Running the check again the same day tells nobody anything new.
    with django_capture_on_commit_callbacks(execute=True):
        for credential in (soon, gone, fine):
            services.credential_health_check(credential_id=credential.pk)
    assert Notification.objects.count() == 4 and len(mail.outbox) == 4


def test_a_password_past_the_guidelines_rotation_period_is_reported(kadis):
    guideline_save(
        actor=kadis,
        title="Pedoman",
        regulation_number="1/2026",
        regulation_date=timezone.localdate(),
        body="Teks",
        rotation_days=30,
    )
    old = services.credential_create(
        actor=kadis,
        label="Login situs",
        kind="password",
        secret={"username": "admin", "password": "Sandi-Lama-2025-abc"},
    )
    recent = _api_key(kadis, "Kunci API")  # an API key is not a password: no rotation period
    long_ago = timezone.now() - timedelta(days=45)
    Credential.objects.filter(pk__in=[old.pk, recent.pk]).update(rotated_at=long_ago)
    services.credential_health_check(credential_id=old.pk)
    services.credential_health_check(credential_id=recent.pk)
    assert Credential.objects.get(pk=old.pk).health_state == HealthState.ROTATION_DUE
    assert Credential.objects.get(pk=recent.pk).health_state == HealthState.OK
    notification = Notification.objects.get(kind="credential.rotation_due")
    assert "30" in notification.message and "Login situs" in notification.message


def test_an_unreadable_credential_is_reported(kadis):
    credential = _api_key(kadis, "Kunci rusak")
    Credential.objects.filter(pk=credential.pk).update(ciphertext="gAAAAArusak")
    services.credential_health_check(credential_id=credential.pk)
    assert Credential.objects.get(pk=credential.pk).health_state == HealthState.UNREADABLE
    assert "VAULT_KEYS" in Notification.objects.get(kind="credential.unreadable").message


@pytest.fixture
def website_checker():
    """A checker on websites, as a driver-based check will register one for channels."""
    original = vault_targets.target("website")
    seen = []

    def check(credential, website):
        seen.append((credential.pk, website.pk))
        payload = services.credential_secret_for_use(
            credential_id=credential.pk, used_by="health-check"
        )
        ok = payload["password"] != "Sandi-Ditolak-abc123"
        return vault_targets.CheckResult(ok=ok, message="" if ok else "login refused (HTTP 401)")

    vault_targets.register_target(
        vault_targets.VaultTarget(
            key=original.key, label=original.label, model=original.model, checker=check
        )
    )
    yield seen
    vault_targets.register_target(original)


def test_a_registered_checker_is_asked_and_its_failure_reported(kadis, website, website_checker):
    credential = services.credential_create(
        actor=kadis,
        label="Login situs",
        kind="password",
        secret={"username": "admin", "password": "Sandi-Ditolak-abc123"},
        target=website,
    )
    services.credential_health_check(credential_id=credential.pk)
    assert website_checker == [(credential.pk, website.pk)]
    credential.refresh_from_db()
    assert credential.health_state == HealthState.FAILING
    assert credential.health_message == "login refused (HTTP 401)"
    assert credential.last_used_by == "health-check"
    assert "login refused" in Notification.objects.get(kind="credential.failing").message


def test_revoked_credentials_are_not_checked(kadis):
    credential = _api_key(kadis, "Kunci lama", expires_at=timezone.now() - timedelta(days=1))
    services.credential_revoke(actor=kadis, credential_id=credential.pk)
    assert credential.pk not in services.credential_ids_to_check()
    services.credential_health_check(credential_id=credential.pk)
    assert not Notification.objects.exists()


def test_people_mark_their_own_notifications_read(kadis, make_user, client_for):
    from accounts.roles import Role

    other = make_user("kadis2", Role.KEPALA_DINAS, None)
    credential = _api_key(kadis, "Kunci A", expires_at=timezone.now() + timedelta(days=2))
    services.credential_health_check(credential_id=credential.pk)
    client = client_for(kadis)
    page = client.get("/dashboard/").content.decode()
    assert 'class="bell-count">1<' in page
    assert "Notifikasi belum dibaca" in page
    listing = client.get("/accounts/notifications/").content.decode()
    assert "Kunci A" in listing
    client.post("/accounts/notifications/")
    assert Notification.objects.get(recipient=kadis).read_at is not None
    assert Notification.objects.get(recipient=other).read_at is None
    assert "bell-count" not in client.get("/dashboard/").content.decode()


def test_an_oauth_set_with_a_refresh_token_is_not_expired_when_its_access_token_is(kadis):
    """X access tokens last two hours; the refresh token renews them, so the account is fine.
    A token set without a refresh token expires for real."""
    past = timezone.now() - timedelta(hours=3)
    renewable = services.credential_create(
        actor=kadis,
        label="X Media Center",
        kind="oauth",
        secret={"access_token": "akses-" + "a" * 20, "refresh_token": "segar-" + "b" * 20},
        expires_at=past,
    )
    final = services.credential_create(
        actor=kadis,
        label="Token tanpa pembaruan",
        kind="oauth",
        secret={"access_token": "akses-" + "c" * 20},
        expires_at=past,
    )
    for credential in (renewable, final):
        services.credential_health_check(credential_id=credential.pk)
    renewable.refresh_from_db()
    final.refresh_from_db()
    assert renewable.renewable and renewable.state() == "active"
    assert renewable.health_state == HealthState.OK
    assert not final.renewable and final.state() == "expired"
    assert final.health_state == HealthState.EXPIRED
    expired = Notification.objects.filter(kind="credential.expired")
    assert [n.params["label"] for n in expired.distinct()] == ["Token tanpa pembaruan"]
