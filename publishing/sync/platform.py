"""Calling a channel's driver with its credential, decrypted here (in the worker) and nowhere else.

The vault keeps only the secret parts of a login (tokens, a password); the account's ids on the
platform (Page id, X user id, Instagram user id) are the channel's own fields. A driver needs
both, so they are joined here, just before the call, and dropped right after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from accounts.models import Credential
from accounts.services import credential_refresh_oauth, credential_secret_for_use

from ..drivers.base import Driver, PermanentError, TokenExpired, get_driver
from ..models import Channel

T = TypeVar("T")


def driver_credential(
    channel: Channel, secret: dict[str, Any], *, account_id: str = "", handle: str = ""
) -> dict[str, Any]:
    """``secret`` with the ids ``channel``'s driver reads. ``account_id`` / ``handle`` name
    another account to read through this channel's login (a partner's public posts)."""
    account_id = account_id or channel.external_id
    handle = (handle or channel.handle).lstrip("@")
    credential = dict(secret)
    if channel.driver == "facebook":
        credential["page_id"] = account_id
    elif channel.driver == "x":
        credential["user_id"] = account_id
        credential["username"] = handle
        expires_at = getattr(channel.credential, "expires_at", None)
        if expires_at is not None and not credential.get("expires_at"):
            credential["expires_at"] = expires_at.timestamp()
    elif channel.driver == "instagram_graph":
        credential["ig_user_id"] = account_id
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
    driver = get_driver(channel.driver)

    def load() -> dict[str, Any]:
        secret = dict(
            credential_secret_for_use(credential_id=channel.credential_id, used_by=used_by)
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
