"""Logins that wait for a person: Instagram meets a login of an account held by username and
password from a device it has not seen with a two-factor prompt or a challenge.

When the account has an authenticator seed in the vault the driver answers the prompt itself.
Otherwise the delivery records a :class:`~publishing.models.LoginWait` (the device that met the
prompt, encrypted) and the Kepala Dinas is told; on the channel's page he enters the code from the
account's phone (or, for a challenge, confirms it in the Instagram app and asks for a new try);
the worker then completes the login from the same device and keeps the session in the vault.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts import vault
from accounts.models import User
from accounts.permissions import credential_policy
from accounts.roles import Role
from accounts.services import audit_record, credential_renew_session, notification_send

from .. import enqueue
from ..drivers.errors import ChallengeRequired, DriverError
from ..drivers.registry import get_driver
from ..models import Channel, LoginWait
from ..vault import driver_secret

CODE = re.compile(r"^\d{6,8}$")


@sensitive_variables()
def login_wait_record(*, channel: Channel, exc: ChallengeRequired) -> LoginWait | None:
    """Keep what a login met (from a driver's ``ChallengeRequired`` with ``pending_settings``)
    and tell the Kepala Dinas once per wait. Returns ``None`` when the error says nothing."""
    device = getattr(exc, "pending_settings", None)
    waiting_for = getattr(exc, "waiting_for", "")
    if device is None or waiting_for not in LoginWait.Waiting.values:
        return None
    with transaction.atomic():
        wait, created = LoginWait.objects.select_for_update().get_or_create(
            channel=channel,
            defaults={"waiting_for": waiting_for, "device_ciphertext": vault.encrypt(device)},
        )
        if not created:
            wait.waiting_for = waiting_for
            wait.device_ciphertext = vault.encrypt(device)
            wait.code_ciphertext = ""
        wait.message = str(exc.user_message)[:300]
        wait.save()
        if created:
            heads = User.objects.filter(
                is_active=True, groups__name=Role.KEPALA_DINAS.value
            ).distinct()
            try:
                url = reverse("channels:channel_login_code", args=[channel.pk])
            except NoReverseMatch:
                url = ""
            notification_send(
                recipients=heads,
                kind="channel.login_wait",
                key=f"channel.login_wait:{channel.pk}:{wait.pk}:{wait.created_at:%Y%m%d%H%M%S}",
                params={"channel": str(channel), "waiting": str(wait.get_waiting_for_display())},
                url=url,
            )
    return wait


@sensitive_variables("code")
def login_code_submit(
    *, actor: User, channel: Channel, code: str = "", request: HttpRequest | None = None
) -> LoginWait:
    """The Kepala Dinas answers a waiting login: the code from the account's phone (two-factor),
    or nothing (a challenge he confirmed in the Instagram app). The code is kept encrypted until
    the worker uses it; the worker is asked after commit."""
    if not credential_policy.user_has_permission(actor, "add"):
        raise PermissionDenied(_("Only the Head of Department answers a platform's login check."))
    code = (code or "").replace(" ", "").strip()
    with transaction.atomic():
        try:
            wait = LoginWait.objects.select_for_update().get(channel=channel)
        except LoginWait.DoesNotExist:
            raise ValidationError(_("No login of this channel is waiting.")) from None
        if wait.waiting_for == LoginWait.Waiting.TWO_FACTOR and not CODE.match(code):
            raise ValidationError({"code": _("Enter the 6 to 8 digits of the code.")})
        wait.code_ciphertext = vault.encrypt({"code": code}) if code else ""
        wait.message = _("The login is being completed…")
        wait.save(update_fields=["code_ciphertext", "message", "updated_at"])
        audit_record(
            actor=actor,
            action="channel.login_code",
            target=channel,
            request=request,
            details={"waiting_for": wait.waiting_for},  # never the code
        )

        def ask_the_worker(channel_id: int = channel.pk) -> None:
            enqueue.complete_login(channel_id)

        transaction.on_commit(ask_the_worker)
    return wait


@sensitive_variables()
def login_wait_complete(*, channel_id: int) -> bool:
    """The worker's part: log in from the waiting device with the given code and keep the new
    session in the vault. True when logged in; a refused code keeps the wait (with the reason)."""
    channel = Channel.objects.select_related("credential").get(pk=channel_id)
    wait = LoginWait.objects.filter(channel=channel).first()
    if wait is None or channel.credential_id is None:
        return False
    device = dict(vault.decrypt(wait.device_ciphertext))
    code = vault.decrypt(wait.code_ciphertext).get("code", "") if wait.code_ciphertext else ""
    LoginWait.objects.filter(pk=wait.pk).update(code_ciphertext="")  # used once
    driver = get_driver(channel.driver)

    def renewer(stored: Any) -> dict[str, Any]:
        secret = driver_secret(channel, stored, channel.credential)
        renewed = driver.refresh({**secret, "settings": device, "verification_code": code})
        return {"session": renewed["settings"]}

    current = vault.decrypt(channel.credential.ciphertext)
    try:
        credential_renew_session(
            credential_id=channel.credential_id,
            renewer=renewer,
            used_by=f"login:{channel.pk}",
            stale_session=current.get("session") or None,
        )
    except ChallengeRequired as exc:
        login_wait_record(channel=channel, exc=exc)
        return False
    except DriverError as exc:
        LoginWait.objects.filter(pk=wait.pk).update(message=str(exc)[:300])
        return False
    LoginWait.objects.filter(pk=wait.pk).delete()
    return True
