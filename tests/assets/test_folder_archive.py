"""A folder with its subfolders downloaded as one ZIP, streamed as it is written: what a
journalist asking for an event's photos receives, and what is left out for whom."""

from __future__ import annotations

import io
import tracemalloc
import wave
import zipfile

import pytest

from accounts.models import AuditEvent
from assets.services import asset_create_from_file, asset_trash, folder_create, folder_grant
from tests.assets import media

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(editor, divisions, upload, staf_other):
    """ "Liputan Banjir": photos (two with the same title), a PDF, a day's subfolder, and a
    restricted subfolder with a folder inside it that another division was given."""
    top = folder_create(actor=editor, name="Liputan Banjir", division=divisions["PKP"])
    day = folder_create(actor=editor, name="Hari 1", parent=top)
    internal = folder_create(actor=editor, name="Internal", parent=top, restricted=True)
    inner = folder_create(actor=editor, name="Untuk PIAP", parent=internal, restricted=True)
    folder_grant(actor=editor, folder=inner, user=staf_other, rights=["view"])
    files = {
        "a": upload(editor, top, media.jpeg(color=(1, 2, 3)), "IMG_001.jpg", title="Banjir"),
        "b": upload(editor, top, media.jpeg(color=(3, 2, 1)), "IMG_002.jpg", title="Banjir"),
        "slash": upload(editor, top, media.png(), "x.png", title='Rapat 1/2: "final"'),
        "pdf": upload(editor, top, media.pdf(1), "laporan.pdf", title="Laporan"),
        "day": upload(editor, day, media.jpeg(color=(9, 9, 9)), "d.jpg", title="Pengungsi"),
        "secret": upload(editor, internal, media.jpeg(color=(7, 7, 7)), "s.jpg", title="Rahasia"),
        "inner": upload(editor, inner, media.jpeg(color=(6, 6, 6)), "i.jpg", title="Titipan"),
    }
    trashed = upload(editor, top, media.jpeg(color=(5, 5, 5)), "t.jpg", title="Dibuang")
    asset_trash(actor=editor, asset=trashed)
    return top, files


def download(client, folder) -> tuple[object, zipfile.ZipFile]:
    response = client.get(f"/library/folders/{folder.pk}/download/")
    assert response.status_code == 200, response.content[:300]
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    return response, zipfile.ZipFile(io.BytesIO(body))


def original(asset) -> bytes:
    with asset.file.open("rb") as handle:
        return handle.read()


def test_another_division_gets_the_open_part_of_the_tree(event, staf_other, client_for):
    top, files = event
    response, archive = download(client_for(staf_other), top)
    assert response["Content-Type"] == "application/zip"
    assert 'filename="Liputan Banjir.zip"' in response["Content-Disposition"]
    names = sorted(info.filename for info in archive.infolist() if not info.is_dir())
    assert names == [
        "Liputan Banjir/Banjir (2).jpg",
        "Liputan Banjir/Banjir.jpg",
        "Liputan Banjir/Hari 1/Pengungsi.jpg",
        "Liputan Banjir/Laporan.pdf",
        "Liputan Banjir/Rapat 1-2- -final.png",
    ]
    # The restricted folder is not there, nor the folder given inside it, nor even its name.
    assert not any("Internal" in info.filename for info in archive.infolist())
    assert archive.read("Liputan Banjir/Hari 1/Pengungsi.jpg") == original(files["day"])
    assert archive.read("Liputan Banjir/Laporan.pdf") == original(files["pdf"])
    assert {archive.read(n) for n in names[:2]} == {original(files["a"]), original(files["b"])}
    # The originals are stored as they are, not compressed again.
    assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
    assert archive.testzip() is None
    event_row = AuditEvent.objects.get(action="folder.download")
    assert event_row.actor == staf_other and event_row.details["files"] == 5


def test_the_division_gets_its_restricted_subfolder(event, staf, client_for):
    top, _files = event
    _response, archive = download(client_for(staf), top)
    names = {info.filename for info in archive.infolist()}
    assert "Liputan Banjir/Internal/Rahasia.jpg" in names
    assert "Liputan Banjir/Internal/Untuk PIAP/Titipan.jpg" in names
    assert "Liputan Banjir/Internal/Untuk PIAP/" in names  # the folder structure is kept
    assert not any("Dibuang" in name for name in names)  # the trash never is


def test_a_folder_one_may_not_open_is_not_downloaded(event, staf_other, client_for):
    top, _files = event
    internal = top.children.get(name="Internal")
    assert (
        client_for(staf_other).get(f"/library/folders/{internal.pk}/download/").status_code == 404
    )
    assert not AuditEvent.objects.filter(action="folder.download").exists()


def test_the_folder_page_offers_the_download(event, staf_other, client_for):
    top, _files = event
    page = client_for(staf_other).get(f"/library/folders/{top.pk}/").content.decode()
    assert f"/library/folders/{top.pk}/download/" in page


def test_a_large_file_streams_through_bounded_memory(editor, divisions, client_for, tmp_path):
    """A 48 MB recording goes out slice by slice: the process never holds more than a few MB."""
    folder = folder_create(actor=editor, name="Rekaman", division=divisions["PKP"])
    path = tmp_path / "rapat.wav"
    with wave.open(str(path), "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(8000)
        block = bytes(1024 * 1024)
        for _ in range(48):
            recording.writeframes(block)
    with path.open("rb") as source:
        asset = asset_create_from_file(
            actor=editor, folder=folder, fileobj=source, filename="rapat.wav", title="Rapat"
        )
    client = client_for(editor)
    tracemalloc.start()
    try:
        response = client.get(f"/library/folders/{folder.pk}/download/")
        total = 0
        for chunk in response.streaming_content:
            total += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == int(response["Content-Length"]) > asset.size
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a {asset.size / 1e6:.0f} MB file"
