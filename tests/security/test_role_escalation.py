"""Roles are given, never taken: the Admin cannot make itself Kepala Dinas, nor reach the Kepala
Dinas's password, and the Kepala Dinas role is granted only with a fresh second factor.

Each attack goes through the HTTP client with real logins, as the Admin did in the admin site.
"""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import AuditEvent, Notification, User
from accounts.roles import Role
from tests.conftest import PASSWORD, login
from tests.vault_fixtures import make_stale, totp_next

pytestmark = pytest.mark.django_db


def change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def form_of(user: User, **changes) -> dict:
    """What the admin's change form posts for ``user``: its fields as the old form had them (raw
    groups, flags) and as the new one has them (roles, superuser), so either form is attacked."""
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "division": user.division_id or "",
        "is_active": "on",
        "roles": [role.value for role in user.roles],
        "groups": [g.pk for g in user.groups.all()],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def errors_of(response) -> str:
    import re

    return " | ".join(
        re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode())
    )


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def kepala_dinas_group() -> Group:
    return Group.objects.get(name=Role.KEPALA_DINAS.value)


def test_the_admin_cannot_make_itself_kepala_dinas(client_for, admin_user, portal):
    """The attack: in its own change form the Admin adds the group "Kepala Dinas" and ticks
    superuser, then opens the vault."""
    admin = client_for(admin_user)
    attack = form_of(
        admin_user,
        groups=[g.pk for g in admin_user.groups.all()] + [kepala_dinas_group().pk],
        roles=[Role.ADMIN.value, Role.KEPALA_DINAS.value],
        is_superuser="on",
        superuser="on",
        is_staff="on",
    )
    response = admin.post(change_url(admin_user), attack)
    assert response.status_code == 403
    admin_user = fresh(admin_user)
    assert admin_user.roles == [Role.ADMIN] and not admin_user.is_superuser
    assert admin.get("/accounts/vault/").status_code == 403
    assert admin.get(f"/accounts/vault/{portal.credential.pk}/reveal/").status_code == 403
    assert admin.get("/api/v1/credentials/").status_code == 403
    assert not AuditEvent.objects.filter(action="user.role_change").exists()
    # The attempt itself is on the record.
    refused = AuditEvent.objects.get(action="user.change_refused")
    assert refused.actor == admin_user and refused.object_id == str(admin_user.pk)


def test_the_admin_cannot_touch_the_kepala_dinas_or_another_admin(
    client_for, admin_user, kadis, make_user
):
    other_admin = make_user("admin_dua", Role.ADMIN, "E-Gov", is_staff=True)
    admin = client_for(admin_user)
    for target in (kadis, other_admin):
        # The password form without the old password, the change form, the second factor.
        assert admin.get(f"/admin/accounts/user/{target.pk}/password/").status_code == 403
        taken = admin.post(
            f"/admin/accounts/user/{target.pk}/password/",
            {"password1": "Diambil-Alih-2026!", "password2": "Diambil-Alih-2026!"},
        )
        assert taken.status_code == 403
        demoted = admin.post(
            change_url(target),
            form_of(target, roles=[Role.STAF.value], is_active=None, email="x@evil.example"),
        )
        assert demoted.status_code == 403
        target = fresh(target)
        assert target.check_password(PASSWORD)
        assert target.is_active and target.email.endswith("@kominfo.example.go.id")
        assert AuditEvent.objects.filter(
            action="user.change_refused", object_id=str(target.pk), details__what="password"
        ).exists()
        assert Role.STAF not in target.roles
        # The page is there to read, without a form that would save anything.
        page = admin.get(change_url(target)).content.decode()
        assert 'name="roles"' not in page and "/password/" not in page
    assert admin.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin.get("/admin/otp_static/staticdevice/").status_code == 404


def test_the_admin_manages_staf_and_editors_and_nothing_more(
    client_for, admin_user, staf, kadis, django_capture_on_commit_callbacks
):
    admin = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = admin.post(change_url(staf), form_of(staf, roles=[Role.EDITOR.value]))
    assert promoted.status_code == 302, promoted.content.decode()[-3000:]
    assert fresh(staf).roles == [Role.EDITOR]
    event = AuditEvent.objects.get(action="user.role_change")
    assert event.actor == admin_user
    assert event.details["before"] == ["Staf"] and event.details["after"] == ["Editor"]
    told = set(
        Notification.objects.filter(kind="user.role_change").values_list("recipient", flat=True)
    )
    assert told == {staf.pk, kadis.pk}
    assert {m.to[0] for m in mail.outbox} >= {staf.email, kadis.email}
    # Not the Admin role, not Kepala Dinas, not superuser: the form says so and nothing changes.
    for attempt in (
        {"roles": [Role.ADMIN.value]},
        {"roles": [Role.KEPALA_DINAS.value]},
        {"roles": [Role.EDITOR.value], "superuser": "on"},
    ):
        refused = admin.post(change_url(staf), form_of(fresh(staf), **attempt))
        assert refused.status_code == 200
        assert "Hanya Kepala Dinas" in refused.content.decode()
        assert AuditEvent.objects.filter(
            action="user.role_change_refused", actor=admin_user, details__reason="kepala_dinas_only"
        ).exists()
        staf_now = fresh(staf)
        assert staf_now.roles == [Role.EDITOR] and not staf_now.is_superuser
    assert AuditEvent.objects.filter(action="user.role_change").count() == 1
    # The Admin sets a Staf or Editor's password: the person is told and their token revoked.
    Token.objects.create(user=staf)
    staf_session = client_for(staf)
    with django_capture_on_commit_callbacks(execute=True):
        reset = admin.post(
            f"/admin/accounts/user/{staf.pk}/password/",
            {"password1": "Sandi-Dari-Admin-2026", "password2": "Sandi-Dari-Admin-2026"},
        )
    assert reset.status_code == 302
    assert fresh(staf).check_password("Sandi-Dari-Admin-2026")
    assert not Token.objects.filter(user=staf).exists()
    assert staf_session.get("/dashboard/")["Location"].startswith("/accounts/login/")
    note = Notification.objects.get(recipient=staf, kind="user.password_set")
    assert "Siti Rahmawati" in note.message
    assert AuditEvent.objects.filter(action="user.password_set", actor=admin_user).exists()


def test_groups_and_permissions_are_not_in_the_admin(client_for, admin_user, kadis):
    """An Admin editing the "Kepala Dinas" group's permissions, or adding itself to the group."""
    group = kepala_dinas_group()
    for client in (client_for(admin_user), client_for(kadis)):
        assert client.get("/admin/auth/group/").status_code == 404
        assert client.get(f"/admin/auth/group/{group.pk}/change/").status_code == 404
        response = client.post(
            f"/admin/auth/group/{group.pk}/change/",
            {"name": group.name, "permissions": [], "user_set": [admin_user.pk]},
        )
        assert response.status_code == 404
        assert client.get("/admin/auth/permission/").status_code == 404
    assert not fresh(admin_user).has_role(Role.KEPALA_DINAS)


def test_a_new_user_is_created_without_role_or_superuser(client_for, admin_user):
    admin = client_for(admin_user)
    response = admin.post(
        "/admin/accounts/user/add/",
        {
            "username": "baru",
            "full_name": "Orang Baru",
            "email": "baru@kominfo.example.go.id",
            "password1": "Sandi-Orang-Baru-2026",
            "password2": "Sandi-Orang-Baru-2026",
            "is_superuser": "on",
            "is_staff": "on",
            "superuser": "on",
            "groups": [kepala_dinas_group().pk],
            "roles": [Role.KEPALA_DINAS.value],
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="baru")
    assert created.roles == [] and not created.is_superuser and not created.is_staff
    assert AuditEvent.objects.filter(action="user.create", actor=admin_user).exists()


def test_only_the_kepala_dinas_with_a_fresh_code_grants_the_role(
    client_for, kadis, staf, django_capture_on_commit_callbacks
):
    office = client_for(kadis)
    make_stale(office)
    grant = form_of(staf, roles=[Role.KEPALA_DINAS.value])
    stale = office.post(change_url(staf), grant)
    assert stale.status_code == 200
    assert "kode baru dari aplikasi autentikator" in stale.content.decode()
    assert fresh(staf).roles == [Role.STAF]
    wrong = office.post(change_url(staf), {**grant, "otp_token": "000000"})
    assert wrong.status_code == 200 and fresh(staf).roles == [Role.STAF]
    time.sleep(1.1)  # after a wrong code, the next one counts only after a second
    # The staf member's own session and API token (made with a password alone) are of the old
    # role: neither may carry the new one.
    staf_session = client_for(staf)
    token = Client().post("/api/v1/auth/token/", {"username": "staf", "password": PASSWORD})
    api = Client(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/credentials/").status_code == 403
    assert api.get("/api/v1/folders/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        granted = office.post(change_url(staf), {**grant, "otp_token": totp_next(kadis)})
    assert granted.status_code == 302, errors_of(granted)
    assert fresh(staf).roles == [Role.KEPALA_DINAS]
    assert api.get("/api/v1/folders/").status_code in (401, 403)
    assert not Token.objects.filter(user=staf).exists()
    assert staf_session.get("/accounts/vault/")["Location"].startswith("/accounts/login/")
    # Signing in again, the new Kepala Dinas must first set up a second factor.
    again = login(Client(), fresh(staf), verified=False)
    assert again.get("/accounts/vault/")["Location"] == "/accounts/2fa/setup/"
    event = AuditEvent.objects.get(action="user.role_change")
    assert event.actor == kadis and event.details["after"] == ["Kepala Dinas"]
    assert {m.to[0] for m in mail.outbox} >= {staf.email, kadis.email}


def test_nobody_changes_their_own_role(client_for, kadis):
    office = client_for(kadis)
    response = office.post(
        change_url(kadis), form_of(kadis, roles=[Role.KEPALA_DINAS.value], superuser="on")
    )
    assert response.status_code == 403
    assert not fresh(kadis).is_superuser
    assert office.get(f"/admin/accounts/user/{kadis.pk}/password/").status_code == 403
    # The admin's own "change password" leads to the portal's page (old password, audit).
    assert office.get("/admin/password_change/")["Location"] == "/accounts/password/"


def test_the_server_command_grants_roles_audited_and_notified(
    staf, kadis, django_capture_on_commit_callbacks
):
    with pytest.raises(Exception):  # noqa: B017 - argparse refuses a missing --by
        call_command("set_role", "staf", "Kepala Dinas")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("set_role", "staf", "Editor", "Kepala Dinas", "--by", "Budi (TI)")
    assert set(fresh(staf).roles) == {Role.EDITOR, Role.KEPALA_DINAS}
    event = AuditEvent.objects.get(action="user.role_change")
    assert event.actor is None and event.details["operator"] == "Budi (TI)"
    assert {m.to[0] for m in mail.outbox} >= {staf.email, kadis.email}


def test_a_password_change_revokes_the_api_token(client_for, staf):
    """A token taken with a stolen password stops working once the owner changes it."""
    token = Client().post("/api/v1/auth/token/", {"username": "staf", "password": PASSWORD})
    api = Client(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/folders/").status_code == 200
    owner = client_for(staf)
    changed = owner.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Sandi-Baru-Yang-Panjang-1",
            "new_password2": "Sandi-Baru-Yang-Panjang-1",
        },
    )
    assert changed.status_code == 302
    assert api.get("/api/v1/folders/").status_code in (401, 403)
    assert not Token.objects.filter(user=staf).exists()


def test_the_login_form_needs_its_csrf_token(staf):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "staf", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_audit_rows_cannot_be_deleted_through_the_admin(
    client_for, admin_user, kadis, staf, superuser
):
    from accounts.services import audit_record

    event = audit_record(actor=staf, action="asset.upload", target=staf)
    root = Client()
    root.force_login(superuser)
    for client in (client_for(admin_user), client_for(kadis), root):
        bulk = client.post(
            "/admin/accounts/auditevent/",
            {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
        )
        assert bulk.status_code in (200, 302, 403)
        assert client.post(
            f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}
        ).status_code in (403, 404)
        assert client.get("/admin/accounts/credential/add/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("who", ["staf", "editor"])
def test_staff_without_the_admin_get_a_403_page_not_a_loop(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    for address in ("/admin/", "/admin/accounts/user/", "/admin/login/?next=/admin/"):
        response = client.get(address, follow=True)
        assert response.status_code == 403, (address, response.redirect_chain)
        assert len(response.redirect_chain) <= 2
        page = response.content.decode()
        assert "Tidak diizinkan" in page and 'href="/"' in page
    assert Client().get("/admin/")["Location"].startswith("/admin/login/")


def test_the_api_has_no_door_to_roles(client_for, admin_user, kadis):
    """No API route writes people, groups or permissions; the profile's token carries none."""
    from django.urls import get_resolver

    def names(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                yield from names(pattern, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    api_routes = [route for route in names(get_resolver()) if route.startswith("api/")]
    assert api_routes and not [
        r for r in api_routes if any(w in r for w in ("user", "group", "permission", "role"))
    ]
    admin = client_for(admin_user)
    token = admin.post("/accounts/profile/", {"action": "create_token"})
    assert token.status_code == 200
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=admin_user).key}")
    for address in ("/api/v1/users/", f"/api/v1/users/{admin_user.pk}/", "/api/v1/groups/"):
        assert api.post(address, {"groups": [kepala_dinas_group().pk]}).status_code == 404
    assert api.get("/api/v1/credentials/").status_code == 403
