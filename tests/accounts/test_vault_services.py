"""The vault's services: who may do what, what is stored, what is recorded."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import services, vault
from accounts.models import AuditEvent, Credential, CredentialState, HealthState
from media_center.models import Website
from tests.vault_fixtures import KNOWN_PASSWORD

pytestmark = pytest.mark.django_db

NOT_KEPALA_DINAS = ["editor", "staf", "admin_user", "superuser"]


def test_a_credential_is_stored_encrypted_and_audited_without_the_secret(kadis, credential):
    row = Credential.objects.get(pk=credential.pk)
    assert KNOWN_PASSWORD not in row.ciphertext
    assert vault.decrypt(row.ciphertext)["password"] == KNOWN_PASSWORD
    assert row.created_by == kadis and row.rotated_at is not None
    assert row.state() == CredentialState.ACTIVE
    event = AuditEvent.objects.get(action="credential.create", object_id=str(row.pk))
    assert event.details == {"kind": "password", "unlocks": f"website:{row.websites.get().pk}"}
    assert KNOWN_PASSWORD not in str(event.details)


@pytest.mark.parametrize("who", NOT_KEPALA_DINAS)
def test_nobody_but_the_kepala_dinas_acts_on_the_vault(request, who, credential):
    user = request.getfixturevalue(who)
    before = Credential.objects.get(pk=credential.pk)
    attempts = [
        lambda: services.credential_create(
            actor=user, label="x", kind="api_key", secret={"api_key": "k" * 20}
        ),
        lambda: services.credential_update_secret(
            actor=user, credential_id=credential.pk, secret={"password": "Baru-12345678"}
        ),
        lambda: services.credential_rotate(
            actor=user, credential_id=credential.pk, secret={"password": "Baru-12345678"}
        ),
        lambda: services.credential_revoke(actor=user, credential_id=credential.pk),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    after = Credential.objects.get(pk=credential.pk)
    assert (after.ciphertext, after.status, after.label) == (
        before.ciphertext,
        before.status,
        before.label,
    )
    assert Credential.objects.count() == 1


def test_a_new_credential_for_a_website_replaces_and_revokes_the_old_one(kadis, credential):
    website = credential.websites.get()
    new = services.credential_create(
        actor=kadis,
        label="",
        kind="password",
        secret={"username": "admin", "password": "Sandi-Baru-2026-xyz"},
        target=website,
    )
    website.refresh_from_db()
    credential.refresh_from_db()
    assert website.credential == new
    assert new.label == "Situs web: Situs Media Center"
    assert new.replaces == credential
    assert credential.status == "revoked" and credential.revoke_reason == "replaced"
    assert credential.state() == CredentialState.REVOKED


@pytest.mark.parametrize(
    ("kind", "secret", "field"),
    [
        ("password", {"username": "admin"}, "password"),
        ("password", {"username": "a", "password": "b", "pin": "1"}, "secret"),
        ("password", {"username": "a", "password": "b", "totp_seed": "not base32!"}, "totp_seed"),
        ("instagrapi_session", {"username": "a", "password": "b", "session": "{oops"}, "session"),
        ("oauth", {"refresh_token": "r"}, "access_token"),
        ("telepathy", {"x": "y"}, "kind"),
    ],
)
def test_a_payload_that_does_not_fit_its_kind_is_refused(kadis, kind, secret, field):
    with pytest.raises(ValidationError) as error:
        services.credential_create(actor=kadis, label="x", kind=kind, secret=secret)
    assert field in error.value.message_dict
    assert not Credential.objects.exists()
    for value in secret.values():
        assert value not in str(error.value.message_dict) or len(value) < 3


def test_an_instagram_session_keeps_its_settings_as_json(kadis):
    credential = services.credential_create(
        actor=kadis,
        label="Instagram Diskominfo",
        kind="instagrapi_session",
        secret={
            "username": "diskominfo",
            "password": "Sandi-IG-2026-abc",
            "session": '{"authorization_data": {"sessionid": "abc123456789"}}',
        },
    )
    payload = vault.decrypt(credential.ciphertext)
    assert payload["session"] == {"authorization_data": {"sessionid": "abc123456789"}}


def test_editing_keeps_parts_left_empty_and_counts_a_new_password_as_rotation(kadis, credential):
    services.credential_update_secret(
        actor=kadis, credential_id=credential.pk, secret={"totp_seed": "JBSWY3DPEHPK3PXP"}
    )
    credential.refresh_from_db()
    payload = vault.decrypt(credential.ciphertext)
    assert payload["password"] == KNOWN_PASSWORD and payload["totp_seed"] == "JBSWY3DPEHPK3PXP"
    first_rotation = credential.rotated_at
    services.credential_update_secret(
        actor=kadis, credential_id=credential.pk, secret={"password": "Sandi-Baru-2026-xyz"}
    )
    credential.refresh_from_db()
    assert credential.rotated_at > first_rotation
    event = AuditEvent.objects.filter(action="credential.update").first()
    assert event.details == {"changed": ["password"]}


def test_rotation_needs_a_new_value(kadis, credential):
    with pytest.raises(ValidationError, match="harus berbeda"):
        services.credential_rotate(
            actor=kadis, credential_id=credential.pk, secret={"password": KNOWN_PASSWORD}
        )
    before = credential.rotated_at
    services.credential_rotate(
        actor=kadis,
        credential_id=credential.pk,
        secret={"password": "Sandi-Baru-2026-xyz"},
        expires_at=timezone.now() + timedelta(days=90),
    )
    credential.refresh_from_db()
    assert credential.rotated_at > before
    assert vault.decrypt(credential.ciphertext)["password"] == "Sandi-Baru-2026-xyz"
    assert AuditEvent.objects.filter(action="credential.rotate").exists()


def test_a_revoked_credential_is_kept_but_can_no_longer_be_used_or_changed(kadis, credential):
    services.credential_revoke(actor=kadis, credential_id=credential.pk, reason="staff moved")
    credential.refresh_from_db()
    assert credential.status == "revoked" and credential.revoked_at is not None
    assert Credential.objects.filter(pk=credential.pk).exists()
    with pytest.raises(services.CredentialUnavailable):
        services.credential_secret_for_use(credential_id=credential.pk, used_by="delivery:1")
    for change in (services.credential_update_secret, services.credential_rotate):
        with pytest.raises(PermissionDenied):
            change(actor=kadis, credential_id=credential.pk, secret={"password": "Lain-12345678"})
    # The website still points at it, and so shows that its login is revoked.
    assert Website.objects.get().credential_id == credential.pk


def test_use_by_a_worker_records_who_used_it_without_the_secret(credential):
    payload = services.credential_secret_for_use(
        credential_id=credential.pk, used_by="delivery:123"
    )
    assert payload["password"] == KNOWN_PASSWORD
    credential.refresh_from_db()
    assert credential.last_used_by == "delivery:123" and credential.last_used_at is not None
    event = AuditEvent.objects.get(action="credential.use")
    assert event.actor is None and event.details == {"used_by": "delivery:123"}


def test_a_tampered_ciphertext_is_refused_and_reported(credential):
    Credential.objects.filter(pk=credential.pk).update(
        ciphertext=credential.ciphertext[:-8] + "AAAAAAAA"
    )
    with pytest.raises(vault.VaultKeyError, match="VAULT_KEYS"):
        services.credential_secret_for_use(credential_id=credential.pk, used_by="delivery:9")
    credential.refresh_from_db()
    assert credential.health_state == HealthState.UNREADABLE
    assert credential.state() == CredentialState.UNREADABLE
    assert AuditEvent.objects.filter(action="credential.unreadable").exists()
    assert not AuditEvent.objects.filter(action="credential.use").exists()


def test_a_missing_key_at_use_is_a_clear_error(settings, credential):
    from cryptography.fernet import Fernet

    settings.VAULT_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(vault.VaultKeyError) as error:
        services.credential_secret_for_use(credential_id=credential.pk, used_by="delivery:9")
    assert "VAULT_KEYS" in str(error.value) and KNOWN_PASSWORD not in str(error.value)


def test_an_unreadable_credential_can_be_repaired_by_entering_it_again(settings, kadis, credential):
    from cryptography.fernet import Fernet

    settings.VAULT_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValidationError):  # the stored parts cannot be kept: all are needed
        services.credential_update_secret(
            actor=kadis, credential_id=credential.pk, secret={"password": "Sandi-Baru-2026-xyz"}
        )
    services.credential_update_secret(
        actor=kadis,
        credential_id=credential.pk,
        secret={"username": "admin", "password": "Sandi-Baru-2026-xyz"},
    )
    credential.refresh_from_db()
    assert credential.state() == CredentialState.ACTIVE
