"""The Kepala Dinas connects the simulator's Facebook Page through OAuth in a real browser: the
portal's channel page, the platform's consent page, back to the portal, and the login, checked
by a real worker against the platform, shows as healthy."""

import pytest

from publishing.models import AccountGroup, DriverName
from publishing.services.channels import channel_create
from tests.conftest import PASSWORD, totp_now
from tests.publishing.conftest import simulator, simulator_operator  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_head_connects_the_facebook_page_and_it_shows_healthy(
    page,
    celery_worker,
    kadis,
    simulator,  # noqa: F811
):
    channel = channel_create(
        actor=kadis,
        name="Media Center Bojonegoro",
        handle="MediaCenterBJN",
        driver=DriverName.FACEBOOK,
        account_group=AccountGroup.MEDIA_CENTER,
    )
    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill("kadis")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Masuk").click()
    page.locator("#id_token").fill(totp_now(kadis))
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/dashboard/")

    nav = page.get_by_role("navigation", name="Navigasi utama")
    nav.get_by_text("Lainnya").click()  # the rarer pages are grouped under "More"
    nav.get_by_role("link", name="Kanal").click()
    page.get_by_role("link", name="Media Center Bojonegoro").click()
    assert "Belum di brankas" in page.locator("main").inner_text()
    page.get_by_role("button", name="Hubungkan dengan Facebook").click()

    # The platform's consent page (the simulator plays Facebook Login).
    page.wait_for_url("**/simulator/facebook/www/**")
    page.locator("button[value=allow]").click()

    # Facebook appends "#_=_" to its redirect; the browser keeps it.
    page.wait_for_url(lambda url: f"/publishing/channels/{channel.pk}/" in url)
    assert "sudah terhubung" in page.locator(".messages").inner_text()

    def healthy() -> bool:
        page.reload()
        return "Sehat" in page.locator(".credential-facts .health").inner_text()

    from tests.conftest import wait_for

    wait_for(healthy, timeout=30, interval=1, message="the new login was not checked healthy")
    assert "Aktif" in page.locator(".credential-facts").inner_text()
    channel.refresh_from_db()
    assert channel.external_id == "100090000000101"
