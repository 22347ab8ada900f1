from django.contrib import admin

from .models import EmbedSite, Survey, Vote, WorkerHeartbeat


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
