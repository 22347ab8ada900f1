"""Read queries for people and the audit log, already filtered by what the reader may see."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Division, User
from .permissions import audit_event_policy
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


def division_list() -> QuerySet[Division]:
    return Division.objects.all()


def dashboard_cards(user: User) -> list[dict]:
    """Figures for the dashboard that this app can tell."""
    cards = []
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
