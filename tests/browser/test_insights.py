"""The insights page in Chromium, on a phone (390x844) and a laptop (1366x900): reached from the
dashboard's figure, filtered by period, nothing wider than the screen, chart and table readable."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from publishing.models import AccountGroup, Channel, DriverName
from tests.browser.test_publishing import sign_in
from tests.insights.builders import figures_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def laptop_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _data(editor, divisions):
    for number in range(3):
        channel = Channel.objects.create(
            platform="facebook", name=f"Kanal {number}", handle=f"kanal{number}",
            driver=DriverName.FACEBOOK, account_group=AccountGroup.MEDIA_CENTER,
            responsible_division=divisions["PKP"], external_id=str(1000 + number),
        )  # fmt: skip
        figures_for(channel, editor, posts=4, days=40)


@pytest.mark.parametrize("which,width", [("phone_page", 390), ("laptop_page", 1366)])
def test_the_insights_page_fits_and_filters(request, which, width, staf, editor, divisions):
    page = request.getfixturevalue(which)
    _data(editor, divisions)
    sign_in(page, staf)
    page.get_by_role("link", name="Tayangan dalam 30 hari terakhir").click()
    page.wait_for_url("**/insights/")
    assert page.get_by_role("heading", name="Wawasan", level=1).is_visible()
    wide = page.evaluate(
        f"[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > {width}"
        " && !e.closest('.table-scroll')).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
    chart = page.locator("svg.chart[role=img]")
    assert chart.count() == 1 and chart.bounding_box()["width"] <= width
    assert page.get_by_role("table").first.is_visible()
    page.get_by_label("Periode").select_option("week")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url("**period=week**")
    assert page.locator("table.figures tbody tr").count() == 7
    assert page.locator("[data-figure=posts]").inner_text() == "12"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # A chosen period without dates: said plainly, the page still answers.
    page.get_by_label("Periode").select_option("custom")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_text("Pilih kedua tanggal untuk periode pilihan.")).to_be_visible()


@pytest.mark.parametrize("which,width", [("phone_page", 390), ("laptop_page", 1366)])
def test_the_partner_ranking_fits_and_filters(request, which, width, staf, kadis, divisions):
    from tests.insights.test_partners import _ranked

    page = request.getfixturevalue(which)
    _ranked(kadis, divisions["PKP"])
    sign_in(page, staf)
    page.goto("/insights/")
    page.get_by_role("link", name="Peringkat akun mitra").click()
    page.wait_for_url("**/insights/partners/")
    expect(page.get_by_role("heading", name="Akun mitra", level=1)).to_be_visible()
    page.get_by_label("Periode").select_option("week")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url("**period=week**")
    chart = page.locator("svg.chart.bar-chart[role=img]")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= width
    rows = page.locator("table.partner-rank tbody tr")
    expect(rows).to_have_count(5)
    handles = [rows.nth(i).get_attribute("data-partner") for i in range(5)]
    assert handles == ["dinas.b", "dinas.c", "dinas.a", "dinas.d", "dinas.e"]
    expect(rows.nth(4).get_by_text("Tidak tersedia")).to_be_visible()
    wide = page.evaluate(
        f"[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > {width}"
        " && !e.closest('.table-scroll')).map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
