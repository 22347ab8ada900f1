from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from .models import Asset, Folder, Rendition, Tag, Theme, UploadSession


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Folder)
class FolderAdmin(GuardedModelAdmin):
    """Read-mostly: folders are organised in the library (paths and access are kept there)."""

    list_display = ["name", "division", "parent", "restricted", "created_at"]
    list_filter = ["division", "restricted"]
    search_fields = ["name"]
    readonly_fields = ["parent", "restricted", "path", "depth", "access_root"]


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    readonly_fields = ["name", "file", "width", "height", "size"]
    can_delete = False


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "folder", "event_date", "uploaded_by", "deleted_at"]
    list_filter = ["kind", "status", "theme"]
    search_fields = ["title", "original_name", "sha256"]
    date_hierarchy = "event_date"
    list_select_related = ["folder", "uploaded_by"]
    readonly_fields = ["file", "sha256", "size", "mime_type", "kind", "status", "error"]
    inlines = [RenditionInline]

    def has_delete_permission(self, request, obj=None):
        return False  # the trash (and its audit trail) is the way out of the library


@admin.register(UploadSession)
class UploadSessionAdmin(admin.ModelAdmin):
    list_display = ["filename", "user", "length", "created_at", "updated_at"]
