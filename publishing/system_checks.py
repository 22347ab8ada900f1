"""System checks of publishing, shown at every start (``migrate``, ``runserver``, ``check``)."""

from django.conf import settings
from django.core import checks


@checks.register("platforms", deploy=False)
def media_address_is_public(app_configs=None, **kwargs):
    """Instagram fetches photos from the portal's address: a loopback or private one fails
    every Instagram post (error 9004 / 2207052). Checked in production (``MEDIA_ADDRESS_CHECK``,
    on when DEBUG is off)."""
    if not getattr(settings, "MEDIA_ADDRESS_CHECK", False):
        return []
    from .addresses import media_base_problems

    return [
        checks.Warning(
            problem,
            hint=(
                "Set ASSET_PUBLIC_BASE_URL to the portal's address on the internet (and, with S3 "
                "storage, an endpoint or AWS_S3_CUSTOM_DOMAIN the internet reaches)."
            ),
            id="publishing.W001",
        )
        for problem in media_base_problems()
    ]
