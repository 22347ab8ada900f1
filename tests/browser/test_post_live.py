"""The post page follows its post without a reload: scheduled, then being sent, then each
delivery's result, and it stops asking once the post is final. A real worker publishes to the
simulator; the test plays Celery beat's part (the release of due posts) at the scheduled time."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from publishing.models import AccountGroup, Post, PostStatus
from publishing.seed import DEMO_CHANNELS, channel_with_credential
from publishing.services.posts import post_approve, post_create, post_submit
from publishing.simulator import services as simulator_services
from publishing.tasks import release_due_posts
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_accounts(kadis, divisions, live_server, settings):
    """The Media Center's Facebook Page and X account, made the way the demo seed makes them."""
    settings.SOCIAL_API_BASE = f"{live_server.url}/simulator"
    settings.ASSET_PUBLIC_BASE_URL = live_server.url
    simulator_services.seed_accounts()
    return [
        channel_with_credential(
            actor=kadis,
            driver=driver,
            platform=platform,
            handle=handle,
            name=name,
            account_group=group,
            division=divisions[division],
        )
        for group, driver, platform, handle, name, division, _staff in DEMO_CHANNELS
        if group == AccountGroup.MEDIA_CENTER and platform in {"facebook", "x"}
    ]


def test_the_post_page_moves_from_scheduled_to_published_by_itself(
    page, delivery_worker, use_queue, editor, kadis, two_accounts
):
    # Due a few seconds from now (a new time after approval would need approval again).
    due = timezone.now() + timedelta(seconds=10)
    post = post_create(
        actor=editor,
        text="Pelayanan SIM keliling hadir di alun-alun Bojonegoro hari Sabtu.",
        channel_ids=[channel.pk for channel in two_accounts],
        scheduled_at=due,
    )
    post_submit(actor=editor, post=post)
    post_approve(actor=kadis, post=post)
    assert Post.objects.get(pk=post.pk).status == PostStatus.SCHEDULED

    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill(editor.username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.goto(f"/publishing/posts/{post.pk}/")
    status = page.locator("#post-status")
    assert status.inner_text().strip() == "Terjadwal"
    assert page.get_by_role("button", name="Batalkan dan hapus").is_visible()
    page.evaluate("window.__notReloaded = true")

    # Beat's work at the scheduled time: release what is due.
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 0.2)
    release_due_posts.apply_async(queue=use_queue)

    # Seen without a reload: the status leaves "Terjadwal" and ends "Terbit".
    seen = ["Terjadwal"]
    deadline = time.monotonic() + 60
    while seen[-1] != "Terbit" and time.monotonic() < deadline:
        text = status.inner_text().strip()
        if text != seen[-1]:
            seen.append(text)
        page.wait_for_timeout(250)
    assert seen[-1] == "Terbit", seen
    assert set(seen) <= {"Terjadwal", "Sedang dipublikasikan", "Terbit"}, seen
    assert page.evaluate("window.__notReloaded") is True
    deliveries = page.locator("#deliveries .delivery")
    assert deliveries.count() == 2
    for index in range(2):
        assert deliveries.nth(index).locator(".delivery-status").inner_text() == "Terbit"
        assert deliveries.nth(index).get_by_role("link", name="Lihat di platform").count() == 1
    timeline = page.locator("#timeline").inner_text()
    assert "Dikirim ke platform" in timeline and "Terbit di semua kanal" in timeline
    assert "delivery.published" not in timeline and "Sistem" in timeline
    # The actions of a scheduled post went with its state; polling stopped at the final state.
    assert page.get_by_role("button", name="Batalkan dan hapus").count() == 0
    assert page.locator("#deliveries[hx-trigger]").count() == 0
    requests_after = []
    page.on("request", lambda request: "/progress/" in request.url and requests_after.append(1))
    page.wait_for_timeout(4500)
    assert not requests_after
