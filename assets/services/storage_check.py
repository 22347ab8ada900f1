"""The storage check, run by the worker: every original read, orphan files removed."""

from __future__ import annotations

import logging

from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.utils import timezone

from accounts.services import audit_record

from ..models import Asset, StorageCheck
from .common import _delete_files

logger = logging.getLogger(__name__)


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
    from .. import integrity

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
        checked, bytes_read = _check_asset(asset, storage, listed, problems)
        files += checked
        read += bytes_read

    check.finished_at = timezone.now()
    check.files_checked = files
    check.bytes_checked = read
    check.problems = problems
    check.orphans_removed = orphans
    _record_check(check)
    return check


def _check_asset(
    asset: Asset, storage: Storage, listed: dict, problems: list[dict]
) -> tuple[int, int]:
    """Check one asset's original and renditions; add what is wrong to ``problems``.

    Returns how many files were looked at and how many bytes were read."""
    from .. import integrity

    def problem(kind: str, name: str) -> None:
        problems.append({"asset": asset.pk, "title": asset.title, "problem": kind, "name": name})

    files, read = 1, 0
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
    return files, read


def _record_check(check: StorageCheck) -> None:
    """Save the finished check with its audit events, keep the last checks only, and log."""
    orphans, problems = check.orphans_removed, check.problems
    with transaction.atomic():
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
