"""Publishing in Chromium: an editor composes a post with a library photo for the Media Center's
Facebook Page, X and Instagram accounts, the Kepala Dinas approves it (after the second factor),
the post page shows the three deliveries published, and the simulator's feed of each account shows
the post once. A real Celery worker delivers through the real client libraries to the simulator.
"""

from __future__ import annotations

import io

import pytest

from assets.services import asset_create_from_file, asset_render, folder_create
from publishing.models import AccountGroup, Post, PostStatus
from publishing.seed import DEMO_CHANNELS, channel_with_credential
from publishing.simulator import services as simulator_services
from tests.assets import media
from tests.conftest import PASSWORD, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = "Rapat koordinasi penanganan banjir di aula kantor bupati Bojonegoro."
# (simulator platform, account handle) of the Media Center's three accounts.
ACCOUNTS = [
    (platform, handle)
    for group, _driver, platform, handle, *_rest in DEMO_CHANNELS
    if group == AccountGroup.MEDIA_CENTER
]


def sign_in(page, user, *, second_factor: bool = False) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Masuk").click()
    if second_factor:
        page.locator("#id_token").fill(totp_now(user))
        page.locator("main button[type=submit]").click()
    page.wait_for_url("**/dashboard/")


def sign_out(page) -> None:
    page.context.clear_cookies()


@pytest.fixture
def media_center(kadis, divisions, live_server, settings):
    """The three Media Center accounts on the simulator, each with its login in the vault, made
    the way the demo seed makes them. The portal's public address is the live server (as the
    worker's is: Instagram fetches the photo from a signed address of the portal)."""
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
        if group == AccountGroup.MEDIA_CENTER
    ]


def test_compose_approve_and_see_it_on_every_account(
    page, delivery_worker, use_queue, live_server, editor, kadis, media_center
):
    folder = folder_create(actor=editor, name="Kegiatan PKP", division=editor.division)
    photo = asset_create_from_file(
        actor=editor,
        folder=folder,
        fileobj=io.BytesIO(media.jpeg((1200, 900))),
        filename="rapat-banjir.jpg",
        title="Rapat penanganan banjir",
    )
    asset_render(asset_id=photo.pk)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    # The editor picks the photo in the library and hands it to the composer.
    sign_in(page, editor)
    page.goto(f"/library/folders/{folder.pk}/")
    page.locator(f"input[name=ids][value='{photo.pk}']").check()
    page.get_by_role("button", name="Gunakan untuk publikasi").click()
    page.wait_for_url(f"**/publishing/compose/?assets={photo.pk}")
    page.get_by_label("Teks", exact=True).fill(TEXT)
    for channel in media_center:
        page.locator(f"input[name=channels][value='{channel.pk}']").check()
    # The live checks show one preview per channel, without a problem.
    page.locator(".preview").nth(2).wait_for()
    page.locator(".check-ok", has_text="Siap").wait_for()
    assert page.locator(".preview img").count() >= 3
    page.get_by_role("button", name="Simpan dan ajukan untuk persetujuan").click()
    page.wait_for_url("**/publishing/posts/*/")
    assert "Menunggu persetujuan" in page.locator("main").inner_text()
    post = Post.objects.get(text=TEXT)

    # The Kepala Dinas approves from the queue.
    sign_out(page)
    sign_in(page, kadis, second_factor=True)
    page.goto("/publishing/approvals/")
    item = page.locator(f"#post-{post.pk}")
    item.get_by_role("button", name="Setujui").click()
    page.wait_for_url("**/publishing/approvals/")

    # The post page follows the deliveries until all three are published.
    page.goto(f"/publishing/posts/{post.pk}/")
    try:
        page.locator(".delivery.status-published").nth(2).wait_for(timeout=60_000)
    except Exception:
        states = list(post.deliveries.values_list("channel__handle", "status", "last_error"))
        pytest.fail(f"not all delivered: {states}\n{delivery_worker.log()[-4000:]}")
    assert page.locator(".delivery.status-published").count() == 3
    assert Post.objects.get(pk=post.pk).status == PostStatus.PUBLISHED
    # One link per delivery (the timeline links each published post too).
    assert page.locator("#deliveries").get_by_role("link", name="Lihat di platform").count() == 3

    # Each account's feed on the simulator shows the post, once.
    from tests.publishing.conftest import signed_in_session

    session = signed_in_session(editor)
    log = session.get(f"{live_server.url}/simulator/_log", timeout=10).json()["posts"]
    for platform, handle in ACCOUNTS:
        mine = [
            p
            for p in log
            if p["platform"] == platform
            and p["account"] == handle
            and p["published"]
            and "banjir" in (p.get("text") or "").lower()
        ]
        assert len(mine) == 1, (platform, mine)
        feed = page.request.get(f"/simulator/feed/{platform}/{handle}/")
        assert feed.text().count("Rapat koordinasi penanganan banjir") == 1, platform
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_composer_and_the_queue_fit_a_phone(phone_page, editor, kadis, media_center):
    sign_in(phone_page, editor)
    for url in ["/publishing/", "/publishing/compose/", "/publishing/calendar/"]:
        phone_page.goto(url)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390, url
    # The live checks answer while typing.
    phone_page.goto("/publishing/compose/")
    phone_page.locator(f"input[name=channels][value='{media_center[1].pk}']").check()
    phone_page.get_by_label("Teks", exact=True).fill("Informasi layanan publik. " * 13)
    phone_page.locator(".preview-count.over").wait_for()
    assert "X" in phone_page.locator(".check-problems").first.inner_text()
