"""The office's website as a channel, end to end: its application password in the vault, its
options on the channel's page, a post approved like any other and published by the real worker
to the simulator's WordPress site (featured photo, draft or published), looked up and not sent
twice after a lost answer, read back by sync, and no secret in any record."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, CredentialKind
from accounts.services import credential_create
from publishing.models import AccountGroup, Channel, Delivery, DeliveryStatus, Post, PostStatus
from publishing.services.channels import channel_create, channel_update
from publishing.simulator import wordpress_api
from publishing.simulator.models import Account, Media
from publishing.simulator.models import Post as SitePost
from tests.conftest import wait_for
from tests.publishing.delivery_fixtures import approved_post, photo_asset

SITE = "mediacenter.bojonegorokab.go.id"
pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def website(simulator, kadis, divisions) -> Channel:
    wordpress_api.seed_sites()
    channel = channel_create(
        actor=kadis,
        name="Situs Media Center",
        handle=SITE,
        driver="wordpress",
        account_group=AccountGroup.MEDIA_CENTER,
        external_id="",
        responsible_division=divisions["PKP"],
    )
    credential_create(
        actor=kadis,
        label="Situs Media Center (WordPress)",
        kind=CredentialKind.PASSWORD,
        secret=wordpress_api.demo_credential(SITE),
        target=channel,
    )
    return Channel.objects.get(pk=channel.pk)


def _finished(post: Post) -> Post:
    return wait_for(
        lambda: (
            (p := Post.objects.get(pk=post.pk)).status
            in (PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED, PostStatus.FAILED)
            and p
        ),
        timeout=60,
        message=f"post {post.pk} did not finish",
    )


def _site_posts():
    site = Account.objects.get(platform="website", handle=SITE)
    return list(SitePost.objects.filter(account=site).exclude(kind="comment"))


@pytest.mark.e2e
@pytest.mark.usefixtures("delivery_worker", "use_queue")
def test_an_approved_post_reaches_the_website_once_through_the_worker(
    simulator, website, editor, kadis, divisions
):
    channel_update(actor=kadis, channel=website, name=website.name, handle=website.handle,
                   account_group=website.account_group, options={"status": "publish",
                   "category": "berita"})  # fmt: skip
    photo = photo_asset(editor, divisions["PKP"])
    post = approved_post(
        editor=editor,
        kadis=kadis,
        channels=[website],
        text="Bupati meresmikan jembatan baru di Kecamatan Kalitidu. #Bojonegoro",
        assets=[photo],
    )
    post = _finished(post)
    assert post.status == PostStatus.PUBLISHED
    delivery = Delivery.objects.get(post=post, channel=website)
    [made] = _site_posts()
    assert delivery.status == DeliveryStatus.PUBLISHED
    assert delivery.external_id == made.external_id
    assert delivery.permalink == f"https://{SITE}/{made.extra['slug']}/"
    assert made.extra["status"] == "publish"
    assert (
        made.extra["title"] == "Bupati meresmikan jembatan baru di Kecamatan Kalitidu. #Bojonegoro"
    )
    featured = Media.objects.get(pk=made.extra["featured_media"])
    assert featured.mime_type == "image/jpeg"
    # The worker recorded the vault's use; no record holds the application password.
    secret = wordpress_api.demo_credential(SITE)["password"]
    for action, details in AuditEvent.objects.values_list("action", "details"):
        assert secret not in json.dumps(details), action
    for attempt in delivery.attempts.all():
        assert secret not in attempt.excerpt + attempt.message


@pytest.mark.e2e
@pytest.mark.usefixtures("delivery_worker", "use_queue")
def test_a_lost_answer_is_looked_up_on_the_site_not_posted_twice(simulator, website, editor, kadis):
    simulator.fault("website", SITE, mode="accept_then_fail", scope="publish", remaining=1)
    post = _finished(
        approved_post(editor=editor, kadis=kadis, channels=[website], text="Pengumuman CPNS 2026.")
    )
    assert post.status == PostStatus.PUBLISHED
    [made] = _site_posts()
    assert made.extra["status"] == "draft"  # the channel's default
    delivery = Delivery.objects.get(post=post, channel=website)
    assert delivery.external_id == made.external_id and delivery.attempt_count == 2


def test_the_channel_page_sets_the_websites_options(client_for, website, kadis):
    client = client_for(kadis)
    edit = reverse("channels:channel_edit", args=[website.pk])
    page = client.get(edit)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Pos masuk ke situs web sebagai" in text and 'value="draft" selected' in text
    form = {"name": website.name, "handle": website.handle, "account_group": website.account_group,
            "external_id": "", "responsible_division": website.responsible_division_id,
            "option_status": "publish", "option_category": "  pengumuman  "}  # fmt: skip
    answer = client.post(edit, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    website.refresh_from_db()
    assert website.options_for_driver() == {"status": "publish", "category": "pengumuman"}
    changed = AuditEvent.objects.filter(action="channel.update").latest("id").details["changed"]
    assert changed == ["options"]
    # A value the driver does not offer is refused on the page, and nothing changes.
    answer = client.post(edit, {**form, "option_status": "private"})
    assert answer.status_code == 200 and "option_status" in answer.content.decode()
    website.refresh_from_db()
    assert website.options["status"] == "publish"


def test_the_composer_previews_and_checks_the_website_like_the_others(client_for, website, kadis):
    client = client_for(kadis)
    answer = client.post(
        "/publishing/compose/checks/",
        {
            "text": "Pengumuman hasil seleksi.\n\nDaftar lengkap di lampiran.",
            "channels": [website.pk],
        },
    )
    html = answer.content.decode()
    assert answer.status_code == 200
    assert f'data-channel="{website.pk}"' in html and "platform-website" in html
    assert "Pengumuman hasil seleksi." in html and "check-problems" not in html
