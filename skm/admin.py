from django.contrib import admin

from .models import FollowUp, Period, Question, Response, Service


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    can_delete = False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    inlines = [QuestionInline]


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["service", "kind", "year", "number", "population", "published_at"]
    list_filter = ["kind", "year"]
    readonly_fields = ["published_at", "published_by"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Read-only: responses are never changed (the results stay what the public said)."""

    list_display = ["period", "source", "state", "created_at"]
    list_filter = ["source", "state"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(FollowUp)
