"""System checks of the vault, run by ``manage.py check --database default`` and by ``migrate``
(so at every deployment's start): a credential that the configured keys cannot open means a key
is missing from VAULT_KEYS or a wrong key was given."""

from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.database)
def vault_keys_open_every_credential(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    from . import vault
    from .models import Credential

    try:
        tokens = list(Credential.objects.values_list("pk", "ciphertext"))
    except DatabaseError:  # before the first migration
        return []
    unreadable = [pk for pk, token in tokens if not vault.is_readable(token)]
    if not unreadable:
        return []
    ids = ", ".join(f"#{pk}" for pk in unreadable[:20])
    every = len(unreadable) == len(tokens)
    return [
        checks.Warning(
            f"{len(unreadable)} of {len(tokens)} credentials cannot be decrypted with VAULT_KEYS "
            f"({ids}).",
            hint=(
                "VAULT_KEYS does not hold the key they were encrypted with: set the right key "
                "(keys are comma-separated; the first encrypts, all decrypt)."
                if every
                else "Their key was removed from VAULT_KEYS, or the stored values were altered."
            ),
            id="accounts.W001",
        )
    ]
