"""The credential vault: store, rotate, revoke, reveal and use logins and tokens; renew OAuth tokens and sessions."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from .. import vault, vault_targets
from ..models import (
    SECRET_FIELDS,
    Credential,
    CredentialKind,
    CredentialStatus,
    HealthState,
    User,
    clean_secret_payload,
)
from ..roles import Role
from .audit import audit_record
from .two_factor import TwoFactorNotFresh, two_factor_is_fresh

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
    from ..permissions import credential_policy

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
    from ..permissions import credential_policy

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
