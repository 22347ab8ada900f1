"""The second factor belongs to its owner: a password alone never enrols a new one.

Each attack is made as the attacker made it: through the login page with the password only, then
the portal's own pages. Enrolment is for an account with no device yet; replacing a device needs
a fresh code from the existing one; recovery codes work once each; the server's command resets.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import unquote

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, Notification
from accounts.roles import Role
from tests.conftest import PASSWORD, login
from tests.vault_fixtures import make_stale, totp_next

pytestmark = pytest.mark.django_db

SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"
RECOVERY = "/accounts/2fa/recovery/"


def _secret_on(page: str) -> str | None:
    found = re.search(r'class="secret-key">([A-Z2-7=]+)<', page)
    return found.group(1) if found else None


def _code_for(secret: str) -> str:
    return f"{totp(base64.b32decode(secret)):06d}"


def _enrol(client: Client) -> str:
    """Read the secret off the setup page and answer with its code (as a person with an app)."""
    page = client.get(SETUP)
    assert page.status_code == 200, page.get("Location")
    secret = _secret_on(page.content.decode())
    assert secret
    response = client.post(SETUP, {"token": _code_for(secret)})
    assert response.status_code in (200, 302)
    return response.content.decode()


def _codes_on(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page)


def test_a_password_alone_does_not_enrol_a_new_authenticator(kadis):
    """The attack: signed in with the Kepala Dinas's password only, open the setup page, read
    the new secret, post its code, and open the vault."""
    attacker = login(Client(), kadis, verified=False)
    page = attacker.get(SETUP)
    assert page.status_code == 302 and page["Location"] == VERIFY
    secret = _secret_on(page.content.decode())
    if secret:  # what the attacker did with the page before the fix
        attacker.post(SETUP, {"token": _code_for(secret)})
    forged = attacker.post(SETUP, {"token": "123456"})
    assert forged.status_code == 302 and forged["Location"] == VERIFY
    assert attacker.get("/accounts/vault/")["Location"].startswith(VERIFY)
    assert attacker.get("/api/v1/credentials/").status_code == 403
    # Nothing was enrolled; the owner's one device is untouched.
    assert list(TOTPDevice.objects.filter(user=kadis).values_list("name", "confirmed")) == [
        ("Test", True)
    ]
    assert not AuditEvent.objects.filter(action="two_factor.enrol").exists()


def test_a_verified_but_stale_session_shows_no_new_secret(client_for, kadis):
    client = client_for(kadis)
    make_stale(client)
    page = client.get(SETUP)
    assert page.status_code == 302
    assert page["Location"] == f"{VERIFY}?next=%2Faccounts%2F2fa%2Fsetup%2F"
    assert _secret_on(page.content.decode()) is None
    assert not TOTPDevice.objects.filter(user=kadis, confirmed=False).exists()
    # Posting a code for a device made behind the page's back confirms nothing either.
    TOTPDevice.objects.create(user=kadis, name="Planted", confirmed=False)
    planted = TOTPDevice.objects.get(name="Planted")
    response = client.post(SETUP, {"token": f"{totp(planted.bin_key):06d}"})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    planted.refresh_from_db()
    assert not planted.confirmed


def test_moving_to_a_new_phone_needs_a_fresh_code_from_the_old_one(
    client_for, kadis, django_capture_on_commit_callbacks
):
    client = client_for(kadis)
    make_stale(client)
    back = client.post(
        f"{VERIFY}?next=/accounts/2fa/setup/", {"token": totp_next(kadis)}, follow=False
    )
    assert back.status_code == 302 and back["Location"] == SETUP
    old = TOTPDevice.objects.get(user=kadis, confirmed=True)
    with django_capture_on_commit_callbacks(execute=True):
        page = _enrol(client)
    # The old phone no longer signs in; the new one does. The test person had no recovery code
    # left (none made yet), so the replacement hands out a set.
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert TOTPDevice.objects.filter(user=kadis, confirmed=True).count() == 1
    assert len(_codes_on(page)) == 10
    event = AuditEvent.objects.get(action="two_factor.enrol", actor=kadis)
    assert event.details == {"replaced": True}
    note = Notification.objects.get(recipient=kadis, kind="two_factor.enrol")
    assert note.message.startswith("Aplikasi autentikator baru dipasang")
    assert any(kadis.email in m.to and "autentikator baru" in m.body for m in mail.outbox)
    fresh = login(Client(), kadis, verified=False)
    assert fresh.post(VERIFY, {"token": totp_next(kadis)}).status_code == 302


def test_first_enrolment_gives_single_use_recovery_codes(
    make_user, django_capture_on_commit_callbacks
):
    person = make_user("admin2", Role.ADMIN, "E-Gov", is_staff=True)
    TOTPDevice.objects.filter(user=person).delete()
    client = login(Client(), person, verified=False)
    assert client.get("/dashboard/")["Location"] == SETUP
    page = _enrol(client)
    codes = _codes_on(page)
    assert len(codes) == 10 and len(set(codes)) == 10
    # A way to keep them: a download of the same codes, and a print button.
    download = re.search(r'href="(data:text/plain[^"]+)" download="([^"]+)"', page)
    assert download and download.group(2) == "kode-pemulihan-admin2.txt"
    assert all(code in unquote(download.group(1)) for code in codes)
    assert "data-print" in page and "Cetak" in page
    # Kept hashed: the database holds none of them.
    from django_otp.plugins.otp_static.models import StaticToken

    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    # Shown once: the page of codes afterwards gives only their number.
    later = client.get(RECOVERY).content.decode()
    assert "10 kode pemulihan" in later and not _codes_on(later)

    # The phone is lost: the password and one code sign in, once.
    with django_capture_on_commit_callbacks(execute=True):
        phone_lost = login(Client(), person, verified=False)
        signed_in = phone_lost.post(VERIFY, {"token": codes[3].upper()})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/dashboard/"
    assert phone_lost.get("/dashboard/").status_code == 200
    event = AuditEvent.objects.get(action="two_factor.recovery_used")
    assert event.actor == person and event.details == {"remaining": 9}
    assert Notification.objects.filter(recipient=person, kind="two_factor.recovery_used").exists()
    assert any("kode pemulihan" in m.body for m in mail.outbox if person.email in m.to)
    again = login(Client(), person, verified=False)
    refused = again.post(VERIFY, {"token": codes[3]})
    assert refused.status_code == 200 and "tidak tepat" in refused.content.decode()
    assert again.get("/dashboard/").status_code == 302
    assert "9 kode pemulihan" in phone_lost.get("/accounts/profile/").content.decode()


def test_new_recovery_codes_need_a_fresh_code_and_replace_the_old(client_for, kadis):
    client = client_for(kadis)
    first = _codes_on(client.post(RECOVERY).content.decode())
    assert len(first) == 10
    make_stale(client)
    stale = client.post(RECOVERY)
    assert stale.status_code == 302 and stale["Location"].startswith(VERIFY)
    client.post(f"{VERIFY}?next={RECOVERY}", {"token": totp_next(kadis)})
    second = _codes_on(client.post(RECOVERY).content.decode())
    assert len(second) == 10 and not set(first) & set(second)
    old_code = login(Client(), kadis, verified=False)
    assert old_code.post(VERIFY, {"token": first[0]}).status_code == 200
    assert AuditEvent.objects.filter(action="two_factor.recovery_codes").count() == 2


def test_a_password_alone_does_not_reach_the_recovery_codes(kadis):
    attacker = login(Client(), kadis, verified=False)
    assert attacker.get(RECOVERY)["Location"] == VERIFY
    assert attacker.post(RECOVERY)["Location"] == VERIFY
    assert not AuditEvent.objects.filter(action="two_factor.recovery_codes").exists()


def test_the_server_command_resets_a_second_factor_audited_and_mailed(
    client_for, kadis, admin_user, django_capture_on_commit_callbacks
):
    office = client_for(admin_user)
    with pytest.raises(CommandError):
        call_command("reset_second_factor", "admin", "--by", " ")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reset_second_factor", "admin", "--by", "Budi (TI)")
    assert not TOTPDevice.objects.filter(user=admin_user).exists()
    event = AuditEvent.objects.get(action="two_factor.reset")
    assert event.actor is None and event.object_id == str(admin_user.pk)
    assert event.details["operator"] == "Budi (TI)"
    told = {m.to[0] for m in mail.outbox if "direset" in m.body}
    assert told == {admin_user.email, kadis.email}
    # Its sessions ended; the next sign-in enrols a new app.
    assert office.get("/dashboard/")["Location"].startswith("/accounts/login/")
    again = login(Client(), admin_user, verified=False)
    assert again.get("/dashboard/")["Location"] == SETUP


def test_a_superuser_password_alone_opens_nothing(superuser):
    client = Client()
    response = client.post("/accounts/login/", {"username": "root", "password": "x" * 12})
    assert response.status_code == 302
    assert client.get("/admin/")["Location"] == VERIFY
    assert client.get("/admin/accounts/user/")["Location"] == VERIFY
    assert client.get("/api/v1/folders/").status_code == 403
    token = Client().post("/api/v1/auth/token/", {"username": "root", "password": "x" * 12})
    assert token.status_code == 403


def test_a_second_factor_set_up_by_choice_is_asked_too(client_for, staf):
    """A Staf member who turned the second factor on is not signed in by the password alone,
    in the portal or through the API token endpoint."""
    page = client_for(staf).get(SETUP)
    assert page.status_code == 200
    _enrol(client_for(staf))
    assert TOTPDevice.objects.filter(user=staf, confirmed=True).exists()
    thief = login(Client(), staf, verified=False)
    assert thief.get("/dashboard/")["Location"] == VERIFY
    assert thief.get("/api/v1/folders/").status_code == 403
    token = Client().post("/api/v1/auth/token/", {"username": "staf", "password": PASSWORD})
    assert token.status_code == 403


def test_an_api_token_is_minted_only_with_a_fresh_code(client_for, kadis):
    """A token outlives the session: a session left open (or borrowed) must not mint one."""
    from rest_framework.authtoken.models import Token

    client = client_for(kadis)
    make_stale(client)
    response = client.post("/accounts/profile/", {"action": "create_token"})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert not Token.objects.filter(user=kadis).exists()
    client.post(VERIFY, {"token": totp_next(kadis)})
    page = client.post("/accounts/profile/", {"action": "create_token"}).content.decode()
    assert Token.objects.get(user=kadis).key in page


@pytest.mark.django_db(transaction=True)
def test_one_recovery_code_sent_at_once_from_many_browsers_signs_in_once(make_user):
    """Eight sessions with the password post the same recovery code at the same moment."""
    import threading

    from django.db import connection

    from accounts.services.two_factor import RECOVERY_CODE_LENGTH, _recovery_code_digest

    person = make_user("admin3", Role.ADMIN, "E-Gov", is_staff=True)
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device = StaticDevice.objects.create(user=person, name="Recovery codes", confirmed=True)
    code = "abcde" + "fghjk"[: RECOVERY_CODE_LENGTH - 5]
    StaticToken.objects.create(device=device, token=_recovery_code_digest(code))
    clients = [login(Client(), person, verified=False) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    answers: list[int] = []

    def attempt(client: Client) -> None:
        try:
            barrier.wait()
            answers.append(client.post(VERIFY, {"token": code}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 8 and answers.count(302) == 1, answers
    assert AuditEvent.objects.filter(action="two_factor.recovery_used").count() == 1
