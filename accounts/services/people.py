"""People and access: divisions, accounts, roles, passwords, API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from ..models import (
    Division,
    User,
)
from ..roles import TWO_FACTOR_ROLES, Role
from .audit import audit_record
from .notifications import notification_send
from .two_factor import TwoFactorNotFresh, _kepala_dinas, two_factor_is_fresh, user_sessions_end


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
    from ..permissions import user_policy

    return user_policy.role_change_refusal(
        actor,
        user,
        roles={Role(r) for r in roles},
        is_superuser=is_superuser,
        fresh_second_factor=request is not None and two_factor_is_fresh(request),
    )


def _roles_text(roles: Iterable[Role], superuser: bool) -> str:
    """Roles as the notification names them: "editor, staf + superuser", or a dash for none."""
    text = ", ".join(sorted(r.value for r in roles)) or "—"
    return text + " + superuser" if superuser else text


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
        notification_send(
            recipients={user, *_kepala_dinas()},
            kind="user.role_change",
            key=f"user.role_change:{user.pk}:{event.pk}",
            params={
                "person": str(user),
                "before": _roles_text(before, superuser_before),
                "after": _roles_text(wanted, bool(is_superuser)),
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
