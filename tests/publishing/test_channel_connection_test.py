"""The channel page's "Uji koneksi" (test the connection) and the setup guide of the Meta and X
apps: who may use them, what they say, and that the test only reads from the platform."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from accounts.services import credential_create
from publishing.models import Channel
from publishing.simulator import services as sim
from publishing.simulator.models import Account

pytestmark = pytest.mark.django_db(transaction=True)


def _connect(kadis, channel: Channel, secret: dict) -> Channel:
    credential_create(actor=kadis, label="", kind="oauth", secret=secret, target=channel)
    channel.refresh_from_db()
    return channel


def test_the_head_tests_an_instagram_channel_and_reads_what_works(
    simulator, client_for, kadis, channels
):
    page = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    scopes = sim.META_SCOPES.replace("instagram_manage_comments,", "")
    token = sim.graph_token(page, scopes=scopes)
    channel = channels["instagram"]
    Channel.objects.filter(pk=channel.pk).update(external_id="17841400000000101")
    channel = _connect(kadis, Channel.objects.get(pk=channel.pk), {"access_token": token})
    posts_before = len(simulator.log()["posts"])

    page_html = client_for(kadis).post(f"/publishing/channels/{channel.pk}/test/")
    assert page_html.status_code == 200
    text = page_html.content.decode()
    assert "mediacenterbojonegoro" in text
    assert "instagram_manage_comments" in text  # what will not work, and why
    assert "komentar pertama di instagram" in text.lower()
    assert "Berlaku" in text
    assert "24 jam" in text  # the publishing quota read from content_publishing_limit
    assert token not in text
    # Read-only: nothing was posted; the grants are kept on the channel; the act is audited.
    assert len(simulator.log()["posts"]) == posts_before
    channel.refresh_from_db()
    assert "instagram_content_publish" in channel.granted_permissions
    assert "instagram_manage_comments" not in channel.granted_permissions
    assert channel.publishing_blocked_reason == ""
    event = AuditEvent.objects.get(action="channel.test")
    assert event.details["missing"] == ["instagram_manage_comments"]
    assert token not in str(event.details)


def test_a_revoked_token_is_told_plainly(simulator, client_for, kadis, channels):
    channel = _connect(kadis, channels["facebook"], {"access_token": "EAAG-tidak-berlaku-lagi"})
    Channel.objects.filter(pk=channel.pk).update(external_id="100090000000101")
    response = client_for(kadis).post(f"/publishing/channels/{channel.pk}/test/")
    assert response.status_code == 200
    assert response.context["health"].ok is False


def test_only_the_head_may_test_and_only_by_post(simulator, client_for, kadis, editor, channels):
    channel = _connect(kadis, channels["facebook"], {"access_token": "EAAG-apa-saja-12345"})
    assert client_for(editor).post(f"/publishing/channels/{channel.pk}/test/").status_code == 403
    assert client_for(kadis).get(f"/publishing/channels/{channel.pk}/test/").status_code == 405
    assert not AuditEvent.objects.filter(action="channel.test").exists()


def test_a_channel_without_a_login_says_so(simulator, client_for, kadis, channels):
    response = client_for(kadis).post(f"/publishing/channels/{channels['x'].pk}/test/", follow=True)
    assert "belum memiliki login" in response.content.decode()


def test_setup_guide_shows_this_portal_s_own_redirect_addresses(
    client_for, kadis, editor, settings
):
    settings.FACEBOOK_BOOSTS_ENABLED = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "portal.bojonegorokab.go.id"]
    head = client_for(kadis)
    response = head.get("/publishing/channels/setup-guide/", HTTP_HOST="portal.bojonegorokab.go.id")
    text = response.content.decode()
    assert response.status_code == 200
    assert "http://portal.bojonegorokab.go.id/publishing/channels/oauth/facebook/callback/" in text
    assert "http://portal.bojonegorokab.go.id/publishing/channels/oauth/x/callback/" in text
    assert "instagram_content_publish" in text and "ads_read" in text
    assert "ads_management" in text  # named as off, with its setting
    assert "Verifikasi Bisnis" in text or "verifikasi bisnis" in text.lower()
    assert settings.FACEBOOK_APP_SECRET not in text
    assert client_for(editor).get("/publishing/channels/setup-guide/").status_code == 403
    channels_page = head.get("/publishing/channels/").content.decode()
    assert "/publishing/channels/setup-guide/" in channels_page


def test_any_driver_s_check_is_shown(simulator, client_for, kadis, channels):
    """The button works for every platform: here X, whose driver reports what it can."""
    channel = channels["x"]
    secret = simulator.credential("x", "mediacenterBJN")
    credential_create(
        actor=kadis,
        label="",
        kind="oauth",
        secret={k: secret[k] for k in ("access_token", "refresh_token", "scope")},
        target=channel,
    )
    response = client_for(kadis).post(f"/publishing/channels/{channel.pk}/test/")
    assert response.status_code == 200
    assert response.context["health"].ok, response.context["health"].message
    assert "mediacenterBJN" in response.content.decode()
    assert secret["access_token"] not in response.content.decode()
