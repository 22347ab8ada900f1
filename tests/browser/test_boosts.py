"""Paid boosts in Chromium, on a phone (390 px) and a desktop (1366 px): an Editor asks to boost
a published post and the Kepala Bidang approves it from the queue; nothing is wider than the
screen."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from accounts.services import credential_create
from boosts import services
from boosts.models import AdAccountStatus, BoostRequest, BoostStatus
from publishing.services.channels import channel_create
from tests.boosts.conftest import published
from tests.browser.test_publishing import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting(kadis, editor, divisions):
    channel = channel_create(actor=kadis, name="Media Center Bojonegoro", handle="MediaCenterBJN",
                             driver="facebook", account_group="media_center",
                             external_id="100090000000101", responsible_division=divisions["PKP"],
                             staff=[editor])  # fmt: skip
    delivery = published(editor, kadis, channel)
    services.budget_line_save(actor=kadis, code="2.16.02.1.01.0001",
                                     name="Publikasi Media Sosial", ceiling=1_000_000,
                                     year=timezone.localdate().year)  # fmt: skip
    account = services.ad_account_save(actor=kadis, name="Iklan Dinkominfo", account_id="123")
    credential_create(actor=kadis, label="System User", kind="oauth",
                      secret={"access_token": "EAAGuji" + "x" * 30}, target=account)  # fmt: skip
    account.refresh_from_db()
    account.status, account.issues_authorized = AdAccountStatus.ACTIVE, True
    account.save()
    return delivery


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 1366])
def test_a_boost_is_asked_for_and_approved_by_the_kepala_bidang(
    browser, live_server, setting, editor, make_user, width
):
    kabid = make_user("kabid", Role.KEPALA_BIDANG, "PKP", full_name="Bambang Sutrisno")
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": width, "height": 900},
                                  is_mobile=width < 500)  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, editor)
    page.goto("/boosts/posts/")
    _fits(page, width)
    page.get_by_role("link", name="Promosikan").click()
    expect(page.get_by_role("heading", name="Ajukan promosi berbayar")).to_be_visible()
    _fits(page, width)
    start = timezone.localtime() + timedelta(days=1)
    page.locator("#id_ad_account").select_option(index=1)
    page.locator("#id_budget_line").select_option(index=1)
    page.get_by_label("Jumlah (Rp)").fill("100000")
    page.get_by_label("Mulai").fill(start.strftime("%d/%m/%Y %H.%M"))
    page.get_by_label("Selesai").fill((start + timedelta(days=3)).strftime("%d/%m/%Y %H.%M"))
    page.get_by_label("Radius di sekitar satu titik").check()
    page.get_by_label("Lintang").fill("-7.15")
    page.get_by_label("Bujur").fill("111.88")
    page.get_by_label("Radius (km)").fill("20")
    page.get_by_label("Alasan").fill("Festival budaya tahunan.")
    page.get_by_role("button", name="Ajukan untuk persetujuan").click()
    expect(page.get_by_text("Menunggu Kepala Bidang").first).to_be_visible()
    _fits(page, width)
    boost = BoostRequest.objects.get()
    assert boost.planned == 300_000

    context.clear_cookies()
    sign_in(page, kabid)
    page.goto("/boosts/approvals/")
    expect(page.get_by_text("Rp 300.000").first).to_be_visible()
    _fits(page, width)
    page.get_by_role("button", name="Setujui").first.click()
    expect(page.get_by_text("Menunggu Kepala Dinas").first).to_be_visible()
    _fits(page, width)
    boost.refresh_from_db()
    assert boost.status == BoostStatus.APPROVED_DIVISION
    # The paper trail with Meta's long ids and the Ad Library link still fits a phone.
    library = "https://www.facebook.com/ads/library/?id=120210000000000004"
    BoostRequest.objects.filter(pk=boost.pk).update(
        campaign_id="120210000000000001", adset_id="120210000000000002",
        creative_id="120210000000000003", ad_id="120210000000000004", ad_library_url=library,
    )  # fmt: skip
    page.goto(f"/boosts/{boost.pk}/")
    expect(page.get_by_role("link", name=library)).to_be_visible()
    expect(page.get_by_text("approve_division")).to_be_visible()
    _fits(page, width)
    context.close()
