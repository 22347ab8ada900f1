from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoostsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "boosts"
    verbose_name = _("Paid boosts")

    def ready(self) -> None:
        from accounts.models import NOTIFICATION_MESSAGES
        from accounts.vault_targets import VaultTarget, register_target
        from publishing.figures import register_paid_reader

        from .selectors import paid_by_delivery

        # An ad account's System User token is a credential in the vault like every other.
        from .services.platform import check_ad_account_credential

        # The vault's daily check asks Meta whether the token still works.
        register_target(
            VaultTarget(
                key="ad_account",
                label=_("Ad account"),
                model="boosts.AdAccount",
                checker=check_ad_account_credential,
            )
        )
        # What boosts reached and cost, for the insights pages (boosted against organic reach).
        register_paid_reader(paid_by_delivery)
        messages = {
            "boost.submitted": _(
                "%(author)s asks to boost “%(post)s” for Rp %(amount)s: waiting for your approval."
            ),
            "boost.approved_division": _(
                "%(reviewer)s approved the boost of “%(post)s” for Rp %(amount)s: waiting for "
                "your final approval."
            ),
            "boost.approved": _("%(reviewer)s approved the boost of “%(post)s”."),
            "boost.rejected": _("%(reviewer)s rejected the boost of “%(post)s”: %(comment)s"),
            "boost.running": _("The boost of “%(post)s” is running on Meta."),
            "boost.failed": _("The boost of “%(post)s” could not be made: %(message)s"),
            "boost.stopped": _("The boost of “%(post)s” was stopped: %(message)s"),
            "boost.spend_unread": _(
                "The spend of the boosted “%(post)s” could not be read (%(message)s). It runs on "
                "Meta until its end or its budget: renew the ad account's token in the vault, or "
                "pause it in Meta's Ads Manager."
            ),
            "boost.budget_paused": _(
                "The boost of “%(post)s” was paused: it would pass its budget line %(line)s "
                "(Rp %(left)s left)."
            ),
        }
        for kind, message in messages.items():
            NOTIFICATION_MESSAGES.setdefault(kind, message)
