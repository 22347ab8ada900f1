"""Writes that matter for people and access: users, divisions, second factor, the audit log."""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from . import vault, vault_targets
from .models import (
    EXPIRY_WARNING,
    SECRET_FIELDS,
    AuditEvent,
    Credential,
    CredentialKind,
    CredentialStatus,
    Division,
    HealthState,
    Notification,
    OfficeProfile,
    User,
    clean_secret_payload,
)
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
    """Kepala Dinas, Admin and superusers sign in with a second factor, and so does anyone who
    set one up (a factor that a password alone could skip would protect nothing)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or any(user.has_role(role) for role in TWO_FACTOR_ROLES):
        return True
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- the second factor --------------------------------------------------------------------------
#
# A person enrols an authenticator app (TOTP) once, on a password alone: only while the account
# has no confirmed device. Replacing it, and making new recovery codes, need a session verified
# with the existing device within ``OTP_FRESH_SECONDS``. A lost phone is met by the single-use
# recovery codes given at enrolment, and as the last resort by ``manage.py reset_second_factor``
# on the server. Each of these is audited and told to the account's owner.

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
# Letters and digits that cannot be mistaken for one another when read off paper.
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class TwoFactorNotFresh(PermissionDenied):
    """The act needs a second factor given within ``OTP_FRESH_SECONDS``."""


def recovery_code_normalise(text: str) -> str:
    return "".join(text.split()).replace("-", "").lower()


def recovery_code_looks_valid(text: str) -> bool:
    code = recovery_code_normalise(text)
    return len(code) == RECOVERY_CODE_LENGTH and all(c in RECOVERY_CODE_ALPHABET for c in code)


def _recovery_code_digest(code: str) -> str:
    # Kept hashed: a copy of the database does not hand out codes (StaticToken holds 16 chars).
    return hashlib.sha256(recovery_code_normalise(code).encode()).hexdigest()[:16]


def two_factor_has_device(*, user: User) -> bool:
    """Whether the person has a confirmed authenticator app (enrolment is over)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_enrolment_allowed(*, request: HttpRequest, user: User) -> bool:
    """A first enrolment needs the password only; replacing a device needs a fresh second factor
    given with the existing one."""
    return not two_factor_has_device(user=user) or two_factor_is_fresh(request)


def _owner_notify(*, user: User, kind: str, event: AuditEvent, params: Mapping | None = None):
    notification_send(
        recipients=[user],
        kind=kind,
        key=f"{kind}:{user.pk}:{event.pk}",
        params={"date": event.created_at.isoformat(), **(params or {})},
        url=reverse("accounts:profile"),
    )


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device a person is enrolling (made once, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)
    return device


def two_factor_mark_verified(*, request: HttpRequest, device: Any) -> None:
    # The session gains rights here: give it a new id, as the login did (session fixation).
    request.session.cycle_key()
    otp_login(request, device)
    request.session["otp_verified_at"] = timezone.now().timestamp()


@dataclass(frozen=True)
class EnrolResult:
    ok: bool
    recovery_codes: list[str]  # new codes to show once (empty when the old ones were kept)
    replaced: bool = False


def totp_enrol_confirm(*, request: HttpRequest, user: User, token: str) -> EnrolResult:
    """Confirm the device being enrolled with a code from it; on success the session is verified.

    Refused (``TwoFactorNotFresh``) when the account already has a device and the session has not
    given a fresh second factor with it. A replacement removes the earlier devices. The first
    enrolment (or a replacement when no recovery code is left) makes new recovery codes, which
    are returned once and never kept in clear. Audited; the owner is notified (portal and email).
    """
    if not two_factor_enrolment_allowed(request=request, user=user):
        raise TwoFactorNotFresh(_("Confirm with your current authenticator app first."))
    replacing = two_factor_has_device(user=user)
    device = totp_device_for_enrolment(user=user)
    if not device.verify_token(token.strip()):
        return EnrolResult(ok=False, recovery_codes=[])
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        event = audit_record(
            actor=user,
            action="two_factor.enrol",
            target=user,
            request=request,
            details={"replaced": replacing},
        )
        _owner_notify(user=user, kind="two_factor.enrol", event=event)
    two_factor_mark_verified(request=request, device=device)
    codes: list[str] = []
    if not replacing or recovery_codes_remaining(user=user) == 0:
        codes = recovery_codes_generate(request=request, user=user)
    return EnrolResult(ok=True, recovery_codes=codes, replaced=replacing)


def recovery_codes_remaining(*, user: User) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_codes_generate(*, request: HttpRequest, user: User) -> list[str]:
    """Replace the person's recovery codes with ``RECOVERY_CODE_COUNT`` new single-use ones.

    Needs a session verified with the person's device within ``OTP_FRESH_SECONDS``. The codes are
    returned once (to be shown, printed or saved) and stored only hashed; the earlier ones stop
    working. Audited; the owner is notified.
    """
    import secrets

    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    if request.user.pk != user.pk or not two_factor_is_fresh(request):
        raise TwoFactorNotFresh(_("Confirm with your authenticator app first."))
    codes = [
        "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=_recovery_code_digest(code)) for code in codes
        )
        event = audit_record(
            actor=user,
            action="two_factor.recovery_codes",
            target=user,
            request=request,
            details={"count": len(codes)},
        )
        _owner_notify(user=user, kind="two_factor.recovery_codes", event=event)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _recovery_code_spend(*, user: User, code: str):
    """The person's recovery-code device if ``code`` is one of theirs, spent now (or None).

    The code's row is deleted and the deletion's count decides, so two requests racing with the
    same code cannot both succeed. Wrong codes slow further tries down like wrong TOTP codes.
    """
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return None
    deleted, _rows = StaticToken.objects.filter(
        device=device, token=_recovery_code_digest(code)
    ).delete()
    if not deleted:
        device.throttle_increment()
        return None
    device.throttle_reset(commit=False)
    device.set_last_used_timestamp(commit=False)
    device.save()
    return device


@dataclass(frozen=True)
class TwoFactorResult:
    ok: bool
    wait_seconds: int = 0  # after repeated wrong codes, how long until the next try counts
    recovery_code_used: bool = False


def two_factor_verify(*, request: HttpRequest, user: User, token: str) -> TwoFactorResult:
    """Check a code from the person's authenticator app, or one of their recovery codes (each
    works once); on success the session is verified.

    Wrong codes slow further tries down (django-otp's throttling); the result says how long. A
    recovery code's use is audited and told to the owner with the number of codes left.
    """
    from django_otp.plugins.otp_static.models import StaticDevice

    token = token.strip()
    device = None
    recovery = recovery_code_looks_valid(token)
    if recovery:
        device = _recovery_code_spend(user=user, code=token)
    else:
        for candidate in TOTPDevice.objects.filter(user=user, confirmed=True):
            if candidate.verify_token(token):
                device = candidate
                break
    if device is None:
        audit_record(actor=user, action="two_factor.failure", target=user, request=request)
        wait = 0
        candidates = [
            *TOTPDevice.objects.filter(user=user, confirmed=True),
            *StaticDevice.objects.filter(user=user, confirmed=True),
        ]
        for candidate in candidates:
            allowed, info = candidate.verify_is_allowed()
            if not allowed and info and info.get("locked_until"):
                remaining = (info["locked_until"] - timezone.now()).total_seconds()
                wait = max(wait, math.ceil(remaining))
        return TwoFactorResult(ok=False, wait_seconds=wait)
    if recovery:
        remaining = recovery_codes_remaining(user=user)
        with transaction.atomic():
            event = audit_record(
                actor=user,
                action="two_factor.recovery_used",
                target=user,
                request=request,
                details={"remaining": remaining},
            )
            _owner_notify(
                user=user,
                kind="two_factor.recovery_used",
                event=event,
                params={"remaining": remaining},
            )
    else:
        audit_record(actor=user, action="two_factor.verify", target=user, request=request)
    two_factor_mark_verified(request=request, device=device)
    return TwoFactorResult(ok=True, recovery_code_used=recovery)


def two_factor_reset(*, user: User, operator: str) -> None:
    """Remove every second factor of a person (authenticator apps and recovery codes), on the
    server, as the last resort for a lost phone with no recovery code left.

    Their sessions end and their API token is revoked; at the next sign-in they enrol a new app.
    Audited (with who ran it) and told to the person and to the Kepala Dinas, by email too.
    """
    from django_otp.plugins.otp_static.models import StaticDevice

    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        Token.objects.filter(user=user).delete()
        event = audit_record(
            actor=None,
            action="two_factor.reset",
            target=user,
            details={"via": "manage.py reset_second_factor", "operator": operator[:100]},
        )
        notification_send(
            recipients={user, *_kepala_dinas()},
            kind="two_factor.reset",
            key=f"two_factor.reset:{user.pk}:{event.pk}",
            params={"date": event.created_at.isoformat(), "person": str(user)},
            url=reverse("accounts:profile"),
        )
    user_sessions_end(user=user)


def user_sessions_end(*, user: User, keep: str | None = None) -> int:
    """End every session of the person (but ``keep``, a session key); returns how many."""
    from django.contrib.sessions.models import Session

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == keep:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def _kepala_dinas() -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name=Role.KEPALA_DINAS.value).distinct()
    )


# --- roles --------------------------------------------------------------------------------------

_ROLE_REFUSALS = {
    "self": _("Nobody changes their own role."),
    "target": _("You cannot change this person's role."),
    "kepala_dinas_only": _(
        "Only the Kepala Dinas grants or takes away the Admin or Kepala Dinas role, or superuser."
    ),
    "fresh": _("Confirm with a fresh code from your authenticator app to change this role."),
    "server": _("Say who runs this on the server."),
}


class RoleChangeRefused(PermissionDenied):
    def __init__(self, reason: str):
        super().__init__(str(_ROLE_REFUSALS[reason]))
        self.reason = reason


def user_role_change_refusal(
    *,
    actor: User,
    user: User,
    roles: Iterable[Role],
    is_superuser: bool,
    request: HttpRequest | None,
) -> str | None:
    """Why ``actor`` may not set these roles (None: allowed); see ``UserPermissionPolicy``."""
    from .permissions import user_policy

    return user_policy.role_change_refusal(
        actor,
        user,
        roles={Role(r) for r in roles},
        is_superuser=is_superuser,
        fresh_second_factor=request is not None and two_factor_is_fresh(request),
    )


def user_roles_set(
    *,
    actor: User | None,
    user: User,
    roles: Iterable[Role],
    is_superuser: bool,
    request: HttpRequest | None = None,
    operator: str = "",
) -> bool:
    """Give a person exactly these roles and superuser flag; returns whether anything changed.

    ``actor`` is the person doing it, checked by ``UserPermissionPolicy`` (``RoleChangeRefused``
    otherwise: nobody changes their own role; the Admin only Staf and Editor; the Admin and
    Kepala Dinas roles and superuser only by the Kepala Dinas with a fresh second factor). With
    ``actor=None`` the change is made on the server (``manage.py set_role``) and ``operator``
    says who ran it. A change ends the person's sessions and revokes their API token (a session
    or token of the old role must not carry the new one), is audited, and is told to the person
    and to the Kepala Dinas.
    """
    wanted = {Role(r) for r in roles}
    if actor is None:
        if not operator.strip():
            raise RoleChangeRefused("server")
    else:
        reason = user_role_change_refusal(
            actor=actor, user=user, roles=wanted, is_superuser=is_superuser, request=request
        )
        if reason:
            raise RoleChangeRefused(reason)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = set(user.roles)
        superuser_before = user.is_superuser
        if before == wanted and superuser_before == bool(is_superuser):
            return False
        role_groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
        user.groups.remove(*[role_groups[r.value] for r in before - wanted if r in role_groups])
        user.groups.add(*[role_groups[r.value] for r in wanted - before])
        user.is_superuser = bool(is_superuser)
        user.is_staff = bool(is_superuser or Role.ADMIN in wanted or Role.KEPALA_DINAS in wanted)
        user.save(update_fields=["is_superuser", "is_staff"])
        Token.objects.filter(user=user).delete()
        names = lambda rs: sorted(r.value for r in rs)  # noqa: E731
        details: dict[str, Any] = {
            "before": names(before),
            "after": names(wanted),
            "superuser_before": superuser_before,
            "superuser_after": bool(is_superuser),
        }
        if actor is None:
            details.update(via="manage.py set_role", operator=operator[:100])
        event = audit_record(
            actor=actor, action="user.role_change", target=user, request=request, details=details
        )
        after_text = ", ".join(names(wanted)) or "—"
        if is_superuser:
            after_text += " + superuser"
        before_text = ", ".join(names(before)) or "—"
        if superuser_before:
            before_text += " + superuser"
        notification_send(
            recipients={user, *_kepala_dinas()},
            kind="user.role_change",
            key=f"user.role_change:{user.pk}:{event.pk}",
            params={
                "person": str(user),
                "before": before_text,
                "after": after_text,
                "actor": str(actor) if actor else operator[:100],
                "date": event.created_at.isoformat(),
            },
            url=reverse("accounts:profile"),
        )
    user_sessions_end(user=user)  # nobody changes their own role, so never the actor's session
    return True


def user_password_changed(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """After a password change: the person's API token is revoked (it was obtainable with the old
    password), audited, and the person is told when someone else set it."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        event = audit_record(
            actor=actor,
            action="user.password_change" if actor == user else "user.password_set",
            target=user,
            request=request,
        )
        if actor != user:
            notification_send(
                recipients=[user],
                kind="user.password_set",
                key=f"user.password_set:{user.pk}:{event.pk}",
                params={"actor": str(actor), "date": event.created_at.isoformat()},
                url=reverse("accounts:profile"),
            )


def two_factor_is_fresh(request: HttpRequest) -> bool:
    """Whether the second factor was given within ``OTP_FRESH_SECONDS`` (for the vault)."""
    verified_at = request.session.get("otp_verified_at")
    if not verified_at or not request.user.is_verified():
        return False
    return timezone.now().timestamp() - float(verified_at) <= settings.OTP_FRESH_SECONDS


def api_token_create(*, user: User, request: HttpRequest | None = None) -> Token:
    """Give the person a fresh API token, replacing any earlier one.

    Asked for over HTTP (``request``) by an account that signs in with a second factor, it needs
    one given within ``OTP_FRESH_SECONDS`` (``TwoFactorNotFresh``): a token outlives the session,
    so a borrowed or stolen session must not mint one.
    """
    if (
        request is not None
        and user_requires_two_factor(user)
        and not (request.user.is_authenticated and two_factor_is_fresh(request))
    ):
        raise TwoFactorNotFresh(_("Confirm with your authenticator app first."))
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


# --- the credential vault -----------------------------------------------------------------------
#
# Every function here that handles a secret is marked ``sensitive_variables`` so that Django's
# error reports show none of its local values, and hands decrypted payloads out only as
# ``vault.SecretPayload`` (whose repr hides the values). Audit details name what was done, never
# a secret.

_UNSET: Any = object()


class CredentialUnavailable(Exception):
    """The credential cannot be used (revoked, or missing what the act needs)."""


def _credential_for(
    *, actor: User | None, action: str, credential_id: int, lock: bool = False
) -> Credential:
    """Load a credential for ``actor``'s act, refusing (before any secret is read) if not allowed."""
    from .permissions import credential_policy

    if not credential_policy.user_has_permission(actor, action):
        raise PermissionDenied(_("Only the Kepala Dinas can open the credential vault."))
    queryset = Credential.objects.select_for_update() if lock else Credential.objects.all()
    try:
        credential = queryset.get(pk=credential_id)
    except Credential.DoesNotExist:
        raise Credential.DoesNotExist(_("No such credential.")) from None
    if not credential_policy.user_has_permission_for_instance(actor, action, credential):
        raise PermissionDenied(
            _("This credential has been revoked; it is kept for the record only.")
        )
    return credential


def _primary_field(kind: str) -> str:
    return next(field.name for field in SECRET_FIELDS[kind] if field.primary)


def _changed_parts(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))


def _vault_recipients() -> models.QuerySet:
    return User.objects.filter(is_active=True, groups__name=Role.KEPALA_DINAS.value).distinct()


@sensitive_variables()
def _renewable(kind: str, payload: Mapping[str, Any]) -> bool:
    """An OAuth token set that can renew its own access token (it holds a refresh token)."""
    return kind == CredentialKind.OAUTH and bool(payload.get("refresh_token"))


@sensitive_variables()
def credential_create(
    *,
    actor: User,
    label: str,
    kind: str,
    secret: Mapping[str, Any],
    target: models.Model | None = None,
    expires_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Credential:
    """Store a new credential, encrypted; Kepala Dinas only.

    With a ``target`` (a registered model, e.g. a website), the new credential becomes the one the
    target uses, and the target's previous credential, unless something else still uses it, is
    revoked and kept for the record. The audit event names the kind and the target, not the secret.
    """
    from .permissions import credential_policy

    if not credential_policy.user_has_permission(actor, "add"):
        raise PermissionDenied(_("Only the Kepala Dinas can open the credential vault."))
    payload = clean_secret_payload(kind, secret)
    spec = None
    if target is not None:
        spec = vault_targets.target_for_instance(target)
        if spec is None:
            raise ValidationError({"target": _("A credential cannot be attached to this.")})
    label = (label or "").strip()
    if not label and spec is not None:
        label = f"{spec.label}: {target}"[:200]
    with transaction.atomic():
        credential = Credential(
            label=label,
            kind=kind,
            ciphertext=vault.encrypt(payload),
            created_by=actor,
            rotated_at=timezone.now(),
            expires_at=expires_at,
            renewable=_renewable(kind, payload),
        )
        credential.full_clean()
        credential.save()
        details: dict[str, Any] = {"kind": kind}
        if spec is not None:
            locked = type(target)._default_manager.select_for_update().get(pk=target.pk)
            previous_id = getattr(locked, f"{spec.credential_field}_id")
            setattr(locked, spec.credential_field, credential)
            locked.save(update_fields=[spec.credential_field])
            details["unlocks"] = f"{spec.key}:{locked.pk}"
            if previous_id and previous_id != credential.pk:
                previous = Credential.objects.select_for_update().get(pk=previous_id)
                credential.replaces = previous
                credential.save(update_fields=["replaces"])
                details["replaces"] = previous.pk
                if previous.is_active and not vault_targets.credential_targets(previous):
                    _revoke(previous, actor=actor, reason="replaced", request=request)
        audit_record(
            actor=actor,
            action="credential.create",
            target=credential,
            request=request,
            details=details,
        )
    return credential


@sensitive_variables()
def credential_update_secret(
    *,
    actor: User,
    credential_id: int,
    secret: Mapping[str, Any] | None = None,
    label: str | None = None,
    expires_at: datetime | None = _UNSET,
    request: HttpRequest | None = None,
) -> Credential:
    """Change a credential's label, expiry or secret parts; Kepala Dinas only.

    Parts of ``secret`` left empty keep their stored value. A credential that can no longer be
    decrypted can still be repaired by giving every required part again. If the main part (the
    password, token or key) changes, this counts as a rotation.
    """
    with transaction.atomic():
        credential = _credential_for(
            actor=actor, action="change", credential_id=credential_id, lock=True
        )
        changed: list[str] = []
        given = {k: v for k, v in (secret or {}).items() if v not in (None, "")}
        if given:
            try:
                current = vault.decrypt(credential.ciphertext)
            except vault.VaultKeyError:
                current = {}
            payload = clean_secret_payload(credential.kind, {**current, **given})
            changed = _changed_parts(current, payload)
            if changed:
                credential.ciphertext = vault.encrypt(payload)
                credential.renewable = _renewable(credential.kind, payload)
                credential.health_state = HealthState.UNKNOWN
                credential.health_message = ""
                if _primary_field(credential.kind) in changed:
                    credential.rotated_at = timezone.now()
        if label is not None and label.strip() != credential.label:
            credential.label = label.strip()
            changed.append("label")
        if expires_at is not _UNSET and expires_at != credential.expires_at:
            credential.expires_at = expires_at
            changed.append("expires_at")
        credential.__dict__.pop("readable", None)
        credential.full_clean()
        credential.save()
        audit_record(
            actor=actor,
            action="credential.update",
            target=credential,
            request=request,
            details={"changed": changed},
        )
    return credential


@sensitive_variables()
def credential_rotate(
    *,
    actor: User,
    credential_id: int,
    secret: Mapping[str, Any],
    expires_at: datetime | None = _UNSET,
    request: HttpRequest | None = None,
) -> Credential:
    """Replace the credential's main part (password, token or key) with a new one; Kepala Dinas only.

    The new value must differ from the old one; the rotation date is set to now.
    """
    with transaction.atomic():
        credential = _credential_for(
            actor=actor, action="rotate", credential_id=credential_id, lock=True
        )
        primary = _primary_field(credential.kind)
        new_value = secret.get(primary)
        if isinstance(new_value, str):
            new_value = new_value.strip()
        if not new_value:
            raise ValidationError({primary: _("Enter the new value.")})
        try:
            current = vault.decrypt(credential.ciphertext)
        except vault.VaultKeyError:
            current = {}
        if current.get(primary) == new_value:
            raise ValidationError({primary: _("The new value must differ from the current one.")})
        given = {k: v for k, v in secret.items() if v not in (None, "")}
        payload = clean_secret_payload(credential.kind, {**current, **given})
        credential.ciphertext = vault.encrypt(payload)
        credential.renewable = _renewable(credential.kind, payload)
        credential.rotated_at = timezone.now()
        credential.health_state = HealthState.UNKNOWN
        credential.health_message = ""
        if expires_at is not _UNSET:
            credential.expires_at = expires_at
        credential.__dict__.pop("readable", None)
        credential.full_clean()
        credential.save()
        audit_record(
            actor=actor,
            action="credential.rotate",
            target=credential,
            request=request,
            details={"changed": _changed_parts(current, payload)},
        )
    return credential


def _revoke(
    credential: Credential, *, actor: User | None, reason: str, request: HttpRequest | None
) -> None:
    credential.status = CredentialStatus.REVOKED
    credential.revoked_at = timezone.now()
    credential.revoke_reason = reason[:300]
    credential.health_state = HealthState.REVOKED
    credential.full_clean()
    credential.save()
    audit_record(
        actor=actor,
        action="credential.revoke",
        target=credential,
        request=request,
        details={"reason": reason[:300]},
    )


def credential_revoke(
    *, actor: User, credential_id: int, reason: str = "", request: HttpRequest | None = None
) -> Credential:
    """Revoke a credential; Kepala Dinas only. It is kept (not deleted) for the record and can no
    longer be used, revealed, changed or rotated."""
    with transaction.atomic():
        credential = _credential_for(
            actor=actor, action="revoke", credential_id=credential_id, lock=True
        )
        if credential.is_active:
            _revoke(credential, actor=actor, reason=reason.strip(), request=request)
    return credential


@sensitive_variables()
def credential_reveal(
    *, actor: User, credential_id: int, request: HttpRequest
) -> vault.SecretPayload:
    """Decrypt a credential for the Kepala Dinas to read once; the reveal is an audit event.

    Needs a second factor given within ``OTP_FRESH_SECONDS`` (``TwoFactorNotFresh`` otherwise).
    ``vault.VaultKeyError`` when the stored secret cannot be decrypted (also recorded).
    """
    credential = _credential_for(actor=actor, action="reveal", credential_id=credential_id)
    if not two_factor_is_fresh(request):
        raise TwoFactorNotFresh(_("Enter a code from your authenticator app to see the secret."))
    try:
        payload = vault.decrypt(credential.ciphertext)
    except vault.VaultKeyError:
        _record_unreadable(credential, actor=actor, request=request)
        raise
    audit_record(actor=actor, action="credential.reveal", target=credential, request=request)
    return payload


def _record_unreadable(
    credential: Credential, *, actor: User | None = None, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        Credential.objects.filter(pk=credential.pk).update(
            health_state=HealthState.UNREADABLE,
            health_checked_at=timezone.now(),
            health_message="",
        )
        audit_record(
            actor=actor, action="credential.unreadable", target=credential, request=request
        )


def _require_active(credential: Credential) -> None:
    """``CredentialUnavailable`` for a revoked credential: its secret is never used again."""
    if not credential.is_active:
        raise CredentialUnavailable(
            _("The credential “%(label)s” has been revoked.") % {"label": credential.label}
        )


def _record_use(credential: Credential, *, used_by: str) -> None:
    now = timezone.now()
    Credential.objects.filter(pk=credential.pk).update(last_used_at=now, last_used_by=used_by[:100])
    audit_record(
        actor=None, action="credential.use", target=credential, details={"used_by": used_by[:100]}
    )


@sensitive_variables()
def credential_secret_for_use(
    *, credential_id: int, used_by: str, record_every: timedelta | None = None
) -> vault.SecretPayload:
    """The decrypted secret, for a worker about to call a platform with it. Never for a page.
    See ``credential_for_use``, which also gives the row it was read from."""
    return credential_for_use(
        credential_id=credential_id, used_by=used_by, record_every=record_every
    )[0]


@sensitive_variables()
def credential_for_use(
    *, credential_id: int, used_by: str, record_every: timedelta | None = None
) -> tuple[vault.SecretPayload, Credential]:
    """The decrypted secret and the credential's row as read for it (its ``expires_at`` is the
    secret's), for a worker about to call a platform with it. Never for a page.

    ``used_by`` says who uses it (``"delivery:123"``); it is recorded as the last use and in an
    audit event ("credential.use", without the secret). A job that uses the credential again and
    again (a sync poll every few minutes) passes ``record_every``: its repeated uses are recorded
    once per that period (the first use by another job is always recorded). Raises
    ``CredentialUnavailable`` for a revoked credential and ``vault.VaultKeyError`` when it cannot
    be decrypted (also recorded).
    """
    credential = Credential.objects.get(pk=credential_id)
    _require_active(credential)
    try:
        payload = vault.decrypt(credential.ciphertext)
    except vault.VaultKeyError:
        _record_unreadable(credential)
        raise
    recorded_lately = (
        record_every is not None
        and credential.last_used_by == used_by[:100]
        and credential.last_used_at is not None
        and credential.last_used_at > timezone.now() - record_every
    )
    if not recorded_lately:
        with transaction.atomic():
            _record_use(credential, used_by=used_by)
    return payload, credential


def _expiry_from(answer: Mapping[str, Any], now: datetime) -> datetime | None:
    expires_at = answer.get("expires_at")
    if isinstance(expires_at, datetime):
        return expires_at
    if isinstance(expires_at, int | float):
        return datetime.fromtimestamp(expires_at, tz=UTC)
    if isinstance(expires_at, str) and expires_at:
        from django.utils.dateparse import parse_datetime

        return parse_datetime(expires_at)
    expires_in = answer.get("expires_in")
    if expires_in not in (None, ""):
        return now + timedelta(seconds=int(expires_in))
    return None


def _save_renewed(credential: Credential, *, used_by: str, fields: Iterable[str] = ()) -> None:
    """Keep a credential whose secret a worker just renewed (new ciphertext already set): its use,
    a fresh health state, and an audit event without the secret."""
    credential.last_used_at = timezone.now()
    credential.last_used_by = used_by[:100]
    credential.health_state = HealthState.UNKNOWN
    credential.health_message = ""
    credential.save(
        update_fields=[
            "ciphertext",
            *fields,
            "last_used_at",
            "last_used_by",
            "health_state",
            "health_message",
            "updated_at",
        ]
    )
    audit_record(
        actor=None,
        action="credential.refresh",
        target=credential,
        details={"used_by": used_by[:100]},
    )


@contextlib.contextmanager
def _credential_file_lock(credential_id: int):
    """An exclusive lock on one credential for the processes of this machine (a file under
    ``VAR_DIR/locks``), held while a single-use refresh token is spent."""
    import fcntl

    folder = Path(settings.VAR_DIR) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"credential-{credential_id}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@sensitive_variables()
def credential_refresh_oauth(
    *,
    credential_id: int,
    refresher: Callable[[dict], Mapping[str, Any]],
    used_by: str = "refresh",
    rejected_access_token: str | None = None,
    min_validity: timedelta = timedelta(minutes=5),
) -> vault.SecretPayload:
    """Refresh an OAuth token set under a row lock, so that a single-use refresh token is spent once.

    The row is locked (``select_for_update``; on SQLite a lock file of the credential, see below)
    and read again. If another worker already refreshed it (the stored access token is valid for
    at least ``min_validity`` and is not ``rejected_access_token``, the one the platform just
    refused), the stored set is returned and ``refresher`` is not called. Otherwise
    ``refresher(current_set)`` asks the platform for a new set (``access_token``, optionally a new
    ``refresh_token``, ``expires_in`` seconds or ``expires_at``); the new set is saved and committed
    before it is returned, so it is never used before it is kept. If ``refresher`` raises, nothing
    changes.
    """
    # PostgreSQL: the credential's row stays locked across the platform's answer. SQLite locks
    # the whole database for a write transaction, which would stall every other writer (the
    # simulator of the demo among them) for as long as the platform takes: there a lock file
    # keeps the workers of this machine apart (an SQLite portal runs on one machine), and the
    # new pair is written in a short transaction of its own.
    embedded = connection.vendor == "sqlite"
    try:
        with (
            _credential_file_lock(credential_id) if embedded else contextlib.nullcontext(),
            contextlib.nullcontext() if embedded else transaction.atomic(),
        ):
            rows = Credential.objects if embedded else Credential.objects.select_for_update()
            credential = rows.get(pk=credential_id)
            _require_active(credential)
            if credential.kind != CredentialKind.OAUTH:
                raise CredentialUnavailable(_("Only an OAuth token set can be refreshed."))
            current = vault.decrypt(credential.ciphertext)
            now = timezone.now()
            still_valid = (
                credential.expires_at is not None and credential.expires_at > now + min_validity
            )
            rejected = rejected_access_token is not None and (
                str(rejected_access_token) == current.get("access_token")
            )
            if still_valid and not rejected:
                with transaction.atomic():
                    _record_use(credential, used_by=used_by)
                return current
            if not current.get("refresh_token"):
                raise CredentialUnavailable(
                    _("The credential “%(label)s” has no refresh token; connect the account again.")
                    % {"label": credential.label}
                )
            answer = refresher(vault.SecretPayload(current))
            vault.remember(answer)
            fresh = {
                name: answer[name]
                for name in ("access_token", "refresh_token", "token_type", "scope")
                if answer.get(name)
            }
            payload = clean_secret_payload(CredentialKind.OAUTH, {**current, **fresh})
            credential.ciphertext = vault.encrypt(payload)
            credential.renewable = _renewable(credential.kind, payload)
            credential.expires_at = _expiry_from(answer, now)
            with transaction.atomic():
                _save_renewed(credential, used_by=used_by, fields=["renewable", "expires_at"])
    except vault.VaultKeyError:
        _record_unreadable(Credential.objects.get(pk=credential_id))
        raise
    return vault.SecretPayload(payload)


@sensitive_variables()
def credential_renew_session(
    *,
    credential_id: int,
    renewer: Callable[[dict], Mapping[str, Any]],
    used_by: str = "login",
    stale_session: Any = None,
) -> vault.SecretPayload:
    """Log in again for an account held by username and password and keep the new session
    (instagrapi's settings), so that the next use does not log in afresh.

    If the stored session is no longer ``stale_session`` (the one the platform just refused, or
    none), another worker logged in meanwhile: its session is returned without a new login.
    Otherwise ``renewer(current)`` logs in (outside any transaction: a login is not single-use
    like an OAuth refresh token, and holding a lock across a network call would stall the
    embedded database) and returns the new ``session``, which is saved under a row lock and
    committed before it is returned, unless another worker saved one first (then that one is
    kept and returned). If ``renewer`` raises, nothing changes.
    """

    def usable(payload: Mapping[str, Any]) -> bool:
        return bool(payload.get("session")) and payload.get("session") != stale_session

    try:
        credential = Credential.objects.get(pk=credential_id)
        _require_active(credential)
        if credential.kind != CredentialKind.INSTAGRAPI_SESSION:
            raise CredentialUnavailable(_("Only an Instagram login session can be renewed."))
        current = vault.decrypt(credential.ciphertext)
        if usable(current):
            with transaction.atomic():
                _record_use(credential, used_by=used_by)
            return current
        answer = renewer(vault.SecretPayload(current))
        vault.remember(answer)
        with transaction.atomic():
            credential = Credential.objects.select_for_update().get(pk=credential_id)
            stored = vault.decrypt(credential.ciphertext)
            if usable(stored):
                _record_use(credential, used_by=used_by)
                return stored
            payload = clean_secret_payload(
                CredentialKind.INSTAGRAPI_SESSION, {**stored, "session": answer.get("session")}
            )
            credential.ciphertext = vault.encrypt(payload)
            _save_renewed(credential, used_by=used_by)
    except vault.VaultKeyError:
        _record_unreadable(Credential.objects.get(pk=credential_id))
        raise
    return vault.SecretPayload(payload)


def vault_rotate_key(*, actor: User | None = None) -> int:
    """Re-encrypt every credential under the newest key of ``VAULT_KEYS``, in one transaction.

    Either every row is re-encrypted or none is: a row no key opens stops the whole rotation with
    ``vault.VaultKeyError`` naming the credential ids. Returns the number of rows re-encrypted.
    """
    with transaction.atomic():
        credentials = list(Credential.objects.select_for_update().order_by("pk"))
        unreadable = [c.pk for c in credentials if not vault.is_readable(c.ciphertext)]
        if unreadable:
            ids = ", ".join(f"#{pk}" for pk in unreadable)
            raise vault.VaultKeyError(
                f"Credentials {ids} cannot be decrypted with the keys in VAULT_KEYS; nothing was "
                "re-encrypted. Add the missing key to VAULT_KEYS (after the new one) and run again."
            )
        for credential in credentials:
            credential.ciphertext = vault.rotate(credential.ciphertext)
            Credential.objects.filter(pk=credential.pk).update(ciphertext=credential.ciphertext)
        audit_record(
            actor=actor, action="vault.rotate_key", details={"credentials": len(credentials)}
        )
    return len(credentials)


# --- the daily check ----------------------------------------------------------------------------


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


# --- notifications ------------------------------------------------------------------------------


def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    key: str,
    params: Mapping[str, Any] | None = None,
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Tell each recipient something in the portal (and by email, after commit). Once per ``key``:
    a recipient who already has a notification with this key gets nothing new."""
    created = []
    for recipient in recipients:
        notification, was_new = Notification.objects.get_or_create(
            recipient=recipient,
            key=key[:200],
            defaults={"kind": kind, "params": dict(params or {}), "url": url},
        )
        if was_new:
            created.append(notification)
    if email and created:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: _notification_email(ids))
    return created


def _notification_email(notification_ids: list[int]) -> None:
    from django.core.mail import send_mail

    for notification in Notification.objects.filter(pk__in=notification_ids).select_related(
        "recipient"
    ):
        if not notification.recipient.email:
            continue
        body = notification.message
        if notification.url:
            body += "\n\n" + _("Open it in the portal: %(url)s") % {"url": notification.url}
        send_mail(
            subject=_("Portal Media Center: %(message)s") % {"message": notification.message[:80]},
            message=body,
            from_email=None,
            recipient_list=[notification.recipient.email],
            fail_silently=True,
        )


def notification_settle(*, key_prefix: str) -> int:
    """Mark as read, for every recipient, the notifications about a matter that is settled (a
    post waiting for approval once someone approved, returned or rejected it): they no longer
    ask for anything. Returns how many."""
    return Notification.objects.filter(key__startswith=key_prefix, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications (all, or the given ones) as read; returns how many."""
    from .permissions import notification_policy

    queryset = notification_policy.instances_user_has_permission_for(user, "change").filter(
        read_at__isnull=True
    )
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())


LOGO_MAX_BYTES = 512 * 1024


def office_profile_save(
    *,
    actor: User,
    name: str,
    parent: str = "",
    address: str = "",
    contact: str = "",
    logo: bytes | None = None,
    remove_logo: bool = False,
    request: HttpRequest | None = None,
) -> OfficeProfile:
    """Set the office's profile (one row); Kepala Dinas. The logo must be a PNG or JPEG picture
    of at most ``LOGO_MAX_BYTES`` (it is opened to check, not trusted by its name)."""
    from .permissions import office_profile_policy

    if not office_profile_policy.user_has_permission(actor, "change"):
        raise PermissionDenied
    logo_type = ""
    if logo is not None:
        logo_type = _logo_type(logo)
    with transaction.atomic():
        profile, _created = OfficeProfile.objects.select_for_update().get_or_create(
            pk=1, defaults={"name": name}
        )
        profile.name, profile.parent = name.strip(), parent.strip()
        profile.address, profile.contact = address.strip(), contact.strip()
        if logo is not None:
            profile.logo, profile.logo_type = logo, logo_type
        elif remove_logo:
            profile.logo, profile.logo_type = b"", ""
        profile.full_clean()
        profile.save()
        audit_record(actor=actor, action="office_profile.update", target=profile, request=request)
    return profile


def _logo_type(data: bytes) -> str:
    import io

    from PIL import Image, UnidentifiedImageError

    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError({"logo": _("The logo is larger than 512 KB.")})
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValidationError({"logo": _("The logo must be a PNG or JPEG picture.")}) from exc
    if kind not in {"PNG", "JPEG"}:
        raise ValidationError({"logo": _("The logo must be a PNG or JPEG picture.")})
    return "image/png" if kind == "PNG" else "image/jpeg"
