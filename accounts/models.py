from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext_lazy as _

from .roles import Role


class Division(models.Model):
    """A division (Bidang) of the office, with its duties (tugas pokok dan fungsi, "tupoksi")."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, unique=True)
    duties = models.TextField(_("duties (tupoksi)"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")

    def __str__(self) -> str:
        return self.short_name


class OfficeProfile(models.Model):
    """The office as its letters and reports name it: one row, set by the Kepala Dinas.

    The logo is kept in the database (a small PNG or JPEG) so that every report carries it
    without reaching the file storage.
    """

    name = models.CharField(_("office name"), max_length=200)
    parent = models.CharField(
        _("government"),
        max_length=200,
        blank=True,
        help_text=_("The line above the office name, e.g. the regency's government."),
    )
    address = models.TextField(_("address"), max_length=500, blank=True)
    contact = models.CharField(_("telephone, e-mail and website"), max_length=300, blank=True)
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("office profile")
        verbose_name_plural = _("office profile")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="office_profile_single_row")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of the office's staff. Roles are the groups in ``roles.Role``."""

    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email address"), unique=True)
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.get_full_name()

    @property
    def roles(self) -> list[Role]:
        """The person's roles, most senior first (cached per request on the instance)."""
        if not hasattr(self, "_roles_cache"):
            names = {g.name for g in self.groups.all()}
            self._roles_cache = [role for role in Role.by_seniority() if role.value in names]
        return self._roles_cache

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def role(self) -> Role | None:
        """The most senior role, used for display."""
        return self.roles[0] if self.roles else None


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One sensitive act: who did what to which object, when and from where.

    Append-only: rows are never changed or deleted by the portal. ``details`` never holds a secret
    (``accounts.services.audit_record`` refuses one).
    """

    actor = models.ForeignKey(
        User,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        related_name="audit_events",
        null=True,
        blank=True,
    )
    actor_repr = models.CharField(_("who"), max_length=200, blank=True)
    action = models.CharField(_("what"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


# --- the credential vault -----------------------------------------------------------------------


class CredentialKind(models.TextChoices):
    OAUTH = "oauth", _("OAuth token set")
    PASSWORD = "password", _("Username and password")
    API_KEY = "api_key", _("API key")
    INSTAGRAPI_SESSION = "instagrapi_session", _("Instagram login session")


@dataclass(frozen=True)
class SecretField:
    """One part of a credential's secret payload, as a form or the API takes it."""

    name: str
    label: str | Promise
    required: bool = False
    secret: bool = True  # typed in a password box, never shown again, blanked out of logs
    json: bool = False  # a JSON object (an instagrapi session's settings)
    primary: bool = False  # the part that changes when the credential is rotated


SECRET_FIELDS: dict[str, list[SecretField]] = {
    CredentialKind.OAUTH: [
        SecretField("access_token", _("Access token"), required=True, primary=True),
        SecretField("refresh_token", _("Refresh token")),
        SecretField("token_type", _("Token type"), secret=False),
        SecretField("scope", _("Scope"), secret=False),
    ],
    CredentialKind.PASSWORD: [
        SecretField("username", _("Username"), required=True, secret=False),
        SecretField("password", _("Password"), required=True, primary=True),
        SecretField("totp_seed", _("Two-factor (TOTP) seed")),
    ],
    CredentialKind.API_KEY: [
        SecretField("api_key", _("API key"), required=True, primary=True),
        SecretField("api_secret", _("API secret")),
    ],
    CredentialKind.INSTAGRAPI_SESSION: [
        SecretField("username", _("Username"), required=True, secret=False),
        SecretField("password", _("Password"), required=True, primary=True),
        SecretField("totp_seed", _("Two-factor (TOTP) seed")),
        # Instagram refuses many data-centre addresses: this account's own way out, if any.
        SecretField("proxy", _("Proxy address (http://user:password@host:port)")),
        SecretField("session", _("Session settings (JSON)"), json=True),
    ],
}

# Kinds that are a password a person chose: the guidelines' rotation period applies to them.
PASSWORD_KINDS = frozenset({CredentialKind.PASSWORD, CredentialKind.INSTAGRAPI_SESSION})

# A credential is shown as expiring this long before it expires.
EXPIRY_WARNING = timedelta(days=7)


def _is_base32(value: str) -> bool:
    import base64
    import binascii

    cleaned = value.replace(" ", "").upper()
    try:
        base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        return False
    return bool(cleaned)


def clean_secret_payload(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload reduced to the parts ``kind`` has, checked; ``ValidationError`` otherwise.

    Unknown parts are refused (so a typo never stores a secret under a name nobody reads), text
    parts are stripped, empty optional parts dropped. Error messages never repeat a value.
    """
    fields = {field.name: field for field in SECRET_FIELDS.get(kind, [])}
    if not fields:
        raise ValidationError({"kind": _("Unknown kind of credential.")})
    errors: dict[str, list] = {}
    unknown = sorted(set(payload) - set(fields))
    if unknown:
        errors["secret"] = [
            _("These parts do not belong to this kind of credential: %(names)s.")
            % {"names": ", ".join(unknown)}
        ]
    cleaned: dict[str, Any] = {}
    for name, field in fields.items():
        value = payload.get(name)
        if field.json:
            if isinstance(value, str):
                if not value.strip():
                    value = None
                else:
                    try:
                        value = json.loads(value)
                    except ValueError:
                        errors[name] = [_("This is not valid JSON.")]
                        continue
            if value is not None and not isinstance(value, dict):
                errors[name] = [_("A JSON object is expected here.")]
                continue
        elif value is not None:
            if not isinstance(value, str):
                errors[name] = [_("Text is expected here.")]
                continue
            value = value.strip() or None
        if value is None:
            if field.required:
                errors[name] = [_("This part is required.")]
            continue
        if name == "totp_seed" and not _is_base32(value):
            errors[name] = [_("A TOTP seed is a base32 text (letters A to Z and digits 2 to 7).")]
            continue
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


class CredentialStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class CredentialState(models.TextChoices):
    """What the vault page shows for a credential, computed from its status, dates and health."""

    ACTIVE = "active", _("Active")
    EXPIRING = "expiring", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    FAILING = "failing", _("Check failed")
    REVOKED = "revoked", _("Revoked")
    UNREADABLE = "unreadable", _("Cannot be decrypted")


class HealthState(models.TextChoices):
    UNKNOWN = "unknown", _("Not checked yet")
    OK = "ok", _("Healthy")
    EXPIRING = "expiring", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    ROTATION_DUE = "rotation_due", _("Rotation overdue")
    FAILING = "failing", _("Check failed")
    UNREADABLE = "unreadable", _("Cannot be decrypted")
    REVOKED = "revoked", _("Revoked")


class Credential(models.Model):
    """A secret that opens one of the office's accounts: held by the Kepala Dinas alone.

    What it unlocks is recorded on the other side: a model that needs a credential (a website's
    admin login, a social media channel) holds a foreign key to it and registers itself in
    ``accounts.vault_targets``. The secret payload is stored only encrypted (``ciphertext``,
    ``accounts.vault``); no other column holds any part of it.
    """

    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=CredentialKind.choices)
    ciphertext = models.TextField(_("encrypted secret"), editable=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CredentialStatus.choices,
        default=CredentialStatus.ACTIVE,
        db_index=True,
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        related_name="replaced_by",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    rotated_at = models.DateTimeField(_("last rotated"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # An OAuth token set with a refresh token: its short-lived access token (X: two hours) is
    # renewed when it expires, so its expiry is no problem. Known when the secret is stored.
    renewable = models.BooleanField(_("renews itself"), default=False, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_by = models.CharField(_("last used by"), max_length=100, blank=True)
    health_state = models.CharField(
        _("health"), max_length=20, choices=HealthState.choices, default=HealthState.UNKNOWN
    )
    health_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    health_message = models.CharField(_("health message"), max_length=500, blank=True)

    class Meta:
        ordering = ["label", "id"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        permissions = [
            ("reveal_credential", "Can reveal a credential's secret"),
            ("rotate_credential", "Can rotate a credential"),
            ("revoke_credential", "Can revoke a credential"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="active", revoked_at__isnull=True)
                | models.Q(status="revoked", revoked_at__isnull=False),
                name="credential_revoked_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_active(self) -> bool:
        return self.status == CredentialStatus.ACTIVE

    @cached_property
    def readable(self) -> bool:
        """Whether the configured keys open the stored secret (checked without decrypting)."""
        from . import vault

        return vault.is_readable(self.ciphertext)

    def state(self, now: datetime | None = None) -> CredentialState:
        now = now or timezone.now()
        if self.status == CredentialStatus.REVOKED:
            return CredentialState.REVOKED
        if not self.readable:
            return CredentialState.UNREADABLE
        if self.expires_at is not None and not self.renewable:
            if self.expires_at <= now:
                return CredentialState.EXPIRED
            if self.expires_at <= now + EXPIRY_WARNING:
                return CredentialState.EXPIRING
        if self.health_state == HealthState.FAILING:
            return CredentialState.FAILING
        return CredentialState.ACTIVE

    def rotation_due(self, period: timedelta, now: datetime | None = None) -> bool:
        """A password kept longer than the guidelines allow (revoked ones never are)."""
        if self.status != CredentialStatus.ACTIVE or self.kind not in PASSWORD_KINDS:
            return False
        return self.rotated_at <= (now or timezone.now()) - period


# --- notifications ------------------------------------------------------------------------------

NOTIFICATION_MESSAGES: dict[str, Promise] = {
    "credential.expiring": _("The credential “%(label)s” expires on %(date)s."),
    "credential.expired": _("The credential “%(label)s” expired on %(date)s."),
    "credential.rotation_due": _(
        "The password “%(label)s” has not been changed since %(date)s; the guidelines ask for a "
        "new one every %(days)s days."
    ),
    "credential.unreadable": _(
        "The credential “%(label)s” cannot be decrypted: its key is missing from VAULT_KEYS or "
        "the stored value was altered."
    ),
    "credential.failing": _("The credential “%(label)s” failed its check: %(message)s"),
    "two_factor.enrol": _(
        "A new authenticator app was set up for your account on %(date)s. If this was not you, "
        "tell the Kepala Dinas at once."
    ),
    "two_factor.recovery_codes": _(
        "New recovery codes were made for your account on %(date)s; the earlier ones no longer "
        "work."
    ),
    "two_factor.recovery_used": _(
        "A recovery code was used to sign in to your account on %(date)s; %(remaining)s left. "
        "If this was not you, tell the Kepala Dinas at once."
    ),
    "two_factor.reset": _(
        "The second factor of %(person)s was reset on the server on %(date)s; a new "
        "authenticator app is set up at the next sign-in."
    ),
    "user.role_change": _(
        "The roles of %(person)s were changed by %(actor)s on %(date)s: from %(before)s to "
        "%(after)s."
    ),
    "user.password_set": _(
        "Your password was set by %(actor)s on %(date)s. If you did not ask for it, tell the "
        "Kepala Dinas at once."
    ),
}


class Notification(models.Model):
    """A message for one person in the portal (and by email), e.g. a credential about to expire.

    ``key`` makes sending idempotent: the same news is never given twice to the same person.
    The text is rendered when shown, in the reader's language, from ``kind`` and ``params``.
    """

    recipient = models.ForeignKey(
        User,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=60)
    key = models.CharField(_("key"), max_length=200)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key")
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        template = NOTIFICATION_MESSAGES.get(self.kind)
        if template is None:
            return self.kind
        params = dict(self.params)
        if params.get("date"):
            from django.utils.dateparse import parse_datetime

            moment = parse_datetime(params["date"])
            if moment is not None:
                params["date"] = formats.date_format(timezone.localtime(moment), "DATE_FORMAT")
        try:
            return str(template) % params
        except (KeyError, TypeError, ValueError):
            return str(template)
