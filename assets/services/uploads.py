"""Resumable uploads (tus): sessions, parts received, finishing, pruning the abandoned."""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

from ..bodyreader import BodySource
from ..inspection import RefusedFile
from ..models import Folder, Theme, UploadSession
from ..permissions import folder_policy, is_senior
from .common import AssetTooLarge, DuplicateAsset, StorageUnavailable, _require
from .names import clean_filename
from .storing import asset_create_from_path, upload_dir


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
    What was read before the connection broke is written all the same. It stays one function:
    the three stages share its buffers and queues.
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


def theme_from(value: str) -> Theme | None:
    """The theme named by its id or its name; ``None`` when there is no such theme."""
    from ..params import is_id

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
        from ..inspection import parse_any_date

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
            theme=theme_from(meta.get("theme", "")),
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
