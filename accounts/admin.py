from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AuditEvent, Credential, Division, User
from .permissions import user_policy
from .roles import Role


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name"]
    search_fields = ["name", "short_name"]


class PortalUserChangeForm(UserChangeForm):
    """The admin's user form: roles (the table in ``accounts.roles``) and superuser instead of raw
    groups, flags and permissions, checked by ``UserPermissionPolicy``; a fresh code from the
    authenticator app is asked here when the change needs one."""

    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    superuser = forms.BooleanField(
        label=_("Superuser"),
        required=False,
        help_text=_("Every permission in the admin; granted only by the Kepala Dinas."),
    )
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=8,
        help_text=_(
            "Needed when the Admin or Kepala Dinas role, or superuser, changes and your last "
            "code is more than five minutes old."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    request = None  # set by ``UserAdmin.get_form``

    class Meta(UserChangeForm.Meta):
        model = User
        exclude = ["groups", "user_permissions", "is_superuser", "is_staff"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = [role.value for role in self.instance.roles]
            self.fields["superuser"].initial = self.instance.is_superuser

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        actor = self.request.user
        roles = {Role(value) for value in cleaned.get("roles", [])}
        is_superuser = bool(cleaned.get("superuser"))
        reason = services.user_role_change_refusal(
            actor=actor,
            user=self.instance,
            roles=roles,
            is_superuser=is_superuser,
            request=self.request,
        )
        token = (cleaned.get("otp_token") or "").strip()
        if reason == "fresh" and token:
            if services.two_factor_verify(request=self.request, user=actor, token=token).ok:
                reason = None
            else:
                self.add_error(
                    "otp_token",
                    _("That code is not right. Check your phone's clock and try again."),
                )
                return cleaned
        if reason:
            field = "otp_token" if reason == "fresh" else "roles"
            self.add_error(field, services.RoleChangeRefused(reason).args[0])
            services.audit_record(
                actor=actor,
                action="user.role_change_refused",
                target=self.instance,
                request=self.request,
                details={
                    "reason": reason,
                    "asked": sorted(r.value for r in roles),
                    "superuser_asked": is_superuser,
                },
            )
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """People, as the Admin (Staf and Editors) and the Kepala Dinas (everyone else) manage them.

    Nobody changes themselves here (one's own password changes on the profile page, with the old
    one). An account the person may not manage (``UserPermissionPolicy.user_may_manage``) is
    shown read-only, and its password and second factor cannot be reached. Roles and superuser
    change through ``services.user_roles_set`` (audited, notified).
    """

    form = PortalUserChangeForm
    ordering = ["username"]
    list_display = ["username", "full_name", "email", "division", "role_names", "is_active"]
    list_filter = ["division", "is_active"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["full_name", "email", "phone", "division"]}),
        (_("Access"), {"fields": ["is_active", "roles", "superuser", "otp_token"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_view_fieldsets = [
        (None, {"fields": ["username"]}),
        (_("Person"), {"fields": ["full_name", "email", "phone", "division"]}),
        (_("Access"), {"fields": ["is_active", "role_names", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "email", "division", "password1", "password2"],
            },
        )
    ]

    @admin.display(description=_("Roles"))
    def role_names(self, obj: User) -> str:
        return ", ".join(str(role.label) for role in obj.roles) or "—"

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return super().has_change_permission(request, obj)
        return user_policy.user_may_manage(request.user, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and not user_policy.user_may_manage(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.readonly_view_fieldsets
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            services.audit_record(
                actor=request.user, action="user.create", target=obj, request=request
            )
            return
        super().save_model(request, obj, form, change)
        services.user_roles_set(
            actor=request.user,
            user=obj,
            roles={Role(value) for value in form.cleaned_data.get("roles", [])},
            is_superuser=bool(form.cleaned_data.get("superuser")),
            request=request,
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            self._record_refusal(request, object_id, "change")
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _record_refusal(self, request, object_id, what: str) -> None:
        """An attempt to change a person one may not manage is kept in the audit log."""
        target = User.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if target is not None and not user_policy.user_may_manage(request.user, target):
            services.audit_record(
                actor=request.user,
                action="user.change_refused",
                target=target,
                request=request,
                details={"what": what},
            )

    def user_change_password(self, request, id, form_url=""):
        if request.method == "POST":
            self._record_refusal(request, id, "password")
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = User.objects.get(pk=id)
            services.user_password_changed(actor=request.user, user=target, request=request)
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, even for superusers."""

    list_display = [
        "created_at",
        "actor_repr",
        "action",
        "object_type",
        "object_repr",
        "ip_address",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_repr", "object_repr", "action"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Metadata only, read-only: no secret and no ciphertext is ever shown here. Credentials are
    created, changed and revoked in the vault's own pages, by the Kepala Dinas."""

    list_display = [
        "label",
        "kind",
        "status",
        "expires_at",
        "rotated_at",
        "last_used_at",
        "health_state",
    ]
    list_filter = ["kind", "status", "health_state"]
    search_fields = ["label"]
    fields = [
        "label",
        "kind",
        "status",
        "created_by",
        "created_at",
        "rotated_at",
        "expires_at",
        "revoked_at",
        "revoke_reason",
        "last_used_at",
        "last_used_by",
        "health_state",
        "health_checked_at",
        "health_message",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("ciphertext")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
