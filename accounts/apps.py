from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and access")

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the vault's system check)
        from .roles import sync_role_permissions_after_migrate
        from .vault import install_log_redaction

        # Runs after Django has created every app's permissions, so that each role's rights are
        # exactly the table in roles.py, whatever was migrated.
        post_migrate.connect(sync_role_permissions_after_migrate, dispatch_uid="accounts.roles")
        # No secret the vault handled reaches a log line, whichever handler writes it.
        install_log_redaction()
