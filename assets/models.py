"""The media library: folders (a tree, each belonging to a division), assets and their renditions.

Folders are open to every member of staff unless restricted; a restricted folder (and everything
below it) is reserved to its division and to the people and groups granted rights on it with
django-guardian. ``Folder.access_root`` points at the nearest restricted folder at or above a
folder, so that "may this person see it?" is one indexed comparison, not a walk up the tree.
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from accounts.models import Division


class Theme(models.Model):
    """One entry of the managed list of themes (Pemerintahan, Kesehatan, Pendidikan...)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A free tag. Names are kept in lower case so that "Banjir" and "banjir" are one tag."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Folder(models.Model):
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent folder"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="folders"
    )
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_(
            "Only the folder's division and the people given rights may see a restricted folder."
        ),
    )
    # Materialised path of ids, "/3/17/42/": a subtree is one prefix match.
    path = models.CharField(max_length=1000, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    access_root = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "parent", name="assets_folder_unique_name_in_parent"
            ),
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(parent__isnull=True),
                name="assets_folder_unique_root_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


def asset_upload_to(instance: Asset, filename: str) -> str:
    """A short, safe stored name: ``originals/2026/11/<uuid>.<ext>`` (the real name is kept apart)."""
    extension = os.path.splitext(get_valid_filename(filename))[1].lower()[:10]
    now = timezone.now()
    return f"originals/{now:%Y/%m}/{uuid.uuid4().hex}{extension}"


def rendition_upload_to(instance: Rendition, filename: str) -> str:
    return f"renditions/{instance.asset_id % 1000:03d}/{instance.asset_id}/{filename}"


class AssetQuerySet(models.QuerySet):
    def alive(self) -> AssetQuerySet:
        return self.filter(deleted_at__isnull=True)

    def trashed(self) -> AssetQuerySet:
        return self.filter(deleted_at__isnull=False)


class Asset(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        DOCUMENT = "document", _("Document")

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    folder = models.ForeignKey(
        Folder, verbose_name=_("folder"), on_delete=models.PROTECT, related_name="assets"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROCESSING
    )
    error = models.TextField(_("error"), blank=True)

    title = models.CharField(_("title"), max_length=200)
    theme = models.ForeignKey(
        Theme,
        verbose_name=_("theme"),
        on_delete=models.SET_NULL,
        related_name="assets",
        null=True,
        blank=True,
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), related_name="assets", blank=True)
    event_date = models.DateField(_("event date"), null=True, blank=True, db_index=True)
    description = models.TextField(_("description"), blank=True)
    credit = models.CharField(_("photographer / credit"), max_length=150, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)

    file = models.FileField(_("original file"), upload_to=asset_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("file type"), max_length=100)
    size = models.BigIntegerField(_("size (bytes)"))
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    duration = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        related_name="uploaded_assets",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    deleted_at = models.DateTimeField(_("moved to trash"), null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moved to trash by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    # Lower-case words of title, description, tags, credit, location and file name: the search
    # fallback on SQLite, and the text of PostgreSQL's full-text index.
    search_text = models.TextField(blank=True, default="", editable=False)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["-event_date", "-id"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        permissions = [("empty_trash", _("Can empty the trash"))]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(deleted_at__isnull=True),
                name="assets_asset_unique_sha256_alive",
            ),
        ]
        indexes = [
            models.Index(fields=["deleted_at", "event_date", "id"], name="assets_grid_idx"),
            models.Index(fields=["folder", "deleted_at", "event_date"], name="assets_folder_idx"),
            models.Index(fields=["deleted_at", "title", "id"], name="assets_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_trashed(self) -> bool:
        return self.deleted_at is not None

    def rendition(self, name: str) -> Rendition | None:
        """A rendition by name, from the prefetched list when there is one."""
        for rendition in self.renditions.all():
            if rendition.name == name:
                return rendition
        return None


class Rendition(models.Model):
    class Name(models.TextChoices):
        THUMB = "thumb", _("Thumbnail (400 px)")
        PLATFORM = "platform", _("Platform size (1080 px)")
        PREVIEW = "preview", _("Preview (1600 px)")
        POSTER = "poster", _("Poster frame")

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="renditions")
    name = models.CharField(_("name"), max_length=20, choices=Name.choices)
    file = models.FileField(_("file"), upload_to=rendition_upload_to, max_length=300)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.BigIntegerField(_("size (bytes)"), default=0)

    class Meta:
        ordering = ["asset", "width"]
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")
        constraints = [
            models.UniqueConstraint(fields=["asset", "name"], name="assets_rendition_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.name}"


class UploadSession(models.Model):
    """A resumable upload in progress (tus protocol). The bytes are in a file on shared disk,
    named after ``id``; the file's length is the upload's offset."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, related_name="+")
    length = models.BigIntegerField()
    filename = models.CharField(max_length=255)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Set once the last byte has arrived: what became of the file.
    result = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("upload in progress")
        verbose_name_plural = _("uploads in progress")

    def __str__(self) -> str:
        return f"{self.filename} ({self.id})"


class StorageCheck(models.Model):
    """One run of the periodic storage check (``services.storage_check_run``).

    Every asset's original must be in storage with the bytes that were uploaded (its SHA-256),
    and its renditions must be there; what is not is listed in ``problems``. Files in the
    library's part of storage that no row points at any more (left by a process that died
    between writing a file and saving its row) are removed and listed in ``orphans_removed``.
    """

    class Problem(models.TextChoices):
        MISSING = "missing", _("The original file is missing from storage")
        ALTERED = "altered", _("The file's contents differ from what was uploaded (SHA-256)")
        RENDITION_MISSING = "rendition_missing", _("A thumbnail or preview is missing")

    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    files_checked = models.PositiveIntegerField(_("files checked"), default=0)
    bytes_checked = models.BigIntegerField(_("bytes read"), default=0)
    # [{"asset": id, "title": ..., "problem": Problem, "name": stored name}, ...]
    problems = models.JSONField(_("problems"), default=list, blank=True)
    orphans_removed = models.JSONField(_("files removed"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("storage check")
        verbose_name_plural = _("storage checks")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"
