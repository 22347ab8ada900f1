"""The portal's Django admin: opened by role, a plain 403 page for everyone else.

Django's own site lets in any ``is_staff`` account and sends a signed-in person without the right
back to its login page, which (being the portal's login) sends them on to the admin again: a loop.
Here the admin opens to the Admin and the Kepala Dinas (and a superuser) only; anyone else who is
signed in gets the portal's 403 page. Models whose rows decide who may do what (groups, second
factor devices) are not in the admin at all: roles change through ``accounts.services``.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(AdminSite):
    site_header = _("Portal Media Center administration")
    site_title = _("Portal Media Center")
    index_title = _("Administration")

    def has_permission(self, request) -> bool:
        from accounts.roles import Role

        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        return bool(
            user.is_superuser or user.has_role(Role.ADMIN) or user.has_role(Role.KEPALA_DINAS)
        )

    def password_change(self, request, extra_context=None):
        # One's own password changes on the portal's page (old password, audit, API token
        # revoked), never on a second form of the admin's.
        return redirect("accounts:password_change")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def guarded(request, *args, **kwargs):
            if (
                request.user.is_authenticated
                and not self.has_permission(request)
                and request.path != reverse("admin:logout", current_app=self.name)
            ):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return guarded


# Registered by Django and django-otp, but managed elsewhere: roles are the table in
# ``accounts.roles`` (its groups are kept in step after every migration), and second factors are
# enrolled, replaced and reset through the portal's pages and ``manage.py reset_second_factor``.
_NOT_IN_THE_ADMIN = [
    "auth.Group",
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
]


class PortalAdminConfig(AdminConfig):
    default_site = "config.admin_site.PortalAdminSite"

    def ready(self):
        super().ready()
        from django.apps import apps
        from django.contrib import admin

        for label in _NOT_IN_THE_ADMIN:
            model = apps.get_model(label)
            if admin.site.is_registered(model):
                admin.site.unregister(model)
