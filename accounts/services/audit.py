"""The audit log: who did what, when, from where; never a secret in its details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.http import HttpRequest

from ..models import (
    AuditEvent,
    User,
)

# Key fragments that never belong in an audit event's details: secrets stay in the vault.
_SECRET_KEY_FRAGMENTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "authorization",
    "cookie",
)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _assert_no_secret(details: Any, path: str = "details") -> None:
    if isinstance(details, Mapping):
        for key, value in details.items():
            lowered = str(key).lower()
            if any(fragment in lowered for fragment in _SECRET_KEY_FRAGMENTS):
                raise ValueError(f"{path}.{key} looks like a secret; audit details never hold one.")
            _assert_no_secret(value, f"{path}.{key}")
    elif isinstance(details, list | tuple):
        for index, value in enumerate(details):
            _assert_no_secret(value, f"{path}[{index}]")


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log.

    Guarantees: the row is written in the caller's transaction (so an act that rolls back leaves
    no event), and ``details`` holds no key that names a secret (``ValueError`` otherwise).
    """
    details = dict(details or {})
    _assert_no_secret(details)
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        actor=actor,
        actor_repr=(actor.username if actor else ""),
        action=action,
        ip_address=client_ip(request),
        details=details,
    )
    if target is not None:
        event.object_type = target._meta.label_lower
        event.object_id = str(target.pk)
        event.object_repr = str(target)[:300]
    event.full_clean()
    event.save()
    return event
