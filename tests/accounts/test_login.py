import time

import pytest
from django.test import Client

from accounts.models import AuditEvent
from tests.conftest import PASSWORD, login, totp_now

pytestmark = pytest.mark.django_db


def test_login_opens_the_dashboard_and_is_audited(client, staf):
    response = client.post("/accounts/login/", {"username": "staf", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    page = client.get("/dashboard/")
    assert "Selamat datang, Dimas Prasetyo" in page.content.decode()
    assert AuditEvent.objects.filter(actor=staf, action="user.login").exists()


def test_wrong_password_is_refused_with_a_message(client, staf):
    response = client.post("/accounts/login/", {"username": "staf", "password": "salah"})
    assert response.status_code == 200
    assert "sandi yang benar" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_with_a_clear_message(client, staf, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "staf", "password": "salah"})
    response = client.post("/accounts/login/", {"username": "staf", "password": PASSWORD})
    assert response.status_code == 429
    assert "Akun dikunci sementara" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another person at another address is not locked out by it.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert (
        other.post("/accounts/login/", {"username": "staf", "password": PASSWORD}).status_code
        == 302
    )


def test_kepala_dinas_must_give_a_second_factor(client, kadis):
    response = client.post("/accounts/login/", {"username": "kadis", "password": PASSWORD})
    assert response.status_code == 302
    # Every page leads to the code page until a code is given.
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/verify/"
    assert client.get("/accounts/audit/")["Location"] == "/accounts/2fa/verify/"
    assert client.get("/api/v1/auth/token/").status_code == 403
    wrong = client.post("/accounts/2fa/verify/", {"token": "000000"})
    assert "Kode itu tidak tepat" in wrong.content.decode()
    # Right after a wrong code, tries are slowed down, and the page says so.
    again = client.post("/accounts/2fa/verify/", {"token": totp_now(kadis)})
    assert "tunggu 1 detik" in again.content.decode()
    time.sleep(2.1)
    response = client.post("/accounts/2fa/verify/", {"token": totp_now(kadis)})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_first_login_of_an_admin_enrols_a_device_by_qr_code(client, make_user):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.roles import Role

    admin = make_user("admin2", Role.ADMIN, "E-Gov")
    TOTPDevice.objects.filter(user=admin).delete()
    client.post("/accounts/login/", {"username": "admin2", "password": PASSWORD})
    response = client.get("/dashboard/")
    assert response["Location"] == "/accounts/2fa/setup/"
    page = client.get("/accounts/2fa/setup/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    code = f"{totp(device.bin_key):06d}"
    response = client.post("/accounts/2fa/setup/", {"token": code})
    # The first enrolment hands out the recovery codes, once, on the answer itself.
    assert response.status_code == 200
    assert response.content.decode().count("<li><code>") == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/dashboard/").status_code == 200
    assert AuditEvent.objects.filter(actor=admin, action="two_factor.enrol").exists()


def test_staff_and_editors_need_no_second_factor(client_for, staf, editor):
    assert client_for(staf).get("/dashboard/").status_code == 200
    assert client_for(editor).get("/dashboard/").status_code == 200


def test_password_change_signs_out_other_sessions(client_for, staf):
    first = client_for(staf)
    second = client_for(staf)
    response = first.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Sandi-Baru-Yang-Panjang-1",
            "new_password2": "Sandi-Baru-Yang-Panjang-1",
        },
    )
    assert response.status_code == 302
    assert first.get("/dashboard/").status_code == 200
    assert second.get("/dashboard/").status_code == 302


def test_weak_new_password_is_refused(client_for, staf):
    response = client_for(staf).post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "terlalu" in response.content.decode()


def test_logout_needs_post_and_ends_the_session(client_for, staf):
    client = client_for(staf)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/dashboard/").status_code == 302


def test_api_token_for_accounts_without_second_factor(client, staf, kadis):
    response = client.post("/api/v1/auth/token/", {"username": "staf", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/schema/").status_code == 200
    refused = client.post("/api/v1/auth/token/", {"username": "kadis", "password": PASSWORD})
    assert refused.status_code == 403
    assert "profil" in refused.json()["detail"]
    wrong = client.post("/api/v1/auth/token/", {"username": "staf", "password": "salah"})
    assert wrong.status_code == 400


def test_profile_creates_and_revokes_a_token_for_a_two_factor_user(client_for, kadis):
    client = client_for(kadis)
    page = client.post("/accounts/profile/", {"action": "create_token"}).content.decode()
    assert "hanya ditampilkan sekali ini" in page
    from rest_framework.authtoken.models import Token

    key = Token.objects.get(user=kadis).key
    assert key in page
    assert key not in client.get("/accounts/profile/").content.decode()
    client.post("/accounts/profile/", {"action": "revoke_token"})
    assert not Token.objects.filter(user=kadis).exists()


def test_session_login_helper_matches_real_login(client, staf):
    login(client, staf)
    assert client.get("/dashboard/").status_code == 200
