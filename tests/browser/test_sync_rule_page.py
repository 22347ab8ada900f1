"""The sync rule's page on a phone, in Chromium: the Kepala Dinas sets a rule with a different text
transform for each target, the page fits the screen, and the rule keeps each target's own."""

from __future__ import annotations

import pytest

from publishing.models import AccountGroup, DriverName
from publishing.services.channels import channel_create
from publishing.sync.models import SyncRule
from tests.browser.test_publishing import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_transform_per_target_on_a_phone(phone_page, kadis, divisions):
    def channel(name, handle, driver, external_id):
        return channel_create(
            actor=kadis,
            name=name,
            handle=handle,
            driver=driver,
            account_group=AccountGroup.MEDIA_CENTER,
            external_id=external_id,
            responsible_division=divisions["PKP"],
        )

    fb = channel("Media Center FB", "MediaCenterBJN", DriverName.FACEBOOK, "100090000000101")
    x = channel("Media Center X", "mediacenterBJN", DriverName.X, "1500000000000000101")
    pemkab = channel("Pemkab FB", "PemkabBojonegoro", DriverName.FACEBOOK, "100090000000102")
    sign_in(phone_page, kadis, second_factor=True)
    phone_page.goto("/publishing/sync/rules/new/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.get_by_label("Kanal sumber").select_option(str(fb.pk))
    phone_page.locator(f"input[name=targets][value='{x.pk}']").check()
    phone_page.locator(f"input[name=targets][value='{pemkab.pk}']").check()
    phone_page.locator(f"input[name=add_hashtag_{x.pk}]").fill("#BojonegoroMatoh")
    phone_page.locator(f"input[name=shorten_for_x_{x.pk}]").check()
    phone_page.locator(f"input[name=add_hashtag_{pemkab.pk}]").fill("#PemkabBjn")
    phone_page.locator(f"input[name=link_back_{pemkab.pk}]").check()
    # Each target's fields sit within the screen, one card under the other.
    for name in (f"add_hashtag_{x.pk}", f"add_hashtag_{pemkab.pk}"):
        box = phone_page.locator(f"input[name={name}]").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, name
    phone_page.get_by_role("button", name="Simpan").click()
    phone_page.wait_for_url("**/publishing/sync/")
    links = {link.channel_id: link for link in SyncRule.objects.get().target_links.all()}
    assert (links[x.pk].add_hashtag, links[x.pk].shorten_for_x, links[x.pk].link_back) == (
        "#BojonegoroMatoh", True, False,
    )  # fmt: skip
    assert (links[pemkab.pk].add_hashtag, links[pemkab.pk].link_back) == ("#PemkabBjn", True)
