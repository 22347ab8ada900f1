"""A duplicate upload must not disclose an asset the uploader may not see.

The library stores each file once, so uploading bytes that are already there is refused as a
duplicate. When the copy already there sits in a restricted folder of another division, the
refusal used to carry its id and title (and the upload page led to it). Through every door (the
API, the resumable upload, the upload page without JavaScript, restoring from the trash) the
uploader now learns only what they may see.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from assets.models import Asset
from assets.services import asset_create_from_file, asset_trash, folder_create
from tests.assets import media

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Foto rahasia rapat anggaran"
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


@pytest.fixture
def secret(divisions, editor):
    """A photo in PKP's restricted folder."""
    folder = folder_create(
        actor=editor, name="Rahasia PKP", division=divisions["PKP"], restricted=True
    )
    import io

    data = media.jpeg((30, 20), color=(200, 10, 10))
    asset = asset_create_from_file(
        actor=editor, folder=folder, fileobj=io.BytesIO(data), filename="a.jpg", title=SECRET_TITLE
    )
    return asset, data


@pytest.fixture
def piap_folder(divisions, make_user):
    piap_editor = make_user("editor_piap", Role.EDITOR, "PIAP")
    return folder_create(actor=piap_editor, name="Kegiatan PIAP", division=divisions["PIAP"])


def assert_nothing_disclosed(text: str, asset: Asset) -> None:
    assert SECRET_TITLE not in text
    assert "Rahasia PKP" not in text
    assert f"/library/assets/{asset.pk}/" not in text
    assert "folder yang tidak dapat Anda buka" in text


def test_the_api_does_not_name_an_invisible_duplicate(secret, staf_other, piap_folder, client_for):
    asset, data = secret
    answer = client_for(staf_other).post(
        "/api/v1/assets/", {"file": SimpleUploadedFile("b.jpg", data), "folder": piap_folder.pk}
    )
    assert answer.status_code == 409
    body = answer.json()
    assert "existing_id" not in body and set(body) == {"detail"}
    assert_nothing_disclosed(json.dumps(body, ensure_ascii=False), asset)
    assert Asset.objects.count() == 1


def test_the_api_names_a_duplicate_the_uploader_may_see(secret, staf, client_for, divisions):
    asset, data = secret
    mine = folder_create(actor=None, name="Staf PKP", division=divisions["PKP"])
    answer = client_for(staf).post(
        "/api/v1/assets/", {"file": SimpleUploadedFile("b.jpg", data), "folder": mine.pk}
    )
    assert answer.status_code == 409
    assert answer.json()["existing_id"] == asset.pk
    assert SECRET_TITLE in answer.json()["detail"]


def test_the_resumable_upload_does_not_name_an_invisible_duplicate(
    secret, staf_other, piap_folder, client_for, settings, tmp_path
):
    settings.ASSET_UPLOAD_DIR = tmp_path / "uploads"
    asset, data = secret
    client = client_for(staf_other)
    meta = ",".join(
        f"{k} {base64.b64encode(str(v).encode()).decode()}"
        for k, v in {"filename": "b.jpg", "folder": piap_folder.pk}.items()
    )
    url = client.post(
        "/api/v1/uploads/", HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=meta, **TUS
    )["Location"]
    answer = client.generic(
        "PATCH",
        url,
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **TUS,
    )
    assert answer.status_code == 204
    status = client.get(url)
    result = status.json()["result"]
    assert result["status"] == "duplicate"
    assert set(result) == {"status", "message"}
    assert_nothing_disclosed(status.content.decode(), asset)


def test_the_upload_page_does_not_lead_to_an_invisible_duplicate(
    secret, staf_other, piap_folder, client_for
):
    asset, data = secret
    answer = client_for(staf_other).post(
        "/library/upload/",
        {"folder": piap_folder.pk, "file": SimpleUploadedFile("b.jpg", data)},
        HTTP_ACCEPT_LANGUAGE="id",
    )
    assert answer.status_code == 200  # the form again, with the reason at the file
    assert_nothing_disclosed(answer.content.decode(), asset)


def test_restoring_from_the_trash_does_not_name_an_invisible_duplicate(
    divisions, editor, staf_other, piap_folder, client_for
):
    import io

    data = media.jpeg((30, 20), color=(10, 200, 10))
    own = asset_create_from_file(
        actor=staf_other, folder=piap_folder, fileobj=io.BytesIO(data), filename="c.jpg"
    )
    asset_trash(actor=staf_other, asset=own)
    folder = folder_create(
        actor=editor, name="Rahasia PKP", division=divisions["PKP"], restricted=True
    )
    hidden = asset_create_from_file(
        actor=editor, folder=folder, fileobj=io.BytesIO(data), filename="d.jpg", title=SECRET_TITLE
    )
    client = client_for(staf_other)
    answer = client.post(f"/api/v1/assets/{own.pk}/restore/")
    assert answer.status_code == 409 and "existing_id" not in answer.json()
    assert_nothing_disclosed(answer.content.decode(), hidden)
    page = client.post(f"/library/assets/{own.pk}/restore/", follow=True)
    assert_nothing_disclosed(page.content.decode(), hidden)
