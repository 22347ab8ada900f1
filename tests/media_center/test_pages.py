import pytest
from django.test import Client

from accounts.roles import Role

pytestmark = pytest.mark.django_db

NAV_LABELS = {
    "staf": {"Dasbor"},
    "editor": {"Dasbor"},
    "kadis": {"Dasbor", "Audit"},
    "admin_user": {"Dasbor", "Audit"},
}


@pytest.mark.parametrize("who", list(NAV_LABELS))
def test_dashboard_shows_name_role_and_the_menu_of_the_role(request, client_for, who):
    user = request.getfixturevalue(who)
    page = client_for(user).get("/dashboard/").content.decode()
    assert f"Selamat datang, {user.full_name}" in page
    assert str(user.role.label) in page or user.role == Role.EDITOR
    for label in NAV_LABELS[who]:
        assert f">{label}</a>" in page
    if "Audit" not in NAV_LABELS[who]:
        assert ">Audit</a>" not in page


def test_kepala_dinas_role_is_shown_in_indonesian(client_for, kadis):
    page = client_for(kadis).get("/dashboard/").content.decode()
    assert "Kepala Dinas" in page


def test_dashboard_needs_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/"


def test_pages_speak_indonesian_even_when_the_browser_asks_for_english(staf):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = client.get("/accounts/login/").content.decode()
    assert "Masuk ke portal" in page


def test_the_language_switch_turns_the_interface_to_english(client_for, staf):
    client = client_for(staf)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    assert response.status_code == 302
    page = client.get("/dashboard/").content.decode()
    assert "Welcome, Dimas Prasetyo" in page
    assert '<html lang="en">' in page


def test_api_messages_follow_accept_language(kadis):
    english = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/auth/token/", {"username": "kadis", "password": "uji-Portal-2026!"}
    )
    assert "profile page" in english.json()["detail"]
    indonesian = Client().post(
        "/api/v1/auth/token/", {"username": "kadis", "password": "uji-Portal-2026!"}
    )
    assert "halaman profil" in indonesian.json()["detail"]


def test_worker_state_is_on_the_dashboard(client_for, staf):
    from django.utils import timezone

    from media_center.services import worker_heartbeat_record

    client = client_for(staf)
    assert "belum menjawab" in client.get("/dashboard/").content.decode()
    worker_heartbeat_record(hostname="worker@test")
    page = client.get("/dashboard/").content.decode()
    assert "Pekerja latar belakang berjalan" in page
    assert timezone.localtime().strftime("%H.") in page  # shown in WIB


def test_security_headers_on_pages(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_forged_form_gets_a_clear_page(staf):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "staf", "password": "x"})
    assert response.status_code == 403
    assert "Formulir kedaluwarsa" in response.content.decode()


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/tidak-ada/")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.content.decode()


def test_static_files_are_served_by_the_portal(live_server):
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}/static/css/portal.css") as response:
        assert response.status == 200
        assert b"--blue" in response.read()
