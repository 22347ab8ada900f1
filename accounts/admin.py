from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Credential, Division, User


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name"]
    search_fields = ["name", "short_name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["username"]
    list_display = ["username", "full_name", "email", "division", "is_active"]
    list_filter = ["division", "groups", "is_active"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["full_name", "email", "phone", "division"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "email", "division", "password1", "password2"],
            },
        )
    ]


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
