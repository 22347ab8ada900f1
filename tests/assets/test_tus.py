"""Resumable uploads (tus): chunks straight to disk, resume after a break, refusals early."""

import base64
import os
import time

import pytest

from assets.models import Asset, UploadSession
from assets.services import upload_prune_abandoned

from . import media

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def metadata(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in values.items())


def create(client, length: int, **meta):
    return client.post(
        "/library/uploads/",
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=metadata(**meta),
        **TUS,
    )


def patch(client, url: str, offset: int, data: bytes, **extra):
    return client.generic(
        "PATCH",
        url,
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
        **extra,
    )


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.ASSET_UPLOAD_DIR = tmp_path / "uploads"
    return settings.ASSET_UPLOAD_DIR


def test_options_tell_the_protocol(client_for, staf):
    response = client_for(staf).options("/library/uploads/")
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0" and "creation" in response["Tus-Extension"]


def test_an_upload_in_chunks_resumes_and_becomes_an_asset(
    client_for, staf, pkp_folder, upload_dir, themes
):
    data = media.jpeg((900, 700), quality=95)
    client = client_for(staf)
    response = create(
        client,
        len(data),
        filename="rapat.jpg",
        folder=pkp_folder.pk,
        title="Rapat",
        theme="Kesehatan",
        tags="rapat, dinas",
    )
    assert response.status_code == 201
    url = response["Location"]
    assert url.startswith("http://testserver/library/uploads/")
    third = len(data) // 3
    assert patch(client, url, 0, data[:third]).status_code == 204
    # The connection broke: the client asks where the upload stands and goes on from there.
    head = client.head(url, **TUS)
    assert head["Upload-Offset"] == str(third) and head["Upload-Length"] == str(len(data))
    files = list(upload_dir.iterdir())
    assert len(files) == 1 and files[0].stat().st_size == third
    response = patch(client, url, third, data[third:])
    assert response.status_code == 204 and response["Upload-Offset"] == str(len(data))
    asset = Asset.objects.get()
    assert (asset.title, asset.theme.name, asset.original_name) == (
        "Rapat",
        "Kesehatan",
        "rapat.jpg",
    )
    assert sorted(asset.tags.values_list("name", flat=True)) == ["dinas", "rapat"]
    assert client.get(url).json()["result"]["status"] == "created"
    assert list(upload_dir.iterdir()) == []


def test_a_missing_chunk_is_refused_and_nothing_is_lost(client_for, staf, pkp_folder, upload_dir):
    data = media.png((300, 200))
    client = client_for(staf)
    url = create(client, len(data), filename="a.png", folder=pkp_folder.pk)["Location"]
    patch(client, url, 0, data[:50])
    response = patch(client, url, 100, data[100:])  # bytes 50-99 never sent
    assert response.status_code == 409
    assert response["Upload-Offset"] == "50"
    assert "50" in response.json()["detail"]
    assert client.head(url, **TUS)["Upload-Offset"] == "50"
    assert patch(client, url, 50, data[50:]).status_code == 204
    assert Asset.objects.count() == 1


def test_too_large_uploads_are_refused_before_any_byte(
    client_for, staf, pkp_folder, upload_dir, settings
):
    settings.ASSET_MAX_UPLOAD_BYTES = 4 * 1024**3
    response = create(client_for(staf), 10 * 1024**3, filename="besar.mp4", folder=pkp_folder.pk)
    assert response.status_code == 413
    assert "GB" in response.json()["detail"]
    assert not UploadSession.objects.exists()
    assert not upload_dir.exists() or list(upload_dir.iterdir()) == []


def test_a_chunk_past_the_announced_length_is_refused(client_for, staf, pkp_folder, upload_dir):
    client = client_for(staf)
    url = create(client, 10, filename="a.png", folder=pkp_folder.pk)["Location"]
    assert patch(client, url, 0, b"x" * 20).status_code == 400


def test_bad_requests_get_clear_4xx(client_for, staf, staf_other, pkp_folder, upload_dir, client):
    staff = client_for(staf)
    assert client.post("/library/uploads/", **TUS).status_code == 401
    assert staff.post("/library/uploads/", HTTP_UPLOAD_LENGTH="5").status_code == 412
    assert staff.post("/library/uploads/", HTTP_UPLOAD_LENGTH="x", **TUS).status_code == 400
    assert create(staff, 10, filename="a.jpg").status_code == 400  # no folder
    assert create(staff, 0, filename="a.jpg", folder=pkp_folder.pk).status_code == 400
    bad_meta = staff.post(
        "/library/uploads/", HTTP_UPLOAD_LENGTH="5", HTTP_UPLOAD_METADATA="folder ###", **TUS
    )
    assert bad_meta.status_code == 400
    # Another division may not upload into this folder.
    assert (
        create(client_for(staf_other), 10, filename="a.jpg", folder=pkp_folder.pk).status_code
        == 403
    )
    url = create(staff, 10, filename="a.jpg", folder=pkp_folder.pk)["Location"]
    wrong_type = staff.generic(
        "PATCH", url, b"x", content_type="text/plain", HTTP_UPLOAD_OFFSET="0", **TUS
    )
    assert wrong_type.status_code == 415
    # Someone else's upload is not theirs to see or continue.
    assert client_for(staf_other).head(url, **TUS).status_code == 404


def test_a_refused_file_is_reported_on_the_upload(client_for, staf, pkp_folder, upload_dir):
    client = client_for(staf)
    url = create(client, len(media.HTML), filename="foto.jpg", folder=pkp_folder.pk)["Location"]
    assert patch(client, url, 0, media.HTML).status_code == 204
    result = client.get(url).json()["result"]
    assert result["status"] == "refused" and result["message"]
    assert not Asset.objects.exists()
    assert list(upload_dir.iterdir()) == []


def test_a_duplicate_is_reported_with_the_existing_asset(
    client_for, staf, pkp_folder, upload_dir, upload
):
    existing = upload(staf, pkp_folder, media.png(), "a.png")
    client = client_for(staf)
    data = media.png()
    url = create(client, len(data), filename="b.png", folder=pkp_folder.pk)["Location"]
    patch(client, url, 0, data)
    result = client.get(url).json()["result"]
    assert result["status"] == "duplicate" and result["asset"] == existing.pk
    assert Asset.objects.count() == 1


def test_termination_and_pruning_remove_the_bytes(client_for, staf, pkp_folder, upload_dir):
    client = client_for(staf)
    url = create(client, 100, filename="a.jpg", folder=pkp_folder.pk)["Location"]
    patch(client, url, 0, b"x" * 10)
    assert client.delete(url, **TUS).status_code == 204
    assert list(upload_dir.iterdir()) == [] and not UploadSession.objects.exists()
    url = create(client, 100, filename="b.jpg", folder=pkp_folder.pk)["Location"]
    assert upload_prune_abandoned(older_than_hours=1) == 0
    UploadSession.objects.update(updated_at="2020-01-01T00:00:00Z")
    patch(client, url, 0, b"x" * 10)  # bytes arrived just now: the upload is still going
    assert upload_prune_abandoned(older_than_hours=1) == 0
    (part,) = upload_dir.iterdir()
    long_ago = time.time() - 2 * 3600
    os.utime(part, (long_ago, long_ago))
    assert upload_prune_abandoned(older_than_hours=1) == 1
    assert list(upload_dir.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_a_real_tus_client_uploads_through_the_api_with_a_token(
    live_server, staf, pkp_folder, upload_dir, tmp_path
):
    from rest_framework.authtoken.models import Token
    from tusclient import client as tus_client

    token = Token.objects.create(user=staf)
    data = media.jpeg((1200, 900), quality=95)
    source = tmp_path / "foto-besar.jpg"
    source.write_bytes(data)
    tus = tus_client.TusClient(
        f"{live_server.url}/api/v1/uploads/", headers={"Authorization": f"Token {token.key}"}
    )
    uploader = tus.uploader(
        str(source),
        chunk_size=len(data) // 4,
        metadata={"filename": "foto-besar.jpg", "folder": str(pkp_folder.pk)},
    )
    uploader.upload()
    asset = Asset.objects.get()
    assert asset.size == len(data) and asset.original_name == "foto-besar.jpg"
