"""Channels: the office's accounts on the platforms, and who is responsible for each."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Credential, Division, User
from accounts.services import audit_record

from ..models import DRIVER_PLATFORMS, Channel
from ..permissions import channel_policy


@transaction.atomic
def channel_create(
    *,
    actor: User | None,
    name: str,
    handle: str,
    driver: str,
    account_group: str,
    external_id: str = "",
    credential: Credential | None = None,
    responsible_division: Division | None = None,
    staff: Iterable[User] = (),
    platform_two_factor: bool = False,
    is_active: bool = True,
) -> Channel:
    """Add one of the office's accounts. Only the Kepala Dinas (``actor``; ``None`` for the demo
    seed and management commands) adds channels. The platform follows from the driver."""
    if actor is not None and not channel_policy.user_has_permission(actor, "add"):
        raise PermissionDenied(_("Only the Head of Department adds channels."))
    channel = Channel(
        platform=DRIVER_PLATFORMS[driver],
        name=name,
        handle=handle,
        driver=driver,
        account_group=account_group,
        external_id=external_id,
        credential=credential,
        responsible_division=responsible_division,
        platform_two_factor=platform_two_factor,
        is_active=is_active,
    )
    channel.full_clean()
    channel.save()
    channel.staff.set(list(staff))
    audit_record(
        actor=actor,
        action="channel.create",
        target=channel,
        details={"driver": driver, "division": getattr(responsible_division, "short_name", None)},
    )
    return channel
