"""Sessions: a new id at each step up in rights, sign-out everywhere after a password change, the
Kepala Dinas's idle timeout, lockout after repeated failures, and the password rules."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.middleware import LAST_ACTIVITY_KEY
from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.services import user_create
from tests.conftest import PASSWORD, login, totp_now
from tests.vault_fixtures import totp_next

pytestmark = pytest.mark.django_db


def anonymous_session(client: Client) -> str:
    """A session that exists before login (as the login page's own visit may make one)."""
    session = client.session
    session["seen_public_page"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key
    return session.session_key


def test_login_gives_a_new_session_id_and_forgets_the_old_one(staf):
    client = Client()
    before = anonymous_session(client)
    response = client.post("/accounts/login/", {"username": "staf", "password": PASSWORD})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    # Someone who planted the old id in the person's browser holds nothing.
    planted = Client()
    planted.cookies["sessionid"] = before
    assert planted.get("/dashboard/").status_code == 302


def test_the_second_factor_gives_yet_another_session_id(kadis):
    client = Client()
    client.post("/accounts/login/", {"username": "kadis", "password": PASSWORD})
    half_way = client.cookies["sessionid"].value
    response = client.post("/accounts/2fa/verify/", {"token": totp_now(kadis)})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != half_way
    stolen = Client()
    stolen.cookies["sessionid"] = half_way
    assert stolen.get("/accounts/vault/").status_code == 302
    assert client.get("/accounts/vault/").status_code == 200


def test_a_password_change_signs_the_kepala_dinas_out_everywhere_else(client_for, kadis):
    office = client_for(kadis)
    phone = login(Client(), kadis, verified=False)
    # A second device signs in within the same 30 seconds: the next code (one code counts once).
    assert phone.post("/accounts/2fa/verify/", {"token": totp_next(kadis)}).status_code == 302
    assert phone.get("/accounts/vault/").status_code == 200
    new = "Kata-Sandi-Baru-Kadis-2026"
    response = office.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert office.get("/accounts/vault/").status_code == 200
    assert phone.get("/accounts/vault/")["Location"].startswith("/accounts/login/")


def make_idle(client: Client, minutes: float) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - minutes * 60
    session.save()


def test_an_idle_kepala_dinas_is_signed_out_with_a_clear_message(client_for, kadis, settings):
    settings.KEPALA_DINAS_IDLE_MINUTES = 15
    client = client_for(kadis)
    assert client.get("/accounts/vault/").status_code == 200
    make_idle(client, 16)
    response = client.get("/accounts/vault/?sort=label")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/vault/%3Fsort%3Dlabel"
    page = client.get(response["Location"]).content.decode()
    assert "Anda dikeluarkan setelah 15 menit tanpa aktivitas" in page
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/vault/").status_code == 302
    assert AuditEvent.objects.filter(actor=kadis, action="user.idle_logout").exists()


def test_a_kepala_dinas_at_work_stays_signed_in(client_for, kadis, settings):
    settings.KEPALA_DINAS_IDLE_MINUTES = 15
    client = client_for(kadis)
    make_idle(client, 14)
    assert client.get("/accounts/vault/").status_code == 200
    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 5  # the clock starts again
    make_idle(client, 14)
    assert client.get("/dashboard/").status_code == 200


def test_an_idle_page_fragment_sends_the_browser_to_the_login(client_for, kadis, settings):
    settings.KEPALA_DINAS_IDLE_MINUTES = 15
    client = client_for(kadis)
    make_idle(client, 30)
    response = client.get("/dashboard/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/"


def test_other_roles_keep_the_normal_session_age(client_for, staf, editor, admin_user, settings):
    settings.KEPALA_DINAS_IDLE_MINUTES = 15
    for person in (staf, editor, admin_user):
        client = client_for(person)
        make_idle(client, 120)
        assert client.get("/dashboard/").status_code == 200, person.username


def test_the_idle_timeout_can_be_turned_off(client_for, kadis, settings):
    settings.KEPALA_DINAS_IDLE_MINUTES = 0
    client = client_for(kadis)
    make_idle(client, 600)
    assert client.get("/accounts/vault/").status_code == 200


def test_repeated_failures_lock_the_api_token_door_too(staf, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        wrong = client.post("/api/v1/auth/token/", {"username": "staf", "password": "salah"})
        assert wrong.status_code == 400
    refused = client.post("/api/v1/auth/token/", {"username": "staf", "password": PASSWORD})
    assert 400 <= refused.status_code < 500
    assert "token" not in refused.content.decode().lower().replace("auth/token", "")
    # The web login from the same address is locked as well.
    page = client.post("/accounts/login/", {"username": "staf", "password": PASSWORD})
    assert page.status_code == 429


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("Pendek-1", "terlalu pendek"),
        ("password123", "terlalu umum"),
        ("83920174650192", "seluruhnya terdiri dari angka"),
        ("budi.santoso.kominfo", "terlalu mirip"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, words, divisions):
    from django.utils import translation

    with translation.override("id"), pytest.raises(ValidationError) as refused:
        user_create(
            username="budi.santoso",
            email="budi.santoso.kominfo@example.go.id",
            full_name="Budi Santoso",
            password=password,
            division=divisions["PKP"],
            roles=[Role.STAF],
        )
    assert words in " ".join(refused.value.messages)


def test_login_helper_still_matches_the_real_flow(client, editor):
    login(client, editor)
    assert client.get("/dashboard/").status_code == 200
