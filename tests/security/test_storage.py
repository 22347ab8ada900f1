"""Nothing lost, nothing dangling: a storage failing mid-write, a database failing after the file
was written, files left by a process that died, and the nightly check of every stored file."""

from __future__ import annotations

import errno
import io
import os
import time
import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import OperationalError, connection
from django.test import override_settings

from accounts.models import AuditEvent
from assets.integrity import stored_files
from assets.models import Asset, StorageCheck
from assets.services import asset_create_from_file, storage_check_run, upload_dir
from tests.assets import media
from tests.conftest import wait_for
from tests.s3 import BUCKET, keys

pytestmark = pytest.mark.django_db


class HalfWriteStorage(FileSystemStorage):
    """A disk that fills up half-way through writing a file."""

    def _save(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content.read()
        with open(path, "wb") as handle:
            handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")


def library_files() -> set[str]:
    return {
        found.name
        for prefix in ("originals/", "renditions/")
        for found in stored_files(default_storage, prefix)
    }


def staging_files() -> set[str]:
    return {path.name for path in upload_dir().glob("staging-*")}


@pytest.fixture
def failing_disk(settings, media_root):
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tests.security.test_storage.HalfWriteStorage",
            "OPTIONS": {"location": media_root, "base_url": "/media/"},
        },
    }
    with override_settings(STORAGES=storages):
        yield


def test_a_storage_failing_mid_write_leaves_no_asset_and_no_file(
    portal, staf, client_for, failing_disk
):
    before_files, before_staging = library_files(), staging_files()
    api = client_for(staf)
    response = api.post(
        "/api/v1/assets/",
        {"folder": portal.open_folder.pk, "file": io.BytesIO(media.png((61, 47))), "title": "X"},
    )
    assert response.status_code == 503
    assert "penyimpanan media tidak menjawab" in response.json()["detail"]
    assert response["Retry-After"] == "120"
    page = client_for(staf).post(
        "/library/upload/",
        {"folder": portal.open_folder.pk, "file": _named(media.jpeg((33, 21)), "rapat.jpg")},
    )
    assert page.status_code == 200
    assert "penyimpanan media tidak menjawab" in page.content.decode()
    assert not Asset.objects.filter(title__in=["X", "rapat"]).exists()
    assert library_files() == before_files
    assert staging_files() == before_staging


def _named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_a_database_failing_after_the_file_was_written_leaves_no_file(portal, staf):
    before = library_files()

    def refuse_asset_rows(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith('INSERT INTO "ASSETS_ASSET"'):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_asset_rows), pytest.raises(OperationalError):
        asset_create_from_file(
            actor=staf,
            folder=portal.open_folder,
            fileobj=io.BytesIO(media.png((52, 52))),
            filename="gagal.png",
        )
    assert library_files() == before


def _leave_file(name: str, *, age: timedelta | None = None) -> str:
    saved = default_storage.save(name, io.BytesIO(b"\xff\xd8\xff" + os.urandom(64)))
    if age is not None:
        moment = time.time() - age.total_seconds()
        os.utime(default_storage.path(saved), (moment, moment))
    return saved


def test_files_left_by_a_dead_process_are_removed_and_reported(portal):
    old = _leave_file(f"originals/2026/01/{uuid.uuid4().hex}.jpg", age=timedelta(hours=3))
    old_rendition = _leave_file(f"renditions/999/999/{uuid.uuid4().hex}.jpg", age=timedelta(days=2))
    young = _leave_file(f"originals/2026/01/{uuid.uuid4().hex}.jpg")  # an upload in flight
    elsewhere = _leave_file(f"exports/{uuid.uuid4().hex}.csv", age=timedelta(days=9))
    kept = library_files() - {old, old_rendition}

    check = storage_check_run()

    assert sorted(check.orphans_removed) == sorted([old, old_rendition])
    assert library_files() == kept
    assert default_storage.exists(young) and default_storage.exists(elsewhere)
    assert check.problems == []
    event = AuditEvent.objects.get(action="storage.orphans_removed")
    assert event.details["count"] == 2 and old in event.details["names"]


def test_missing_and_altered_files_are_on_the_dashboard(portal, client_for, editor, staf, kadis):
    with default_storage.open(portal.photo.file.name, "wb") as handle:
        handle.write(b"\xff\xd8\xff" + b"bukan foto yang diunggah")
    default_storage.delete(portal.document.file.name)
    thumb = portal.sound.renditions.first() or portal.document.renditions.get(name="thumb")
    default_storage.delete(thumb.file.name)

    check = storage_check_run()

    found = {(p["asset"], p["problem"]) for p in check.problems}
    assert (portal.photo.pk, "altered") in found
    assert (portal.document.pk, "missing") in found
    assert (thumb.asset_id, "rendition_missing") in found
    assert check.files_checked >= Asset.objects.count()
    assert check.bytes_checked > 0

    dashboard = client_for(editor).get("/dashboard/").content.decode()
    assert "Berkas hilang atau berubah di penyimpanan" in dashboard
    report = client_for(editor).get("/library/storage-check/").content.decode()
    assert portal.photo.title in report and "SHA-256" in report
    assert client_for(kadis).get("/library/storage-check/").status_code == 200
    # Staf run no check and read none; the card is not theirs.
    assert client_for(staf).get("/library/storage-check/").status_code == 403
    assert "Berkas hilang" not in client_for(staf).get("/dashboard/").content.decode()


def test_a_problem_in_another_division_is_shown_to_those_who_may_see_it(
    portal, client_for, editor, kadis
):
    hidden = Asset.objects.get(folder=portal.other_division_folder)
    default_storage.delete(hidden.file.name)
    storage_check_run()
    assert hidden.title not in client_for(editor).get("/library/storage-check/").content.decode()
    assert hidden.title in client_for(kadis).get("/library/storage-check/").content.decode()


def test_a_clean_storage_says_so(portal, client_for, admin_user):
    check = storage_check_run()
    assert check.problems == [] and check.orphans_removed == []
    page = client_for(admin_user).get("/library/storage-check/").content.decode()
    assert "Semua berkas ada di penyimpanan" in page


def test_object_storage_is_checked_the_same_way(s3_storage, staf, editor, divisions, upload_photo):
    photo = upload_photo(staf)
    orphan = f"originals/2026/02/{uuid.uuid4().hex}.jpg"
    s3_storage.put_object(Bucket=BUCKET, Key=orphan, Body=b"\xff\xd8\xff tertinggal")
    s3_storage.put_object(Bucket=BUCKET, Key=photo.file.name, Body=b"\xff\xd8\xff diubah")

    check = storage_check_run(grace=timedelta(0))

    assert check.orphans_removed == [orphan]
    assert orphan not in keys(s3_storage)
    assert [(p["asset"], p["problem"]) for p in check.problems] == [(photo.pk, "altered")]


@pytest.fixture
def upload_photo(editor, divisions):
    from assets.services import asset_render, folder_create

    def make(user):
        folder = folder_create(actor=editor, name="Kegiatan", division=divisions["PKP"])
        asset = asset_create_from_file(
            actor=user, folder=folder, fileobj=io.BytesIO(media.jpeg()), filename="a.jpg"
        )
        asset_render(asset_id=asset.pk)
        return Asset.objects.get(pk=asset.pk)

    return make


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_nightly_check_runs_on_the_worker(celery_worker, staf, editor, divisions, upload_photo):
    from assets.tasks import check_storage

    photo = upload_photo(staf)
    default_storage.delete(photo.file.name)
    result = check_storage.delay()
    summary = result.get(timeout=60)
    assert summary["problems"] == 1
    wait_for(lambda: StorageCheck.objects.filter(finished_at__isnull=False).exists())
    assert StorageCheck.objects.get().problems[0]["asset"] == photo.pk
