"""Channels: the office's accounts on the platforms, who is responsible for each, and connecting
them (their login goes to the vault; the channel keeps only a reference).

Responsibility lives in one place: the channel's ``responsible_division`` and its ``staff``
(a many-to-many field). ``publishing.permissions.channel_policy`` reads them directly; assigning
staff grants no separate django-guardian right, so there is never a second list to keep in step
(a ``post_to_channel`` grant remains possible for a person outside the assignment, and the
registry reports it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts.models import Credential, CredentialKind, Division, User
from accounts.permissions import credential_policy
from accounts.services import audit_record, credential_create
from accounts.vault_targets import CheckResult

from ..drivers.errors import DriverError
from ..drivers.facts import ConnectTarget
from ..drivers.registry import driver_class, facts_of, platform_of
from ..drivers.types import CredentialHealth, HealthState
from ..models import Channel
from ..permissions import channel_policy
from .channel_client import call_channel, channel_driver


def _require(actor: User | None, action: str, message: str) -> None:
    if not channel_policy.user_has_permission(actor, action):
        raise PermissionDenied(message)


def _people(people: Iterable[User]) -> list[str]:
    return sorted(person.username for person in people)


@transaction.atomic
def channel_create(
    *,
    actor: User | None,
    name: str,
    handle: str,
    driver: str,
    account_group: str,
    external_id: str = "",
    credential: Credential | None = None,
    responsible_division: Division | None = None,
    staff: Iterable[User] = (),
    platform_two_factor: bool = False,
    is_active: bool = True,
) -> Channel:
    """Add one of the office's accounts. Only the Kepala Dinas (``actor``; ``None`` for the demo
    seed and management commands) adds channels. The platform follows from the driver."""
    if actor is not None and not channel_policy.user_has_permission(actor, "add"):
        raise PermissionDenied(_("Only the Head of Department adds channels."))
    channel = Channel(
        platform=platform_of(driver),
        name=name,
        handle=handle,
        driver=driver,
        account_group=account_group,
        external_id=external_id,
        credential=credential,
        responsible_division=responsible_division,
        platform_two_factor=platform_two_factor,
        is_active=is_active,
    )
    channel.full_clean()
    channel.save()
    channel.staff.set(list(staff))
    audit_record(
        actor=actor,
        action="channel.create",
        target=channel,
        details={"driver": driver, "division": getattr(responsible_division, "short_name", None)},
    )
    return channel


def channel_assign(
    *,
    actor: User,
    channel: Channel,
    division: Division | None,
    staff: Iterable[User],
    request: HttpRequest | None = None,
) -> Channel:
    """Make ``division`` responsible for the channel and ``staff`` the people who run it; Kepala
    Dinas only. Who may draft, submit and approve follows at once (``channel_policy``).

    A change is one audit event ("channel.assign") with the division before and after and the
    staff added and removed; an assignment that changes nothing records nothing.
    """
    _require(actor, "assign", _("Only the Head of Department assigns channels."))
    staff = list(staff)
    inactive = [person for person in staff if not person.is_active]
    if inactive:
        raise ValidationError({"staff": _("Only active members of staff can run a channel.")})
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        before_division = locked.responsible_division
        before_staff = _people(locked.staff.all())
        after_staff = _people(staff)
        locked.responsible_division = division
        locked.full_clean()
        locked.save(update_fields=["responsible_division", "updated_at"])
        locked.staff.set(staff)
        if before_division != division or before_staff != after_staff:
            audit_record(
                actor=actor,
                action="channel.assign",
                target=locked,
                request=request,
                details={
                    "division": {
                        "from": before_division.short_name if before_division else None,
                        "to": division.short_name if division else None,
                    },
                    "staff": {"from": before_staff, "to": after_staff},
                    "staff_added": sorted(set(after_staff) - set(before_staff)),
                    "staff_removed": sorted(set(before_staff) - set(after_staff)),
                },
            )
    channel.refresh_from_db()
    return channel


_FACTS = ("name", "handle", "account_group", "external_id", "platform_two_factor", "options")


def _options(channel: Channel, values: Mapping[str, Any]) -> dict[str, str]:
    """``values`` as the channel's driver declares its options; a refused one names its field."""
    facts = facts_of(channel.driver)
    cleaned: dict[str, str] = {}
    for option in facts.channel_options:
        try:
            cleaned[option.name] = option.clean(values.get(option.name))
        except ValueError:
            raise ValidationError(
                {option.name: _("This value is not one %(label)s takes.") % {"label": option.label}}
            ) from None
    return cleaned


def channel_update(
    *,
    actor: User,
    channel: Channel,
    name: str,
    handle: str,
    account_group: str,
    external_id: str = "",
    platform_two_factor: bool = False,
    options: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Channel:
    """Change a channel's facts (name, handle, group, account id, two-factor on the platform,
    the options its driver offers; ``None`` keeps them); Kepala Dinas only. Its driver, credential and assignment change elsewhere (``channel_assign``,
    ``channel_connect``). One audit event names the fields that changed."""
    _require(actor, "change", _("Only the Head of Department changes channels."))
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        new = {
            "name": name.strip(),
            "handle": handle.strip(),
            "account_group": account_group,
            "external_id": external_id.strip(),
            "platform_two_factor": bool(platform_two_factor),
            "options": locked.options if options is None else _options(locked, options),
        }
        changed = [field for field in _FACTS if getattr(locked, field) != new[field]]
        for field, value in new.items():
            setattr(locked, field, value)
        locked.full_clean()
        locked.save()
        if changed:
            audit_record(
                actor=actor,
                action="channel.update",
                target=locked,
                request=request,
                details={"changed": changed},
            )
    channel.refresh_from_db()
    return channel


def channel_set_active(
    *, actor: User, channel: Channel, is_active: bool, request: HttpRequest | None = None
) -> Channel:
    """Switch a channel on or off (an inactive channel is offered to no post); Kepala Dinas only."""
    _require(actor, "change", _("Only the Head of Department changes channels."))
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        if locked.is_active != is_active:
            locked.is_active = is_active
            locked.save(update_fields=["is_active", "updated_at"])
            audit_record(
                actor=actor,
                action="channel.activate" if is_active else "channel.deactivate",
                target=locked,
                request=request,
            )
    channel.refresh_from_db()
    return channel


# --- connecting an account ----------------------------------------------------------------------


class ConnectError(Exception):
    """Connecting the account did not work; the message says why in words a person understands
    (it never holds a token). Nothing was stored."""


def _require_connect(actor: User, channel: Channel) -> None:
    if not (
        credential_policy.user_has_permission(actor, "add")
        and channel_policy.user_has_permission_for_instance(actor, "change", channel)
    ):
        raise PermissionDenied(_("Only the Head of Department connects channels."))


@sensitive_variables()
def channel_connect(
    *,
    actor: User,
    channel: Channel,
    kind: str,
    secret: Mapping[str, Any],
    external_id: str = "",
    expires_at: datetime | None = None,
    via: str = "oauth",
    granted_permissions: list[str] | None = None,
    request: HttpRequest | None = None,
) -> Credential:
    """Store a new login for the channel in the vault; Kepala Dinas only.

    The new credential becomes the channel's; the previous one, unless another channel still uses
    it, is revoked and kept for the record (``accounts.services.credential_create``). The account
    id the platform named fills the channel's ``external_id``. One audit event ("channel.connect")
    names the credentials, never a secret.
    """
    _require_connect(actor, channel)
    with transaction.atomic():
        previous_id = Channel.objects.select_for_update().get(pk=channel.pk).credential_id
        credential = credential_create(
            actor=actor,
            label=f"{channel.name} ({channel.display_handle})",
            kind=kind,
            secret=secret,
            target=channel,
            expires_at=expires_at,
            request=request,
        )
        if external_id and external_id != channel.external_id:
            Channel.objects.filter(pk=channel.pk).update(external_id=external_id)
        # A new login's grants are read anew (None: not known for this login).
        Channel.objects.filter(pk=channel.pk).update(
            granted_permissions=sorted(granted_permissions)
            if granted_permissions is not None
            else None,
            permissions_read_at=timezone.now() if granted_permissions is not None else None,
        )
        audit_record(
            actor=actor,
            action="channel.connect",
            target=channel,
            request=request,
            details={"via": via, "credential": credential.pk, "replaces": previous_id},
        )
        # Ask the platform at once whether the new login works (the daily check, for one).
        credential_id = credential.pk
        transaction.on_commit(lambda: _check_soon(credential_id))
    channel.refresh_from_db()
    return credential


def _check_soon(credential_id: int) -> None:
    from accounts.tasks import check_credential

    check_credential.delay(credential_id)


@dataclass(frozen=True)
class ConnectStart:
    """Where to send the Kepala Dinas, and what the portal keeps until the platform calls back."""

    url: str
    state: str
    code_verifier: str = ""  # PKCE (X): proves the callback belongs to this start


def channel_connect_start(*, actor: User, channel: Channel, redirect_uri: str) -> ConnectStart:
    """The platform's authorisation page for this channel, as its driver connects (Facebook
    Login for a Page or its Instagram business account; X with PKCE). Stores nothing: the
    caller keeps ``state`` (and the verifier) for the callback, once."""
    _require_connect(actor, channel)
    if facts_of(channel.driver).oauth is None:
        raise ConnectError(
            _("This account is connected with a username and password; enter them in the vault.")
        )
    started = driver_class(channel.driver).connect_start(redirect_uri=redirect_uri)
    return ConnectStart(
        url=started["url"], state=started["state"], code_verifier=started.get("code_verifier", "")
    )


@sensitive_variables()
def channel_connect_finish(
    *,
    actor: User,
    channel: Channel,
    code: str,
    redirect_uri: str,
    code_verifier: str = "",
    request: HttpRequest | None = None,
) -> Credential:
    """Exchange the platform's one-time ``code`` (the caller has checked ``state``) for the
    account's tokens through the channel's driver, and store them through
    :func:`channel_connect`.

    Facebook: code → user token → long-lived token → ``/me/accounts`` → the Page token of this
    channel's Page (for an Instagram business account, of the Page it is linked to). X: code and
    PKCE verifier → access and refresh tokens (``offline.access``). ``ConnectError`` when the
    platform refuses or the account is not the channel's; then nothing is stored.
    """
    _require_connect(actor, channel)
    target = ConnectTarget(
        external_id=channel.external_id,
        handle=channel.handle,
        name=channel.name,
        display_handle=channel.display_handle,
    )
    try:
        login = driver_class(channel.driver).connect_finish(
            code=code, redirect_uri=redirect_uri, code_verifier=code_verifier, target=target
        )
    except DriverError as exc:
        raise ConnectError(str(exc)) from None
    return channel_connect(
        actor=actor,
        channel=channel,
        kind=CredentialKind.OAUTH,
        secret=login.secret,
        external_id=login.external_id,
        expires_at=login.expires_at,
        granted_permissions=login.granted,
        request=request,
    )


def channel_record_health(*, channel: Channel, scopes: list[str] | tuple[str, ...]) -> None:
    """Keep what a connection test read of the login's grants on the channel (not secret)."""
    Channel.objects.filter(pk=channel.pk).update(
        granted_permissions=sorted(scopes), permissions_read_at=timezone.now()
    )


def channel_test_connection(
    *, actor: User, channel: Channel, request: HttpRequest | None = None
) -> CredentialHealth:
    """Ask the platform, read-only, what the channel's login can do: who it is, what it was
    granted (kept on the channel), and what the platform reports of its limits. Kepala Dinas
    only; the secret is decrypted for the call and goes nowhere else. Audited."""
    _require_connect(actor, channel)
    if channel.credential_id is None:
        raise ConnectError(_("This channel has no login in the vault yet."))
    health = call_channel(
        channel,
        lambda driver, secret: driver.check_credential(secret),
        used_by=f"test:channel:{channel.pk}",
        driver=channel_driver(channel, metered=False),
        renew=False,
    )
    if health.ok and health.scopes:
        channel_record_health(channel=channel, scopes=health.scopes)
    audit_record(
        actor=actor,
        action="channel.test",
        target=channel,
        request=request,
        details={"state": str(health.state), "missing": [name for name, _b in health.missing]},
    )
    return health


def permission_uses(channel: Channel) -> list[tuple[str, str]]:
    """``(permission, what it is for)`` for each permission the channel's driver wants."""
    from ..drivers.registry import get_driver

    uses = getattr(get_driver(channel.driver), "permission_uses", None)
    return [(name, str(text)) for name, text in uses()] if uses else []


def setup_facts(request: HttpRequest) -> dict[str, Any]:
    """What the setup guide shows, computed from this portal's own settings and address."""
    from django.urls import reverse

    from ..drivers.registry import oauth_setups

    origin = request.build_absolute_uri("/").rstrip("/")
    sections = []
    for connect in oauth_setups():
        redirect = request.build_absolute_uri(
            reverse("channels:oauth_callback", args=[connect.callback])
        )
        facts = {"redirect": redirect}
        if connect.setup_facts is not None:
            facts = connect.setup_facts(redirect=redirect, site_origin=origin)
        sections.append({"template": connect.setup_template, **facts})
    return {"sections": sections}


_MESSAGES = {
    HealthState.EXPIRED: lambda: _("The platform no longer accepts this login."),
    HealthState.NEEDS_ATTENTION: lambda: _("The platform asks for a security check by a person."),
    HealthState.UNREACHABLE: lambda: _("The platform did not answer the check."),
}


@sensitive_variables()
def check_channel_credential(credential: Credential, channel: Channel) -> CheckResult:
    """Ask the channel's driver whether its login still works (the vault's daily check, inside
    the worker). The secret is decrypted here through the vault and goes nowhere else."""
    wait = getattr(channel, "login_wait", None) if channel.pk else None
    if wait is not None:
        # A login of this account waits for the Kepala Dinas: asking again would only make the
        # platform send another code.
        return CheckResult(
            ok=False, message=str(wait.message or _MESSAGES[HealthState.NEEDS_ATTENTION]())
        )
    if channel.credential_id != credential.pk:
        channel.credential = credential  # the credential the vault checks, even before it is linked
    health = call_channel(
        channel,
        lambda driver, secret: driver.check_credential(secret),
        used_by=f"check:channel:{channel.pk}",
        renew=False,
    )
    if health.ok and health.scopes:
        # What the login is granted today (a permission removed on the platform shows at once).
        channel_record_health(channel=channel, scopes=health.scopes)
    if health.ok:
        return CheckResult(ok=True, message=health.message)
    message = health.message or _MESSAGES.get(health.state, lambda: "")()
    return CheckResult(ok=False, message=str(message), revoked=health.state == HealthState.EXPIRED)
