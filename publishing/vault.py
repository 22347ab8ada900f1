"""The vault's channel side: what a channel's driver receives, and the daily check of its login.

The vault holds only secrets (``accounts.models.SECRET_FIELDS``: tokens, passwords, a session);
which account they open is a fact of the channel (``external_id``, ``handle``) and when an access
token expires is a column of the credential. :func:`driver_secret` puts the two together in the
shape each driver documents, inside the worker, just before the call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts.models import Credential
from accounts.vault_targets import CheckResult

from .drivers.facts import AccountFacts
from .drivers.registry import driver_class
from .drivers.types import HealthState
from .models import Channel


@sensitive_variables()
def driver_secret(
    channel: Channel, payload: Mapping[str, Any], credential: Credential | None = None
) -> dict[str, Any]:
    """The credential dict ``channel``'s driver reads, from the vault's decrypted ``payload``
    (each driver's ``credential_from`` says its shape)."""
    account = AccountFacts(
        external_id=channel.external_id,
        handle=channel.handle,
        expires_at=credential.expires_at if credential is not None else None,
    )
    return driver_class(channel.driver).credential_from(dict(payload), account)


_MESSAGES = {
    HealthState.EXPIRED: lambda: _("The platform no longer accepts this login."),
    HealthState.NEEDS_ATTENTION: lambda: _("The platform asks for a security check by a person."),
    HealthState.UNREACHABLE: lambda: _("The platform did not answer the check."),
}


@sensitive_variables()
def check_channel_credential(credential: Credential, channel: Channel) -> CheckResult:
    """Ask the channel's driver whether its login still works (the vault's daily check, inside
    the worker). The secret is decrypted here through the vault and goes nowhere else."""
    from .services.channel_client import call_channel

    wait = getattr(channel, "login_wait", None) if channel.pk else None
    if wait is not None:
        # A login of this account waits for the Kepala Dinas: asking again would only make the
        # platform send another code.
        return CheckResult(
            ok=False, message=str(wait.message or _MESSAGES[HealthState.NEEDS_ATTENTION]())
        )
    if channel.credential_id != credential.pk:
        channel.credential = credential  # the credential the vault checks, even before it is linked
    health = call_channel(
        channel,
        lambda driver, secret: driver.check_credential(secret),
        used_by=f"check:channel:{channel.pk}",
        renew=False,
    )
    if health.ok and health.scopes:
        from .services.channels import channel_record_health

        # What the login is granted today (a permission removed on the platform shows at once).
        channel_record_health(channel=channel, scopes=health.scopes)
    if health.ok:
        return CheckResult(ok=True, message=health.message)
    message = health.message or _MESSAGES.get(health.state, lambda: "")()
    return CheckResult(ok=False, message=str(message), revoked=health.state == HealthState.EXPIRED)
