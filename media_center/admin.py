from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import EmbedSite, GuidelineVersion, Survey, Vote, Website, WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "last_seen"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    """Surveys are run from the portal's own pages (services, audit); the admin only reads."""

    list_display = ["slug", "question", "is_open", "is_featured", "created_at"]
    readonly_fields = [f.name for f in Survey._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Votes are what the public said: nobody adds, changes or deletes one."""

    list_display = ["survey", "answer", "created_at", "site"]
    list_filter = ["survey", "answer"]
    readonly_fields = [f.name for f in Vote._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmbedSite)
class EmbedSiteAdmin(admin.ModelAdmin):
    list_display = ["origin", "name", "added_by", "created_at"]
    readonly_fields = [f.name for f in EmbedSite._meta.fields]

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the portal's pages (permission-checked and audited), not the admin."""

    # Addresses without a scheme are taken as https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Website)
class WebsiteAdmin(ReadOnlyAdmin):
    list_display = ["name", "address", "responsible_division", "platform_two_factor"]
    list_filter = ["responsible_division", "platform_two_factor"]
    search_fields = ["name", "address"]
    fields = [
        "name",
        "address",
        "responsible_division",
        "staff",
        "credential_label",
        "platform_two_factor",
        "notes",
    ]
    readonly_fields = fields

    @admin.display(description=_("admin login"))
    def credential_label(self, obj: Website) -> str:
        return obj.credential.label if obj.credential else "—"


@admin.register(GuidelineVersion)
class GuidelineVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "regulation_number", "regulation_date", "created_at"]
    fields = [
        "number",
        "title",
        "regulation_number",
        "regulation_date",
        "rotation_days",
        "body",
        "change_note",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields
