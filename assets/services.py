"""Writes that matter in the media library: folders, uploads, metadata, trash, renditions.

Every function checks the actor's rights through ``permissions`` (``actor=None`` means the portal
itself, e.g. the account-sync task storing a downloaded post), validates, writes inside one
transaction, and starts background work only after commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import re
import shutil
import tempfile
import threading
import time
import unicodedata
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Division, User
from accounts.services import audit_record
from core.enqueue import enqueue_on_commit

from . import renditions as rendering
from .bodyreader import BodySource
from .inspection import RefusedFile, inspect_file
from .models import Asset, Folder, Rendition, StorageCheck, Tag, Theme, UploadSession
from .permissions import asset_policy, folder_policy, is_senior

logger = logging.getLogger(__name__)

__all__ = [
    "AssetTooLarge",
    "DuplicateAsset",
    "RefusedFile",
    "StorageUnavailable",
    "asset_create_from_file",
    "asset_public_url",
    "folder_get_or_create_path",
]

MEDIA_SALT = "assets.media"
COPY_CHUNK = 1024 * 1024
MAX_TAGS = 30


class DuplicateAsset(Exception):
    """The same bytes are already in the library, as ``existing``.

    ``existing`` may sit in a restricted folder the uploader cannot open: what a person is told
    comes from ``answer_for`` (or ``message_for``), which names the asset only to someone who
    may see it."""

    def __init__(self, existing: Asset):
        super().__init__(f"duplicate of asset {existing.pk}")
        self.existing = existing

    @property
    def message(self) -> str:
        return _('This file is already in the library as "%(title)s".') % {
            "title": self.existing.title
        }

    def visible_to(self, user: User | None) -> bool:
        return user is None or asset_policy.user_has_permission_for_instance(
            user, "view", self.existing
        )

    def message_for(self, user: User | None) -> str:
        if self.visible_to(user):
            return self.message
        return _(
            "A file with the same content is already in the library, in a folder you cannot "
            "open. If you need it, ask the Head of Department or the administrator, who see "
            "every folder."
        )

    def answer_for(self, user: User | None) -> dict:
        """The message, with the existing asset's id, title and address when ``user`` may see it."""
        answer: dict = {"message": self.message_for(user)}
        if self.visible_to(user):
            answer |= {
                "asset": self.existing.pk,
                "title": self.existing.title,
                "url": reverse("assets:asset_detail", args=[self.existing.pk]),
            }
        return answer


class StorageUnavailable(Exception):
    """The file storage failed while the file was written (disk full, object storage down).
    Nothing of the file is kept; the person may try again later."""

    @property
    def message(self) -> str:
        return _(
            "The file could not be stored: the media storage is not answering. Nothing was "
            "kept; try again in a few minutes, and tell the administrator if it goes on."
        )


class AssetTooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size

    @property
    def message(self) -> str:
        return _("The file is too large (%(size)s); the library takes files up to %(limit)s.") % {
            "size": human_size(self.size),
            "limit": human_size(settings.ASSET_MAX_UPLOAD_BYTES),
        }


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have the right to do this here."))


# --- names --------------------------------------------------------------------------------------

# Right-to-left and other direction marks make a name read differently from what it is.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff]")


def _without_invisible(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = _INVISIBLE.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in " ")
    return " ".join(text.split())


def clean_folder_name(name: str) -> str:
    """A folder name made safe: invisible and control characters removed, spaces tidied.

    Raises ``ValidationError`` (with a message for a person) for names that cannot be made safe.
    """
    cleaned = _without_invisible(name)
    if not cleaned:
        raise ValidationError(_("A folder needs a name."), code="empty")
    if "/" in cleaned or "\\" in cleaned:
        raise ValidationError(
            _("A folder name cannot contain / or \\; create a folder inside another instead."),
            code="slash",
        )
    if cleaned.strip(".") == "":
        raise ValidationError(_('"." and ".." cannot be folder names.'), code="dots")
    if len(cleaned) > 120:
        raise ValidationError(
            _("A folder name can be at most 120 characters long (this one has %(count)d).")
            % {"count": len(cleaned)},
            code="long",
        )
    return cleaned


def clean_filename(filename: str) -> str:
    """The file's own name for display and download: no folders, no invisible characters."""
    name = _without_invisible(str(filename or "").replace("\\", "/").split("/")[-1])
    name = name.strip(". ") or "file"
    if len(name) > 255:
        stem, extension = os.path.splitext(name)
        name = stem[: 255 - len(extension[:20])] + extension[:20]
    return name


def title_from_filename(filename: str) -> str:
    stem = os.path.splitext(clean_filename(filename))[0]
    title = " ".join(re.sub(r"[_\-.]+", " ", stem).split())
    return (title or stem or _("Untitled"))[:200]


def parse_tags(value: str | Iterable[str] | None) -> list[str]:
    """Tags from a comma-separated string or a list: trimmed, lower case, unique, in order."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    tags: list[str] = []
    for item in items:
        tag = _without_invisible(str(item)).lower()[:50].strip()
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(_("At most %(count)d tags per asset.") % {"count": MAX_TAGS})
    return tags


# --- folders ------------------------------------------------------------------------------------


def _sibling_exists(name: str, parent: Folder | None, exclude: int | None = None) -> bool:
    siblings = Folder.objects.filter(parent=parent, name__iexact=name)
    if exclude:
        siblings = siblings.exclude(pk=exclude)
    return siblings.exists()


def _name_taken_error(name: str) -> ValidationError:
    return ValidationError(
        {"name": _('There is already a folder named "%(name)s" here.') % {"name": name}},
        code="taken",
    )


def folder_create(
    *,
    actor: User | None,
    name: str,
    parent: Folder | None = None,
    division: Division | None = None,
    restricted: bool = False,
) -> Folder:
    """Create a folder under ``parent`` (or at the top) for ``division`` (the parent's when not
    given). Names are unique among siblings. Who may create which folder is the folder policy's
    ``folder_create_refusal``: e.g. nobody but the Kepala Dinas and the Admin creates a folder
    owned by another division."""
    name = clean_folder_name(name)
    if parent is not None:
        division = division or parent.division
    if division is None:
        raise ValidationError({"division": _("Choose the division the folder belongs to.")})
    if actor is not None:
        refusal = folder_policy.folder_create_refusal(
            actor, parent=parent, division_id=division.pk, restricted=restricted
        )
        if refusal:
            raise PermissionDenied(refusal)
    with transaction.atomic():
        if _sibling_exists(name, parent):
            raise _name_taken_error(name)
        folder = Folder(
            name=name, parent=parent, division=division, restricted=restricted, created_by=actor
        )
        folder.full_clean(exclude=["path", "access_root"], validate_constraints=False)
        try:
            with transaction.atomic():
                folder.save()
        except IntegrityError:
            raise _name_taken_error(name) from None
        folder.path = f"{parent.path if parent else '/'}{folder.pk}/"
        folder.depth = parent.depth + 1 if parent else 0
        folder.access_root = folder if restricted else (parent.access_root if parent else None)
        folder.save(update_fields=["path", "depth", "access_root"])
        if restricted:
            audit_record(actor=actor, action="folder.restrict", target=folder)
    return folder


def folder_get_or_create_path(*, actor: User | None, path: list[str], division: Division) -> Folder:
    """The folder at ``path`` (names from the top, e.g. ``["Sinkronisasi", "X", "2026", "11"]``),
    creating the missing ones in ``division``. Existing folders are matched ignoring case."""
    if not path:
        raise ValidationError(_("A folder path needs at least one name."))
    parent: Folder | None = None
    for raw in path:
        name = clean_folder_name(raw)
        existing = Folder.objects.filter(parent=parent, name__iexact=name).first()
        if existing is None:
            try:
                existing = folder_create(actor=actor, name=name, parent=parent, division=division)
            except ValidationError:
                existing = Folder.objects.filter(parent=parent, name__iexact=name).first()
                if existing is None:
                    raise
        elif actor is not None:
            _require(folder_policy.user_has_permission_for_instance(actor, "view", existing))
        parent = existing
    return parent


def folder_rename(*, actor: User, folder: Folder, name: str) -> Folder:
    _require(folder_policy.user_has_permission_for_instance(actor, "manage", folder))
    name = clean_folder_name(name)
    with transaction.atomic():
        if _sibling_exists(name, folder.parent, exclude=folder.pk):
            raise _name_taken_error(name)
        folder.name = name
        try:
            with transaction.atomic():
                folder.save(update_fields=["name"])
        except IntegrityError:
            raise _name_taken_error(name) from None
    return folder


def _refresh_subtree(folder: Folder, old_path: str, depth_change: int) -> None:
    """After a move: new paths below ``folder`` and the access root each one inherits."""
    Folder.objects.filter(path__startswith=old_path).exclude(pk=folder.pk).update(
        path=Concat(Value(folder.path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    _refresh_access_roots(folder)


def _refresh_access_roots(top: Folder) -> None:
    """Recompute ``access_root`` for ``top`` and every folder below it (ordered by depth)."""
    top.refresh_from_db()
    inherited = None
    if top.parent_id:
        inherited = Folder.objects.values_list("access_root", flat=True).get(pk=top.parent_id)
    roots = {top.parent_id: inherited}
    for folder in Folder.objects.filter(path__startswith=top.path).order_by("depth"):
        root = folder.pk if folder.restricted else roots.get(folder.parent_id)
        roots[folder.pk] = root
        if folder.access_root_id != root:
            Folder.objects.filter(pk=folder.pk).update(access_root=root)


def folder_move(*, actor: User, folder: Folder, parent: Folder | None) -> Folder:
    """Move a folder (with everything in it) under ``parent``, or to the top."""
    _require(folder_policy.user_has_permission_for_instance(actor, "manage", folder))
    if parent is not None:
        _require(folder_policy.user_has_permission_for_instance(actor, "manage", parent))
        if parent.pk == folder.pk or parent.path.startswith(folder.path):
            raise ValidationError(
                {"parent": _("A folder cannot be moved into itself or one of its subfolders.")}
            )
    else:
        _require(folder_policy.user_may_create_root(actor, folder.division_id))
    with transaction.atomic():
        if _sibling_exists(folder.name, parent, exclude=folder.pk):
            raise _name_taken_error(folder.name)
        old_path, old_depth = folder.path, folder.depth
        folder.parent = parent
        folder.path = f"{parent.path if parent else '/'}{folder.pk}/"
        folder.depth = parent.depth + 1 if parent else 0
        folder.save(update_fields=["parent", "path", "depth"])
        _refresh_subtree(folder, old_path, folder.depth - old_depth)
        audit_record(
            actor=actor,
            action="folder.move",
            target=folder,
            details={"to": parent.pk if parent else None},
        )
    folder.refresh_from_db()
    return folder


def folder_set_restricted(*, actor: User, folder: Folder, restricted: bool) -> Folder:
    """Restrict a folder (and its subfolders) to its division and to people given rights."""
    _require(folder_policy.user_has_permission_for_instance(actor, "manage", folder))
    with transaction.atomic():
        folder.restricted = restricted
        folder.save(update_fields=["restricted"])
        _refresh_access_roots(folder)
        audit_record(
            actor=actor,
            action="folder.restrict" if restricted else "folder.open",
            target=folder,
        )
    folder.refresh_from_db()
    return folder


FOLDER_RIGHTS = ("view", "add", "change", "delete")


def folder_grant(
    *, actor: User, folder: Folder, rights: Iterable[str], user: User | None = None, group=None
) -> None:
    """Set exactly ``rights`` (of view/add/change/delete) on ``folder`` for one person or group."""
    from guardian.shortcuts import assign_perm, remove_perm

    _require(folder_policy.user_has_permission_for_instance(actor, "manage", folder))
    if (user is None) == (group is None):
        raise ValidationError(_("Choose one person or one group."))
    rights = set(rights)
    unknown = rights - set(FOLDER_RIGHTS)
    if unknown:
        raise ValidationError(_("Unknown right: %(names)s") % {"names": ", ".join(sorted(unknown))})
    principal = user or group
    with transaction.atomic():
        for right in FOLDER_RIGHTS:
            perm = f"assets.{right}_folder"
            if right in rights:
                assign_perm(perm, principal, folder)
            else:
                remove_perm(perm, principal, folder)
        audit_record(
            actor=actor,
            action="folder.grant",
            target=folder,
            details={
                "user": user.username if user else None,
                "group": group.name if group else None,
                "rights": sorted(rights),
            },
        )


def folder_delete(*, actor: User, folder: Folder) -> None:
    """Delete an empty folder (no subfolder, no asset, not even in the trash)."""
    _require(folder_policy.user_has_permission_for_instance(actor, "manage", folder))
    if folder.children.exists() or Asset.objects.filter(folder=folder).exists():
        raise ValidationError(
            _("Only an empty folder can be deleted: move or delete what is in it first.")
        )
    with transaction.atomic():
        audit_record(actor=actor, action="folder.delete", target=folder)
        folder.delete()


# --- folder archives ----------------------------------------------------------------------------

# Characters that file systems (Windows above all) do not take in a name.
_ARCHIVE_UNSAFE = re.compile(r'[\\/:*?"<>|]+')


def _archive_name(text: str, fallback: str, limit: int = 120) -> str:
    name = _ARCHIVE_UNSAFE.sub("-", _without_invisible(text)).strip(" .-")
    return name[:limit].strip(" .") or fallback


def _unique(name: str, extension: str, taken: set[str]) -> str:
    """``name + extension``, or ``name (2) + extension`` and so on, unused (ignoring case)."""
    candidate, number = f"{name}{extension}", 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{name} ({number}){extension}"
    taken.add(candidate.lower())
    return candidate


def _stored_chunks(name: str) -> Iterable[bytes]:
    """The stored file, read a slice at a time, only when the archive reaches it."""
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            yield chunk


@dataclass
class FolderArchive:
    filename: str
    stream: Any  # a zipstream.ZipStream: iterate for the bytes, len() for their number
    files: int
    size: int  # bytes of the files in it

    def __len__(self) -> int:
        return len(self.stream)


def folder_archive(
    *, actor: User, folder: Folder, request: HttpRequest | None = None
) -> FolderArchive:
    """The folder with its subfolders as one ZIP archive, written as it is read: nothing of it
    is built in memory or on disk first (``zipstream-ng``), and the originals are stored as they
    are, not compressed again. Each file is named after its title with its extension (made safe
    for any file system, numbered when two share a name) in the folders' own structure.

    Guarantees: only what the actor may see is in it (a restricted subfolder they may not open
    is left out with everything below it; the trash never is); the download is audited with the
    number of files and bytes."""
    from zipstream import ZIP_STORED, ZipStream

    from .selectors import folder_archive_contents

    _require(folder_policy.user_has_permission_for_instance(actor, "view", folder))
    folders, assets = folder_archive_contents(user=actor, folder=folder)
    stream = ZipStream(compress_type=ZIP_STORED, sized=True)
    directories: dict[int, str] = {}
    taken: dict[int | None, set[str]] = {}
    for each in folders:
        parent_dir = directories.get(each.parent_id, "") if each.pk != folder.pk else ""
        siblings = taken.setdefault(each.parent_id if each.pk != folder.pk else None, set())
        name = _unique(_archive_name(each.name, _("folder")), "", siblings)
        directories[each.pk] = f"{parent_dir}{name}/"
        taken.setdefault(each.pk, set())
        stream.mkdir(directories[each.pk])
    size = 0
    for asset in assets:
        extension = os.path.splitext(asset.file.name)[1].lower()[:10]
        name = _unique(_archive_name(asset.title, _("file")), extension, taken[asset.folder_id])
        stream.add(
            _stored_chunks(asset.file.name), directories[asset.folder_id] + name, size=asset.size
        )
        size += asset.size
    audit_record(
        actor=actor,
        action="folder.download",
        target=folder,
        request=request,
        details={"files": len(assets), "folders": len(folders), "bytes": size},
    )
    return FolderArchive(
        filename=f"{_archive_name(folder.name, _('folder'))}.zip",
        stream=stream,
        files=len(assets),
        size=size,
    )


# --- assets: storing files ----------------------------------------------------------------------


def upload_dir() -> Path:
    path = Path(settings.ASSET_UPLOAD_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


class _PathFile(File):
    """A file on local disk that a FileSystemStorage may move into place instead of copying."""

    def __init__(self, path: str, name: str):
        super().__init__(open(path, "rb"), name=name)  # noqa: SIM115 - closed by the caller
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


def stream_to_staging(fileobj: BinaryIO, *, limit: int | None = None) -> tuple[str, str, int]:
    """Copy a readable stream to a staging file, in slices; return (path, sha256, size).

    Refuses (``AssetTooLarge``) as soon as more than ``limit`` bytes arrive; nothing stays behind.
    """
    limit = settings.ASSET_MAX_UPLOAD_BYTES if limit is None else limit
    digest = hashlib.sha256()
    size = 0
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept on success, removed on failure
        dir=upload_dir(), prefix="staging-", suffix=".part", delete=False
    )
    try:
        with handle:
            if hasattr(fileobj, "seek"):
                with contextlib.suppress(OSError, ValueError):
                    fileobj.seek(0)
            chunks = fileobj.chunks(COPY_CHUNK) if hasattr(fileobj, "chunks") else None
            reader = chunks or iter(lambda: fileobj.read(COPY_CHUNK), b"")
            for chunk in reader:
                size += len(chunk)
                if size > limit:
                    raise AssetTooLarge(size)
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        os.unlink(handle.name)
        raise
    return handle.name, digest.hexdigest(), size


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(8 * COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _search_text(asset: Asset, tags: Iterable[str]) -> str:
    parts = [
        asset.title,
        asset.description,
        asset.credit,
        asset.location,
        os.path.splitext(asset.original_name)[0],
        " ".join(tags),
        asset.theme.name if asset.theme_id and asset.theme else "",
    ]
    return " ".join(" ".join(parts).lower().split())


def _set_tags(asset: Asset, names: list[str]) -> None:
    tags = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    asset.tags.set(tags)


def _existing_duplicate(sha256: str) -> Asset | None:
    return Asset.objects.alive().filter(sha256=sha256).select_related("folder").first()


def _render_after_commit(asset_id: int) -> None:
    enqueue_on_commit("assets.tasks.render_asset", asset_id)


def asset_create_from_path(
    *,
    actor: User | None,
    folder: Folder,
    path: str,
    filename: str,
    sha256: str | None = None,
    title: str = "",
    theme: Theme | None = None,
    tags: str | Iterable[str] | None = None,
    event_date: date | None = None,
    description: str = "",
    credit: str = "",
    location: str = "",
) -> Asset:
    """Store the local file at ``path`` (which is moved or removed) as a new asset.

    Guarantees: the kind comes from the bytes (``RefusedFile`` otherwise); the same bytes are never
    stored twice (``DuplicateAsset`` names the one already there, also when two people upload
    at once); on any refusal nothing is left in storage; renditions are made after commit.
    """
    try:
        if actor is not None:
            _require(
                folder_policy.user_has_permission_for_instance(actor, "add", folder),
                _("You may not upload into this folder."),
            )
        tag_names = parse_tags(tags)
        facts = inspect_file(path)
        sha256 = sha256 or file_sha256(path)
        existing = _existing_duplicate(sha256)
        if existing is not None:
            raise DuplicateAsset(existing)
        original_name = clean_filename(filename)
        stem = os.path.splitext(original_name)[0]
        stored_name = f"{stem[:40]}.{facts.extension}"
        asset = Asset(
            folder=folder,
            kind=facts.kind,
            status=Asset.Status.PROCESSING,
            title=(_without_invisible(title) or facts.title or title_from_filename(filename))[:200],
            theme=theme,
            event_date=event_date or facts.taken_on or timezone.localdate(),
            description=description.strip(),
            credit=_without_invisible(credit)[:150],
            location=_without_invisible(location)[:200],
            original_name=original_name,
            mime_type=facts.mime_type,
            size=os.path.getsize(path),
            sha256=sha256,
            width=facts.width,
            height=facts.height,
            duration=facts.duration,
            page_count=facts.page_count,
            uploaded_by=actor,
        )
        asset.search_text = _search_text(asset, tag_names)
        asset.full_clean(exclude=["file"], validate_constraints=False)
        source = _PathFile(path, stored_name)
        try:
            _store_original(asset, stored_name, source)
        finally:
            source.close()
    finally:
        if os.path.exists(path):
            os.unlink(path)
    try:
        with transaction.atomic():
            asset.save()
            _set_tags(asset, tag_names)
            _render_after_commit(asset.pk)
    except IntegrityError:
        # Someone stored the same bytes a moment ago: keep theirs, drop ours.
        asset.file.storage.delete(asset.file.name)
        existing = _existing_duplicate(sha256)
        if existing is None:
            raise
        raise DuplicateAsset(existing) from None
    except BaseException:
        # The database failed after the file was written: no row will point at the file, so it
        # goes too. (A process killed right here leaves it to ``storage_check_run``.)
        _delete_files([asset.file.name])
        raise
    return asset


def _store_original(asset: Asset, stored_name: str, content: File) -> None:
    """Write the original into storage under a name chosen first, so that a storage failing
    half-way (``StorageUnavailable``) leaves no partly written file behind."""
    storage = asset.file.storage
    field = asset.file.field
    name = storage.get_available_name(
        field.generate_filename(asset, stored_name), max_length=field.max_length
    )
    try:
        asset.file.name = storage.save(name, content, max_length=field.max_length)
    except Exception as exc:
        logger.exception("storage failed while writing %s", name)
        try:
            if storage.exists(name):
                storage.delete(name)
        except Exception:
            logger.exception("could not remove the partly written %s", name)
        raise StorageUnavailable from exc


def asset_create_from_file(
    *,
    actor: User | None,
    folder: Folder,
    fileobj: BinaryIO,
    filename: str,
    title: str = "",
    theme: Theme | None = None,
    tags: str | Iterable[str] | None = None,
    event_date: date | None = None,
    description: str = "",
    credit: str = "",
    location: str = "",
) -> Asset:
    """Store an open file (an upload, or media another part of the portal downloaded).

    The stream is copied in slices (never whole in memory) and hashed on the way; see
    ``asset_create_from_path`` for what is guaranteed.
    """
    if actor is not None:
        _require(
            folder_policy.user_has_permission_for_instance(actor, "add", folder),
            _("You may not upload into this folder."),
        )
    path, sha256, _size = stream_to_staging(fileobj)
    return asset_create_from_path(
        actor=actor,
        folder=folder,
        path=path,
        filename=filename,
        sha256=sha256,
        title=title,
        theme=theme,
        tags=tags,
        event_date=event_date,
        description=description,
        credit=credit,
        location=location,
    )


# --- assets: metadata, trash --------------------------------------------------------------------

_EDITABLE = {"title", "theme", "event_date", "description", "credit", "location"}


def asset_update(*, actor: User, asset: Asset, **changes: Any) -> Asset:
    """Change an asset's metadata (``title``, ``theme``, ``tags``, ``event_date``,
    ``description``, ``credit``, ``location``) or move it (``folder``)."""
    _require(asset_policy.user_has_permission_for_instance(actor, "change", asset))
    unknown = set(changes) - _EDITABLE - {"tags", "folder"}
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        target = changes.pop("folder", None)
        if target is not None and target.pk != asset.folder_id:
            _require(
                folder_policy.user_has_permission_for_instance(actor, "add", target),
                _("You may not put assets into that folder."),
            )
            asset.folder = target
        for field, value in changes.items():
            if field == "tags":
                continue
            if isinstance(value, str) and field in {"title", "credit", "location"}:
                value = _without_invisible(value)
            setattr(asset, field, value)
        if not asset.title:
            asset.title = title_from_filename(asset.original_name)
        tag_names = (
            parse_tags(changes["tags"])
            if "tags" in changes
            else list(asset.tags.values_list("name", flat=True))
        )
        asset.search_text = _search_text(asset, tag_names)
        asset.full_clean(validate_constraints=False)
        asset.save()
        if "tags" in changes:
            _set_tags(asset, tag_names)
    return asset


def asset_bulk_update(
    *,
    actor: User,
    assets: Iterable[Asset],
    folder: Folder | None = None,
    theme: Theme | None = None,
    add_tags: str | Iterable[str] | None = None,
    event_date: date | None = None,
) -> int:
    """Apply one change to many assets at once, all or nothing. Returns how many changed."""
    assets = list(assets)
    extra_tags = parse_tags(add_tags)
    for asset in assets:
        _require(
            asset_policy.user_has_permission_for_instance(actor, "change", asset),
            _('You may not change "%(title)s".') % {"title": asset.title},
        )
    if folder is not None:
        _require(
            folder_policy.user_has_permission_for_instance(actor, "add", folder),
            _("You may not put assets into that folder."),
        )
    with transaction.atomic():
        for asset in assets:
            if folder is not None:
                asset.folder = folder
            if theme is not None:
                asset.theme = theme
            if event_date is not None:
                asset.event_date = event_date
            tag_names = list(asset.tags.values_list("name", flat=True))
            if extra_tags:
                tag_names += [t for t in extra_tags if t not in tag_names]
                _set_tags(asset, tag_names)
            asset.search_text = _search_text(asset, tag_names)
            asset.save()
    return len(assets)


def asset_trash(*, actor: User, asset: Asset, request: HttpRequest | None = None) -> Asset:
    """Move an asset to the trash: hidden from the library, restorable, files kept."""
    _require(asset_policy.user_has_permission_for_instance(actor, "delete", asset))
    if asset.deleted_at:
        return asset
    with transaction.atomic():
        asset.deleted_at = timezone.now()
        asset.deleted_by = actor
        asset.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        audit_record(actor=actor, action="asset.trash", target=asset, request=request)
    return asset


def asset_restore(*, actor: User, asset: Asset, request: HttpRequest | None = None) -> Asset:
    """Bring an asset back from the trash (unless the same file was uploaded again since)."""
    _require(asset_policy.user_has_permission_for_instance(actor, "restore", asset))
    if not asset.deleted_at:
        return asset
    existing = _existing_duplicate(asset.sha256)
    if existing is not None:
        raise DuplicateAsset(existing)
    with transaction.atomic():
        asset.deleted_at = None
        asset.deleted_by = None
        try:
            with transaction.atomic():
                asset.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        except IntegrityError:
            raise DuplicateAsset(_existing_duplicate(asset.sha256) or asset) from None
        audit_record(actor=actor, action="asset.restore", target=asset, request=request)
    return asset


def trash_empty(
    *, actor: User, asset_ids: Iterable[int] | None = None, request: HttpRequest | None = None
) -> int:
    """Delete trashed assets for good (all the actor can see, or ``asset_ids``). Their files
    are removed from storage only after the deletion is committed."""
    _require(
        asset_policy.user_has_permission(actor, "empty_trash"),
        _("Only editors and above empty the trash."),
    )
    from .selectors import trash_list

    assets = trash_list(user=actor)
    if asset_ids is not None:
        assets = assets.filter(pk__in=list(asset_ids))
    assets = list(assets.prefetch_related("renditions"))
    names = [a.file.name for a in assets] + [
        r.file.name for a in assets for r in a.renditions.all()
    ]
    with transaction.atomic():
        for asset in assets:
            audit_record(
                actor=actor,
                action="asset.delete",
                target=asset,
                request=request,
                details={"sha256": asset.sha256, "name": asset.original_name},
            )
        Asset.objects.filter(pk__in=[a.pk for a in assets]).delete()
        transaction.on_commit(lambda: _delete_files(names))
    return len(assets)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # one stubborn file must not keep the others
            logger.exception("could not delete %s from storage", name)


# --- renditions (run by the worker) -------------------------------------------------------------

WANTED_RENDITIONS = {
    Asset.Kind.PHOTO: ["preview", "platform", "thumb"],
    Asset.Kind.VIDEO: ["poster", "thumb"],
}


def _wanted(asset: Asset) -> list[str]:
    if asset.kind == Asset.Kind.DOCUMENT:
        return ["preview", "thumb"] if asset.mime_type == "application/pdf" else []
    return WANTED_RENDITIONS.get(asset.kind, [])


class _LocalCopy:
    """The original as a local file path: the file itself on local storage, a temporary copy
    (streamed) on object storage."""

    def __init__(self, name: str):
        self.name = name
        self.temp: str | None = None

    def __enter__(self) -> str:
        if isinstance(default_storage, FileSystemStorage):
            return default_storage.path(self.name)
        with default_storage.open(self.name, "rb") as source:
            handle = tempfile.NamedTemporaryFile(dir=upload_dir(), suffix=".src", delete=False)
            with handle:
                shutil.copyfileobj(source, handle, COPY_CHUNK)
        self.temp = handle.name
        return self.temp

    def __exit__(self, *exc) -> None:
        if self.temp and os.path.exists(self.temp):
            os.unlink(self.temp)


def asset_render(*, asset_id: int) -> Asset | None:
    """Make the renditions an asset still lacks and mark it ready, or failed with the reason.

    Idempotent: an asset that is no longer processing is left alone, and existing renditions are
    not made again.
    """
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or asset.status != Asset.Status.PROCESSING:
        return asset
    wanted = _wanted(asset)
    have = set(asset.renditions.values_list("name", flat=True))
    rendered: list[rendering.RenderedImage] = []
    error = ""
    if set(wanted) - have:
        try:
            with _LocalCopy(asset.file.name) as path:
                if asset.kind == Asset.Kind.PHOTO:
                    rendered = rendering.photo_renditions(path)
                elif asset.kind == Asset.Kind.VIDEO:
                    rendered = rendering.video_poster(path)
                else:
                    rendered = rendering.pdf_first_page(path)
        except rendering.RenditionError as exc:
            error = _(
                "The file is damaged or incomplete and no picture could be made from it (%(reason)s)."
            ) % {"reason": exc}
        except FileNotFoundError:
            error = _("The original file is missing from storage.")
    saved: list[str] = []
    try:
        with transaction.atomic():
            asset = Asset.objects.select_for_update().get(pk=asset_id)
            if asset.status != Asset.Status.PROCESSING:
                return asset
            for image in rendered:
                if image.name in have:
                    continue
                rendition = Rendition(
                    asset=asset,
                    name=image.name,
                    width=image.width,
                    height=image.height,
                    size=len(image.content),
                )
                rendition.file.save(f"{image.name}.jpg", ContentFile(image.content), save=False)
                saved.append(rendition.file.name)
                rendition.save()
            asset.status = Asset.Status.FAILED if error else Asset.Status.READY
            asset.error = error
            if not error and asset.kind == Asset.Kind.PHOTO and rendered and not asset.width:
                asset.width, asset.height = rendered[0].width, rendered[0].height
            asset.save(update_fields=["status", "error", "width", "height", "updated_at"])
    except BaseException:
        _delete_files(saved)
        raise
    return asset


def asset_retry(*, actor: User, asset: Asset) -> Asset:
    """Send a failed asset back to the worker (after the worker or a library was fixed)."""
    _require(asset_policy.user_has_permission_for_instance(actor, "change", asset))
    with transaction.atomic():
        asset.status = Asset.Status.PROCESSING
        asset.error = ""
        asset.save(update_fields=["status", "error", "updated_at"])
        _render_after_commit(asset.pk)
    return asset


# --- addresses of media -------------------------------------------------------------------------


def _stored_name(asset: Asset, rendition: str | None) -> str:
    if not rendition:
        return asset.file.name
    found = asset.rendition(rendition)
    if found is None:
        raise LookupError(f"asset {asset.pk} has no rendition {rendition!r}")
    return found.file.name


def asset_public_url(
    asset: Asset,
    rendition: str | None = None,
    expires: int | None = None,
    *,
    download: bool = False,
    absolute: bool = False,
) -> str:
    """An address of the original (or a rendition) that anyone holding it may fetch until it
    expires: a presigned URL on object storage, a signed portal address on local storage.

    A portal address is relative (pages work under any host name the portal is reached by);
    ``absolute`` puts ``ASSET_PUBLIC_BASE_URL`` before it, for those who fetch it from elsewhere
    (a platform fetching a photo, an API client).

    Expiry is rounded up to the next ten minutes so that pages show stable addresses that
    browsers can cache. Raises ``LookupError`` if the rendition does not exist.
    """
    expires = settings.ASSET_URL_EXPIRE if expires is None else expires
    name = _stored_name(asset, rendition)
    if not isinstance(default_storage, FileSystemStorage):
        parameters = {}
        if download:
            filename = asset.original_name.replace('"', "")
            parameters["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        return default_storage.url(name, parameters=parameters or None, expire=expires)
    until = (int(time.time()) + expires) // 600 * 600 + 600
    token = signing.dumps(
        {"a": asset.pk, "r": rendition or "", "e": until, "d": int(download)}, salt=MEDIA_SALT
    )
    url = reverse("assets:media", args=[token])
    base = settings.ASSET_PUBLIC_BASE_URL.rstrip("/") if absolute else ""
    return f"{base}{url}" if base else url


@dataclass(frozen=True)
class MediaToken:
    asset_id: int
    rendition: str
    download: bool


def media_token_read(token: str) -> MediaToken | None:
    """What a signed media address stands for, or None when it is forged or expired."""
    try:
        data = signing.loads(token, salt=MEDIA_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or int(data.get("e", 0)) < time.time():
        return None
    return MediaToken(int(data["a"]), str(data.get("r") or ""), bool(data.get("d")))


# --- resumable uploads (tus) --------------------------------------------------------------------


class UploadConflict(Exception):
    """A chunk that does not continue where the upload stands (``offset`` says where)."""

    def __init__(self, offset: int):
        super().__init__(offset)
        self.offset = offset


def upload_part_path(session: UploadSession) -> Path:
    return upload_dir() / f"{session.id}.part"


def upload_offset(session: UploadSession) -> int:
    if session.result is not None:
        return session.length
    try:
        return upload_part_path(session).stat().st_size
    except FileNotFoundError:
        return 0


def upload_session_create(
    *, actor: User, folder: Folder, length: int, filename: str, metadata: dict | None = None
) -> UploadSession:
    """Open a resumable upload of ``length`` bytes into ``folder``. Too large or empty files are
    refused here, before any byte is sent."""
    _require(
        folder_policy.user_has_permission_for_instance(actor, "add", folder),
        _("You may not upload into this folder."),
    )
    if length > settings.ASSET_MAX_UPLOAD_BYTES:
        raise AssetTooLarge(length)
    if length <= 0:
        raise RefusedFile(gettext_lazy("The file is empty (0 bytes). Choose the file again."))
    session = UploadSession.objects.create(
        id=uuid.uuid4(),
        user=actor,
        folder=folder,
        length=length,
        filename=clean_filename(filename),
        metadata={k: str(v)[:2000] for k, v in (metadata or {}).items()},
    )
    upload_part_path(session).touch()
    return session


# SHA-256 computed as the bytes arrive, kept per upload in this process: when the next chunk
# comes to the same process (the usual case) the file need not be read again at the end.
# A chunk that lands in another process simply leaves the hash to be computed when it finishes.
_RUNNING_HASHES: OrderedDict[str, tuple[int, Any]] = OrderedDict()
_RUNNING_HASHES_LOCK = threading.Lock()
_RUNNING_HASHES_MAX = 64


def _running_hash(session_id: str, offset: int):
    with _RUNNING_HASHES_LOCK:
        entry = _RUNNING_HASHES.pop(session_id, None)
    if entry is not None and entry[0] == offset:
        return entry[1]
    return hashlib.sha256() if offset == 0 else None


def _keep_running_hash(session_id: str, offset: int, digest) -> None:
    with _RUNNING_HASHES_LOCK:
        _RUNNING_HASHES[session_id] = (offset, digest)
        while len(_RUNNING_HASHES) > _RUNNING_HASHES_MAX:
            _RUNNING_HASHES.popitem(last=False)


# The bytes of an upload chunk travel through a few reused buffers of this size: read from the
# network into one while another is written to disk and a third is hashed.
UPLOAD_BUFFER = 2 * 1024 * 1024
UPLOAD_BUFFERS = 4


def _pipe(source: BodySource, fd: int, digest, remaining: int) -> int:
    """Copy up to ``remaining`` bytes from ``source`` to the file ``fd``; return how many.

    Three threads share the work, each on a different buffer at a time: this one reads the
    network, one writes the disk, one hashes (``os.write``, ``recv_into`` and SHA-256 all let
    go of the GIL), so a chunk goes at the pace of the slowest of the three, not of all three
    added up, and the memory used stays at ``UPLOAD_BUFFERS`` buffers whatever the chunk's size.
    What was read before the connection broke is written all the same.
    """
    if remaining <= UPLOAD_BUFFER:  # one buffer's worth: no threads to start
        buffer, count = memoryview(bytearray(max(remaining, 0))), 0
        try:
            while count < remaining and (got := source.readinto(buffer[count:])):
                count += got
        finally:
            view = buffer[:count]  # also what arrived before the connection broke
            while view:
                view = view[os.write(fd, view) :]
            if digest is not None:
                digest.update(buffer[:count])
        return count

    free: queue.SimpleQueue[memoryview] = queue.SimpleQueue()
    made = 0  # buffers are made as they are needed, at most UPLOAD_BUFFERS
    to_write: queue.SimpleQueue[tuple[memoryview, int] | None] = queue.SimpleQueue()
    to_hash: queue.SimpleQueue[tuple[memoryview, int] | None] = queue.SimpleQueue()
    failures: list[BaseException] = []
    written = 0

    def write() -> None:
        nonlocal written
        while (item := to_write.get()) is not None:
            buffer, count = item
            if not failures:
                try:
                    view = buffer[:count]
                    while view:
                        view = view[os.write(fd, view) :]
                    written += count
                except BaseException as exc:  # handed to the reading thread below
                    failures.append(exc)
            if digest is None:
                free.put(buffer)
            else:
                to_hash.put(item)
        to_hash.put(None)

    def hash_() -> None:
        while (item := to_hash.get()) is not None:
            buffer, count = item
            if not failures:
                digest.update(buffer[:count])
            free.put(buffer)

    workers = [threading.Thread(target=write, name="upload-writer", daemon=True)]
    if digest is not None:
        workers.append(threading.Thread(target=hash_, name="upload-hasher", daemon=True))
    for worker in workers:
        worker.start()
    try:
        while remaining > 0 and not failures:
            if made < UPLOAD_BUFFERS and free.empty():
                buffer, made = memoryview(bytearray(UPLOAD_BUFFER)), made + 1
            else:
                buffer = free.get()
            wanted, count = min(UPLOAD_BUFFER, remaining), 0
            try:
                while count < wanted:
                    got = source.readinto(buffer[count:wanted])
                    if not got:
                        break
                    count += got
            finally:
                to_write.put((buffer, count))  # also what arrived before the connection broke
            remaining -= count
            if count < wanted:
                break
    finally:
        to_write.put(None)
        for worker in workers:
            worker.join()
    if failures:
        raise failures[0]
    return written


def upload_receive(
    *, session: UploadSession, offset: int, source: BodySource, content_length: int | None
) -> int:
    """Append the bytes of one PATCH at ``offset``, straight to disk, and store the file when
    they were the last ones. Returns the new offset.

    Guarantees: the whole of it (append, then finish) runs under an exclusive lock on the
    upload's part file, so two PATCHes of one upload never write or finish at once, whichever
    web process each reaches; a PATCH that finds the upload busy, finished or not at ``offset``
    raises ``UploadConflict`` (``offset`` -1 when busy) and writes nothing. A dropped connection
    keeps what arrived, so the client resumes from there. Raises ``UploadSession.DoesNotExist``
    when the upload was given up meanwhile.
    """
    import fcntl

    path = upload_part_path(session)
    try:
        # Never created here: a part file that is gone belongs to a finished or abandoned upload.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except FileNotFoundError:
        session.refresh_from_db(fields=["result"])
        raise UploadConflict(session.length if session.result is not None else -1) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadConflict(-1) from None
        # The one who held the lock before may have finished the upload (and moved the file).
        try:
            same_file = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same_file = False
        session.refresh_from_db(fields=["result"])
        if session.result is not None:
            raise UploadConflict(session.length)
        if not same_file:
            raise UploadConflict(-1)
        current = os.lseek(fd, 0, os.SEEK_END)
        if offset != current:
            raise UploadConflict(current)
        room = session.length - current
        if content_length is not None and content_length > room:
            raise ValidationError(_("This chunk goes past the announced length of the file."))
        remaining = room if content_length is None else content_length
        key = str(session.pk)
        digest = _running_hash(key, current)
        # (After an error the running hash is dropped: the whole file is hashed when it is done.)
        new_offset = current + _pipe(source, fd, digest, remaining)
        if digest is not None:
            _keep_running_hash(key, new_offset, digest)
        # No database write per chunk: the part file's own time tells when the upload last moved.
        if new_offset >= session.length:
            upload_finish(session=session)
    finally:
        os.close(fd)  # and with it the lock
    return new_offset


def _theme_from(value: str) -> Theme | None:
    """The theme named by its id or its name; ``None`` when there is no such theme."""
    from .params import is_id

    value = (value or "").strip()
    if not value:
        return None
    if is_id(value):
        return Theme.objects.filter(pk=int(value)).first()
    return Theme.objects.filter(name__iexact=value[:80]).first()


def upload_finish(*, session: UploadSession) -> dict:
    """The last byte arrived: store the file as an asset and keep what became of it on the
    upload (``created``, ``duplicate`` or ``refused`` with the reason)."""
    path = upload_part_path(session)
    meta = session.metadata or {}
    result: dict
    try:
        from .inspection import parse_any_date

        with _RUNNING_HASHES_LOCK:
            running = _RUNNING_HASHES.pop(str(session.pk), None)
        sha256 = running[1].hexdigest() if running and running[0] == session.length else None
        asset = asset_create_from_path(
            actor=session.user,
            folder=session.folder,
            path=str(path),
            filename=session.filename,
            sha256=sha256,
            title=meta.get("title", ""),
            theme=_theme_from(meta.get("theme", "")),
            tags=meta.get("tags", ""),
            event_date=parse_any_date(meta.get("date") or None),
            description=meta.get("description", ""),
            credit=meta.get("credit", ""),
            location=meta.get("location", ""),
        )
        result = {
            "status": "created",
            "asset": asset.pk,
            "title": asset.title,
            "url": reverse("assets:asset_detail", args=[asset.pk]),
        }
    except DuplicateAsset as exc:
        result = {"status": "duplicate", **exc.answer_for(session.user)}
    except RefusedFile as exc:
        result = {"status": "refused", "message": str(exc.message)}
    except StorageUnavailable as exc:
        result = {"status": "failed", "message": exc.message}
    except (ValidationError, PermissionDenied) as exc:
        messages = getattr(exc, "messages", None) or [str(exc)]
        result = {"status": "refused", "message": " ".join(str(m) for m in messages)}
    finally:
        if path.exists():
            path.unlink()
    session.result = result
    session.save(update_fields=["result", "updated_at"])
    return result


def upload_terminate(*, actor: User, session: UploadSession) -> None:
    _require(session.user_id == actor.pk or is_senior(actor))
    path = upload_part_path(session)
    if path.exists():
        path.unlink()
    session.delete()


def upload_prune_abandoned(*, older_than_hours: int | None = None) -> int:
    """Remove uploads that have not moved for a day (or ``older_than_hours``), with their bytes,
    and stray staging files. Returns how many were removed.

    An upload moved when its row changed or when its part file last received bytes."""
    hours = settings.ASSET_UPLOAD_EXPIRE_HOURS if older_than_hours is None else older_than_hours
    cutoff = timezone.now() - timezone.timedelta(hours=hours)
    limit = time.time() - hours * 3600
    removed = 0
    for session in UploadSession.objects.filter(updated_at__lt=cutoff):
        path = upload_part_path(session)
        try:
            if path.stat().st_mtime >= limit:
                continue  # bytes arrived lately: still going
            path.unlink()
        except FileNotFoundError:
            pass
        session.delete()
        removed += 1
    known = {f"{pk}.part" for pk in UploadSession.objects.values_list("pk", flat=True)}
    for path in upload_dir().glob("*"):
        try:
            if path.name not in known and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


# --- the storage check (run by the worker) ------------------------------------------------------

# A file younger than this may belong to an upload whose row is about to be saved: never removed.
ORPHAN_GRACE = timezone.timedelta(hours=1)
# Storage checks kept for the record.
STORAGE_CHECKS_KEPT = 90


def storage_check_run(*, grace: timezone.timedelta = ORPHAN_GRACE) -> StorageCheck:
    """Check the library's files against the database and record what was found.

    Guarantees: every asset (also in the trash) made before the check started is looked at; its
    original is reported ``missing`` or ``altered`` (SHA-256 differs from the upload's), each
    missing rendition is reported; files under the library's prefixes that no row points at and
    that are older than ``grace`` are removed, listed on the check and in the audit log. Nothing
    else is changed: a damaged asset is reported, never deleted.
    """
    from . import integrity

    storage = default_storage
    check = StorageCheck.objects.create()
    listed = {
        found.name: found
        for prefix in integrity.LIBRARY_PREFIXES
        for found in integrity.stored_files(storage, prefix)
    }
    referenced = integrity.referenced_names()
    cutoff = check.started_at - grace
    orphans = sorted(
        name for name, found in listed.items() if name not in referenced and found.modified < cutoff
    )
    _delete_files(orphans)

    problems: list[dict] = []
    files = read = 0
    assets = (
        Asset.objects.filter(created_at__lt=check.started_at)
        .order_by("pk")
        .prefetch_related("renditions")
    )
    for asset in assets.iterator(chunk_size=200):

        def problem(kind: str, name: str, asset: Asset = asset) -> None:
            problems.append(
                {"asset": asset.pk, "title": asset.title, "problem": kind, "name": name}
            )

        files += 1
        if not integrity.exists(storage, asset.file.name, listed):
            problem(StorageCheck.Problem.MISSING, asset.file.name)
        else:
            try:
                digest, size = integrity.storage_sha256(storage, asset.file.name)
            except Exception:
                logger.exception("storage check: cannot read %s", asset.file.name)
                problem(StorageCheck.Problem.MISSING, asset.file.name)
            else:
                read += size
                if digest != asset.sha256:
                    problem(StorageCheck.Problem.ALTERED, asset.file.name)
        for rendition in asset.renditions.all():
            files += 1
            if not integrity.exists(storage, rendition.file.name, listed):
                problem(StorageCheck.Problem.RENDITION_MISSING, rendition.file.name)

    with transaction.atomic():
        check.finished_at = timezone.now()
        check.files_checked = files
        check.bytes_checked = read
        check.problems = problems
        check.orphans_removed = orphans
        check.save()
        if orphans:
            audit_record(
                actor=None,
                action="storage.orphans_removed",
                target=check,
                details={"count": len(orphans), "names": orphans[:100]},
            )
        if problems:
            audit_record(
                actor=None,
                action="storage.problems_found",
                target=check,
                details={"count": len(problems), "assets": sorted({p["asset"] for p in problems})},
            )
        keep = StorageCheck.objects.order_by("-started_at", "-id")[:STORAGE_CHECKS_KEPT]
        StorageCheck.objects.exclude(pk__in=list(keep.values_list("pk", flat=True))).delete()
    if orphans:
        logger.warning("storage check removed %d orphan files: %s", len(orphans), orphans[:20])
    if problems:
        logger.error("storage check found %d problems: %s", len(problems), problems[:20])
    return check
