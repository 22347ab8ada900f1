from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and access")

    def ready(self) -> None:
        from .roles import sync_role_permissions_after_migrate

        # Runs after Django has created every app's permissions, so that each role's rights are
        # exactly the table in roles.py, whatever was migrated.
        post_migrate.connect(sync_role_permissions_after_migrate, dispatch_uid="accounts.roles")
