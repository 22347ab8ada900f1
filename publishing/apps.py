from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = _("Publishing")

    def ready(self) -> None:
        from accounts.vault_targets import VaultTarget, register_target

        # A channel's login (OAuth tokens, or a username and password) is a credential in the
        # vault; the channel holds only a reference to it.
        register_target(VaultTarget(key="channel", label=_("Channel"), model="publishing.Channel"))
