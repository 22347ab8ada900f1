"""The library in Chromium: upload through Uppy (tus, in parts), the thumbnail appears once the
real worker has made it; the grid fits a phone."""

import pytest

from assets.services import asset_create_from_file, folder_create
from tests.assets import media
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/dashboard/")


def test_upload_in_the_browser_and_see_the_thumbnail(page, celery_worker, editor, staf):
    folder = folder_create(actor=editor, name="FGD Renaksi OGP", division=editor.division)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, "staf")
    page.goto(f"/library/upload/?folder={folder.pk}")
    page.get_by_label("Judul").fill("Pembukaan FGD")
    page.locator(".uppy-Dashboard-input").first.set_input_files(
        files=[
            {"name": "pembukaan.jpg", "mimeType": "image/jpeg", "buffer": media.jpeg((2400, 1600))}
        ]
    )
    page.locator(".uppy-StatusBar-actionBtn--upload").click()
    result = page.locator(".upload-result").first
    result.wait_for(timeout=30000)
    assert "Terunggah" in result.inner_text()
    page.get_by_role("link", name="Buka perpustakaan media").click()
    page.wait_for_url(f"**/library/folders/{folder.pk}/")
    card = page.locator(".asset-card", has_text="Pembukaan FGD")
    # htmx polls the card until the worker has made the thumbnail.
    card.locator("img").wait_for(timeout=60000)
    loaded = card.locator("img").evaluate("img => img.complete && img.naturalWidth")
    assert loaded == 400
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_library_fits_a_phone(phone_page, editor, staf):
    folder = folder_create(
        actor=editor,
        name="Kegiatan dengan nama folder yang cukup panjang",
        division=editor.division,
    )
    for index in range(3):
        asset_create_from_file(
            actor=staf,
            folder=folder,
            fileobj=__import__("io").BytesIO(media.jpeg(color=(index * 40, 80, 120))),
            filename=f"foto-{index}.jpg",
        )
    sign_in(phone_page, "staf")
    for url in ["/library/", f"/library/folders/{folder.pk}/", "/library/upload/"]:
        phone_page.goto(url)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, url
