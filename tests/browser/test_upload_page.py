"""The upload page as a new user meets it: every detail left blank, on a desktop and on a phone;
an empty file and a refused one next to a good one."""

import base64

import pytest

from assets.models import Asset
from assets.services import folder_create
from tests.assets import media
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=sorted(SIZES))
def sized_page(request, browser, live_server):
    phone = request.param == "phone"
    context = browser.new_context(
        base_url=live_server.url,
        viewport=SIZES[request.param],
        is_mobile=phone,
        has_touch=phone,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/dashboard/")


def add_files(page, files) -> None:
    page.locator(".uppy-Dashboard-input").first.set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": body} for name, mime, body in files]
    )
    page.locator(".uppy-StatusBar-actionBtn--upload").click()


def test_every_field_left_blank_stays_blank(sized_page, editor, staf):
    page = sized_page
    folder = folder_create(actor=editor, name="Upacara HUT", division=editor.division)
    sign_in(page, "staf")
    page.goto(f"/library/upload/?folder={folder.pk}")
    if page.viewport_size["width"] < 500:
        # On a phone the files come first, the optional details below them.
        drop_zone = page.locator("#uppy-dashboard").bounding_box()
        title = page.get_by_label("Judul").bounding_box()
        assert drop_zone["y"] < title["y"]
    sent = []
    page.on(
        "request",
        lambda request: (
            request.method == "POST"
            and request.url.endswith("/library/uploads/")
            and sent.append(request.headers.get("upload-metadata", ""))
        ),
    )
    add_files(page, [("upacara-bendera.jpg", "image/jpeg", media.jpeg((1200, 900)))])
    result = page.locator(".upload-result").first
    result.wait_for(timeout=30000)
    # The page itself sends blank details as blank, whatever the server makes of them.
    (header,) = sent
    values = {}
    for pair in header.split(","):
        key, _sep, value = pair.strip().partition(" ")
        values[key] = base64.b64decode(value).decode() if value else ""
    assert values["title"] == values["tags"] == values["credit"] == "", values
    assert "undefined" not in values.values() and "null" not in values.values(), values
    assert "undefined" not in result.inner_text()
    assert "Buka “upacara bendera”" in result.inner_text()
    asset = Asset.objects.get(folder=folder)
    assert asset.title == "upacara bendera"
    assert not asset.tags.exists()
    for name in ("description", "credit", "location"):
        assert getattr(asset, name) == "", name
    assert asset.theme_id is None
    assert "undefined" not in repr(Asset.objects.filter(pk=asset.pk).values().get()), (
        "no field holds the word undefined"
    )


def test_empty_and_refused_files_say_why_and_only_the_stored_one_counts(page, editor, staf):
    folder = folder_create(actor=editor, name="Rapat Koordinasi", division=editor.division)
    sign_in(page, "staf")
    page.goto(f"/library/upload/?folder={folder.pk}")
    add_files(
        page,
        [
            ("kosong.jpg", "image/jpeg", b""),
            ("halaman.jpg", "image/jpeg", b"<html><script>alert(1)</script></html>"),
            ("rapat.jpg", "image/jpeg", media.jpeg((800, 600))),
        ],
    )
    summary = page.locator("#upload-summary")
    summary.wait_for(timeout=30000)
    page.locator(".uppy-StatusBar.is-complete").wait_for()
    assert summary.inner_text() == "Tersimpan: 1 · Ditolak: 2"
    empty = page.locator(".upload-refused", has_text="kosong.jpg")
    assert "Berkas kosong (0 byte)" in empty.inner_text()
    assert "halaman web" in page.locator(".upload-refused", has_text="halaman.jpg").inner_text()
    dashboard = page.locator("#uppy-dashboard")
    text = dashboard.inner_text()
    # No English from tus, no retry for what cannot succeed, no "uploading" left in the header.
    assert "unexpected response" not in page.locator("body").inner_text()
    assert "Ulangi" not in text
    assert "Mengunggah" not in text
    assert "Pengunggahan selesai" in text
    assert page.locator(".uppy-Dashboard-Item").count() == 1
    assert Asset.objects.filter(folder=folder).count() == 1
    assert page.get_by_role("link", name="Buka perpustakaan media").is_visible()
