from django.contrib.auth.models import AbstractUser
from django.db import models
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
