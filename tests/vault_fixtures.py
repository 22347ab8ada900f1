"""Fixtures of the vault and the registry, shared by tests/accounts and tests/media_center."""

from __future__ import annotations

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Credential, User
from accounts.services import credential_create
from media_center.models import Website
from media_center.services import website_create

KNOWN_PASSWORD = "Rahasia-Uji-9f3b2c7d1e-Sandi"


@pytest.fixture
def superuser(db):
    """A superuser who holds no role: Django grants every permission, the vault none.

    A superuser signs in with a second factor like the Kepala Dinas; this one has an
    authenticator app, and a session opened with ``force_login`` counts as verified with it.
    """
    from django.contrib.auth.signals import user_logged_in
    from django_otp import DEVICE_ID_SESSION_KEY

    user = User.objects.create_superuser(
        username="root", email="root@kominfo.example.go.id", full_name="Root", password="x" * 12
    )
    device = TOTPDevice.objects.create(user=user, name="Test", confirmed=True)

    def verified(sender, request, user, **kwargs):
        # Only ``force_login`` (whose request has no path); the login page asks for the code.
        if user.pk == device.user_id and not request.path:
            request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            request.session["otp_verified_at"] = time.time()

    user_logged_in.connect(verified, weak=False, dispatch_uid="tests-superuser-verified")
    yield user
    user_logged_in.disconnect(dispatch_uid="tests-superuser-verified")


@pytest.fixture
def website(kadis, divisions, editor) -> Website:
    return website_create(
        actor=kadis,
        name="Situs Media Center",
        address="https://mediacenter.kabupaten.example.go.id",
        responsible_division=divisions["PKP"],
        staff=[editor],
        platform_two_factor=True,
    )


@pytest.fixture
def credential(kadis, website) -> Credential:
    """The website's admin login, with a known password."""
    return credential_create(
        actor=kadis,
        label="Login admin Situs Media Center",
        kind="password",
        secret={"username": "admin", "password": KNOWN_PASSWORD},
        target=website,
    )


def totp_next(user: User) -> str:
    """The code the person's app shows in the next 30-second step (a code not used yet)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp.time = time.time() + device.step
    return f"{totp.token():06d}"


def make_stale(client) -> None:
    """Pretend the second factor was given more than OTP_FRESH_SECONDS ago."""
    session = client.session
    session["otp_verified_at"] = time.time() - 3600
    session.save()


def reveal(client, pk: int, **data):
    """Open the reveal page (which hands out a one-time form) and send it."""
    import re

    page = client.get(f"/accounts/vault/{pk}/reveal/").content.decode()
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    return client.post(f"/accounts/vault/{pk}/reveal/", {"nonce": nonce, **data})
