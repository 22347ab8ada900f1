"""An Editor made a folder owned by another division under its own parent (and so put a folder
in another division's hands, or made another division's restricted folder appear in its tree).
The folder's division is now checked in the service: an Editor (and a Staf) creates folders only
for their own division, through the API, the page and the service alike; the Kepala Dinas and
the Admin create folders for any division."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from assets.models import Folder
from assets.services import folder_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(divisions, editor):
    return folder_create(actor=editor, name="Kegiatan PKP", division=divisions["PKP"])


def test_the_service_refuses_another_division(editor, own, divisions):
    for parent in (own, None):
        with pytest.raises(PermissionDenied, match="bidang Anda sendiri"):
            folder_create(
                actor=editor, name="Milik PIAP", parent=parent, division=divisions["PIAP"]
            )
    assert not Folder.objects.filter(name="Milik PIAP").exists()


def test_the_api_refuses_another_division(editor, own, divisions, client_for):
    client = client_for(editor)
    for parent in (own.pk, None):
        answer = client.post(
            "/api/v1/folders/",
            {"name": "Milik PIAP", "parent": parent, "division": divisions["PIAP"].pk},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="id",
        )
        assert answer.status_code == 403, answer.content
        assert "bidang Anda sendiri" in answer.json()["detail"]
    assert not Folder.objects.filter(name="Milik PIAP").exists()
    # Without a division, a subfolder is the parent's.
    answer = client.post(
        "/api/v1/folders/", {"name": "2026", "parent": own.pk}, content_type="application/json"
    )
    assert answer.status_code == 201 and answer.json()["division"] == divisions["PKP"].pk


def test_the_page_refuses_another_division(editor, own, divisions, client_for):
    client = client_for(editor)
    page = client.get("/library/folders/new/")
    # Only the Editor's own division is offered...
    assert f'value="{divisions["PIAP"].pk}"' not in page.content.decode()
    # ...and a crafted form is refused.
    answer = client.post(
        "/library/folders/new/",
        {"name": "Milik PIAP", "parent": own.pk, "division": divisions["PIAP"].pk},
    )
    assert answer.status_code == 200 and not Folder.objects.filter(name="Milik PIAP").exists()


def test_the_kepala_dinas_and_the_admin_create_for_any_division(
    kadis, admin_user, own, divisions, client_for
):
    folder = folder_create(actor=kadis, name="Untuk PIAP", parent=own, division=divisions["PIAP"])
    assert folder.division == divisions["PIAP"]
    answer = client_for(admin_user).post(
        "/api/v1/folders/",
        {"name": "Arsip PIAP", "division": divisions["PIAP"].pk},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
