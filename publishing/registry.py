"""The channels' rows of the registry of accounts and websites (``accounts.registry``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermission

from accounts.models import User
from accounts.registry import RegistryRow

from .drivers.registry import facts_of
from .models import Channel
from .permissions import channel_policy

NO_DIVISION_REASON = _(
    "Cannot be published to: no division is responsible for it yet. The Head of Department "
    "assigns one on the channel's page."
)


def profile_url(channel: Channel) -> str:
    """The account's public address on its platform."""
    return facts_of(channel.driver).profile_url.format(handle=channel.handle.lstrip("@"))


def _granted_people(channel_ids: list[int]) -> dict[int, list[User]]:
    """People granted ``post_to_channel`` on a channel one by one (django-guardian)."""
    if not channel_ids:
        return {}
    content_type = ContentType.objects.get_for_model(Channel)
    permission = Permission.objects.filter(
        content_type=content_type, codename="post_to_channel"
    ).first()
    if permission is None:
        return {}
    grants = UserObjectPermission.objects.filter(
        content_type=content_type,
        permission=permission,
        object_pk__in=[str(pk) for pk in channel_ids],
    ).select_related("user__division")
    found: dict[int, list[User]] = defaultdict(list)
    for grant in grants:
        found[int(grant.object_pk)].append(grant.user)
    return found


def channel_rows(user: User, period: timedelta, now: datetime) -> list[RegistryRow]:
    channels = list(
        channel_policy.instances_user_has_permission_for(user, "view")
        .select_related("responsible_division", "credential")
        .prefetch_related(
            Prefetch(
                "staff", queryset=User.objects.select_related("division").order_by("full_name")
            )
        )
    )
    granted = _granted_people([channel.pk for channel in channels])
    can_change = channel_policy.user_has_permission(user, "change")
    rows = []
    for channel in channels:
        credential = channel.credential
        staff = list(channel.staff.all())
        rows.append(
            RegistryRow(
                kind="channel",
                kind_label=_("Social media account"),
                name=f"{channel.name} ({channel.display_handle})",
                address=profile_url(channel),
                platform=channel.get_platform_display(),
                group=channel.get_account_group_display(),
                division=channel.responsible_division,
                staff=staff,
                credential=credential,
                credential_state=credential.state(now) if credential else None,
                rotation_due=credential.rotation_due(period, now) if credential else False,
                platform_two_factor=channel.platform_two_factor,
                edit_url=(
                    reverse("channels:channel_detail", args=[channel.pk]) if can_change else None
                ),
                others_with_rights=[p for p in granted.get(channel.pk, []) if p not in staff],
                extra={
                    "inactive": not channel.is_active,
                    "blocked_reason": (
                        NO_DIVISION_REASON if channel.responsible_division_id is None else ""
                    ),
                },
            )
        )
    return rows
