"""The one way to call a channel's platform with its stored login.

:func:`call_channel` turns a channel and its vault credential into a ready driver call: the secret
is decrypted here (in the worker, just before the call) through the vault, which records the use;
it is put in the shape the channel's driver reads (:func:`publishing.vault.driver_secret`); and
when the platform says the login expired, it is renewed once, under the vault's lock, before the
call is repeated: an OAuth token through its refresh token (single-use: the vault locks the row and
saves the new set before it is used), an Instagram session by one login from the stored device.

Delivery, sync, insights, the vault's daily check and the connection test all call through here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts.models import CredentialKind
from accounts.services import (
    CredentialUnavailable,
    credential_for_use,
    credential_refresh_oauth,
    credential_renew_session,
)

from ..drivers.errors import ChallengeRequired, PermanentError, TokenExpired
from ..drivers.registry import call_with_refresh, facts_of, get_driver
from ..drivers.types import Credential, Driver
from ..models import Channel
from ..vault import driver_secret
from .usage import metered_driver

T = TypeVar("T")

# A job that reads a channel every few minutes (a sync poll, insights) has its use recorded by the
# vault (last use, audit event) once an hour per channel, not hundreds of times a day; a renewal
# is always recorded.
REPEATED_USE_RECORDED_EVERY = timedelta(hours=1)


@sensitive_variables()
def driver_credential(
    channel: Channel, secret: dict[str, Any], *, account_id: str = "", handle: str = ""
) -> dict[str, Any]:
    """The vault's ``secret`` in the shape ``channel``'s driver reads; ``account_id`` /
    ``handle`` name another account to read through this channel's login (a partner's posts)."""
    credential = driver_secret(channel, secret, channel.credential)
    id_key, handle_key = facts_of(channel.driver).account_keys
    if account_id and id_key:
        credential[id_key] = account_id
    if handle and handle_key:
        credential[handle_key] = handle.lstrip("@")
    return credential


def channel_driver(channel: Channel, *, metered: bool = True) -> Driver:
    """The channel's driver; ``metered`` counts its HTTP calls against the channel's budget."""
    return metered_driver(channel) if metered else get_driver(channel.driver)


def require_credential(channel: Channel) -> None:
    """Refuse a channel without a login in the vault (nothing can be sent or read through it)."""
    if channel.credential_id is None:
        raise PermanentError(
            _("The channel %(channel)s has no credential; the Head of Department must connect it.")
            % {"channel": channel},
            code="no_credential",
            platform=channel.platform,
        )


@sensitive_variables()
def call_channel(
    channel: Channel,
    operation: Callable[[Driver, dict[str, Any]], T],
    *,
    used_by: str,
    driver: Driver | None = None,
    record_every: timedelta | None = None,
    account_id: str = "",
    handle: str = "",
    renew: bool = True,
) -> T:
    """Run ``operation(driver, credential)`` for ``channel`` with its stored login.

    ``used_by`` names the use the vault records (``"delivery:12"``), at most once per
    ``record_every`` for the same use. ``driver`` is the channel's (metered) driver unless given.
    With ``renew`` the login is renewed once when the driver says it must be (before the call or by
    ``TokenExpired(refreshable=True)``); a second refusal is final. Raises the driver's errors."""
    require_credential(channel)
    driver = driver or channel_driver(channel)
    credential_id = channel.credential_id

    def load() -> dict[str, Any]:
        secret, row = credential_for_use(
            credential_id=credential_id, used_by=used_by, record_every=record_every
        )
        channel.credential = row
        return driver_credential(channel, dict(secret), account_id=account_id, handle=handle)

    def shaped(stored: Any) -> dict[str, Any]:
        return driver_credential(channel, dict(stored), account_id=account_id, handle=handle)

    if not renew:
        return operation(driver, load())
    renewing = _Renewing(driver, channel, used_by=used_by, load=load, shaped=shaped)
    return call_with_refresh(
        renewing,
        lambda credential: operation(driver, dict(credential)),
        load=load,
        save=lambda renewed: None,  # the vault saved it before returning it
        lock=contextlib.nullcontext,  # the vault locks the row itself
    )


class _Renewing:
    """The driver's renewal, through the vault: the vault locks the credential, reads it again
    (another worker may have renewed it meanwhile), renews it and saves it before it is used."""

    def __init__(
        self,
        driver: Driver,
        channel: Channel,
        *,
        used_by: str,
        load: Callable[[], dict[str, Any]],
        shaped: Callable[[Any], dict[str, Any]],
    ) -> None:
        self.driver = driver
        self.channel = channel
        self.used_by = used_by
        self.load = load
        self.shaped = shaped

    def needs_refresh(self, credential: Credential) -> bool:
        return self.driver.needs_refresh(credential)

    def refresh(self, current: Credential) -> dict[str, Any]:
        kind = self.channel.credential.kind
        try:
            if kind == CredentialKind.OAUTH:
                self._refresh_oauth(current)
            elif kind == CredentialKind.INSTAGRAPI_SESSION:
                self._log_in_again(current)
            else:
                raise TokenExpired(platform=self.channel.platform, refreshable=False)
        except CredentialUnavailable as exc:
            raise TokenExpired(
                str(exc), platform=self.channel.platform, refreshable=False
            ) from None
        return self.load()

    def _refresh_oauth(self, current: Credential) -> None:
        credential_refresh_oauth(
            credential_id=self.channel.credential_id,
            refresher=lambda stored: _oauth_answer(self.driver.refresh(self.shaped(stored))),
            used_by=self.used_by,
            rejected_access_token=current.get("access_token"),
        )

    def _log_in_again(self, current: Credential) -> None:
        """instagrapi: one login from the stored device settings, its session kept in the vault
        (so the next call does not log in afresh)."""
        try:
            credential_renew_session(
                credential_id=self.channel.credential_id,
                renewer=lambda stored: {
                    "session": self.driver.refresh(self.shaped(stored))["settings"]
                },
                used_by=self.used_by,
                stale_session=current.get("settings") or None,
            )
        except ChallengeRequired as exc:
            # Instagram wants a person: keep the device that met it and ask the Kepala Dinas.
            from .logins import login_wait_record

            login_wait_record(channel=self.channel, exc=exc)
            raise


def _oauth_answer(renewed: dict[str, Any]) -> dict[str, Any]:
    """Only the token set of a renewed credential goes back to the vault."""
    answer = {k: renewed[k] for k in ("access_token", "refresh_token", "scope") if renewed.get(k)}
    if renewed.get("expires_at"):
        answer["expires_at"] = float(renewed["expires_at"])
    elif renewed.get("expires_in"):
        answer["expires_in"] = renewed["expires_in"]
    return answer
