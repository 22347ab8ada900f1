"""The composer's time field in Chromium: Indonesian text (dd/mm/yyyy hh.mm), the portal's own
calendar fills the day, and the post keeps the time typed."""

import re

import pytest
from django.utils import timezone

from publishing.models import Post
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_schedule_field_reads_and_picks_indonesian_dates(page, editor):
    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill("editor")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.goto("/publishing/compose/")
    field = page.locator("#id_scheduled_at")
    assert field.get_attribute("type") == "text"
    assert field.get_attribute("placeholder") == "dd/mm/yyyy hh.mm"
    page.get_by_role("button", name="Pilih tanggal").first.click()
    picker = page.locator(".datepicker")
    assert "mm/dd" not in picker.inner_text()
    picker.locator('button[aria-label^="15\\/"]').click()
    assert re.fullmatch(r"15/\d\d/\d{4} 09\.00", field.input_value())
    year = timezone.localdate().year + 1
    field.fill(f"04/12/{year} 14.30")
    page.get_by_label("Teks", exact=True).fill("Jadwal pelayanan SIM keliling.")
    page.locator("button[name=action][value=save]").click()
    page.wait_for_url(re.compile(r"/publishing/posts/\d+/"))
    when = timezone.localtime(Post.objects.get().scheduled_at)
    assert (when.day, when.month, when.year, when.hour, when.minute) == (4, 12, year, 14, 30)
