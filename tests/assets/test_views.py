"""The library's pages, for each role: what is shown, what is refused."""

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from assets.models import Asset, Folder
from assets.services import asset_public_url, asset_trash, folder_set_restricted

from . import media

pytestmark = pytest.mark.django_db


def assert_strict_csp_markup(html: str) -> None:
    """No inline script (other than JSON data), no style attribute, no inline handler."""
    assert ' style="' not in html
    assert not re.search(r"\son[a-z]+=", html)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


@pytest.mark.parametrize("who", ["staf", "staf_other", "editor", "kadis", "admin_user"])
def test_every_role_sees_the_library_with_its_thumbnails(
    request, who, staf, pkp_folder, upload, client_for
):
    upload(
        staf, pkp_folder, media.jpeg((800, 600)), "rapat.jpg", render=True, title="Rapat koordinasi"
    )
    user = request.getfixturevalue(who)
    response = client_for(user).get("/library/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rapat koordinasi" in html
    assert re.search(r'<img src="/library/media/[^"]+"', html)
    assert_strict_csp_markup(html)


def test_anonymous_people_are_sent_to_login(client):
    for url in ["/library/", "/library/upload/", "/library/trash/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_processing_asset_polls_its_status_until_ready(staf, pkp_folder, upload, client_for):
    asset = upload(staf, pkp_folder, media.jpeg((500, 400)), "a.jpg")
    client = client_for(staf)
    html = client.get(f"/library/folders/{pkp_folder.pk}/").content.decode()
    assert f'hx-get="/library/assets/{asset.pk}/status/"' in html
    from assets.services import asset_render

    asset_render(asset_id=asset.pk)
    card = client.get(
        f"/library/assets/{asset.pk}/status/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "hx-get" not in card and "<img" in card


def test_asset_page_plays_video_and_offers_downloads(
    staf, staf_other, pkp_folder, upload, client_for
):
    asset = upload(staf, pkp_folder, media.mp4(), "liputan.mp4", render=True)
    html = client_for(staf_other).get(f"/library/assets/{asset.pk}/").content.decode()
    assert "<video controls" in html and "poster=" in html
    assert f"/library/assets/{asset.pk}/download/?rendition=poster" in html
    assert_strict_csp_markup(html)
    # Another division may look, not edit or trash.
    assert f"/library/assets/{asset.pk}/edit/" not in html


def test_asset_page_plays_sound(staf, pkp_folder, upload, client_for):
    asset = upload(staf, pkp_folder, media.wav(), "suara.wav", render=True)
    assert (
        "<audio controls" in client_for(staf).get(f"/library/assets/{asset.pk}/").content.decode()
    )


def test_edit_is_for_the_folders_division(staf, staf_other, pkp_folder, upload, client_for, themes):
    asset = upload(staf, pkp_folder, media.jpeg(), "a.jpg")
    url = f"/library/assets/{asset.pk}/edit/"
    assert client_for(staf_other).get(url).status_code == 403
    assert client_for(staf_other).post(url, {"title": "X"}).status_code == 403
    response = client_for(staf).post(
        url,
        {
            "title": "Judul baru",
            "folder": pkp_folder.pk,
            "theme": themes["Budaya"].pk,
            "tags": "tari, festival",
            "event_date": "2025-08-17",
            "description": "Tari daerah",
            "credit": "Dimas",
            "location": "Alun-alun",
        },
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.title == "Judul baru" and asset.event_date == date(2025, 8, 17)
    assert asset.theme == themes["Budaya"]


def test_restricted_assets_answer_404_to_other_divisions(
    editor, staf, staf_other, pkp_folder, upload, client_for
):
    asset = upload(staf, pkp_folder, media.jpeg(), "a.jpg")
    folder_set_restricted(actor=editor, folder=pkp_folder, restricted=True)
    client = client_for(staf_other)
    for url in [
        f"/library/assets/{asset.pk}/",
        f"/library/assets/{asset.pk}/download/",
        f"/library/folders/{pkp_folder.pk}/",
        f"/library/assets/{asset.pk}/edit/",
    ]:
        assert client.get(url).status_code == 404, url
    assert "Kegiatan PKP" not in client.get("/library/").content.decode()


def test_trash_restore_and_empty_through_the_pages(staf, editor, pkp_folder, upload, client_for):
    asset = upload(staf, pkp_folder, media.jpeg(), "a.jpg", title="Untuk dibuang")
    client = client_for(staf)
    assert client.post(f"/library/assets/{asset.pk}/trash/").status_code == 302
    client.get("/library/")  # shows the message once
    assert "Untuk dibuang" not in client.get("/library/").content.decode()
    trash_page = client.get("/library/trash/").content.decode()
    assert "Untuk dibuang" in trash_page
    assert "/library/trash/empty/" not in trash_page  # a Staf does not empty the trash
    assert client.post("/library/trash/empty/").status_code == 403
    assert client.post(f"/library/assets/{asset.pk}/restore/").status_code == 302
    assert Asset.objects.alive().count() == 1
    asset_trash(actor=staf, asset=asset)
    editor_client = client_for(editor)
    assert "/library/trash/empty/" in editor_client.get("/library/trash/").content.decode()
    assert editor_client.post("/library/trash/empty/").status_code == 302
    assert not Asset.objects.exists()


def test_bulk_actions_from_the_grid(staf, staf_other, pkp_folder, upload, client_for, themes):
    a = upload(staf, pkp_folder, media.jpeg(color=(1, 2, 3)), "a.jpg")
    b = upload(staf, pkp_folder, media.jpeg(color=(3, 2, 1)), "b.jpg")
    client = client_for(staf)
    response = client.post(
        "/library/bulk/", {"ids": [a.pk, b.pk], "action": "theme", "theme": themes["Pendidikan"].pk}
    )
    assert response.status_code == 302
    assert set(Asset.objects.values_list("theme__name", flat=True)) == {"Pendidikan"}
    # Another division's staff is refused, and nothing changes.
    client_for(staf_other).post("/library/bulk/", {"ids": [a.pk], "action": "tags", "tags": "x"})
    assert not Asset.objects.filter(tags__name="x").exists()
    # A missing field for the action is explained, not crashed on.
    response = client.post("/library/bulk/", {"ids": [a.pk], "action": "move"}, follow=True)
    assert response.status_code == 200
    client.post("/library/bulk/", {"ids": [a.pk, b.pk], "action": "trash"})
    assert Asset.objects.trashed().count() == 2


def test_use_for_publication_opens_the_portal_s_composer(staf, pkp_folder, upload, client_for):
    asset = upload(staf, pkp_folder, media.jpeg(), "a.jpg")
    client = client_for(staf)
    assert "/library/use-for-publication/" in client.get("/library/").content.decode()
    response = client.post("/library/use-for-publication/", {"ids": [asset.pk]})
    assert response.status_code == 302
    assert response["Location"] == f"/publishing/compose/?assets={asset.pk}"


@override_settings(ROOT_URLCONF="tests.assets.urls_with_composer")
def test_use_for_publication_hands_the_selection_to_the_composer(
    staf, pkp_folder, upload, client_for
):
    from django.urls import clear_url_caches

    clear_url_caches()
    a = upload(staf, pkp_folder, media.jpeg(color=(9, 9, 9)), "a.jpg")
    b = upload(staf, pkp_folder, media.jpeg(color=(8, 8, 8)), "b.jpg")
    client = client_for(staf)
    assert "/library/use-for-publication/" in client.get("/library/").content.decode()
    assert (
        "/library/use-for-publication/" in client.get(f"/library/assets/{a.pk}/").content.decode()
    )
    response = client.post("/library/use-for-publication/", {"ids": [a.pk, b.pk]})
    assert response.status_code == 302
    assert response["Location"] == f"/publishing/compose/?assets={a.pk},{b.pk}"
    # An id that does not exist (any more) is refused, not silently dropped.
    response = client.post("/library/use-for-publication/", {"ids": [a.pk, b.pk, 999999]})
    assert response.status_code == 400
    clear_url_caches()


def test_download_streams_the_original_and_ranges(staf_other, staf, pkp_folder, upload, client_for):
    data = media.mp4()
    asset = upload(staf, pkp_folder, data, "liputan.mp4")
    client = client_for(staf_other)
    response = client.get(f"/library/assets/{asset.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert (
        "attachment" in response["Content-Disposition"]
        and "liputan.mp4" in response["Content-Disposition"]
    )
    assert "sandbox" in response["Content-Security-Policy"]
    partial = client.get(f"/library/assets/{asset.pk}/download/?inline=1", HTTP_RANGE="bytes=10-19")
    assert partial.status_code == 206
    assert b"".join(partial.streaming_content) == data[10:20]
    assert partial["Content-Range"] == f"bytes 10-19/{len(data)}"


def test_signed_media_addresses_work_without_login_until_they_expire(
    staf, pkp_folder, upload, client
):
    asset = upload(staf, pkp_folder, media.jpeg((600, 400)), "a.jpg", render=True)
    url = asset_public_url(asset, "thumb")
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client.get(url[:-6] + "abc/").status_code == 404


def test_upload_page_without_javascript(staf, pkp_folder, client_for):
    client = client_for(staf)
    page = client.get("/library/upload/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "vendor/uppy/uppy.min.js" in html and 'id="uppy-dashboard"' in html
    assert_strict_csp_markup(html)
    good = SimpleUploadedFile("rapat.png", media.png(), content_type="image/png")
    response = client.post("/library/upload/", {"folder": pkp_folder.pk, "file": good})
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert response["Location"] == f"/library/assets/{asset.pk}/"
    # The same file again points to the existing asset.
    again = SimpleUploadedFile("lagi.png", media.png(), content_type="image/png")
    response = client.post("/library/upload/", {"folder": pkp_folder.pk, "file": again})
    assert response["Location"] == f"/library/assets/{asset.pk}/"
    # A web page named .jpg is refused on the form, with the reason.
    bad = SimpleUploadedFile("foto.jpg", media.HTML, content_type="image/jpeg")
    response = client.post("/library/upload/", {"folder": pkp_folder.pk, "file": bad})
    assert response.status_code == 200
    assert "halaman web" in response.content.decode() or "web page" in response.content.decode()
    assert Asset.objects.count() == 1


def test_the_upload_page_offers_only_folders_one_may_fill(staf_other, pkp_folder, client_for):
    # staf_other's division has no folder yet: nothing to upload into.
    assert client_for(staf_other).get("/library/upload/").status_code == 403


def test_search_and_filters_on_the_page(staf, pkp_folder, upload, client_for, themes):
    upload(
        staf,
        pkp_folder,
        media.jpeg(color=(5, 5, 5)),
        "a.jpg",
        title="Banjir di Sukamaju",
        theme=themes["Pemerintahan"],
    )
    upload(staf, pkp_folder, media.mp4(), "b.mp4", title="Festival budaya")
    client = client_for(staf)
    html = client.get("/library/", {"q": "banjir"}).content.decode()
    assert "Banjir di Sukamaju" in html and "Festival budaya" not in html
    html = client.get("/library/", {"kind": "video"}).content.decode()
    assert "Festival budaya" in html and "Banjir di Sukamaju" not in html
    html = client.get(
        "/library/", {"date_from": "2030-01-01", "date_to": "2020-01-01"}
    ).content.decode()
    assert "start date is after" in html or "tanggal mulai" in html.lower()


def test_folder_pages_per_role(staf, editor, staf_other, kadis, pkp_folder, client_for):
    assert client_for(staf_other).get("/library/folders/new/").status_code == 403  # no folder
    assert client_for(staf).get(f"/library/folders/{pkp_folder.pk}/edit/").status_code == 403
    assert (
        client_for(staf_other).get(f"/library/folders/{pkp_folder.pk}/access/").status_code == 403
    )
    editor_client = client_for(editor)
    response = editor_client.post(
        "/library/folders/new/",
        {"name": "2018", "parent": pkp_folder.pk, "division": editor.division_id},
    )
    assert response.status_code == 302
    year = Folder.objects.get(name="2018")
    response = editor_client.post(
        "/library/folders/new/", {"name": "../etc", "parent": pkp_folder.pk}
    )
    assert response.status_code == 200 and Folder.objects.count() == 2
    response = editor_client.post(
        f"/library/folders/{year.pk}/edit/",
        {"name": "2019", "parent": pkp_folder.pk, "restricted": "on"},
    )
    assert response.status_code == 302
    year.refresh_from_db()
    assert year.name == "2019" and year.restricted
    response = editor_client.post(
        f"/library/folders/{year.pk}/access/", {"user": staf_other.pk, "rights": ["view"]}
    )
    assert response.status_code == 302
    assert client_for(staf_other).get(f"/library/folders/{year.pk}/").status_code == 200
    assert client_for(kadis).get(f"/library/folders/{year.pk}/edit/").status_code == 200
    assert editor_client.post(f"/library/folders/{year.pk}/delete/").status_code == 302
    assert not Folder.objects.filter(pk=year.pk).exists()


def test_dashboard_shows_library_figures(staf, pkp_folder, upload, client_for):
    upload(staf, pkp_folder, media.jpeg(), "a.jpg")
    html = client_for(staf).get("/dashboard/").content.decode()
    assert "/library/" in html
