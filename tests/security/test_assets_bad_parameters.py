"""Bad numbers in every number the media library reads from a request, sent by each role.

Ids come in query strings, forms, JSON bodies, upload metadata and paths. Whatever arrives
(empty, letters, 25 digits, negative, zero, a fraction, superscript or full-width digits), the
answer is a 4xx with a message, never a 500. Where a number is read from a query or a form, the
answer is 400 and says what is wrong. Ids of assets one may not see are refused like ids that do
not exist (the same answer, so nothing tells them apart).
"""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.test import Client

from accounts.roles import Role
from assets.models import Asset
from assets.services import asset_create_from_file, folder_create
from tests.assets import media
from tests.conftest import login

pytestmark = pytest.mark.django_db

BAD_NUMBERS = ["", "abc", "9" * 25, "-1", "0", "1.5", " 7", "²", "\uff11\uff12", "0x10", "1e3"]
# The walk through every route takes the worst of them.
WORST_NUMBERS = ["", "abc", "9" * 25, "-1", "²"]
ROLES = ["staf", "editor", "kadis", "admin"]
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


@pytest.fixture
def world(divisions, make_user, staf, editor, kadis, admin_user):
    people = {"staf": staf, "editor": editor, "kadis": kadis, "admin": admin_user}
    open_folder = folder_create(actor=editor, name="Kegiatan PKP", division=divisions["PKP"])
    piap_editor = make_user("editor_piap", Role.EDITOR, "PIAP")
    hidden_folder = folder_create(
        actor=piap_editor, name="Rahasia PIAP", division=divisions["PIAP"], restricted=True
    )
    mine = asset_create_from_file(
        actor=staf, folder=open_folder, fileobj=io.BytesIO(media.jpeg()), filename="a.jpg"
    )
    hidden = asset_create_from_file(
        actor=piap_editor,
        folder=hidden_folder,
        fileobj=io.BytesIO(media.png()),
        filename="rahasia.png",
    )
    return {
        "people": people,
        "folder": open_folder,
        "hidden_folder": hidden_folder,
        "asset": mine,
        "hidden": hidden,
    }


def client_as(user) -> Client:
    return login(Client(raise_request_exception=False), user)


def no_server_error(response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:300])


def says_why(response, what: str) -> None:
    assert response.status_code == 400, (what, response.status_code, response.content[:300])
    text = response.content.decode()
    assert len(text.strip()) > 10, (what, text)


@pytest.mark.parametrize("role", ROLES)
def test_query_numbers_answer_400(world, role):
    client = client_as(world["people"][role])
    for bad in BAD_NUMBERS:
        if bad == "":
            continue  # an empty filter is no filter
        for url in (
            f"/api/v1/folders/?parent={bad}",
            f"/api/v1/assets/?folder={bad}",
            f"/library/upload/?folder={bad}",
            f"/library/folders/new/?parent={bad}",
        ):
            response = client.get(url, {}, HTTP_ACCEPT_LANGUAGE="id")
            if url.startswith("/library/folders/new/") and role == "staf":
                no_server_error(response, url)
                continue
            says_why(response, url)


@pytest.mark.parametrize("role", ROLES)
def test_bulk_and_use_for_publication_refuse_bad_ids(world, role):
    client = client_as(world["people"][role])
    for bad in [*BAD_NUMBERS, str(world["hidden"].pk), "999999"]:
        for url, extra in (
            ("/library/bulk/", {"action": "tags", "tags": "x"}),
            ("/library/use-for-publication/", {}),
        ):
            response = client.post(url, {"ids": [str(world["asset"].pk), bad], **extra})
            if role in {"kadis", "admin"} and bad == str(world["hidden"].pk):
                no_server_error(response, (url, bad))  # they see every folder
                continue
            says_why(response, (url, bad))
    if role in {"staf", "editor"}:
        assert not Asset.objects.filter(tags__name="x").exists()


@pytest.mark.parametrize("role", ROLES)
def test_no_number_anywhere_makes_a_server_error(world, role):
    client = client_as(world["people"][role])
    asset = world["asset"]
    for bad in WORST_NUMBERS:
        for method, url, data in (
            ("get", f"/api/v1/assets/?theme={bad}", None),
            ("get", f"/api/v1/assets/?page={bad}", None),
            ("get", f"/api/v1/assets/?page_size={bad}", None),
            ("get", f"/api/v1/folders/?page={bad}", None),
            ("get", f"/library/?page={bad}", None),
            ("get", f"/library/?theme={bad}&uploader={bad}&division={bad}", None),
            ("get", f"/library/trash/?page={bad}", None),
            ("get", f"/library/assets/{asset.pk}/download/?rendition={bad}", None),
            ("post", "/api/v1/folders/", {"name": "Baru", "parent": bad}),
            ("post", "/api/v1/folders/", {"name": "Baru", "division": bad}),
            ("patch", f"/api/v1/assets/{asset.pk}/", {"folder": bad}),
            ("patch", f"/api/v1/folders/{world['folder'].pk}/", {"parent": bad}),
            ("post", "/library/folders/new/", {"name": "Baru", "parent": bad}),
            ("post", "/library/folders/new/", {"name": "Baru", "division": bad}),
            ("post", f"/library/assets/{asset.pk}/edit/", {"title": "t", "folder": bad}),
            ("post", "/library/trash/empty/", {"ids": [bad]}),
            ("post", "/library/bulk/", {"ids": [asset.pk], "action": "move", "folder": bad}),
            ("post", "/library/bulk/", {"ids": [asset.pk], "action": "theme", "theme": bad}),
            ("post", f"/library/folders/{world['folder'].pk}/access/", {"user": bad}),
        ):
            if method == "get":
                response = client.get(url)
            elif method == "post" and url.startswith("/api/"):
                response = client.post(url, json.dumps(data), content_type="application/json")
            elif method == "post":
                response = client.post(url, data)
            else:
                response = client.patch(url, json.dumps(data), content_type="application/json")
            no_server_error(response, (method, url, bad))
        ranged = client.get(f"/library/assets/{asset.pk}/download/", HTTP_RANGE=f"bytes={bad}-")
        no_server_error(ranged, ("range", bad))
        api = client.post(
            "/api/v1/assets/",
            {"file": io.BytesIO(media.jpeg(color=(1, 1, 1))), "folder": bad},
        )
        no_server_error(api, ("upload", bad))
        meta = ",".join(
            f"{k} {base64.b64encode(str(v).encode()).decode()}"
            for k, v in {"filename": "a.jpg", "folder": bad, "theme": bad}.items()
        )
        tus = client.post(
            "/library/uploads/", HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA=meta, **TUS
        )
        says_why(tus, ("tus", bad))


def test_ids_too_long_for_the_database_in_paths_are_not_found(world):
    client = client_as(world["people"]["editor"])
    huge = "9" * 25
    for url in (
        f"/api/v1/folders/{huge}/",
        f"/api/v1/assets/{huge}/",
        f"/api/v1/assets/{huge}/restore/",
        f"/library/folders/{huge}/",
        f"/library/folders/{huge}/edit/",
        f"/library/folders/{huge}/access/",
        f"/library/assets/{huge}/",
        f"/library/assets/{huge}/status/",
        f"/library/assets/{huge}/edit/",
        f"/library/assets/{huge}/download/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/library/assets/{huge}/trash/", f"/library/folders/{huge}/delete/"):
        assert client.post(url).status_code == 404, url


def test_anonymous_callers_get_no_server_error_either(world):
    client = Client(raise_request_exception=False)
    for bad in BAD_NUMBERS:
        for url in (f"/api/v1/folders/?parent={bad}", f"/library/?page={bad}"):
            no_server_error(client.get(url), url)
        no_server_error(client.post("/library/bulk/", {"ids": [bad]}), bad)
