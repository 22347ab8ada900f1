"""The Kepala Dinas uses the vault on a phone: adds a website's login, sees it once, and finds the
registry and the guidelines readable without sideways scrolling."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, totp_now
from tests.vault_fixtures import website  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "Sandi-Peramban-3a9c7e1b"


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_head_stores_and_reveals_a_login_on_a_phone(phone_page, kadis, website):  # noqa: F811
    page = phone_page
    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill("kadis")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Masuk").click()
    page.locator("#id_token").fill(totp_now(kadis))
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/dashboard/")

    page.get_by_role("button", name="Menu").click()
    nav = page.get_by_role("navigation", name="Navigasi utama")
    nav.get_by_text("Lainnya").click()  # the rarer pages are grouped under "More"
    nav.get_by_role("link", name="Kredensial").click()
    page.wait_for_url("**/accounts/vault/")
    assert _fits(page)
    page.get_by_role("link", name="Nama pengguna dan kata sandi").click()
    page.get_by_label("Label").fill("Login admin Media Center")
    page.get_by_label("Membuka").select_option(label="Situs web: Situs Media Center")
    page.get_by_label("Nama pengguna").fill("admin")
    page.get_by_label("Kata sandi").fill(SECRET)
    page.locator("main").get_by_role("button", name="Simpan").click()
    page.wait_for_url("**/accounts/vault/*/")
    assert "kini disimpan di brankas" in page.locator(".messages").inner_text()
    assert SECRET not in page.content()
    assert _fits(page)

    page.get_by_role("link", name="Tampilkan rahasia").click()
    page.locator("main").get_by_role("button", name="Tampilkan rahasia").click()
    expect(page.locator("code.secret-key", has_text=SECRET)).to_be_visible()
    assert _fits(page)
    page.reload()  # the browser re-sends nothing: the secret is gone
    assert SECRET not in page.content()

    page.goto("/registry/")
    assert page.get_by_text("Situs Media Center").first.is_visible()
    assert _fits(page)
    page.goto("/guidelines/")
    assert _fits(page)
