"""The vault's cryptography: secrets encrypted with Fernet under ``settings.VAULT_KEYS``.

``MultiFernet`` over the configured keys: the first key encrypts, every key decrypts, and
``rotate`` re-encrypts a token under the first key (see ``manage.py rotate_vault_key``). A token that
none of the keys opens (a key removed, a wrong key, or an altered value) raises ``VaultKeyError``,
whose message names ``VAULT_KEYS`` and never holds any part of the secret.

Decrypted values are handed out wrapped (``Secret``, ``SecretPayload``) so that ``repr``/``str``
never show them, and each value decrypted or encrypted in this process is remembered for a while
so that ``RedactSecretsFilter`` can blank it out of any log line it slips into.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

# The one log filter of every process: shapes of secrets, and the values remembered here.
from core.redaction import RedactSecretsFilter
from core.redaction import install as install_log_redaction

__all__ = ["RedactSecretsFilter", "install_log_redaction"]

REDACTED = "[redacted]"
MASK = "********"

# Payload keys whose values are descriptive, not secret (still encrypted, never redacted in logs).
_NOT_SECRET_KEYS = frozenset({"token_type", "scope", "username"})
# Shorter strings are too common to blank out of log lines safely ("Bearer", "true"...).
_MIN_REDACT_LENGTH = 8
_MAX_REMEMBERED = 2000


class VaultKeyError(Exception):
    """A stored secret cannot be decrypted with the configured keys (or no key is configured)."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or (
                "The stored secret cannot be decrypted with the keys in VAULT_KEYS: the key that "
                "encrypted it is missing from VAULT_KEYS, or the stored value has been altered."
            )
        )


class Secret:
    """One secret value. ``str()`` and ``repr()`` never show it; ``reveal()`` does."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self):
        raise TypeError("A Secret is never pickled (nor sent to a queue).")


class SecretPayload(dict):
    """A decrypted secret payload (a plain ``dict`` for drivers) whose ``repr`` hides the values."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{key!r}: '{MASK}'" for key in self) + "}"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("A secret payload is never pickled (nor sent to a queue).")


# --- keys ---------------------------------------------------------------------------------------


def _multifernet() -> MultiFernet:
    keys = [key for key in getattr(settings, "VAULT_KEYS", []) if key]
    if not keys:
        raise VaultKeyError("VAULT_KEYS is empty: the vault has no key to encrypt or decrypt with.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError):
        raise VaultKeyError(
            "VAULT_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from None


# --- encrypt and decrypt ------------------------------------------------------------------------


def encrypt(payload: Mapping[str, Any]) -> str:
    """Encrypt a payload (a JSON object) under the newest key; returns the token as text."""
    data = json.dumps(dict(payload), separators=(",", ":"), sort_keys=True).encode()
    remember(payload)
    return _multifernet().encrypt(data).decode("ascii")


def decrypt(token: str) -> SecretPayload:
    """Decrypt a token made by ``encrypt``. ``VaultKeyError`` when no configured key opens it."""
    fernet = _multifernet()
    try:
        data = fernet.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError, AttributeError):
        raise VaultKeyError() from None
    payload = SecretPayload(json.loads(data))
    remember(payload)
    return payload


def is_readable(token: str) -> bool:
    """Whether a configured key opens the token, checked on its signature without decrypting."""
    try:
        _multifernet().extract_timestamp(token.encode("ascii"))
    except (InvalidToken, VaultKeyError, UnicodeEncodeError, AttributeError):
        return False
    return True


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key (``VaultKeyError`` if no key opens it)."""
    try:
        return _multifernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError, AttributeError):
        raise VaultKeyError() from None


# --- keeping secrets out of logs ----------------------------------------------------------------

_remembered: OrderedDict[str, None] = OrderedDict()
_remembered_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None  # alternation of the remembered strings, longest first


def _secret_strings(value: Any, key: str = "") -> Iterable[str]:
    if key in _NOT_SECRET_KEYS:
        return
    if isinstance(value, Secret):
        value = value.reveal()
    if isinstance(value, str):
        if len(value) >= _MIN_REDACT_LENGTH:
            yield value
    elif isinstance(value, Mapping):
        for inner_key, inner in value.items():
            yield from _secret_strings(inner, str(inner_key))
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _secret_strings(inner)


def remember(payload: Any) -> None:
    """Note the secret strings of a payload so that log lines never carry them."""
    global _pattern
    with _remembered_lock:
        for text in _secret_strings(payload):
            if text not in _remembered:
                _pattern = None
            _remembered[text] = None
            _remembered.move_to_end(text)
        while len(_remembered) > _MAX_REMEMBERED:
            _remembered.popitem(last=False)
            _pattern = None


def redact(text: str) -> str:
    """``text`` with every remembered secret replaced by ``[redacted]``."""
    global _pattern
    if not _remembered or not text:
        return text
    with _remembered_lock:
        pattern = _pattern
        if pattern is None:
            known = sorted(_remembered, key=len, reverse=True)
            pattern = _pattern = re.compile("|".join(re.escape(secret) for secret in known))
    return pattern.sub(REDACTED, text)
