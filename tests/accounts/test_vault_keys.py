"""Key rotation with live data, and a wrong or missing key at start."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from accounts import services, vault
from accounts.checks import vault_keys_open_every_credential
from accounts.models import AuditEvent, Credential

pytestmark = pytest.mark.django_db


def _make(kadis, n: int) -> list[Credential]:
    return [
        services.credential_create(
            actor=kadis,
            label=f"Kunci API {i}",
            kind="api_key",
            secret={"api_key": f"kunci-api-rahasia-{i:04d}"},
        )
        for i in range(n)
    ]


def test_rotation_re_encrypts_every_row_under_the_new_key(settings, kadis, capsys):
    credentials = _make(kadis, 3)
    services.credential_revoke(actor=kadis, credential_id=credentials[2].pk)
    old = settings.VAULT_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.VAULT_KEYS = [new, old]
    call_command("rotate_vault_key")
    assert "3 credentials" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="vault.rotate_key", details={"credentials": 3}).exists()
    # The old key can now go: every row (revoked ones too) opens with the new key alone.
    settings.VAULT_KEYS = [new]
    for i, credential in enumerate(Credential.objects.order_by("pk")):
        assert vault.decrypt(credential.ciphertext)["api_key"] == f"kunci-api-rahasia-{i:04d}"
    payload = services.credential_secret_for_use(credential_id=credentials[0].pk, used_by="t")
    assert payload["api_key"] == "kunci-api-rahasia-0000"
    settings.VAULT_KEYS = [old]
    assert not any(vault.is_readable(c.ciphertext) for c in Credential.objects.all())


def test_rotation_is_all_or_nothing(settings, kadis):
    credentials = _make(kadis, 2)
    Credential.objects.filter(pk=credentials[1].pk).update(ciphertext="gAAAAAtampered")
    before = dict(Credential.objects.values_list("pk", "ciphertext"))
    settings.VAULT_KEYS = [Fernet.generate_key().decode(), *settings.VAULT_KEYS]
    with pytest.raises(CommandError, match=f"#{credentials[1].pk}.*VAULT_KEYS"):
        call_command("rotate_vault_key")
    assert dict(Credential.objects.values_list("pk", "ciphertext")) == before


def test_a_wrong_key_at_start_is_reported_by_the_system_check(settings, kadis):
    _make(kadis, 2)
    assert vault_keys_open_every_credential(databases=["default"]) == []
    settings.VAULT_KEYS = [Fernet.generate_key().decode()]
    [warning] = vault_keys_open_every_credential(databases=["default"])
    assert warning.id == "accounts.W001"
    assert "2 of 2 credentials cannot be decrypted with VAULT_KEYS" in warning.msg
    assert "kunci-api-rahasia" not in warning.msg + warning.hint
    # migrate runs the database checks: the warning is printed at every deployment's start.
    from io import StringIO

    err = StringIO()
    call_command("check", databases=["default"], stderr=err, stdout=StringIO())
    assert "accounts.W001" in err.getvalue()
