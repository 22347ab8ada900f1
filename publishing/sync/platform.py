"""Calling a channel's driver with its credential, decrypted here (in the worker) and nowhere else.

The vault keeps only the secret parts of a login (tokens, a password); the account's ids on the
platform (Page id, X user id, Instagram user id) are the channel's own fields. A driver needs
both: :func:`publishing.vault.driver_secret` joins them, just before the call; this module adds
only the reading of a partner's account through one of the office's logins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.views.decorators.debug import sensitive_variables

from accounts.models import Credential
from accounts.services import credential_refresh_oauth, credential_secret_for_use

from ..drivers.errors import PermanentError, TokenExpired
from ..drivers.types import Driver
from ..models import Channel, DriverName
from ..services.usage import metered_driver
from ..vault import driver_secret

T = TypeVar("T")

# A poll reads a channel every few minutes: the vault records that use (last use, audit event)
# once an hour per channel, not hundreds of times a day; a refresh is always recorded.
CREDENTIAL_USE_RECORDED_EVERY = timedelta(hours=1)


# The keys naming the account a driver reads, for reading another account through a channel's
# login (a partner's public posts).
_ACCOUNT_KEYS = {
    DriverName.FACEBOOK: ("page_id", None),
    DriverName.X: ("user_id", "username"),
    DriverName.INSTAGRAM_GRAPH: ("ig_user_id", None),
}


@sensitive_variables()
def driver_credential(
    channel: Channel, secret: dict[str, Any], *, account_id: str = "", handle: str = ""
) -> dict[str, Any]:
    """The vault's ``secret`` in the shape ``channel``'s driver reads (the vault's
    :func:`publishing.vault.driver_secret`); ``account_id`` / ``handle`` name another account to
    read through this channel's login (a partner's public posts)."""
    credential = driver_secret(channel, secret, channel.credential)
    id_key, handle_key = _ACCOUNT_KEYS.get(channel.driver, (None, None))
    if account_id and id_key:
        credential[id_key] = account_id
    if handle and handle_key:
        credential[handle_key] = handle.lstrip("@")
    return credential


def call_channel(
    channel: Channel,
    operation: Callable[[Driver, dict[str, Any]], T],
    *,
    used_by: str,
    account_id: str = "",
    handle: str = "",
) -> T:
    """Run ``operation(driver, credential)`` for ``channel``, renewing an OAuth token once (under
    the vault's row lock) when the platform says it expired. Raises the driver's typed errors."""
    if channel.credential_id is None:
        raise PermanentError(
            _no_credential_message(channel), code="no_credential", platform=channel.platform
        )
    driver = metered_driver(channel)

    def load() -> dict[str, Any]:
        secret = dict(
            credential_secret_for_use(
                credential_id=channel.credential_id,
                used_by=used_by,
                record_every=CREDENTIAL_USE_RECORDED_EVERY,
            )
        )
        return driver_credential(channel, secret, account_id=account_id, handle=handle)

    def renew(rejected: str | None) -> dict[str, Any]:
        fresh = credential_refresh_oauth(
            credential_id=channel.credential_id,
            refresher=lambda current: driver.refresh(
                driver_credential(channel, dict(current), account_id=account_id, handle=handle)
            ),
            used_by=used_by,
            rejected_access_token=rejected,
        )
        channel.credential = Credential.objects.get(pk=channel.credential_id)
        return driver_credential(channel, dict(fresh), account_id=account_id, handle=handle)

    credential = load()
    if channel.credential.kind == "oauth" and driver.needs_refresh(credential):
        credential = renew(None)
    try:
        return operation(driver, credential)
    except TokenExpired as exc:
        if not exc.refreshable or channel.credential.kind != "oauth":
            raise
        credential = renew(credential.get("access_token"))
    try:
        return operation(driver, credential)
    except TokenExpired as exc:
        exc.refreshable = False
        raise


def _no_credential_message(channel: Channel) -> str:
    from django.utils.translation import gettext as _

    return _("The channel %(channel)s has no credential in the vault.") % {"channel": channel}
