"""Read queries for people and the audit log, already filtered by what the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import vault_targets
from .models import (
    AuditEvent,
    Credential,
    CredentialState,
    CredentialStatus,
    Notification,
    OfficeProfile,
    User,
)
from .permissions import audit_event_policy, credential_policy, notification_policy
from .roles import Role


def audit_event_list(
    *,
    user: User,
    actor: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    events = audit_event_policy.instances_user_has_permission_for(user, "view").select_related(
        "actor"
    )
    if actor:
        events = events.filter(actor_repr__icontains=actor)
    if action:
        events = events.filter(action__startswith=action)
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        events = events.filter(created_at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return events


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by().values_list("action", flat=True).distinct())


# --- the vault ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialRow:
    """A credential as the vault page shows it: metadata and state, never the secret."""

    credential: Credential
    state: CredentialState
    rotation_due: bool
    unlocks: list[tuple[vault_targets.VaultTarget, models.Model]]

    @property
    def needs_attention(self) -> bool:
        return self.rotation_due or self.state not in (
            CredentialState.ACTIVE,
            CredentialState.REVOKED,
        )


def _credentials(user: User) -> QuerySet[Credential]:
    related = [target.related_name() for target in vault_targets.targets()]
    return (
        credential_policy.instances_user_has_permission_for(user, "view")
        .select_related("created_by", "replaces")
        .prefetch_related(*related)
    )


def _row(credential: Credential, period: timedelta, now: datetime) -> CredentialRow:
    return CredentialRow(
        credential=credential,
        state=credential.state(now),
        rotation_due=credential.rotation_due(period, now),
        unlocks=vault_targets.credential_targets(credential),
    )


def credential_rows(*, user: User, include_revoked: bool = True) -> list[CredentialRow]:
    """Every credential the person may see (the Kepala Dinas: all; anyone else: none)."""
    credentials = _credentials(user)
    if not include_revoked:
        credentials = credentials.filter(status=CredentialStatus.ACTIVE)
    period, now = vault_targets.rotation_period(), timezone.now()
    rows = [_row(credential, period, now) for credential in credentials]
    # Active first, then revoked ones kept for the record.
    rows.sort(key=lambda row: (row.credential.status != CredentialStatus.ACTIVE,))
    return rows


def credential_row(*, user: User, credential_id: int) -> CredentialRow:
    """One credential for the person; ``Credential.DoesNotExist`` when absent or not theirs to see."""
    credential = _credentials(user).get(pk=credential_id)
    return _row(credential, vault_targets.rotation_period(), timezone.now())


def credential_history(*, credential_id: int, limit: int = 20) -> list[AuditEvent]:
    """The audit events about one credential, newest first (for its page)."""
    return list(
        AuditEvent.objects.filter(object_type="accounts.credential", object_id=str(credential_id))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def vault_target_choices() -> list[tuple[str, str]]:
    """("website:3", "Website: Situs Resmi Kabupaten") for every object a credential can unlock."""
    choices = []
    for target in vault_targets.targets():
        for obj in target.queryset():
            choices.append((f"{target.key}:{obj.pk}", f"{target.label}: {obj}"))
    return choices


def vault_target(value: str) -> models.Model | None:
    """The object named by a ``key:id`` choice, or None."""
    key, _sep, pk = (value or "").partition(":")
    target = vault_targets.target(key)
    if target is None or not pk.isdigit():
        return None
    return target.queryset().filter(pk=int(pk)).first()


# --- notifications ------------------------------------------------------------------------------


def notification_list(*, user: User) -> QuerySet[Notification]:
    return notification_policy.instances_user_has_permission_for(user, "view")


def unread_notification_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return notification_list(user=user).filter(read_at__isnull=True).count()


def dashboard_cards(user: User) -> list[dict]:
    """Figures for the dashboard that this app can tell."""
    cards = []
    if credential_policy.user_has_permission(user, "view"):
        attention = sum(
            1 for row in credential_rows(user=user, include_revoked=False) if row.needs_attention
        )
        cards.append(
            {
                "label": _("Credentials needing attention"),
                "value": attention,
                "url_name": "accounts:vault",
                "warn": attention > 0,
            }
        )
    unread = unread_notification_count(user)
    if unread:
        cards.append(
            {
                "label": _("Unread notifications"),
                "value": unread,
                "url_name": "accounts:notifications",
                "warn": True,
            }
        )
    if audit_event_policy.user_has_permission(user, "view"):
        today = timezone.localdate()
        start = datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())
        cards.append(
            {
                "label": _("Audit events today"),
                "value": AuditEvent.objects.filter(created_at__gte=start).count(),
                "url_name": "accounts:audit",
            }
        )
    if user.has_role(Role.ADMIN) or user.has_role(Role.KEPALA_DINAS):
        cards.append(
            {
                "label": _("Active staff"),
                "value": User.objects.filter(is_active=True).count(),
                "url_name": None,
            }
        )
    return cards


def office_profile() -> OfficeProfile | None:
    """The office's profile (one row), or ``None`` before the Kepala Dinas sets it."""
    return OfficeProfile.objects.filter(pk=1).first()


def office_letterhead() -> dict[str, str]:
    """What a letterhead shows: the office profile, or the office name from the settings."""
    import base64

    from django.conf import settings

    profile = office_profile()
    if profile is None:
        return {"name": settings.PUBLIC_OFFICE_NAME, "parent": "", "address": "", "contact": ""}
    logo = ""
    if profile.logo:
        logo = f"data:{profile.logo_type};base64,{base64.b64encode(bytes(profile.logo)).decode()}"
    return {
        "name": profile.name,
        "parent": profile.parent,
        "address": profile.address,
        "contact": profile.contact,
        "logo": logo,
    }
