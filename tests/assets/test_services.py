"""Folders, uploads, metadata, duplicates, renditions and the trash, through the services."""

from __future__ import annotations

import io
import threading
import time
from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from accounts.models import AuditEvent
from assets import services
from assets.models import Asset, Folder
from assets.services import (
    DuplicateAsset,
    asset_create_from_file,
    asset_public_url,
    asset_render,
    asset_restore,
    asset_trash,
    folder_create,
    folder_get_or_create_path,
    folder_move,
    folder_rename,
    media_token_read,
    trash_empty,
)

from . import media

pytestmark = pytest.mark.django_db


# --- folder names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["..", ".", "2018/06", "a\\b", "", "   ", "x" * 300, "\u202e\u202d"],
)
def test_hostile_folder_names_are_refused_with_a_message(editor, divisions, name):
    with pytest.raises(ValidationError) as refused:
        folder_create(actor=editor, name=name, division=divisions["PKP"])
    assert refused.value.messages[0]
    assert not Folder.objects.exists()


def test_invisible_and_control_characters_are_removed(editor, divisions):
    folder = folder_create(
        actor=editor, name="FGD\u202e Renaksi\x00 OGP\u200f\t", division=divisions["PKP"]
    )
    assert folder.name == "FGD Renaksi OGP"


def test_names_are_unique_among_siblings_ignoring_case(editor, pkp_folder):
    folder_create(actor=editor, name="Juni", parent=pkp_folder)
    with pytest.raises(ValidationError, match="Sudah ada folder"):
        folder_create(actor=editor, name="JUNI", parent=pkp_folder)
    # The same name elsewhere is fine.
    other = folder_create(actor=editor, name="Lain", parent=pkp_folder)
    assert folder_create(actor=editor, name="Juni", parent=other).name == "Juni"


def test_rename_and_move_keep_the_tree_consistent(editor, pkp_folder):
    year = folder_create(actor=editor, name="2018", parent=pkp_folder)
    month = folder_create(actor=editor, name="06 Juni", parent=year)
    event = folder_create(actor=editor, name="FGD", parent=month)
    other = folder_create(actor=editor, name="Arsip", parent=pkp_folder)
    folder_rename(actor=editor, folder=month, name="06  Juni 2018")
    folder_move(actor=editor, folder=month, parent=other)
    event.refresh_from_db()
    assert event.path == f"{other.path}{month.pk}/{event.pk}/"
    assert event.depth == 3
    with pytest.raises(ValidationError, match="ke dalam dirinya sendiri"):
        folder_move(actor=editor, folder=other, parent=event)


def test_get_or_create_path_reuses_existing_folders(divisions):
    first = folder_get_or_create_path(
        actor=None, path=["Sinkronisasi", "Facebook", "2026", "11"], division=divisions["PKP"]
    )
    again = folder_get_or_create_path(
        actor=None, path=["sinkronisasi", "Facebook", "2026", "11"], division=divisions["PKP"]
    )
    assert first.pk == again.pk
    assert Folder.objects.count() == 4


def test_staf_does_not_organise_folders(staf, pkp_folder):
    """A Staf creates subfolders (tests/assets/test_staf_folders.py) but does not organise."""
    with pytest.raises(PermissionDenied):
        folder_create(actor=staf, name="Baru", division=pkp_folder.division)
    with pytest.raises(PermissionDenied):
        folder_create(actor=staf, name="Baru", parent=pkp_folder, restricted=True)


# --- uploads and metadata -----------------------------------------------------------------------


def test_upload_fills_title_and_date_when_left_blank(staf, pkp_folder, upload):
    asset = upload(
        staf,
        pkp_folder,
        media.jpeg(taken=datetime(2018, 6, 12, 10, 0)),
        "FGD_Renaksi-OGP.jpg",
    )
    assert asset.title == "FGD Renaksi OGP"
    assert asset.event_date == date(2018, 6, 12)
    assert asset.kind == "photo" and asset.status == "processing"
    assert asset.uploaded_by == staf
    assert default_storage.exists(asset.file.name)
    assert len(asset.sha256) == 64


def test_given_metadata_wins_and_tags_are_tidied(staf, pkp_folder, upload, themes):
    asset = upload(
        staf,
        pkp_folder,
        media.jpeg(),
        "x.jpg",
        title="Posyandu",
        theme=themes["Kesehatan"],
        tags="Posyandu, balita ,posyandu",
        event_date=date(2026, 11, 3),
        credit="Tim Media",
        location="Sukamaju",
    )
    assert asset.title == "Posyandu"
    assert sorted(asset.tags.values_list("name", flat=True)) == ["balita", "posyandu"]
    assert asset.event_date == date(2026, 11, 3)
    assert "sukamaju" in asset.search_text


def test_names_with_paths_and_strange_characters_are_kept_safe(staf, pkp_folder, upload):
    asset = upload(staf, pkp_folder, media.png(), "../../etc/\u202epasswd\x00.png")
    assert asset.original_name == "passwd.png"
    assert ".." not in asset.file.name and asset.file.name.startswith("originals/")
    long = upload(staf, pkp_folder, media.png(color=(1, 2, 3)), "é" * 400 + ".png")
    assert len(long.original_name) <= 255 and long.original_name.endswith(".png")


def test_same_bytes_point_to_the_existing_asset(staf, editor, pkp_folder, upload):
    first = upload(staf, pkp_folder, media.jpeg(), "a.jpg")
    stored = sorted(default_storage.listdir("originals")[0])
    with pytest.raises(DuplicateAsset) as duplicate:
        upload(editor, pkp_folder, media.jpeg(), "b.jpg")
    assert duplicate.value.existing.pk == first.pk
    assert Asset.objects.count() == 1
    assert sorted(default_storage.listdir("originals")[0]) == stored


def test_refused_files_leave_nothing_behind(staf, pkp_folder, upload, settings, tmp_path):
    settings.ASSET_UPLOAD_DIR = tmp_path
    with pytest.raises(services.RefusedFile):
        upload(staf, pkp_folder, media.HTML, "foto.jpg")
    assert not Asset.objects.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_file_over_the_limit_is_refused_while_streaming(staf, pkp_folder, settings, tmp_path):
    settings.ASSET_MAX_UPLOAD_BYTES = 1000
    settings.ASSET_UPLOAD_DIR = tmp_path
    with pytest.raises(services.AssetTooLarge):
        asset_create_from_file(
            actor=staf, folder=pkp_folder, fileobj=io.BytesIO(b"x" * 5000), filename="a.jpg"
        )
    assert list(tmp_path.iterdir()) == []


def test_staf_cannot_upload_into_another_divisions_folder(staf, piap_folder, upload):
    with pytest.raises(PermissionDenied):
        upload(staf, piap_folder, media.jpeg(), "a.jpg")


def test_bulk_update_moves_sets_theme_tags_and_date(editor, staf, pkp_folder, upload, themes):
    target = folder_create(actor=editor, name="Tujuan", parent=pkp_folder)
    a = upload(staf, pkp_folder, media.jpeg(color=(1, 1, 1)), "a.jpg", tags="lama")
    b = upload(staf, pkp_folder, media.jpeg(color=(2, 2, 2)), "b.jpg")
    services.asset_bulk_update(
        actor=staf,
        assets=[a, b],
        folder=target,
        theme=themes["Budaya"],
        add_tags="festival",
        event_date=date(2025, 8, 17),
    )
    for asset in Asset.objects.all():
        assert asset.folder == target and asset.theme == themes["Budaya"]
        assert asset.event_date == date(2025, 8, 17)
        assert "festival" in asset.tags.values_list("name", flat=True)
    assert set(Asset.objects.get(pk=a.pk).tags.values_list("name", flat=True)) == {
        "lama",
        "festival",
    }


# --- renditions ---------------------------------------------------------------------------------


def open_rendition(asset, name):
    with default_storage.open(asset.renditions.get(name=name).file.name) as handle:
        image = Image.open(handle)
        image.load()
    return image


def test_photo_renditions_are_upright_and_sized(staf, pkp_folder, upload):
    # Stored landscape 2000x1000, EXIF says "turn 90°": every rendition is portrait.
    asset = upload(staf, pkp_folder, media.jpeg((2000, 1000), orientation=6), "a.jpg", render=True)
    assert asset.status == "ready", asset.error
    sizes = {r.name: (r.width, r.height) for r in asset.renditions.all()}
    assert sizes == {"preview": (800, 1600), "platform": (540, 1080), "thumb": (200, 400)}
    thumb = open_rendition(asset, "thumb")
    assert thumb.size == (200, 400)
    # The white mark drawn in the stored top-left corner is now at the top-right.
    assert thumb.getpixel((190, 10))[0] > 200 and thumb.getpixel((10, 10))[1] < 100


def test_small_photos_are_not_enlarged(staf, pkp_folder, upload):
    asset = upload(staf, pkp_folder, media.png((120, 80)), "kecil.png", render=True)
    assert {r.name: r.width for r in asset.renditions.all()} == {
        "preview": 120,
        "platform": 120,
        "thumb": 120,
    }


def test_heic_photo_gets_renditions(staf, pkp_folder, upload):
    asset = upload(staf, pkp_folder, media.heic(), "iphone.heic", render=True)
    assert asset.status == "ready" and asset.renditions.count() == 3


def test_video_gets_a_poster_duration_and_resolution(staf, pkp_folder, upload):
    asset = upload(staf, pkp_folder, media.mp4(seconds=2), "liputan.mp4", render=True)
    assert asset.status == "ready", asset.error
    assert asset.duration == pytest.approx(2, abs=0.3)
    assert (asset.width, asset.height) == (64, 48)
    assert set(asset.renditions.values_list("name", flat=True)) == {"poster", "thumb"}


def test_pdf_gets_its_first_page_and_page_count(staf, pkp_folder, upload):
    asset = upload(staf, pkp_folder, media.pdf(pages=3), "laporan.pdf", render=True)
    assert asset.status == "ready" and asset.page_count == 3
    assert open_rendition(asset, "thumb").size[0] <= 400


def test_audio_and_office_files_are_ready_without_pictures(staf, pkp_folder, upload):
    sound = upload(staf, pkp_folder, media.mp3(seconds=1), "wawancara.mp3", render=True)
    doc = upload(staf, pkp_folder, media.office("docx"), "surat.docx", render=True)
    assert sound.status == doc.status == "ready"
    assert sound.duration == pytest.approx(1, abs=0.2)
    assert not sound.renditions.exists() and not doc.renditions.exists()


def test_truncated_photo_becomes_failed_with_the_reason(staf, pkp_folder, upload):
    whole = media.jpeg((1200, 900), quality=95)
    asset = upload(staf, pkp_folder, whole[: len(whole) * 2 // 3], "potong.jpg", render=True)
    assert asset.status == "failed"
    assert asset.error
    assert not asset.renditions.exists()


def test_rendering_twice_makes_nothing_twice(staf, pkp_folder, upload):
    asset = upload(staf, pkp_folder, media.jpeg((900, 600)), "a.jpg", render=True)
    names = sorted(asset.renditions.values_list("file", flat=True))
    asset_render(asset_id=asset.pk)
    assert sorted(asset.renditions.values_list("file", flat=True)) == names


# --- trash --------------------------------------------------------------------------------------


def test_trash_restore_and_empty(
    staf, editor, pkp_folder, upload, django_capture_on_commit_callbacks
):
    asset = upload(staf, pkp_folder, media.jpeg((600, 400)), "a.jpg", render=True)
    files = [asset.file.name, *asset.renditions.values_list("file", flat=True)]
    asset_trash(actor=staf, asset=asset)
    assert not Asset.objects.alive().exists()
    asset_restore(actor=staf, asset=asset)
    assert Asset.objects.alive().count() == 1
    asset_trash(actor=staf, asset=asset)
    with pytest.raises(PermissionDenied):
        trash_empty(actor=staf)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert trash_empty(actor=editor) == 1
    # Files go only after the deletion is committed.
    assert all(default_storage.exists(name) for name in files)
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(name) for name in files)
    assert AuditEvent.objects.filter(action="asset.delete").count() == 1


def test_restoring_a_file_uploaded_again_meanwhile_is_refused(staf, pkp_folder, upload):
    asset = upload(staf, pkp_folder, media.jpeg(), "a.jpg")
    asset_trash(actor=staf, asset=asset)
    again = upload(staf, pkp_folder, media.jpeg(), "b.jpg")
    with pytest.raises(DuplicateAsset) as duplicate:
        asset_restore(actor=staf, asset=asset)
    assert duplicate.value.existing.pk == again.pk


# --- addresses ----------------------------------------------------------------------------------


def test_public_url_is_signed_and_expires(staf, pkp_folder, upload, monkeypatch):
    asset = upload(staf, pkp_folder, media.jpeg((600, 400)), "a.jpg", render=True)
    url = asset_public_url(asset, "thumb", expires=60)
    token = url.rstrip("/").split("/")[-1]
    assert media_token_read(token).rendition == "thumb"
    assert media_token_read(token[:-2] + "xx") is None
    later = time.time() + 60 + 700
    monkeypatch.setattr(time, "time", lambda: later)
    assert media_token_read(token) is None
    with pytest.raises(LookupError):
        asset_public_url(asset, "poster")


# --- two people at once -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_people_uploading_the_same_file_at_once_store_it_once(staf, editor, pkp_folder):
    data = media.jpeg((500, 300))
    barrier = threading.Barrier(2)
    outcomes = []

    def send(user):
        from django.db import connection

        barrier.wait()
        try:
            asset = asset_create_from_file(
                actor=user, folder=pkp_folder, fileobj=io.BytesIO(data), filename="sama.jpg"
            )
            outcomes.append(("created", asset.pk))
        except DuplicateAsset as exc:
            outcomes.append(("duplicate", exc.existing.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(u,)) for u in (staf, editor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(kind for kind, _ in outcomes) == ["created", "duplicate"]
    assert len({pk for _, pk in outcomes}) == 1
    assert Asset.objects.count() == 1
    assert len(default_storage.listdir(Asset.objects.get().file.name.rsplit("/", 1)[0])[1]) >= 1
