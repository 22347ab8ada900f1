"""Permission policies: one per model, asked by views, selectors and services alike.

Modelled on Wagtail's ``permission_policies``: a policy answers three questions about a model,
``user_has_permission``, ``user_has_permission_for_instance`` and
``instances_user_has_permission_for``. Apps subclass ``ModelPermissionPolicy`` and override what
their model needs (per-object rights through django-guardian, ownership, division).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent, Credential, Notification, User
from .roles import Role


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
    """Everyone sees and edits their own profile; Admin manages people."""

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        if user.is_authenticated and instance.pk == user.pk and action in {"view", "change"}:
            return True
        return self.user_has_permission(user, action)


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
