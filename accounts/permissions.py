"""Permission policies: one per model, asked by views, selectors and services alike.

Modelled on Wagtail's ``permission_policies``: a policy answers three questions about a model,
``user_has_permission``, ``user_has_permission_for_instance`` and
``instances_user_has_permission_for``. Apps subclass ``ModelPermissionPolicy`` and override what
their model needs (per-object rights through django-guardian, ownership, division).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent, Credential, Notification, OfficeProfile, User
from .roles import ADMIN_MANAGED_ROLES, Role


class ModelPermissionPolicy:
    """Rights from Django's model permissions (granted to roles in ``roles.ROLE_PERMISSIONS``)."""

    def __init__(self, model: type[models.Model]):
        self.model = model

    def _perm(self, action: str) -> str:
        return f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"

    def user_has_permission(self, user: Any, action: str) -> bool:
        if not (user and user.is_active and user.is_authenticated):
            return False
        return user.has_perm(self._perm(action))

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_permission(user, action)

    def instances_user_has_permission_for(self, user: Any, action: str) -> models.QuerySet:
        if self.user_has_permission(user, action):
            return self.model._default_manager.all()
        return self.model._default_manager.none()


class AuditEventPermissionPolicy(ModelPermissionPolicy):
    """Kepala Dinas and Admin read the audit log; nobody changes it."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action != "view":
            return False
        return super().user_has_permission(user, action)


class UserPermissionPolicy(ModelPermissionPolicy):
    """Everyone sees and edits their own profile (on the profile page); Admin manages people.

    Who may manage whom (their data, password, second factor, active flag, roles):

    - nobody manages themselves here: one's own password changes with the old one on the profile
      page, and one's own roles not at all;
    - the Kepala Dinas manages everyone else;
    - a superuser who is not Kepala Dinas manages everyone but a Kepala Dinas or another superuser;
    - the Admin manages only people whose roles are all in ``ADMIN_MANAGED_ROLES`` (Staf, Editor)
      and who are not superusers;
    - granting or taking away a role outside ``ADMIN_MANAGED_ROLES``, or superuser, needs the
      Kepala Dinas with a fresh second factor (or the server's ``manage.py set_role``).
    """

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        if user.is_authenticated and instance.pk == user.pk and action in {"view", "change"}:
            return True
        if action in {"change", "delete"}:
            return self.user_may_manage(user, instance)
        return self.user_has_permission(user, action)

    def user_may_manage(self, actor: Any, target: Any) -> bool:
        if not self.user_has_permission(actor, "change"):
            return False
        if target.pk is not None and target.pk == actor.pk:
            return False
        if user_is(actor, Role.KEPALA_DINAS):
            return True
        target_roles = set(target.roles) if target.pk is not None else set()
        if actor.is_superuser:
            return not (target.is_superuser or Role.KEPALA_DINAS in target_roles)
        if user_is(actor, Role.ADMIN):
            return not target.is_superuser and target_roles <= ADMIN_MANAGED_ROLES
        return False

    def role_change_refusal(
        self,
        actor: Any,
        target: Any,
        *,
        roles: set[Role],
        is_superuser: bool,
        fresh_second_factor: bool,
    ) -> str | None:
        """Why ``actor`` may not give ``target`` these roles and superuser flag (None: allowed).

        ``"fresh"`` means the change is allowed once the actor gives a fresh second factor.
        """
        before = set(target.roles) if target.pk is not None else set()
        changed = before ^ set(roles)
        if not changed and bool(target.is_superuser) == bool(is_superuser):
            return None
        if target.pk is not None and target.pk == actor.pk:
            return "self"
        if not self.user_may_manage(actor, target):
            return "target"
        if changed <= ADMIN_MANAGED_ROLES and bool(target.is_superuser) == bool(is_superuser):
            return None
        if not user_is(actor, Role.KEPALA_DINAS):
            return "kepala_dinas_only"
        if not fresh_second_factor:
            return "fresh"
        return None


class CredentialPermissionPolicy(ModelPermissionPolicy):
    """The vault opens for the Kepala Dinas alone.

    The right must come from the role's permissions (``roles.ROLE_PERMISSIONS``) AND the person must
    hold the Kepala Dinas role: a superuser, whom Django grants every permission, or an Admin, sees
    no credential unless also Kepala Dinas. Nobody deletes a credential (it is revoked and kept).
    """

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "delete" or not user_is(user, Role.KEPALA_DINAS):
            return False
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        if action in {"change", "rotate", "reveal"} and instance.status != "active":
            return False  # a revoked credential is kept for the record only
        return self.user_has_permission(user, action)


class NotificationPermissionPolicy(ModelPermissionPolicy):
    """Everyone reads and marks their own notifications; nobody else's."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return bool(
            user and user.is_authenticated and user.is_active and action in {"view", "change"}
        )

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_permission(user, action) and instance.recipient_id == user.pk

    def instances_user_has_permission_for(self, user: Any, action: str) -> models.QuerySet:
        if not self.user_has_permission(user, action):
            return self.model._default_manager.none()
        return self.model._default_manager.filter(recipient=user)


def user_is(user: Any, role: Role) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_role(role))


audit_event_policy = AuditEventPermissionPolicy(AuditEvent)
user_policy = UserPermissionPolicy(User)
credential_policy = CredentialPermissionPolicy(Credential)
notification_policy = NotificationPermissionPolicy(Notification)


class OfficeProfilePermissionPolicy(ModelPermissionPolicy):
    """Every member of staff reads the office profile (it heads the reports); the Kepala Dinas
    alone changes it (``accounts.change_officeprofile``)."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "view":
            return bool(user and user.is_active and user.is_authenticated)
        if action in {"add", "delete"}:
            return False
        return super().user_has_permission(user, action)


office_profile_policy = OfficeProfilePermissionPolicy(OfficeProfile)
