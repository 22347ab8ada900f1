"""Writes that matter for people and access: users, divisions, second factor, the audit log."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from .models import AuditEvent, Division, User
from .roles import TWO_FACTOR_ROLES, Role

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


def division_create(
    *, name: str, short_name: str, duties: str = "", actor: User | None = None
) -> Division:
    """Create a division (Bidang). Idempotent on ``short_name``."""
    with transaction.atomic():
        division, created = Division.objects.get_or_create(
            short_name=short_name, defaults={"name": name, "duties": duties}
        )
        if created:
            division.full_clean()
            audit_record(actor=actor, action="division.create", target=division)
    return division


def user_create(
    *,
    username: str,
    email: str,
    full_name: str,
    password: str | None,
    division: Division | None = None,
    roles: Iterable[Role] = (),
    phone: str = "",
    is_staff: bool = False,
    actor: User | None = None,
) -> User:
    """Create a member of staff with their roles. The password is checked by the validators."""
    from django.contrib.auth.password_validation import validate_password

    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            full_name=full_name,
            division=division,
            phone=phone,
            is_staff=is_staff,
        )
        if password:
            validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        user.save()
        user.groups.set(Group.objects.filter(name__in=[Role(r).value for r in roles]))
        audit_record(
            actor=actor,
            action="user.create",
            target=user,
            details={"roles": sorted(Role(r).value for r in roles)},
        )
    return user


def user_requires_two_factor(user: User) -> bool:
    return bool(user.is_authenticated and any(user.has_role(role) for role in TWO_FACTOR_ROLES))


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device a person is enrolling (made once, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)
    return device


def two_factor_mark_verified(*, request: HttpRequest, device: TOTPDevice) -> None:
    otp_login(request, device)
    request.session["otp_verified_at"] = timezone.now().timestamp()


def totp_enrol_confirm(*, request: HttpRequest, user: User, token: str) -> bool:
    """Confirm the device being enrolled with a code from it; on success the session is verified."""
    device = totp_device_for_enrolment(user=user)
    if not device.verify_token(token.strip()):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit_record(actor=user, action="two_factor.enrol", target=user, request=request)
    two_factor_mark_verified(request=request, device=device)
    return True


@dataclass(frozen=True)
class TwoFactorResult:
    ok: bool
    wait_seconds: int = 0  # after repeated wrong codes, how long until the next try counts


def two_factor_verify(*, request: HttpRequest, user: User, token: str) -> TwoFactorResult:
    """Check a code against the person's confirmed devices; on success the session is verified.

    Wrong codes slow further tries down (django-otp's throttling); the result says how long.
    """
    device = match_token(user, token.strip())
    if device is None:
        audit_record(actor=user, action="two_factor.failure", target=user, request=request)
        wait = 0
        for candidate in TOTPDevice.objects.filter(user=user, confirmed=True):
            allowed, info = candidate.verify_is_allowed()
            if not allowed and info and info.get("locked_until"):
                remaining = (info["locked_until"] - timezone.now()).total_seconds()
                wait = max(wait, math.ceil(remaining))
        return TwoFactorResult(ok=False, wait_seconds=wait)
    audit_record(actor=user, action="two_factor.verify", target=user, request=request)
    two_factor_mark_verified(request=request, device=device)
    return TwoFactorResult(ok=True)


def two_factor_is_fresh(request: HttpRequest) -> bool:
    """Whether the second factor was given within ``OTP_FRESH_SECONDS`` (for the vault)."""
    verified_at = request.session.get("otp_verified_at")
    if not verified_at or not request.user.is_verified():
        return False
    return timezone.now().timestamp() - float(verified_at) <= settings.OTP_FRESH_SECONDS


def api_token_create(*, user: User, request: HttpRequest | None = None) -> Token:
    """Give the person a fresh API token, replacing any earlier one."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        audit_record(actor=user, action="api_token.create", target=user, request=request)
    return token


def api_token_revoke(*, user: User, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        deleted, _ = Token.objects.filter(user=user).delete()
        if deleted:
            audit_record(actor=user, action="api_token.revoke", target=user, request=request)
