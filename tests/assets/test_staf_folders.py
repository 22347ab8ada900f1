"""A Staf makes a folder for today's event inside their division's folders, without waiting for
an Editor: not at the top, not inside a restricted folder, not for another division, and never
a restricted folder. Each case through the page and through the API."""

from __future__ import annotations

import pytest

from assets.models import Folder
from assets.services import folder_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(editor, pkp_folder):
    return folder_create(actor=editor, name="Rapat Tertutup", parent=pkp_folder, restricted=True)


def page_create(client, **data):
    return client.post("/library/folders/new/", data, HTTP_ACCEPT_LANGUAGE="id")


def api_create(client, **data):
    return client.post(
        "/api/v1/folders/", data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="id"
    )


def test_a_staf_creates_a_subfolder_through_the_page(staf, pkp_folder, client_for):
    client = client_for(staf)
    library = client.get(f"/library/folders/{pkp_folder.pk}/").content.decode()
    assert f"/library/folders/new/?parent={pkp_folder.pk}" in library  # the button is there
    form = client.get(f"/library/folders/new/?parent={pkp_folder.pk}").content.decode()
    assert 'name="restricted"' not in form and "top level" not in form
    answer = page_create(client, name="Rapat Bupati 4 Des", parent=pkp_folder.pk)
    assert answer.status_code == 302, answer.content.decode()[-2000:]
    folder = Folder.objects.get(name="Rapat Bupati 4 Des")
    assert folder.parent == pkp_folder and folder.division == pkp_folder.division
    assert folder.created_by == staf and not folder.restricted
    # ...and uploads into it.
    assert "add" in client.get(f"/library/folders/{folder.pk}/").context["rights"]


def test_a_staf_creates_a_subfolder_through_the_api(staf, pkp_folder, client_for):
    answer = api_create(client_for(staf), name="Rapat Bupati", parent=pkp_folder.pk)
    assert answer.status_code == 201, answer.content
    assert Folder.objects.get(name="Rapat Bupati").parent == pkp_folder


def test_a_staf_does_not_create_top_level_folders(staf, pkp_folder, client_for):
    client = client_for(staf)
    assert "/library/folders/new/" not in client.get("/library/").content.decode()
    assert page_create(client, name="Akar", parent="").status_code == 200
    answer = api_create(client, name="Akar")
    assert answer.status_code == 403 and "Editor" in answer.json()["detail"]
    assert not Folder.objects.filter(name="Akar").exists()


def test_a_staf_does_not_create_inside_a_restricted_folder(staf, restricted, client_for):
    client = client_for(staf)
    assert (
        "/library/folders/new/"
        not in client.get(f"/library/folders/{restricted.pk}/").content.decode()
    )
    assert page_create(client, name="Di dalam", parent=restricted.pk).status_code == 200
    answer = api_create(client, name="Di dalam", parent=restricted.pk)
    assert answer.status_code == 403 and "terbatas" in answer.json()["detail"]
    assert not Folder.objects.filter(name="Di dalam").exists()


def test_a_staf_does_not_create_a_restricted_folder(staf, pkp_folder, client_for):
    client = client_for(staf)
    page_create(client, name="Rahasia", parent=pkp_folder.pk, restricted="on")
    assert not Folder.objects.get(name="Rahasia").restricted  # the page has no such box
    answer = api_create(client, name="Rahasia 2", parent=pkp_folder.pk, restricted=True)
    assert answer.status_code == 403
    assert not Folder.objects.filter(name="Rahasia 2").exists()


def test_a_staf_does_not_create_in_another_division(
    staf_other, staf, pkp_folder, divisions, client_for
):
    client = client_for(staf_other)
    assert page_create(client, name="Titipan", parent=pkp_folder.pk).status_code in {200, 403}
    assert api_create(client, name="Titipan", parent=pkp_folder.pk).status_code == 403
    answer = api_create(
        client_for(staf), name="Titipan", parent=pkp_folder.pk, division=divisions["PIAP"].pk
    )
    assert answer.status_code == 403
    assert not Folder.objects.filter(name="Titipan").exists()
