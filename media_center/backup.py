"""Backups of the whole portal, and their restoration into an empty installation.

A backup is a folder ``portal-<date>-<time>/`` in the backup storage (``STORAGES["backups"]``: a
folder, or an S3 bucket) holding:

- ``database.jsonl``: every row of every installed app's models (Django's serialization, JSON
  Lines), taken in one read-only transaction so that it is one consistent moment. Content types
  and permissions are named by natural key, so the rows load into a database whose ids differ.
  The vault's credentials are in it as they are stored: Fernet ciphertext, never plaintext.
- ``media/<stored name>``: every file a row points at (originals, renditions, and the files of
  any app added later), copied from the media storage.
- ``manifest.json``: written last, so a backup without one is incomplete. It names the
  migrations the database was at, the number of rows of each model, the database file's SHA-256,
  and each file's size and SHA-256. Restoring checks all of them.

Rows that are not the office's data are left out (see ``EXCLUDED``): what ``migrate`` makes
again, passing state (sessions, lockouts, task results, uploads in progress, worker heartbeats),
the periodic tasks (declared in code and rebuilt by ``sync_periodic_tasks``), and the platform
simulator's play accounts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, BinaryIO

from django.apps import apps
from django.core import serializers
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.jsonl"
MEDIA = "media"
CHUNK = 1024 * 1024

# app labels, or "app_label.model_name"
EXCLUDED = frozenset(
    {
        "contenttypes",
        "auth.permission",
        "sessions",
        "axes.accessattempt",
        "axes.accessattemptexpiration",
        "django_celery_beat",
        "django_celery_results",
        "simulator",
        "assets.uploadsession",
        "media_center.workerheartbeat",
    }
)
# Rows that ``migrate`` makes in every installation (the role groups): matched by natural key.
BY_NATURAL_KEY = frozenset({"auth.group"})


class BackupError(Exception):
    """A backup that cannot be made or restored, with the reason for the person running it."""


@dataclass
class BackupSummary:
    name: str
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    missing: list[str] = field(default_factory=list)
    database_sha256: str = ""
    database_size: int = 0

    @property
    def row_count(self) -> int:
        return sum(self.rows.values())


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but keeping microseconds (it cuts times to milliseconds)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def included_models() -> list[type[models.Model]]:
    """The models whose rows a backup holds, in an order that loads (natural keys first)."""
    chosen = []
    for config in apps.get_app_configs():
        if config.label in EXCLUDED:
            continue
        for model in config.get_models():
            meta = model._meta
            if meta.proxy or not meta.managed or meta.label_lower in EXCLUDED:
                continue
            chosen.append(model)
    ordered = serializers.sort_dependencies([(None, chosen)], allow_cycles=True)
    return [model for model in ordered if model in chosen]


def _migrations(using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


class _HashingWriter:
    """A binary file that also computes the SHA-256 and size of what goes through it."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: str | bytes) -> int:
        raw = data.encode() if isinstance(data, str) else data
        self.digest.update(raw)
        self.size += len(raw)
        return self.handle.write(raw)


def _copy_hashing(source: BinaryIO, target: BinaryIO) -> tuple[str, int]:
    writer = _HashingWriter(target)
    while chunk := source.read(CHUNK):
        writer.write(chunk)
    return writer.digest.hexdigest(), writer.size


def private_folder(path: str) -> FileSystemStorage:
    """A folder as backup storage, its files readable by the portal's own user alone."""
    return FileSystemStorage(
        location=path, file_permissions_mode=0o600, directory_permissions_mode=0o700
    )


def backup_name(now: datetime | None = None) -> str:
    return f"portal-{timezone.localtime(now):%Y%m%d-%H%M%S}"


def _dump_database(
    handle: BinaryIO, using: str, summary: BackupSummary
) -> tuple[dict[str, list[str]], set[str]]:
    """Write every included row in one read-only transaction; return the migrations the rows
    belong to and the stored names of the files they point at."""
    connection = connections[using]
    names: set[str] = set()
    outer = connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and not outer:
            # One snapshot for every table: rows written meanwhile are in no table of it.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        migrations = _migrations(using)
        writer = _HashingWriter(handle)
        for model in included_models():
            files = _file_fields(model)
            label = model._meta.label_lower
            count = 0

            def rows(model=model, files=files) -> Iterator[models.Model]:
                nonlocal count
                queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
                for row in queryset.iterator(chunk_size=2000):
                    count += 1
                    for file_field in files:
                        value = getattr(row, file_field.attname)
                        if value:
                            names.add(str(value))
                    yield row

            serializers.serialize(
                "jsonl",
                rows(),
                stream=_TextStream(writer),
                cls=ExactJSONEncoder,
                use_natural_foreign_keys=True,
                use_natural_primary_keys=label in BY_NATURAL_KEY,
            )
            summary.rows[label] = count
    summary.database_sha256 = writer.digest.hexdigest()
    summary.database_size = writer.size
    return migrations, names


class _TextStream:
    """What the serializer writes to (text), handed on as UTF-8 bytes."""

    def __init__(self, writer: _HashingWriter):
        self.writer = writer

    def write(self, text: str) -> int:
        self.writer.write(text.encode())
        return len(text)


def backup_create(
    *,
    target: Storage,
    media: Storage | None = None,
    using: str = DEFAULT_DB_ALIAS,
    name: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> BackupSummary:
    """Write a complete backup into ``target`` and return what it holds.

    Guarantees: the database part is one consistent moment; every file a row of that moment
    points at is copied with its SHA-256 (one that storage no longer has is listed as missing);
    the manifest is written last, so a backup interrupted half-way has none and is never taken
    for a complete one. Nothing in the portal is changed.
    """
    media = media or default_storage
    name = name or backup_name()
    if target.exists(f"{name}/{MANIFEST}"):
        raise BackupError(f"A backup named {name} already exists.")
    summary = BackupSummary(name=name)
    say = progress or (lambda message: None)
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        dump = Path(work) / DATABASE
        with open(dump, "wb") as handle:
            migrations, names = _dump_database(handle, using, summary)
        say(f"database: {summary.row_count} rows of {len(summary.rows)} models")
        with open(dump, "rb") as handle:
            target.save(f"{name}/{DATABASE}", File(handle))
        files = []
        for stored in sorted(names):
            try:
                with media.open(stored, "rb") as source, tempfile.TemporaryFile(dir=work) as copy:
                    sha256, size = _copy_hashing(source, copy)
                    copy.seek(0)
                    target.save(f"{name}/{MEDIA}/{stored}", File(copy))
            except FileNotFoundError:
                summary.missing.append(stored)
                continue
            files.append({"name": stored, "size": size, "sha256": sha256})
            summary.files += 1
            summary.bytes += size
        say(f"media: {summary.files} files, {summary.bytes} bytes")
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "migrations": migrations,
            "database": {
                "file": DATABASE,
                "sha256": summary.database_sha256,
                "size": summary.database_size,
                "rows": summary.rows,
            },
            "media": {"files": files, "missing": summary.missing},
        }
        body = json.dumps(manifest, indent=1, sort_keys=True).encode()
        with tempfile.TemporaryFile(dir=work) as handle:
            handle.write(body)
            handle.seek(0)
            target.save(f"{name}/{MANIFEST}", File(handle))
    return summary


def backup_list(storage: Storage) -> list[str]:
    """The complete backups in ``storage`` (those with a manifest), oldest first."""
    try:
        folders, _files = storage.listdir("")
    except FileNotFoundError:
        return []
    return sorted(f for f in folders if storage.exists(f"{f}/{MANIFEST}"))


def read_manifest(storage: Storage, name: str) -> dict:
    if not storage.exists(f"{name}/{MANIFEST}"):
        raise BackupError(
            f"There is no complete backup named {name} (no {MANIFEST}): it does not exist, or "
            "writing it was interrupted."
        )
    with storage.open(f"{name}/{MANIFEST}", "rb") as handle:
        manifest = json.loads(handle.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup {name} has format {manifest.get('format')}, not {FORMAT}.")
    return manifest


def installation_rows(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows of the office's data already in this installation (none in an empty one)."""
    found = {}
    for model in included_models():
        label = model._meta.label_lower
        if label in BY_NATURAL_KEY:
            continue
        count = model._base_manager.using(using).count()
        if count:
            found[label] = count
    return found


def _fetch_verified(storage: Storage, path: str, expected: str, work: str) -> BinaryIO:
    """A local copy of a backup file whose SHA-256 is the one the manifest recorded."""
    copy = tempfile.TemporaryFile(dir=work)  # noqa: SIM115 - handed to the caller, who closes it
    try:
        with storage.open(path, "rb") as source:
            sha256, _size = _copy_hashing(source, copy)
    except FileNotFoundError:
        copy.close()
        raise BackupError(f"The backup lacks {path}.") from None
    if sha256 != expected:
        copy.close()
        raise BackupError(f"{path} in the backup is damaged: its SHA-256 is not the recorded one.")
    copy.seek(0)
    return copy


def backup_restore(
    *,
    source: Storage,
    name: str,
    media: Storage | None = None,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] | None = None,
) -> BackupSummary:
    """Bring backup ``name`` into this installation, which must be empty (migrated, no data).

    Guarantees: nothing is written unless the installation is empty and at the same migrations
    as the backup; every file and the database dump are checked against their recorded SHA-256
    before use; the rows are loaded in one transaction (all or nothing) and counted again
    afterwards. Files already in the media storage with the same contents are kept; a different
    file under the same name stops the restore.
    """
    media = media or default_storage
    say = progress or (lambda message: None)
    manifest = read_manifest(source, name)
    _check_restorable(manifest, using)
    summary = BackupSummary(name=name)
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        database = manifest["database"]
        dump = _fetch_verified(source, f"{name}/{DATABASE}", database["sha256"], work)
        dump_path = Path(work) / DATABASE
        with dump, open(dump_path, "wb") as local:
            shutil.copyfileobj(dump, local, CHUNK)
        _restore_media(source, name, manifest, media, work, summary)
        say(f"media: {summary.files} files, {summary.bytes} bytes")
        _load_rows(dump_path, database["rows"], using, summary)
        say(f"database: {summary.row_count} rows of {len(summary.rows)} models")
    return summary


def _check_restorable(manifest: dict, using: str) -> None:
    """Refuse unless this installation is empty and at the backup's migrations."""
    present = installation_rows(using)
    if present:
        shown = ", ".join(f"{count} {label}" for label, count in sorted(present.items())[:6])
        raise BackupError(
            "This installation is not empty, so nothing was restored (a restore never mixes "
            f"two portals). It holds: {shown}. Restore into a freshly migrated database and an "
            "empty media storage."
        )
    ours = _migrations(using)
    theirs = manifest["migrations"]
    if {app: ours.get(app, []) for app in theirs} != theirs:
        raise BackupError(
            "The backup was made by another version of the portal (its database migrations "
            "differ from this installation's). Restore it with the version that made it, then "
            "upgrade."
        )


def _restore_media(
    source: Storage, name: str, manifest: dict, media: Storage, work: str, summary: BackupSummary
) -> None:
    """Each file of the backup, checked, into the media storage (the same contents kept)."""
    for entry in manifest["media"]["files"]:
        stored = entry["name"]
        with _fetch_verified(source, f"{name}/{MEDIA}/{stored}", entry["sha256"], work) as copy:
            if media.exists(stored):
                from assets.integrity import storage_sha256

                if storage_sha256(media, stored)[0] != entry["sha256"]:
                    raise BackupError(
                        f"The media storage already holds a different {stored}; restore "
                        "into an empty media storage."
                    )
            else:
                saved = media.save(stored, File(copy))
                if saved != stored:
                    raise BackupError(f"The media storage stored {stored} as {saved}.")
        summary.files += 1
        summary.bytes += entry["size"]


def _load_rows(dump_path: Path, rows: dict, using: str, summary: BackupSummary) -> None:
    """The database dump loaded in one transaction, each model's rows counted again."""
    with transaction.atomic(using=using):
        call_command("loaddata", os.fspath(dump_path), database=using, verbosity=0)
        for model in included_models():
            label = model._meta.label_lower
            expected = rows.get(label, 0)
            count = model._base_manager.using(using).count()
            if label not in BY_NATURAL_KEY and count != expected:
                raise BackupError(
                    f"After loading, {label} has {count} rows instead of {expected}; "
                    "nothing was restored."
                )
            summary.rows[label] = count
