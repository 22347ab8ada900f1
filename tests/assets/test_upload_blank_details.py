"""Details a browser left blank stay blank: JavaScript's "undefined" and "null" are not data."""

import base64

import pytest

from assets.models import Asset

from . import media

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def encoded(values: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}".rstrip()
        for key, value in values.items()
    )


def upload(client, data: bytes, meta: dict[str, str]) -> Asset:
    response = client.post(
        "/library/uploads/",
        HTTP_UPLOAD_LENGTH=str(len(data)),
        HTTP_UPLOAD_METADATA=encoded(meta),
        **TUS,
    )
    assert response.status_code == 201, response.content
    url = response["Location"]
    response = client.generic(
        "PATCH",
        url,
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **TUS,
    )
    assert response.status_code == 204
    result = client.get(url, **TUS).json()["result"]
    assert result["status"] == "created", result
    return Asset.objects.get(pk=result["asset"])


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.ASSET_UPLOAD_DIR = tmp_path / "uploads"


FIELDS = ("title", "theme", "tags", "date", "description", "credit", "location")


@pytest.mark.parametrize("word", ["undefined", "null", ""])
def test_a_blank_word_from_a_broken_client_is_stored_as_blank(
    client_for, staf, pkp_folder, upload_dir, word
):
    meta = {"folder": str(pkp_folder.pk), "filename": "apel-pagi.jpg"}
    meta.update({name: word for name in FIELDS})
    asset = upload(client_for(staf), media.jpeg((640, 480)), meta)
    assert asset.title == "apel pagi"  # the title falls back to the file name
    assert (asset.description, asset.credit, asset.location) == ("", "", "")
    assert asset.theme_id is None and not asset.tags.exists()


def test_a_title_that_merely_contains_the_word_is_kept(client_for, staf, pkp_folder, upload_dir):
    meta = {"folder": str(pkp_folder.pk), "filename": "a.jpg", "title": "null hypothesis"}
    asset = upload(client_for(staf), media.jpeg((640, 480)), meta)
    assert asset.title == "null hypothesis"
