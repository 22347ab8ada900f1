"""The SKM in Chromium: the public questionnaire on a phone and a desktop, without JavaScript;
paper questionnaires typed by keyboard alone."""

import pytest
from django.utils import timezone

from skm import services
from skm.models import Period, Response, Source
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def period(kadis):
    service = services.service_create(actor=kadis, name="Layanan Informasi Publik")
    today = timezone.localdate()
    return Period.objects.create(
        service=service,
        kind="quarter",
        year=today.year,
        number=(today.month - 1) // 3 + 1,
        population=100,
    )


def _no_script_context(browser, live_server, viewport, **extra):
    return browser.new_context(
        base_url=live_server.url, viewport=viewport, java_script_enabled=False, **extra
    )


@pytest.mark.parametrize(
    "viewport",
    [
        {"width": 390, "height": 844},
        {"width": 1366, "height": 900},
    ],
)
def test_the_public_answers_without_javascript(browser, live_server, period, viewport):
    context = _no_script_context(browser, live_server, viewport, is_mobile=viewport["width"] < 500)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"/skm/{period.service.slug}/")
    # Nothing wider than the screen; every answer is a target a thumb can hit.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    first = page.locator("#q-u1 label").first
    assert first.bounding_box()["height"] >= 44
    # Send with one question left: the page says which, and keeps what was chosen.
    for n in range(1, 10):
        if n != 6:
            page.locator(f"#q-u{n} label").nth(1).click()  # the second-best answer: 3
    for name, index in (("sex", 0), ("age_group", 2), ("education", 4), ("occupation", 0)):
        page.locator(f"#q-{name} label").nth(index).click()
    page.get_by_role("button", name="Kirim jawaban saya").click()
    assert "Beberapa pertanyaan belum dijawab" in page.locator("main").inner_text()
    assert page.locator("#q-u1 input[value='3']").is_checked()
    assert page.locator("#q-u6.has-error").count() == 1
    page.locator("#q-u6 label").first.click()  # the best answer: 4
    page.get_by_label("Komentar atau saran (tidak wajib)").fill("Petugas ramah.")
    page.get_by_role("button", name="Kirim jawaban saya").click()
    assert "Terima kasih" in page.locator("h1").inner_text()
    response = Response.objects.get()
    assert (response.source, response.u1, response.u6, response.comment) == (
        Source.ONLINE,
        3,
        4,
        "Petugas ramah.",
    )
    context.close()


def test_paper_questionnaires_by_keyboard_alone(page, period, editor):
    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill("editor")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_label("Kata sandi").press("Enter")
    page.wait_for_url("**/dashboard/")
    page.goto(f"/satisfaction/periods/{period.pk}/paper/")
    for number, sheet in enumerate(("434343434", "222222221"), 1):
        # The first box has the focus; digits, Tab, the profile by typing, Enter.
        assert page.evaluate("document.activeElement.name") == "u1"
        for digit in sheet:
            page.keyboard.type(digit)
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "sex"
        page.keyboard.type("P")  # Perempuan
        page.keyboard.press("Tab")
        page.keyboard.press("ArrowDown")  # age: 20-29
        page.keyboard.press("Tab")
        page.keyboard.type("S")  # SD/SMP/SMA/... first match
        page.keyboard.press("Tab")
        page.keyboard.type("W")  # Wirausaha
        page.keyboard.press("Tab")
        page.keyboard.type("Antrean lama")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.type") == "submit"
        page.keyboard.press("Enter")
        # 100 served -> a target of 80 (Krejcie and Morgan).
        page.get_by_text(f"Kuesioner tersimpan: {number} dari 80.").wait_for()
    rows = list(
        Response.objects.order_by("id").values_list("u1", "u9", "sex", "occupation", "source")
    )
    assert rows == [(4, 4, "P", "wirausaha", "paper"), (2, 1, "P", "wirausaha", "paper")]
