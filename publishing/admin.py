from django.contrib import admin
from django.db import models
from guardian.admin import GuardedModelAdmin

from .models import Channel, Delivery, DeliveryAttempt, Post


@admin.register(Channel)
class ChannelAdmin(GuardedModelAdmin):
    list_display = [
        "name",
        "platform",
        "handle",
        "account_group",
        "responsible_division",
        "is_active",
    ]
    list_filter = ["platform", "account_group", "is_active"]
    search_fields = ["name", "handle"]
    # The credential is chosen in the vault by the Kepala Dinas, not here.
    readonly_fields = ["credential"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "status", "attempt_count", "external_id", "permalink", "last_error"]
    readonly_fields = fields


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["display_title", "status", "scheduled_at", "author", "created_at"]
    list_filter = ["status", "origin"]
    search_fields = ["title", "text"]
    inlines = [DeliveryInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # posts change through the workflow only (approval, audit)


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ["delivery", "number", "outcome", "http_status", "started_at", "duration"]
    list_filter = ["outcome"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
