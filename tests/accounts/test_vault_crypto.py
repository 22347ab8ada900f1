"""The vault's encryption, key rotation and log redaction."""

import io
import logging
import pickle

import pytest
from cryptography.fernet import Fernet

from accounts import vault

SECRET = "Sangat-Rahasia-7d41c0a9"


def test_a_payload_is_encrypted_and_decrypted_back(settings):
    token = vault.encrypt({"username": "admin", "password": SECRET})
    assert SECRET not in token
    assert vault.decrypt(token) == {"username": "admin", "password": SECRET}
    assert vault.is_readable(token)


def test_decrypted_values_never_show_in_repr_or_str():
    payload = vault.decrypt(vault.encrypt({"password": SECRET}))
    assert SECRET not in repr(payload)
    assert SECRET not in str(payload)
    assert SECRET not in f"{payload}"
    assert payload["password"] == SECRET  # drivers read it as a plain dict
    secret = vault.Secret(SECRET)
    assert SECRET not in repr(secret) and SECRET not in str(secret)
    assert secret.reveal() == SECRET
    with pytest.raises(TypeError):
        pickle.dumps(payload)
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_a_wrong_key_gives_a_clear_error_naming_vault_keys(settings):
    token = vault.encrypt({"password": SECRET})
    settings.VAULT_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(vault.VaultKeyError) as error:
        vault.decrypt(token)
    assert "VAULT_KEYS" in str(error.value)
    assert SECRET not in str(error.value)
    assert not vault.is_readable(token)


def test_no_key_at_all_is_refused_clearly(settings):
    token = vault.encrypt({"password": SECRET})
    settings.VAULT_KEYS = []
    with pytest.raises(vault.VaultKeyError, match="VAULT_KEYS is empty"):
        vault.decrypt(token)
    with pytest.raises(vault.VaultKeyError, match="VAULT_KEYS is empty"):
        vault.encrypt({"password": SECRET})


def test_an_altered_token_is_refused():
    token = vault.encrypt({"password": SECRET})
    altered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    assert not vault.is_readable(altered)
    with pytest.raises(vault.VaultKeyError):
        vault.decrypt(altered)
    with pytest.raises(vault.VaultKeyError):
        vault.decrypt("not a token at all é")


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    old, new = settings.VAULT_KEYS[0], Fernet.generate_key().decode()
    old_token = vault.encrypt({"password": SECRET})
    settings.VAULT_KEYS = [new, old]
    new_token = vault.encrypt({"password": SECRET})
    assert vault.decrypt(old_token)["password"] == SECRET
    rotated = vault.rotate(old_token)
    settings.VAULT_KEYS = [new]
    assert vault.decrypt(new_token)["password"] == SECRET
    assert vault.decrypt(rotated)["password"] == SECRET
    with pytest.raises(vault.VaultKeyError):
        vault.decrypt(old_token)


def _log_through_filter(logger_name: str, *args, exc: bool = False) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(vault.RedactSecretsFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        if exc:
            try:
                raise RuntimeError(f"platform refused token {SECRET}")
            except RuntimeError:
                logger.exception(*args)
        else:
            logger.warning(*args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_the_log_filter_blanks_out_secrets_the_vault_handled():
    vault.decrypt(vault.encrypt({"password": SECRET, "token_type": "Bearer"}))
    assert SECRET not in _log_through_filter("portal.test", "login with %s failed", SECRET)
    assert SECRET not in _log_through_filter("portal.test", f"inline {SECRET}")
    text = _log_through_filter("portal.test", "driver crashed", exc=True)
    assert "RuntimeError" in text and SECRET not in text
    assert vault.REDACTED in text
    # Descriptive parts are not secrets: a token type stays readable.
    assert "Bearer" in _log_through_filter("portal.test", "type %s", "Bearer")


def test_the_configured_handlers_carry_the_filter():
    root = logging.getLogger()
    assert root.handlers
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith(
            "_pytest"
        ):
            assert any(isinstance(f, vault.RedactSecretsFilter) for f in handler.filters)
    for handler in logging.getLogger("django").handlers:
        assert any(isinstance(f, vault.RedactSecretsFilter) for f in handler.filters)
