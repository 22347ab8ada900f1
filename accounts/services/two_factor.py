"""The second factor: TOTP enrolment, recovery codes, verification, reset."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from ..models import (
    AuditEvent,
    User,
)
from ..roles import Role
from .audit import audit_record
from .notifications import notification_send

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


def two_factor_is_fresh(request: HttpRequest) -> bool:
    """Whether the second factor was given within ``OTP_FRESH_SECONDS`` (for the vault)."""
    verified_at = request.session.get("otp_verified_at")
    if not verified_at or not request.user.is_verified():
        return False
    return timezone.now().timestamp() - float(verified_at) <= settings.OTP_FRESH_SECONDS


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
