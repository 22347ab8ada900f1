"""Storing a file as an asset: staging, hashing, duplicate check, the original in storage."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.enqueue import enqueue_on_commit

from ..inspection import inspect_file
from ..models import Asset, Folder, Tag, Theme
from ..permissions import folder_policy
from .common import (
    COPY_CHUNK,
    AssetTooLarge,
    DuplicateAsset,
    StorageUnavailable,
    _delete_files,
    _require,
)
from .names import _without_invisible, clean_filename, parse_tags, title_from_filename

logger = logging.getLogger(__name__)


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
    _save_stored_asset(asset, tag_names)
    return asset


def _save_stored_asset(asset: Asset, tag_names: list[str]) -> None:
    """Save the row of an asset whose original is already in storage, and ask for its renditions
    after commit. On failure the stored file goes too: no row would point at it."""
    try:
        with transaction.atomic():
            asset.save()
            _set_tags(asset, tag_names)
            _render_after_commit(asset.pk)
    except IntegrityError:
        # Someone stored the same bytes a moment ago: keep theirs, drop ours.
        asset.file.storage.delete(asset.file.name)
        existing = _existing_duplicate(asset.sha256)
        if existing is None:
            raise
        raise DuplicateAsset(existing) from None
    except BaseException:
        # The database failed after the file was written: no row will point at the file, so it
        # goes too. (A process killed right here leaves it to ``storage_check_run``.)
        _delete_files([asset.file.name])
        raise


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
