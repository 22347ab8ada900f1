"""A folder as one ZIP file, streamed from storage."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record

from ..models import Folder
from ..permissions import folder_policy
from .common import COPY_CHUNK, _require
from .names import _without_invisible

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

    from ..selectors import folder_archive_contents

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
