"""Channel responsibility: assigning divisions and staff, the Kepala Dinas's channel pages, the
registry and compliance view with channels, and the vault's channel side in pages and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils.html import escape
from guardian.shortcuts import assign_perm

from accounts.models import AuditEvent, Credential, CredentialStatus
from accounts.services import credential_create
from publishing.models import AccountGroup, Channel, DriverName
from publishing.permissions import channel_policy
from publishing.services.channels import (
    channel_assign,
    channel_create,
    channel_set_active,
    channel_update,
)
from tests.vault_fixtures import superuser  # noqa: F401

pytestmark = pytest.mark.django_db

TOKEN = "EAAGrahasia-halaman-7d3e1f9a2b4c6d8e"
OTHER_TOKEN = "EAAGrahasia-lain-1a2b3c4d5e6f7a8b9c"


@pytest.fixture
def channel(kadis, divisions) -> Channel:
    channel = channel_create(
        actor=kadis,
        name="Media Center Bojonegoro",
        handle="MediaCenterBJN",
        driver=DriverName.FACEBOOK,
        account_group=AccountGroup.MEDIA_CENTER,
        external_id="100090000000101",
    )
    credential_create(
        actor=kadis, label="", kind="oauth", secret={"access_token": TOKEN}, target=channel
    )
    channel.refresh_from_db()
    return channel


@pytest.fixture
def other_channel(kadis, divisions) -> Channel:
    channel = channel_create(
        actor=kadis,
        name="Kominfo Bojonegoro",
        handle="KominfoBjn",
        driver=DriverName.X,
        account_group=AccountGroup.DINKOMINFO,
        responsible_division=divisions["PKP"],
    )
    credential_create(
        actor=kadis, label="", kind="oauth", secret={"access_token": OTHER_TOKEN}, target=channel
    )
    channel.refresh_from_db()
    return channel


def _messages(response) -> list:
    return list(response.context["messages"]) if response.context else []


# --- responsibility -----------------------------------------------------------------------------


def test_assignment_decides_who_submits_and_is_an_audit_event(
    channel, kadis, divisions, staf, staf_other, editor
):
    assert not channel_policy.user_has_permission_for_instance(editor, "submit", channel)
    channel_assign(
        actor=kadis, channel=channel, division=divisions["PKP"], staff=[staf, staf_other]
    )
    # The division's editor and the named staff of another division may now work on it.
    assert channel_policy.user_has_permission_for_instance(editor, "submit", channel)
    assert channel_policy.user_has_permission_for_instance(staf_other, "submit", channel)
    event = AuditEvent.objects.filter(action="channel.assign").get()
    assert event.actor == kadis
    assert event.details["division"] == {"from": None, "to": "PKP"}
    assert event.details["staff_added"] == ["staf", "staf_piap"]

    channel_assign(actor=kadis, channel=channel, division=divisions["PIAP"], staff=[staf])
    assert not channel_policy.user_has_permission_for_instance(staf_other, "submit", channel)
    assert not channel_policy.user_has_permission_for_instance(editor, "submit", channel)
    latest = AuditEvent.objects.filter(action="channel.assign").first()
    assert latest.details["division"] == {"from": "PKP", "to": "PIAP"}
    assert latest.details["staff_removed"] == ["staf_piap"]
    assert latest.details["staff"] == {"from": ["staf", "staf_piap"], "to": ["staf"]}

    # Assigning the same again records nothing new.
    channel_assign(actor=kadis, channel=channel, division=divisions["PIAP"], staff=[staf])
    assert AuditEvent.objects.filter(action="channel.assign").count() == 2


def test_a_channel_without_a_division_cannot_be_published_to(channel, kadis, editor, staf):
    channel_assign(actor=kadis, channel=channel, division=None, staff=[staf])
    for person, action in [(staf, "draft"), (editor, "submit"), (kadis, "approve")]:
        assert not channel_policy.user_has_permission_for_instance(person, action, channel)


@pytest.mark.parametrize("who", ["staf", "editor", "admin_user"])
def test_only_the_head_assigns_changes_and_switches_off(request, who, channel, divisions):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        channel_assign(actor=person, channel=channel, division=divisions["PKP"], staff=[person])
    with pytest.raises(PermissionDenied):
        channel_update(
            actor=person,
            channel=channel,
            name="X",
            handle="x",
            account_group=AccountGroup.PEMKAB,
        )
    with pytest.raises(PermissionDenied):
        channel_set_active(actor=person, channel=channel, is_active=False)
    channel.refresh_from_db()
    assert channel.responsible_division is None and channel.is_active
    assert not AuditEvent.objects.filter(action__in=["channel.assign", "channel.update"]).exists()


def test_update_and_switching_off_are_audited(channel, kadis):
    channel_update(
        actor=kadis,
        channel=channel,
        name="Media Center BJN",
        handle="MediaCenterBJN",
        account_group=AccountGroup.MEDIA_CENTER,
        external_id="100090000000101",
        platform_two_factor=True,
    )
    assert AuditEvent.objects.get(action="channel.update").details == {
        "changed": ["name", "platform_two_factor"]
    }
    channel_set_active(actor=kadis, channel=channel, is_active=False)
    assert not Channel.objects.get(pk=channel.pk).is_active
    assert AuditEvent.objects.filter(action="channel.deactivate").exists()


# --- pages --------------------------------------------------------------------------------------


def _page_urls(channel) -> list[tuple[str, str]]:
    base = f"/publishing/channels/{channel.pk}"
    return [
        ("get", "/publishing/channels/"),
        ("get", f"{base}/"),
        ("get", f"{base}/edit/"),
        ("post", f"{base}/edit/"),
        ("post", f"{base}/active/"),
        ("post", f"{base}/connect/"),
        ("get", "/publishing/channels/oauth/facebook/callback/?state=x&code=y"),
    ]


@pytest.mark.parametrize("who", ["staf", "editor", "admin_user", "superuser"])
def test_channel_pages_are_refused_to_everyone_but_the_head(request, client_for, who, channel):
    person = request.getfixturevalue(who)
    if who == "superuser":
        client = Client()
        client.force_login(person)
    else:
        client = client_for(person)
    for method, url in _page_urls(channel):
        response = getattr(client, method)(url, {"active": "0"} if method == "post" else None)
        if who == "superuser" and "/oauth/" not in url and "/connect/" not in url:
            # A superuser holds every right of the channel policy, but never the vault's.
            continue
        assert response.status_code == 403, (who, url)
    channel.refresh_from_db()
    assert channel.is_active or who == "superuser"
    assert TOKEN not in client.get(f"/publishing/channels/{channel.pk}/").content.decode()


def test_the_head_sees_the_state_of_the_login_never_the_secret(client_for, kadis, channel):
    client = client_for(kadis)
    for url in ["/publishing/channels/", f"/publishing/channels/{channel.pk}/", "/registry/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert TOKEN not in response.content.decode()
    detail = client.get(f"/publishing/channels/{channel.pk}/").content.decode()
    assert f"/accounts/vault/{channel.credential_id}/" in detail
    assert "https://www.facebook.com/MediaCenterBJN" in detail


def test_the_edit_form_assigns_and_ignores_a_pushed_credential_id(
    client_for, kadis, channel, other_channel, divisions, staf, staf_other
):
    client = client_for(kadis)
    response = client.post(
        f"/publishing/channels/{channel.pk}/edit/",
        {
            "name": channel.name,
            "handle": channel.handle,
            "account_group": channel.account_group,
            "external_id": channel.external_id,
            "responsible_division": divisions["PKP"].pk,
            "staff": [staf.pk, staf_other.pk],
            # An altered form: another channel's credential pushed in.
            "credential": other_channel.credential_id,
            "credential_id": other_channel.credential_id,
        },
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.responsible_division == divisions["PKP"]
    assert set(channel.staff.all()) == {staf, staf_other}
    assert channel.credential_id != other_channel.credential_id
    assert Credential.objects.get(pk=other_channel.credential_id).channels.get() == other_channel
    assert AuditEvent.objects.filter(action="channel.assign", object_id=str(channel.pk)).exists()


def test_a_credential_of_another_channel_cannot_be_attached_through_the_vault_form(
    client_for, kadis, channel, other_channel
):
    """The vault's forms take no credential id: editing one credential never moves another."""
    client = client_for(kadis)
    response = client.post(
        f"/accounts/vault/{channel.credential_id}/edit/",
        {"label": "Halaman", "target": f"channel:{other_channel.pk}", "secret_access_token": ""},
    )
    assert response.status_code == 302
    other_channel.refresh_from_db()
    assert other_channel.credential.channels.get() == other_channel
    assert channel.credential.channels.get() == channel


def test_manual_entry_in_the_vault_replaces_the_channel_login(client_for, kadis, channel):
    old = channel.credential
    client = client_for(kadis)
    response = client.post(
        "/accounts/vault/new/oauth/",
        {
            "label": "",
            "target": f"channel:{channel.pk}",
            "secret_access_token": "EAAGbaru-123456789",
        },
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.credential != old
    old.refresh_from_db()
    assert old.status == CredentialStatus.REVOKED
    assert channel.credential.replaces == old


# --- CSRF ---------------------------------------------------------------------------------------


def test_every_channel_and_vault_form_needs_the_csrf_token(kadis, channel, divisions):
    from tests.conftest import login

    client = login(Client(), kadis)
    client.handler.enforce_csrf_checks = True  # signed in; from now on every form needs it
    pk, cred = channel.pk, channel.credential_id
    forms = [
        (f"/publishing/channels/{pk}/edit/", {"name": "X", "handle": "x"}),
        (f"/publishing/channels/{pk}/active/", {"active": "0"}),
        (f"/publishing/channels/{pk}/connect/", {}),
        (
            "/accounts/vault/new/oauth/",
            {"target": f"channel:{pk}", "secret_access_token": "EAAGx-1"},
        ),
        (f"/accounts/vault/{cred}/edit/", {"label": "x"}),
        (f"/accounts/vault/{cred}/rotate/", {"secret_access_token": "EAAGy-1"}),
        (f"/accounts/vault/{cred}/reveal/", {"token": "123456"}),
        (f"/accounts/vault/{cred}/revoke/", {"reason": "x"}),
    ]
    for url, data in forms:
        assert client.post(url, data).status_code == 403, url
    channel.refresh_from_db()
    assert channel.is_active and channel.credential_id == cred
    assert Credential.objects.get(pk=cred).status == CredentialStatus.ACTIVE
    assert Credential.objects.count() == 1


# --- every vault action, every role -------------------------------------------------------------


@pytest.mark.parametrize("who", ["staf", "editor", "admin_user", "superuser"])
def test_no_vault_action_on_a_channel_login_for_anyone_but_the_head(
    request, client_for, who, channel
):
    person = request.getfixturevalue(who)
    if who == "superuser":
        client = Client()
        client.force_login(person)
    else:
        client = client_for(person)  # with the second factor where the role has one
    cred = channel.credential_id
    attempts = [
        ("get", "/accounts/vault/", None),
        ("get", f"/accounts/vault/{cred}/", None),
        ("get", f"/accounts/vault/{cred}/reveal/", None),
        ("post", f"/accounts/vault/{cred}/reveal/", {"nonce": "x"}),
        ("post", f"/accounts/vault/{cred}/edit/", {"label": "x", "secret_access_token": "EAAGz"}),
        ("post", f"/accounts/vault/{cred}/rotate/", {"secret_access_token": "EAAGz-99"}),
        ("post", f"/accounts/vault/{cred}/revoke/", {"reason": "x"}),
        (
            "post",
            "/accounts/vault/new/oauth/",
            {"target": f"channel:{channel.pk}", "secret_access_token": "EAAGz"},
        ),
        ("post", f"/publishing/channels/{channel.pk}/connect/", {}),
        ("get", "/publishing/channels/oauth/x/callback/?state=a&code=b", None),
    ]
    for method, url, data in attempts:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (who, url)
        assert TOKEN not in response.content.decode()
    api = client.get("/api/v1/credentials/")
    assert api.status_code == 403
    posted = client.post(
        "/api/v1/credentials/",
        {"channel": channel.pk, "kind": "oauth", "secret": {"access_token": "EAAGapi-1"}},
        content_type="application/json",
    )
    assert posted.status_code == 403
    admin_page = client.get(f"/admin/accounts/credential/{cred}/change/")
    assert TOKEN not in admin_page.content.decode()
    channel.refresh_from_db()
    assert channel.credential_id == cred
    assert Credential.objects.get(pk=cred).status == CredentialStatus.ACTIVE


# --- the API ------------------------------------------------------------------------------------


def test_api_post_for_a_channel_replaces_its_login_and_answers_without_secrets(
    client_for, kadis, channel
):
    old = channel.credential_id
    new_token = "EAAGlewat-api-5f6e7d8c9b0a"
    client = client_for(kadis)
    response = client.post(
        "/api/v1/credentials/",
        {"channel": channel.pk, "kind": "oauth", "secret": {"access_token": new_token}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.content.decode()
    assert new_token not in body and TOKEN not in body
    data = response.json()
    assert data["unlocks"] == [{"type": "channel", "id": channel.pk, "name": str(channel)}]
    assert data["replaces"] == old
    assert Credential.objects.get(pk=old).status == CredentialStatus.REVOKED
    listing = client.get("/api/v1/credentials/").content.decode()
    assert new_token not in listing and TOKEN not in listing


def test_api_post_refuses_an_unknown_channel(client_for, kadis, channel):
    response = client_for(kadis).post(
        "/api/v1/credentials/",
        {"channel": 999999, "kind": "oauth", "secret": {"access_token": "EAAGx-2"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Credential.objects.count() == 1


# --- registry, compliance, dashboard ------------------------------------------------------------


def test_registry_lists_channels_and_compliance_names_staff_outside_the_division(
    client_for, kadis, editor, channel, divisions, staf, staf_other, make_user
):
    channel_assign(
        actor=kadis, channel=channel, division=divisions["PKP"], staff=[staf, staf_other]
    )
    granted = make_user("staf_egov", None, "E-Gov", full_name="Budi Santoso")
    assign_perm("publishing.post_to_channel", granted, channel)
    registry = client_for(editor).get("/registry/").content.decode()
    assert "Media Center Bojonegoro (MediaCenterBJN)" in registry
    assert "https://www.facebook.com/MediaCenterBJN" in registry
    assert TOKEN not in registry
    page = client_for(kadis).get("/registry/compliance/")
    findings = {finding.rule.key: finding for finding in page.context["findings"]}
    [row] = [r for r in findings["staff_outside_division"].rows if r.kind == "channel"]
    assert {p.username for p in row.staff_outside_division} == {"staf_piap", "staf_egov"}
    assert "Agus Setiawan" in page.content.decode() and "Budi Santoso" in page.content.decode()
    assert any(r.kind == "channel" for r in findings["no_platform_two_factor"].rows)


def test_dashboard_and_registry_say_why_a_channel_cannot_be_published_to(
    client_for, kadis, channel
):
    from publishing.registry import NO_DIVISION_REASON

    client = client_for(kadis)
    dashboard = client.get("/dashboard/")
    [card] = [c for c in dashboard.context["cards"] if c.get("note")]
    assert card["value"] == 1 and channel.name in str(card["note"])
    registry = client.get("/registry/")
    assert escape(str(NO_DIVISION_REASON)) in registry.content.decode()
    findings = {f.rule.key: f for f in registry.context["findings"]}
    assert [r.name for r in findings["no_division"].rows if r.kind == "channel"]
