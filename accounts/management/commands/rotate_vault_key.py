"""Re-encrypt every credential under the newest vault key.

Key rotation: put a new key FIRST in VAULT_KEYS (keeping the old ones after it), restart, run this
command, then remove the old keys. All rows are re-encrypted in one transaction, or none are.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.services import vault_rotate_key
from accounts.vault import VaultKeyError


class Command(BaseCommand):
    help = "Re-encrypt every credential under the first key of VAULT_KEYS (all or nothing)."

    def handle(self, *args, **options):
        try:
            count = vault_rotate_key()
        except VaultKeyError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} credentials are now encrypted under the first key of VAULT_KEYS. "
                "Older keys can be removed from VAULT_KEYS."
            )
        )
