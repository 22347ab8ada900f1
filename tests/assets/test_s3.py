"""The same library on S3-compatible object storage: moto's S3 server runs locally
(``tests/s3.py``), and the files travel through the real boto3 / django-storages path."""

from __future__ import annotations

import urllib.request

import pytest

from assets.models import Asset
from assets.services import asset_public_url, asset_render, asset_trash, trash_empty
from tests.s3 import keys

from . import media


@pytest.mark.django_db
def test_upload_render_sign_and_delete_on_object_storage(
    s3_storage, staf, editor, pkp_folder, upload, client_for, django_capture_on_commit_callbacks
):
    data = media.jpeg((1000, 800), orientation=6)
    asset = upload(staf, pkp_folder, data, "rapat.jpg")
    assert asset.file.name in keys(s3_storage)
    asset = asset_render(asset_id=asset.pk)
    assert asset.status == "ready", asset.error
    renditions = {r.name: r for r in asset.renditions.all()}
    assert {r.file.name for r in renditions.values()} <= keys(s3_storage)
    assert (renditions["thumb"].width, renditions["thumb"].height) == (320, 400)

    # A platform fetches the original through a presigned, expiring address.
    url = asset_public_url(asset, expires=120)
    assert "X-Amz-Expires=120" in url and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.read() == data
    # Staff downloads go through the portal's permission check, then to a short-lived address.
    response = client_for(staf).get(f"/library/assets/{asset.pk}/download/")
    assert response.status_code == 302 and response["Location"].startswith("http://127.0.0.1")
    assert "response-content-disposition" in response["Location"]
    html = client_for(staf).get("/library/").content.decode()
    assert "X-Amz-Signature" in html  # the grid's thumbnails come straight from storage

    stored = keys(s3_storage)
    asset_trash(actor=staf, asset=asset)
    with django_capture_on_commit_callbacks(execute=True):
        trash_empty(actor=editor)
    assert not Asset.objects.exists()
    assert not (stored & keys(s3_storage))


@pytest.mark.django_db
def test_duplicates_and_refusals_leave_nothing_in_the_bucket(s3_storage, staf, pkp_folder, upload):
    from assets.services import DuplicateAsset, RefusedFile

    upload(staf, pkp_folder, media.png(), "a.png")
    before = keys(s3_storage)
    with pytest.raises(DuplicateAsset):
        upload(staf, pkp_folder, media.png(), "b.png")
    with pytest.raises(RefusedFile):
        upload(staf, pkp_folder, media.HTML, "c.jpg")
    assert keys(s3_storage) == before
