"""The vault's daily check: expiry, rotation, and whether each credential still works."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .. import vault, vault_targets
from ..models import (
    EXPIRY_WARNING,
    Credential,
    CredentialStatus,
    HealthState,
)
from .notifications import notification_send
from .vault import _vault_recipients


def _problems(credential: Credential, now: datetime) -> list[tuple[str, dict, str]]:
    """(notification kind, params, dedupe anchor) of each thing wrong with a credential."""
    problems: list[tuple[str, dict, str]] = []
    label = credential.label
    if not credential.readable:
        return [("credential.unreadable", {"label": label}, credential.updated_at.isoformat())]
    if credential.expires_at is not None and not credential.renewable:
        if credential.expires_at <= now:
            problems.append(
                (
                    "credential.expired",
                    {"label": label, "date": credential.expires_at.isoformat()},
                    credential.expires_at.isoformat(),
                )
            )
        elif credential.expires_at <= now + EXPIRY_WARNING:
            problems.append(
                (
                    "credential.expiring",
                    {"label": label, "date": credential.expires_at.isoformat()},
                    credential.expires_at.isoformat(),
                )
            )
    for target, obj in vault_targets.credential_targets(credential):
        if target.checker is None:
            continue
        try:
            result = target.checker(credential, obj)
        except Exception as exc:  # a checker's crash is a failed check, not a failed task
            result = vault_targets.CheckResult(
                ok=False, message=vault.redact(f"{type(exc).__name__}: {exc}")[:300]
            )
        if not result.ok:
            message = vault.redact(result.message)[:300]
            problems.append(
                (
                    "credential.failing",
                    {"label": label, "message": message},
                    hashlib.sha256(message.encode()).hexdigest()[:16],
                )
            )
    period = vault_targets.rotation_period()
    if credential.rotation_due(period, now):
        problems.append(
            (
                "credential.rotation_due",
                {
                    "label": label,
                    "date": credential.rotated_at.isoformat(),
                    "days": period.days,
                },
                credential.rotated_at.isoformat(),
            )
        )
    return problems


_STATE_OF_PROBLEM = {
    "credential.unreadable": HealthState.UNREADABLE,
    "credential.expired": HealthState.EXPIRED,
    "credential.failing": HealthState.FAILING,
    "credential.expiring": HealthState.EXPIRING,
    "credential.rotation_due": HealthState.ROTATION_DUE,
}


def credential_health_check(*, credential_id: int) -> Credential:
    """Check one credential: expiry, rotation period, and its targets' checkers (if registered).

    Saves the health state and tells each Kepala Dinas (in the portal and by email) about every
    problem found, once per problem. Idempotent: running it again the same day sends nothing new.
    """
    now = timezone.now()
    credential = Credential.objects.get(pk=credential_id)
    if not credential.is_active:
        Credential.objects.filter(pk=credential.pk).update(
            health_state=HealthState.REVOKED, health_checked_at=now
        )
        return credential
    problems = _problems(credential, now)
    state = _STATE_OF_PROBLEM[problems[0][0]] if problems else HealthState.OK
    message = next((p[1]["message"] for p in problems if p[0] == "credential.failing"), "")
    with transaction.atomic():
        Credential.objects.filter(pk=credential.pk).update(
            health_state=state, health_checked_at=now, health_message=message
        )
        url = reverse("accounts:credential_detail", args=[credential.pk])
        for kind, params, anchor in problems:
            notification_send(
                recipients=_vault_recipients(),
                kind=kind,
                key=f"{kind}:{credential.pk}:{anchor}",
                params=params,
                url=url,
            )
    credential.refresh_from_db()
    return credential


def credential_ids_to_check() -> list[int]:
    return list(
        Credential.objects.filter(status=CredentialStatus.ACTIVE).values_list("pk", flat=True)
    )
