"""The simulator's pages on a phone: the control panel (signed in) and a feed fit a 390px-wide
screen."""

import pytest

from publishing.simulator import services
from tests.browser.test_publishing import sign_in


@pytest.mark.parametrize("path", ["/simulator/", "/simulator/feed/x/mediacenterBJN/"])
def test_simulator_pages_fit_a_phone(phone_page, path, editor):
    sign_in(phone_page, editor)
    services.seed_accounts()
    account = services.account_by_handle("x", "mediacenterBJN")
    services.record_post(account, text="Kabar " + "panjang " * 40, origin="native")
    phone_page.goto(path)
    assert phone_page.locator("h1").first.is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
