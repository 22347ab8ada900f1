"""What the boosts' services share: refusals, the paper trail, notifications."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.services import audit_record, notification_send

from ..models import BoostRequest, BoostStep


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You may not do this."))


def locked(boost: BoostRequest | int) -> BoostRequest:
    pk = boost.pk if isinstance(boost, BoostRequest) else boost
    return (
        BoostRequest.objects.select_for_update(of=("self",))
        .select_related("delivery__post", "delivery__channel", "budget_line", "ad_account")
        .get(pk=pk)
    )


def step(
    boost: BoostRequest,
    action: str,
    *,
    actor: User | None = None,
    comment: str = "",
    details: dict[str, Any] | None = None,
) -> BoostStep:
    """One step of the paper trail, and its audit event (in the caller's transaction)."""
    audit_record(
        actor=actor,
        action=f"boost.{action}",
        target=boost,
        details={"status": boost.status, "comment": comment[:500], **(details or {})},
    )
    return BoostStep.objects.create(boost=boost, action=action, actor=actor, comment=comment)


def kepala_dinas() -> QuerySet:
    return User.objects.filter(is_active=True, groups__name=Role.KEPALA_DINAS.value).distinct()


def kepala_bidang(division_id: int) -> QuerySet:
    return User.objects.filter(
        is_active=True, groups__name=Role.KEPALA_BIDANG.value, division_id=division_id
    ).distinct()


def post_title(boost: BoostRequest) -> str:
    return boost.delivery.post.display_title[:120]


def tell(recipients, boost: BoostRequest, kind: str, *, key: str, **params: Any) -> None:
    notification_send(
        recipients=list(recipients),
        kind=kind,
        key=f"boost-{boost.pk}-{key}",
        params={"post": post_title(boost), **params},
        url=reverse("boosts:detail", args=[boost.pk]),
    )
