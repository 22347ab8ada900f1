import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_and_sees_the_dashboard_in_indonesian(page, staf):
    page.goto("/")
    page.get_by_role("link", name="Masuk pegawai").click()
    assert page.locator("h1").inner_text() == "Masuk ke portal"
    page.get_by_label("Nama pengguna").fill("staf")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/dashboard/")
    assert "Selamat datang, Dimas Prasetyo" in page.locator("h1").inner_text()
    assert page.locator("html").get_attribute("lang") == "id"
    nav = page.get_by_role("navigation", name="Navigasi utama")
    assert nav.get_by_role("link", name="Dasbor").is_visible()
    # A member of staff is not offered the vault or the audit log.
    assert nav.get_by_role("link", name="Audit").count() == 0


def test_the_menu_folds_on_a_phone(phone_page, staf):
    phone_page.goto("/accounts/login/")
    phone_page.get_by_label("Nama pengguna").fill("staf")
    phone_page.get_by_label("Kata sandi").fill(PASSWORD)
    phone_page.get_by_role("button", name="Masuk").click()
    phone_page.wait_for_url("**/dashboard/")
    dashboard_link = phone_page.get_by_role("link", name="Dasbor")
    assert not dashboard_link.is_visible()
    phone_page.get_by_role("button", name="Menu").click()
    expect(dashboard_link).to_be_visible()
    # Nothing is wider than the screen.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
