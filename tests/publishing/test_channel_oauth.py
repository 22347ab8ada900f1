"""Connecting a channel's account by OAuth against the simulator (Facebook Login for a Page and
its Instagram business account; X with PKCE), and the daily check of a channel's login."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import constants

from accounts.models import AuditEvent, Credential, CredentialStatus, HealthState
from accounts.services import credential_create, credential_health_check
from publishing.models import AccountGroup, Channel, DriverName
from publishing.services.channels import channel_create
from tests.publishing.conftest import session_of

pytestmark = pytest.mark.django_db(transaction=True)

OLD_TOKEN = "EAAGlama-halaman-0f1e2d3c4b5a"


def _channel(kadis, driver, name, handle, external_id="") -> Channel:
    channel = channel_create(
        actor=kadis,
        name=name,
        handle=handle,
        driver=driver,
        account_group=AccountGroup.MEDIA_CENTER,
        external_id=external_id,
    )
    credential_create(
        actor=kadis, label="", kind="oauth", secret={"access_token": OLD_TOKEN}, target=channel
    )
    channel.refresh_from_db()
    return channel


@pytest.fixture
def page_channel(kadis, simulator) -> Channel:
    return _channel(kadis, DriverName.FACEBOOK, "Media Center Bojonegoro", "MediaCenterBJN")


def _consent(client, channel, *, decision="allow", account=None) -> str:
    """Start the flow in the portal, answer the simulator's consent page; the callback address."""
    response = client.post(f"/publishing/channels/{channel.pk}/connect/")
    assert response.status_code == 302
    url = response["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    if account is not None:
        query["account"] = account
    # The Kepala Dinas's own browser session answers the platform's consent page.
    answer = session_of(client).post(
        url.split("?")[0], data={**query, "decision": decision}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302, answer.text[:300]
    parts = urlsplit(answer.headers["Location"])
    return f"{parts.path}?{parts.query}"


def _levels(response) -> list[int]:
    return [message.level for message in response.context["messages"]]


def test_the_head_connects_a_facebook_page_and_the_old_login_is_kept_revoked(
    client_for, kadis, page_channel
):
    old = page_channel.credential
    client = client_for(kadis)
    callback = _consent(client, page_channel)
    response = client.get(callback, follow=True)
    assert _levels(response) == [constants.SUCCESS]
    page_channel.refresh_from_db()
    new = page_channel.credential
    assert new != old and new.replaces == old and new.kind == "oauth"
    assert page_channel.external_id == "100090000000101"
    old.refresh_from_db()
    assert old.status == CredentialStatus.REVOKED
    event = AuditEvent.objects.get(action="channel.connect")
    assert event.details == {"via": "oauth", "credential": new.pk, "replaces": old.pk}
    assert "access_token" not in str(event.details)

    # The page token works: the daily check asks the driver and finds it healthy.
    checked = credential_health_check(credential_id=new.pk)
    assert checked.health_state == HealthState.OK, checked.health_message

    # The same callback again (a replayed code): refused, nothing stored.
    count = Credential.objects.count()
    replay = client.get(callback, follow=True)
    assert _levels(replay) == [constants.ERROR]
    assert Credential.objects.count() == count
    page_channel.refresh_from_db()
    assert page_channel.credential == new


def test_a_wrong_state_stores_nothing(client_for, kadis, page_channel):
    client = client_for(kadis)
    callback = _consent(client, page_channel)
    forged = callback.replace("state=", "state=forged")
    response = client.get(forged, follow=True)
    assert _levels(response) == [constants.ERROR]
    assert Credential.objects.count() == 1
    assert not AuditEvent.objects.filter(action="channel.connect").exists()


def test_a_replayed_code_with_a_fresh_state_is_refused_by_the_platform(
    client_for, kadis, page_channel
):
    client = client_for(kadis)
    first = _consent(client, page_channel)
    assert _levels(client.get(first, follow=True)) == [constants.SUCCESS]
    # A new flow, but the old (spent) code sent back with the new state.
    response = client.post(f"/publishing/channels/{page_channel.pk}/connect/")
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    code = parse_qs(urlsplit(first).query)["code"][0]
    count = Credential.objects.count()
    replay = client.get(
        f"/publishing/channels/oauth/facebook/callback/?code={code}&state={state}", follow=True
    )
    assert _levels(replay) == [constants.ERROR]
    assert Credential.objects.count() == count


def test_an_error_parameter_stores_nothing(client_for, kadis, page_channel):
    client = client_for(kadis)
    callback = _consent(client, page_channel, decision="deny")
    assert "error=access_denied" in callback
    response = client.get(callback, follow=True)
    assert _levels(response) == [constants.ERROR]
    assert "Permissions error" in response.content.decode()
    assert Credential.objects.count() == 1
    page_channel.refresh_from_db()
    assert page_channel.credential.status == CredentialStatus.ACTIVE


def test_an_instagram_business_account_gets_its_linked_page_token(client_for, kadis, simulator):
    channel = _channel(
        kadis, DriverName.INSTAGRAM_GRAPH, "Media Center Bojonegoro", "mediacenterbojonegoro"
    )
    client = client_for(kadis)
    response = client.get(_consent(client, channel), follow=True)
    assert _levels(response) == [constants.SUCCESS]
    channel.refresh_from_db()
    assert channel.external_id == "17841400000000101"
    assert credential_health_check(credential_id=channel.credential_id).health_state == "ok"


def test_x_connects_with_pkce_and_offline_access(client_for, kadis, simulator):
    from publishing.simulator.models import Account

    channel = _channel(kadis, DriverName.X, "Media Center BJN", "mediacenterBJN")
    account = Account.objects.get(platform="x", handle="mediacenterBJN")
    client = client_for(kadis)
    callback = _consent(client, channel, account=account.pk)
    response = client.get(callback.replace("/facebook/", "/x/"), follow=True)
    assert _levels(response) == [constants.SUCCESS]
    channel.refresh_from_db()
    assert channel.external_id == account.external_id
    assert channel.credential.expires_at is not None
    assert "offline.access" in _scope_of(channel.credential)
    assert credential_health_check(credential_id=channel.credential_id).health_state in {
        HealthState.OK,
        HealthState.EXPIRING,
    }


def _scope_of(credential) -> str:
    from accounts.services import credential_secret_for_use

    secret = credential_secret_for_use(credential_id=credential.pk, used_by="test")
    assert secret.get("refresh_token")
    return secret["scope"]


def test_the_daily_check_marks_a_refused_token_failing(kadis, page_channel, simulator):
    checked = credential_health_check(credential_id=page_channel.credential_id)
    assert checked.health_state == HealthState.FAILING
    assert OLD_TOKEN not in checked.health_message
