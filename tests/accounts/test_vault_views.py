"""The vault's pages: only the Kepala Dinas gets in, every form needs its CSRF token, the secret is
shown once after a fresh second factor, and a broken ciphertext never crashes a page."""

import pytest
from django.test import Client

from accounts import vault
from accounts.models import AuditEvent, Credential
from tests.vault_fixtures import KNOWN_PASSWORD, make_stale, reveal, totp_next

pytestmark = pytest.mark.django_db

REFUSED = ["editor", "staf", "admin_user", "superuser"]


def _pages(pk: int) -> list[tuple[str, str, dict]]:
    """(method, path, data) of every vault page and form."""
    new_password = {"label": "x", "secret_username": "a", "secret_password": "Sandi-Baru-12345"}
    return [
        ("get", "/accounts/vault/", {}),
        ("get", "/accounts/vault/new/password/", {}),
        ("post", "/accounts/vault/new/password/", new_password),
        ("get", f"/accounts/vault/{pk}/", {}),
        ("get", f"/accounts/vault/{pk}/edit/", {}),
        ("post", f"/accounts/vault/{pk}/edit/", {"secret_password": "Sandi-Baru-12345"}),
        ("get", f"/accounts/vault/{pk}/rotate/", {}),
        ("post", f"/accounts/vault/{pk}/rotate/", {"secret_password": "Sandi-Baru-12345"}),
        ("get", f"/accounts/vault/{pk}/reveal/", {}),
        ("post", f"/accounts/vault/{pk}/reveal/", {}),
        ("post", f"/accounts/vault/{pk}/revoke/", {"reason": "x"}),
    ]


def _client(request, who: str) -> Client:
    user = request.getfixturevalue(who)
    if who == "superuser":
        client = Client()
        client.force_login(user)
        return client
    return request.getfixturevalue("client_for")(user)


@pytest.mark.parametrize("who", REFUSED)
def test_nobody_else_opens_any_vault_page(request, who, credential):
    client = _client(request, who)
    before = list(Credential.objects.values_list("pk", "ciphertext", "status", "label"))
    for method, path, data in _pages(credential.pk):
        response = getattr(client, method)(path, data)
        assert response.status_code == 403, (method, path)
        assert KNOWN_PASSWORD not in response.content.decode()
    assert list(Credential.objects.values_list("pk", "ciphertext", "status", "label")) == before
    assert not AuditEvent.objects.filter(action="credential.reveal").exists()
    # Nor is the vault offered in the menu.
    assert "/accounts/vault/" not in client.get("/dashboard/").content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client, credential):
    for method, path, data in _pages(credential.pk):
        response = getattr(client, method)(path, data)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/")


def test_a_kepala_dinas_who_has_not_given_the_second_factor_is_stopped(client, kadis, credential):
    client.post("/accounts/login/", {"username": "kadis", "password": "uji-Portal-2026!"})
    response = client.get(f"/accounts/vault/{credential.pk}/reveal/")
    assert response["Location"] == "/accounts/2fa/verify/"


def test_the_kepala_dinas_creates_edits_rotates_and_revokes(client_for, kadis, website):
    client = client_for(kadis)
    page = client.get("/accounts/vault/").content.decode()
    assert "Brankas kredensial" in page
    form = client.get(f"/accounts/vault/new/password/?target=website:{website.pk}").content.decode()
    assert f'value="website:{website.pk}" selected' in form
    response = client.post(
        "/accounts/vault/new/password/",
        {
            "label": "Login admin Media Center",
            "target": f"website:{website.pk}",
            "secret_username": "admin",
            "secret_password": KNOWN_PASSWORD,
            "expires_at": "2030-01-31T17:00",
        },
    )
    credential = Credential.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/vault/{credential.pk}/"
    website.refresh_from_db()
    assert website.credential == credential
    detail = client.get(response["Location"]).content.decode()
    assert "Login admin Media Center" in detail and "Situs web: Situs Media Center" in detail
    assert "31 Jan. 2030 17.00 WIB" in detail
    assert KNOWN_PASSWORD not in detail
    # The edit form never shows a stored value back.
    edit = client.get(f"/accounts/vault/{credential.pk}/edit/").content.decode()
    assert KNOWN_PASSWORD not in edit and 'type="password"' in edit
    client.post(f"/accounts/vault/{credential.pk}/edit/", {"label": "Login admin MC"})
    credential.refresh_from_db()
    assert credential.label == "Login admin MC"
    assert vault.decrypt(credential.ciphertext)["password"] == KNOWN_PASSWORD
    same = client.post(
        f"/accounts/vault/{credential.pk}/rotate/", {"secret_password": KNOWN_PASSWORD}
    )
    assert "harus berbeda" in same.content.decode()
    client.post(f"/accounts/vault/{credential.pk}/rotate/", {"secret_password": "Sandi-Baru-12345"})
    credential.refresh_from_db()
    assert vault.decrypt(credential.ciphertext)["password"] == "Sandi-Baru-12345"
    client.post(f"/accounts/vault/{credential.pk}/revoke/", {"reason": "pegawai pindah"})
    credential.refresh_from_db()
    assert credential.status == "revoked"
    page = client.get(f"/accounts/vault/{credential.pk}/").content.decode()
    assert "Dicabut" in page and "pegawai pindah" in page
    # A revoked credential's forms are closed.
    assert client.get(f"/accounts/vault/{credential.pk}/reveal/").status_code == 403
    assert client.get(f"/accounts/vault/{credential.pk}/rotate/").status_code == 403
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "credential.create",
        "credential.update",
        "credential.rotate",
        "credential.revoke",
    } <= actions


def test_a_form_with_missing_parts_says_what_is_missing(client_for, kadis):
    client = client_for(kadis)
    response = client.post(
        "/accounts/vault/new/password/", {"label": "x", "secret_username": "admin"}
    )
    assert response.status_code == 200
    assert "Bidang ini harus diisi" in response.content.decode()
    response = client.post(
        "/accounts/vault/new/password/",
        {"label": "x", "secret_username": "a", "secret_password": "b", "secret_totp_seed": "!!"},
    )
    assert "base32" in response.content.decode()
    assert not Credential.objects.exists()


def test_altered_form_fields_change_nothing_they_should_not(client_for, kadis, credential):
    client = client_for(kadis)
    client.post(
        f"/accounts/vault/{credential.pk}/edit/",
        {
            "label": "Login admin",
            "ciphertext": "gAAAAAforged",
            "status": "revoked",
            "created_by": "1",
            "secret_pin": "1234",
        },
    )
    credential.refresh_from_db()
    assert credential.status == "active"
    assert vault.decrypt(credential.ciphertext) == {"username": "admin", "password": KNOWN_PASSWORD}
    response = client.post(
        "/accounts/vault/new/password/",
        {"label": "x", "secret_username": "a", "secret_password": "b", "target": "website:999999"},
    )
    assert response.status_code == 200
    assert Credential.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/vault/new/api_key/", {"label": "x", "secret_api_key": "k" * 20}),
        ("/accounts/vault/{pk}/edit/", {"label": "forged"}),
        ("/accounts/vault/{pk}/rotate/", {"secret_password": "Sandi-Baru-12345"}),
        ("/accounts/vault/{pk}/reveal/", {}),
        ("/accounts/vault/{pk}/revoke/", {"reason": "forged"}),
        ("/accounts/notifications/", {}),
    ],
)
def test_every_vault_form_needs_its_csrf_token(client_for, kadis, credential, path, data):
    signed_in = client_for(kadis)
    forged = Client(enforce_csrf_checks=True)
    forged.cookies = signed_in.cookies
    before = list(Credential.objects.values_list("pk", "ciphertext", "status", "label"))
    response = forged.post(path.format(pk=credential.pk), data)
    assert response.status_code == 403
    assert "Formulir kedaluwarsa" in response.content.decode()
    assert KNOWN_PASSWORD not in response.content.decode()
    assert list(Credential.objects.values_list("pk", "ciphertext", "status", "label")) == before
    assert not AuditEvent.objects.filter(action="credential.reveal").exists()


def test_the_secret_is_shown_once_after_a_fresh_second_factor(client_for, kadis, credential):
    client = client_for(kadis)  # the code was given a moment ago
    form = client.get(f"/accounts/vault/{credential.pk}/reveal/")
    assert KNOWN_PASSWORD not in form.content.decode()
    response = reveal(client, credential.pk)
    page = response.content.decode()
    assert KNOWN_PASSWORD in page and "Ditampilkan kali ini saja" in page
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="credential.reveal", actor=kadis).count() == 1
    # Sending the same form again (a reload) shows nothing more.
    nonce = response.wsgi_request.POST["nonce"]
    again = client.post(f"/accounts/vault/{credential.pk}/reveal/", {"nonce": nonce})
    assert KNOWN_PASSWORD not in again.content.decode()
    assert "sudah dipakai" in again.content.decode()
    assert AuditEvent.objects.filter(action="credential.reveal", actor=kadis).count() == 1
    # Nothing of it lingers: not in the session, not on the next page.
    assert KNOWN_PASSWORD not in str(dict(client.session))
    assert KNOWN_PASSWORD not in client.get(f"/accounts/vault/{credential.pk}/").content.decode()


def test_an_old_second_factor_must_be_given_again(client_for, kadis, credential):
    client = client_for(kadis)
    make_stale(client)
    asked = reveal(client, credential.pk).content.decode()
    assert KNOWN_PASSWORD not in asked and 'name="token"' in asked
    wrong = reveal(client, credential.pk, token="000000")
    assert KNOWN_PASSWORD not in wrong.content.decode()
    assert "Kode itu tidak tepat" in wrong.content.decode()
    assert not AuditEvent.objects.filter(action="credential.reveal").exists()


def test_a_new_code_opens_the_secret(client_for, kadis, credential):
    client = client_for(kadis)
    make_stale(client)
    response = reveal(client, credential.pk, token=totp_next(kadis))
    assert KNOWN_PASSWORD in response.content.decode()
    assert AuditEvent.objects.filter(action="credential.reveal").count() == 1


def test_a_totp_seed_is_shown_with_its_current_code(client_for, kadis):
    from accounts.services import credential_create

    credential = credential_create(
        actor=kadis,
        label="Akun Instagram",
        kind="password",
        secret={"username": "ig", "password": "Sandi-IG-123456", "totp_seed": "JBSWY3DPEHPK3PXP"},
    )
    page = reveal(client_for(kadis), credential.pk).content.decode()
    assert "JBSWY3DPEHPK3PXP" in page and "Kode dua langkah saat ini" in page


def test_a_tampered_ciphertext_is_reported_and_no_page_crashes(client_for, kadis, credential):
    Credential.objects.filter(pk=credential.pk).update(
        ciphertext=credential.ciphertext[:-10] + "AAAAAAAAAA"
    )
    client = client_for(kadis)
    listing = client.get("/accounts/vault/")
    assert listing.status_code == 200 and "Tidak dapat didekripsi" in listing.content.decode()
    detail = client.get(f"/accounts/vault/{credential.pk}/")
    assert detail.status_code == 200 and "VAULT_KEYS" in detail.content.decode()
    refused = reveal(client, credential.pk)
    assert refused.status_code == 200
    assert "tidak dapat didekripsi" in refused.content.decode()
    assert AuditEvent.objects.filter(action="credential.unreadable").exists()
    assert not AuditEvent.objects.filter(action="credential.reveal").exists()
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/registry/").status_code == 200


def test_a_missing_key_shows_every_credential_as_unreadable(
    settings, client_for, kadis, credential
):
    from cryptography.fernet import Fernet

    client = client_for(kadis)
    settings.VAULT_KEYS = [Fernet.generate_key().decode()]
    page = client.get("/accounts/vault/").content.decode()
    assert "Tidak dapat didekripsi" in page
    assert "tidak dapat didekripsi" in reveal(client, credential.pk).content.decode()


def test_the_admin_site_shows_metadata_only_and_changes_nothing(
    client_for, admin_user, superuser, credential
):
    root = Client()
    root.force_login(superuser)
    listing = root.get("/admin/accounts/credential/")
    assert listing.status_code == 200
    assert "Login admin Situs Media Center" in listing.content.decode()
    change = root.get(f"/admin/accounts/credential/{credential.pk}/change/")
    page = change.content.decode()
    assert change.status_code == 200
    stored = Credential.objects.get(pk=credential.pk).ciphertext
    assert KNOWN_PASSWORD not in page and stored not in page and stored[:40] not in page
    forged = root.post(
        f"/admin/accounts/credential/{credential.pk}/change/",
        {"label": "forged", "ciphertext": "gAAAAAforged", "status": "revoked"},
    )
    assert forged.status_code == 403
    assert root.get("/admin/accounts/credential/add/").status_code == 403
    assert Credential.objects.get(pk=credential.pk).label == "Login admin Situs Media Center"
    # The Admin role runs the system but sees no credential at all.
    admin = client_for(admin_user)
    assert admin.get("/admin/accounts/credential/").status_code == 403
    assert admin.get(f"/admin/accounts/credential/{credential.pk}/change/").status_code == 403
