"""Facebook Login's permissions: what the portal asks for, what the person really granted, what
a missing one blocks (the channel page, the composer, the submit-time check), and the simulator
refusing a call without its permission, as the Graph API does."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.exceptions import ValidationError

from publishing.drivers import facebook
from publishing.drivers._graph import login_scopes
from publishing.drivers.errors import PermanentError
from publishing.drivers.registry import get_driver
from publishing.drivers.types import HealthState, MediaItem, MediaKind, PostPayload
from publishing.models import Channel
from publishing.services.posts import post_create, post_submit
from publishing.simulator import services as sim
from publishing.simulator.models import Account
from tests.publishing.conftest import session_of

pytestmark = pytest.mark.django_db(transaction=True)

PUBLISHING = {
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_posts",
    "pages_manage_engagement",
    "read_insights",
    "business_management",
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "ads_read",
}


def test_facebook_login_asks_for_everything_and_ads_management_only_with_boosts(settings):
    settings.FACEBOOK_BOOSTS_ENABLED = False
    asked = parse_qs(urlsplit(facebook.oauth_start(redirect_uri="https://p/cb", state="s")).query)
    assert set(asked["scope"][0].split(",")) == PUBLISHING
    settings.FACEBOOK_BOOSTS_ENABLED = True
    assert set(login_scopes()) == PUBLISHING | {"ads_management"}


def _token(handle: str, scopes: set[str]) -> str:
    page = Account.objects.get(platform="facebook", handle=handle)
    return sim.graph_token(page, scopes=",".join(sorted(scopes)))


def test_page_post_without_pages_manage_posts_is_refused_with_meta_error_200(simulator):
    token = _token("MediaCenterBJN", PUBLISHING - {"pages_manage_posts"})
    driver = get_driver("facebook")
    with pytest.raises(PermanentError) as caught:
        driver.publish(
            PostPayload(text="Tanpa izin"), {"page_id": "100090000000101", "access_token": token}
        )
    assert caught.value.platform_code == 200
    assert "pages_manage_posts" in caught.value.platform_message
    assert simulator.posts("facebook", "MediaCenterBJN") == []


def test_instagram_publish_without_content_publish_is_refused_with_code_10(simulator, file_server):
    token = _token("MediaCenterBJN", PUBLISHING - {"instagram_content_publish"})
    driver = get_driver("instagram_graph")
    item = MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", url=f"{file_server}/photo.jpg")
    with pytest.raises(PermanentError) as caught:
        driver.publish(
            PostPayload(text="Foto", media=(item,)),
            {"ig_user_id": "17841400000000101", "access_token": token},
        )
    assert caught.value.platform_code == 10
    assert simulator.posts("instagram", "mediacenterbojonegoro") == []


def test_connection_check_reads_the_grants_and_names_what_is_missing(simulator):
    token = _token("MediaCenterBJN", PUBLISHING - {"instagram_manage_comments", "ads_read"})
    health = get_driver("instagram_graph").check_credential(
        {"ig_user_id": "17841400000000101", "access_token": token}
    )
    assert health.state == HealthState.VALID
    assert health.account_name == "mediacenterbojonegoro"
    assert dict(health.missing).keys() == {"instagram_manage_comments", "ads_read"}
    assert "komentar pertama" in dict(health.missing)["instagram_manage_comments"]
    labels = dict(health.limits)
    assert any("24 jam" in label for label in labels), labels
    # Publishing is not blocked by these two: no "cannot publish" note.
    assert health.message == ""


def test_wrong_or_missing_appsecret_proof_is_refused(simulator, settings):
    token = simulator.credential("facebook", "MediaCenterBJN")["access_token"]
    url = f"{simulator.base}/facebook/v26.0/100090000000101"
    wrong = requests.get(
        url, params={"access_token": token, "appsecret_proof": "0" * 64}, timeout=10
    )
    assert wrong.status_code == 400
    assert (
        wrong.json()["error"]["message"] == "Invalid appsecret_proof provided in the API argument"
    )
    missing = requests.get(url, params={"access_token": token}, timeout=10)
    assert missing.json()["error"]["code"] == 100
    assert "appsecret_proof" in missing.json()["error"]["message"]
    proof = hmac.new(
        settings.FACEBOOK_APP_SECRET.encode(), token.encode(), hashlib.sha256
    ).hexdigest()
    right = requests.get(url, params={"access_token": token, "appsecret_proof": proof}, timeout=10)
    assert right.status_code == 200, right.text
    # Without the requirement ("Require App Secret" off), a call without a proof passes.
    settings.SIMULATOR_REQUIRE_APPSECRET_PROOF = False
    assert requests.get(url, params={"access_token": token}, timeout=10).status_code == 200


def _consent_without(client, channel, declined: set[str]) -> str:
    response = client.post(f"/publishing/channels/{channel.pk}/connect/")
    url = response["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    grant = [s for s in query["scope"].split(",") if s not in declined]
    # The consent is given by the signed-in Kepala Dinas, in his own browser session.
    answer = session_of(client).post(
        url.split("?")[0],
        data={**query, "decision": "allow", "choose_scopes": "1", "grant": grant},
        allow_redirects=False,
        timeout=10,
    )
    parts = urlsplit(answer.headers["Location"])
    return f"{parts.path}?{parts.query}"


def test_a_permission_left_unticked_blocks_the_channel_in_the_composer_and_at_submit(
    simulator, client_for, kadis, editor, channels, photo
):
    channel: Channel = channels["instagram"]
    client = client_for(kadis)
    client.get(_consent_without(client, channel, {"instagram_content_publish"}), follow=True)
    channel.refresh_from_db()
    assert channel.credential is not None
    assert "instagram_content_publish" not in channel.granted_permissions
    assert "instagram_basic" in channel.granted_permissions
    assert "instagram_content_publish" in channel.publishing_blocked_reason

    page = client.get(f"/publishing/channels/{channel.pk}/")
    assert "instagram_content_publish" in page.content.decode()

    composer = client_for(editor).get("/publishing/compose/").content.decode()
    row = composer[composer.index(f'value="{channel.pk}"') :][:200]
    assert "disabled" in row
    assert "instagram_content_publish" in composer

    # A forged form that names the channel anyway is refused at submit.
    post = post_create(actor=editor, text="Banjir", asset_ids=[photo.pk], channel_ids=[channel.pk])
    with pytest.raises(ValidationError) as caught:
        post_submit(actor=editor, post=post)
    assert "instagram_content_publish" in str(caught.value)

    # The Facebook Page the same login opens is not blocked: the Page's own permissions are there.
    assert channels["facebook"].publishing_blocked_reason == ""


def test_a_channel_whose_grants_were_never_read_is_not_blocked(channels):
    assert channels["instagram"].granted_permissions is None
    assert channels["instagram"].publishing_blocked_reason == ""


def test_the_daily_check_keeps_the_grants_current(simulator, kadis, channels):
    """A permission removed on the platform shows on the channel after the vault's daily check."""
    from accounts.services import credential_create, credential_health_check

    channel = channels["facebook"]
    Channel.objects.filter(pk=channel.pk).update(external_id="100090000000101")
    token = _token("MediaCenterBJN", PUBLISHING - {"pages_manage_posts"})
    credential = credential_create(
        actor=kadis, label="", kind="oauth", secret={"access_token": token}, target=channel
    )
    credential_health_check(credential_id=credential.pk)
    channel.refresh_from_db()
    assert "pages_manage_posts" not in channel.granted_permissions
    assert "pages_manage_posts" in channel.publishing_blocked_reason
