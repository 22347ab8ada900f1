from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _rotation_period() -> timedelta:
    from .models import GuidelineVersion

    days = (
        GuidelineVersion.objects.order_by("-number").values_list("rotation_days", flat=True).first()
    )
    return timedelta(days=days or 90)


class MediaCenterConfig(AppConfig):
    name = "media_center"
    verbose_name = _("Media Center")

    def ready(self) -> None:
        from accounts.registry import register_source
        from accounts.vault_targets import (
            VaultTarget,
            register_rotation_period,
            register_target,
        )

        # A website's admin login is a credential in the vault; the guidelines set how often
        # passwords change.
        register_target(
            VaultTarget(key="website", label=_("Website"), model="media_center.Website")
        )
        register_rotation_period(_rotation_period)
        # The registry of accounts and websites lists the websites.
        from .selectors import website_rows

        register_source("website", website_rows)
