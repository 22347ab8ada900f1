from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "publishing"
    verbose_name = _("Publishing")

    def ready(self) -> None:
        from accounts.registry import register_source
        from accounts.vault_targets import VaultTarget, register_target

        from . import system_checks  # noqa: F401 - registers the checks
        from .registry import channel_rows
        from .services.channels import check_channel_credential

        # A channel's login (OAuth tokens, or a username and password) is a credential in the
        # vault; the channel holds only a reference to it. The daily check asks its driver.
        register_target(
            VaultTarget(
                key="channel",
                label=_("Channel"),
                model="publishing.Channel",
                checker=check_channel_credential,
            )
        )
        # The registry of accounts and websites lists the channels too.
        register_source("channel", channel_rows)

        from accounts.models import NOTIFICATION_MESSAGES

        # What the Kepala Dinas is told when a delivery fails for a reason only they can fix (an
        # expired token, a security check or a block on the platform account).
        # A login of an Instagram account (by password) waits for the Kepala Dinas.
        NOTIFICATION_MESSAGES.setdefault(
            "channel.login_wait",
            _(
                "Instagram asks for %(waiting)s to sign %(channel)s in: open the channel's page "
                "to answer it."
            ),
        )
        # X bills per call: polling of a channel stops for the month at its ceiling.
        NOTIFICATION_MESSAGES.setdefault(
            "channel.call_ceiling",
            _(
                "%(channel)s reached its monthly ceiling of API calls (%(calls)s calls): sync and "
                "insights stop reading it until next month; publishing goes on."
            ),
        )
        NOTIFICATION_MESSAGES.setdefault(
            "delivery.failed",
            _("Post “%(post)s” could not be sent to %(channel)s: %(message)s"),
        )
        # The workflow's news: the approvers hear of a post waiting for them, the author of a post
        # rejected or sent back (with the reviewer's comment).
        NOTIFICATION_MESSAGES.setdefault(
            "post.submitted",
            _("%(author)s submitted the post “%(post)s” for your approval."),
        )
        NOTIFICATION_MESSAGES.setdefault(
            "post.rejected",
            _("%(reviewer)s rejected your post “%(post)s”: %(comment)s"),
        )
        NOTIFICATION_MESSAGES.setdefault(
            "post.returned",
            _("%(reviewer)s sent your post “%(post)s” back for changes: %(comment)s"),
        )
