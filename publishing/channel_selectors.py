"""Read queries of the channel pages, filtered by what the reader may do."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import AuditEvent, CredentialKind, Division, User
from accounts.roles import Role

from .drivers.registry import facts_of
from .models import Channel
from .permissions import channel_policy


def channels_for_change(*, user: User) -> QuerySet[Channel]:
    """The channels the person may change (the Kepala Dinas: all), with what their page shows."""
    return (
        channel_policy.instances_user_has_permission_for(user, "change")
        .select_related("responsible_division", "credential")
        .prefetch_related(
            Prefetch(
                "staff", queryset=User.objects.select_related("division").order_by("full_name")
            )
        )
    )


def channel_for_change(*, user: User, channel_id: int) -> Channel:
    """One channel; ``Channel.DoesNotExist`` when absent or not the person's to change."""
    return channels_for_change(user=user).get(pk=channel_id)


def assignable_divisions() -> QuerySet[Division]:
    return Division.objects.order_by("name")


def assignable_staff() -> QuerySet[User]:
    """People who can be named to run a channel: active Staf and Editors."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.STAF.value, Role.EDITOR.value])
        .select_related("division")
        .distinct()
        .order_by("full_name")
    )


def channel_history(*, channel_id: int, limit: int = 20) -> list[AuditEvent]:
    """The audit events about one channel, newest first."""
    return list(
        AuditEvent.objects.filter(object_type="publishing.channel", object_id=str(channel_id))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def manual_kinds(channel: Channel) -> list[tuple[str, str]]:
    """The kinds of login a person may type into the vault by hand for the channel's driver."""
    kinds = facts_of(channel.driver).credential_kinds
    return [(kind, CredentialKind(kind).label) for kind in kinds]
