"""The vault's channel side: what a channel's driver receives (its daily check is
``publishing.services.channels.check_channel_credential``).

The vault holds only secrets (``accounts.models.SECRET_FIELDS``: tokens, passwords, a session);
which account they open is a fact of the channel (``external_id``, ``handle``) and when an access
token expires is a column of the credential. :func:`driver_secret` puts the two together in the
shape each driver documents, inside the worker, just before the call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.views.decorators.debug import sensitive_variables

from accounts.models import Credential

from .drivers.facts import AccountFacts
from .drivers.registry import driver_class
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
        options=channel.options_for_driver(),
    )
    return driver_class(channel.driver).credential_from(dict(payload), account)
