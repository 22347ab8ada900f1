"""What is really in file storage, read the same way on a local folder and on object storage.

Used by the storage check (``services.storage_check_run``) and by the backups: a listing of the
stored files under a prefix, the names every row of the portal points at, and a file's SHA-256
read from storage in slices.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.core.files.storage import Storage
from django.db import models

# The parts of storage that belong to the media library (see ``models.asset_upload_to``).
LIBRARY_PREFIXES = ("originals/", "renditions/")
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    modified: datetime


def stored_files(storage: Storage, prefix: str) -> Iterator[StoredFile]:
    """Every file under ``prefix``. On object storage this is one paginated listing of the
    bucket, not one request per folder."""
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:
        base = (getattr(storage, "location", "") or "").strip("/")
        start = f"{base}/{prefix}" if base else prefix
        for item in bucket.objects.filter(Prefix=start):
            name = item.key[len(base) + 1 :] if base else item.key
            yield StoredFile(name, item.size, item.last_modified)
        return
    folders = [prefix.rstrip("/")]
    while folders:
        folder = folders.pop()
        try:
            subfolders, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        folders.extend(f"{folder}/{sub}" for sub in subfolders)
        for filename in files:
            name = f"{folder}/{filename}"
            yield StoredFile(name, storage.size(name), storage.get_modified_time(name))


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    """Every file field of every installed model (the portal's and any app added later)."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]


def referenced_names(using: str = "default") -> set[str]:
    """The stored names that some row points at."""
    names: set[str] = set()
    for model, field in file_fields():
        values = model._base_manager.using(using).exclude(**{field.attname: ""})
        names.update(values.values_list(field.attname, flat=True).iterator(chunk_size=2000))
    names.discard(None)
    return names


def storage_sha256(storage: Storage, name: str) -> tuple[str, int]:
    """(SHA-256, size) of a stored file, read in slices. ``FileNotFoundError`` if it is gone."""
    digest = hashlib.sha256()
    size = 0
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def exists(storage: Storage, name: str, listed: Iterable[str]) -> bool:
    """In the listing, or (written since the listing was made) found by asking storage."""
    return name in listed or storage.exists(name)
