"""The library's API: folders and assets, every refusal a 4xx with a reason."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets.models import Asset, Folder
from assets.services import asset_render

from . import media

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_for():
    def make(user, language: str | None = None) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        if language:
            client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        return client

    return make


def post_file(client, folder, data: bytes, name: str, **fields):
    return client.post(
        "/api/v1/assets/",
        {"file": SimpleUploadedFile(name, data), "folder": folder.pk, **fields},
        format="multipart",
    )


def test_upload_answers_201_with_the_asset_and_renditions_once_ready(
    api_for, staf, pkp_folder, themes
):
    client = api_for(staf)
    response = post_file(
        client,
        pkp_folder,
        media.jpeg((900, 600)),
        "rapat.jpg",
        title="Rapat",
        theme="Pemerintahan",
        date="2026-11-03",
        tags="rapat,dinas",
        description="Rapat koordinasi",
        credit="Tim Media",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "photo" and body["status"] == "processing"
    assert body["theme"] == "Pemerintahan" and body["date"] == "2026-11-03"
    assert sorted(body["tags"]) == ["dinas", "rapat"] and len(body["sha256"]) == 64
    assert body["renditions"] == []
    asset_render(asset_id=body["id"])
    ready = client.get(f"/api/v1/assets/{body['id']}/").json()
    assert ready["status"] == "ready"
    assert {r["name"] for r in ready["renditions"]} == {"thumb", "platform", "preview"}
    thumb = next(r for r in ready["renditions"] if r["name"] == "thumb")
    assert APIClient().get(thumb["url"]).status_code == 200


def test_duplicate_answers_409_with_the_existing_id(api_for, staf, pkp_folder):
    client = api_for(staf)
    first = post_file(client, pkp_folder, media.png(), "a.png").json()
    response = post_file(client, pkp_folder, media.png(), "b.png")
    assert response.status_code == 409
    assert response.json()["existing_id"] == first["id"]


@pytest.mark.parametrize(
    ("data", "name", "english", "indonesian"),
    [
        (media.HTML, "foto.jpg", "web page", "halaman web"),
        (b"", "kosong.jpg", "empty", "kosong"),
        (media.plain_zip(), "laporan.docx", "not a Word", "bukan berkas Word"),
        (media.SVG_WITH_SCRIPT, "logo.svg", "SVG", "SVG"),
    ],
)
def test_refused_files_answer_400_in_the_readers_language(
    api_for, staf, pkp_folder, data, name, english, indonesian
):
    response = post_file(api_for(staf, "en"), pkp_folder, data, name)
    assert response.status_code == 400
    assert english in str(response.json())
    response = post_file(api_for(staf), pkp_folder, data, name)
    assert response.status_code == 400
    assert indonesian in str(response.json())
    assert not Asset.objects.exists()


def test_an_announced_body_over_the_limit_answers_413(api_for, staf, pkp_folder, settings):
    settings.ASSET_MAX_UPLOAD_BYTES = 100
    response = post_file(api_for(staf), pkp_folder, media.jpeg((400, 300)), "a.jpg")
    assert response.status_code == 413


def test_bad_input_answers_400_not_500(api_for, staf, pkp_folder):
    client = api_for(staf)
    assert (
        client.post("/api/v1/assets/", {"folder": pkp_folder.pk}, format="multipart").status_code
        == 400
    )
    assert post_file(client, pkp_folder, media.png(), "a.png", theme="Tidak ada").status_code == 400
    assert post_file(client, pkp_folder, media.png(), "a.png", date="31-31-2026").status_code == 400
    assert client.get("/api/v1/assets/", {"date_from": "kemarin"}).status_code == 400
    assert client.get("/api/v1/assets/", {"kind": "hologram"}).status_code == 400
    assert client.get("/api/v1/assets/", {"folder": 999999}).status_code == 400
    assert client.get("/api/v1/assets/999999/").status_code == 404
    assert client.patch("/api/v1/assets/999999/", {"title": "x"}, format="json").status_code == 404
    assert client.post(
        "/api/v1/folders/", {"name": "../x", "parent": pkp_folder.pk}, format="json"
    ).status_code in {400, 403}


def test_filters(api_for, staf, pkp_folder, editor, themes):
    from assets.services import folder_create

    client = api_for(staf)
    child = folder_create(actor=editor, name="Juni", parent=pkp_folder)
    post_file(
        client,
        pkp_folder,
        media.jpeg(color=(1, 1, 1)),
        "a.jpg",
        title="Banjir Sukamaju",
        theme="Pemerintahan",
        date="2018-06-12",
    )
    post_file(client, child, media.mp4(), "b.mp4", title="Festival tari", date="2026-01-05")

    def titles(**query):
        return sorted(a["title"] for a in client.get("/api/v1/assets/", query).json()["results"])

    assert titles(q="banjir") == ["Banjir Sukamaju"]
    assert titles(theme="Pemerintahan") == ["Banjir Sukamaju"]
    assert titles(kind="video") == ["Festival tari"]
    assert titles(date_from="2020-01-01") == ["Festival tari"]
    assert titles(date_to="2020-01-01") == ["Banjir Sukamaju"]
    assert titles(folder=pkp_folder.pk) == ["Banjir Sukamaju", "Festival tari"]
    assert titles(folder=pkp_folder.pk, include_subfolders="false") == ["Banjir Sukamaju"]


def test_patch_delete_and_restore(api_for, staf, staf_other, pkp_folder):
    client = api_for(staf)
    asset_id = post_file(client, pkp_folder, media.png(), "a.png").json()["id"]
    response = client.patch(
        f"/api/v1/assets/{asset_id}/", {"title": "Baru", "tags": ["x", "y"]}, format="json"
    )
    assert response.status_code == 200 and response.json()["title"] == "Baru"
    other = api_for(staf_other)
    assert (
        other.patch(f"/api/v1/assets/{asset_id}/", {"title": "Bukan"}, format="json").status_code
        == 403
    )
    assert other.delete(f"/api/v1/assets/{asset_id}/").status_code == 403
    assert client.delete(f"/api/v1/assets/{asset_id}/").status_code == 204
    assert client.get("/api/v1/assets/").json()["count"] == 0
    assert client.get("/api/v1/assets/", {"trashed": "true"}).json()["count"] == 1
    response = client.post(f"/api/v1/assets/{asset_id}/restore/")
    assert response.status_code == 200 and response.json()["deleted_at"] is None


def test_folders(api_for, editor, staf, staf_other, pkp_folder):
    client = api_for(editor)
    response = client.post(
        "/api/v1/folders/", {"name": "2018", "parent": pkp_folder.pk}, format="json"
    )
    assert response.status_code == 201
    year = response.json()["id"]
    assert (
        client.post(
            "/api/v1/folders/", {"name": "2018", "parent": pkp_folder.pk}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.patch(
            f"/api/v1/folders/{year}/", {"name": "2019", "restricted": True}, format="json"
        ).json()["name"]
        == "2019"
    )
    assert api_for(staf_other).get(f"/api/v1/folders/{year}/").status_code == 404
    assert api_for(staf).get(f"/api/v1/folders/{year}/").status_code == 200
    assert (
        api_for(staf).patch(f"/api/v1/folders/{year}/", {"name": "x"}, format="json").status_code
        == 403
    )
    # A Staf makes subfolders inside an open folder of their division, not inside a restricted one.
    assert (
        api_for(staf)
        .post("/api/v1/folders/", {"name": "x", "parent": year}, format="json")
        .status_code
        == 403
    )
    names = [
        f["name"]
        for f in api_for(staf).get("/api/v1/folders/", {"parent": pkp_folder.pk}).json()["results"]
    ]
    assert names == ["2019"]
    assert client.delete(f"/api/v1/folders/{pkp_folder.pk}/").status_code == 400  # not empty
    assert client.delete(f"/api/v1/folders/{year}/").status_code == 204
    assert not Folder.objects.filter(pk=year).exists()


def test_anonymous_requests_are_refused(client):
    assert client.get("/api/v1/assets/").status_code in {401, 403}
    assert client.get("/api/v1/folders/").status_code in {401, 403}


def test_the_schema_documents_the_library(api_for, staf):
    response = api_for(staf).get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/assets/{id}/restore/" in text and "/api/v1/folders/" in text
