"""Permission policies: one per model, asked by views, selectors and services alike.

Modelled on Wagtail's ``permission_policies``: a policy answers three questions about a model,
``user_has_permission``, ``user_has_permission_for_instance`` and
``instances_user_has_permission_for``. Apps subclass ``ModelPermissionPolicy`` and override what
their model needs (per-object rights through django-guardian, ownership, division).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEvent, User
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


def user_is(user: Any, role: Role) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_role(role))


audit_event_policy = AuditEventPermissionPolicy(AuditEvent)
user_policy = UserPermissionPolicy(User)
