"""Demo people: the three divisions and one person for each role. Safe to run again."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User
from .roles import TWO_FACTOR_ROLES, Role
from .services import division_create, user_create

DIVISIONS = [
    (
        "Pengelolaan Komunikasi Publik",
        "PKP",
        "Mengelola komunikasi publik pemerintah daerah: media center, publikasi, dan media sosial.",
    ),
    (
        "Pengelolaan Informasi dan Aspirasi Publik",
        "PIAP",
        "Mengelola informasi publik dan menampung aspirasi serta pengaduan masyarakat.",
    ),
    (
        "Layanan E-Government",
        "E-Gov",
        "Mengelola aplikasi, situs web, dan infrastruktur teknologi informasi pemerintah daerah.",
    ),
]

# username, full name, role, division short name
DEMO_USERS = [
    ("kadis", "Dr. Ahmad Hidayat, M.Si.", Role.KEPALA_DINAS, None),
    ("kabid", "Bambang Sutrisno", Role.KEPALA_BIDANG, "PKP"),
    ("editor", "Rina Wulandari", Role.EDITOR, "PKP"),
    ("staf", "Dimas Prasetyo", Role.STAF, "PKP"),
    ("admin", "Siti Rahmawati", Role.ADMIN, "E-Gov"),
]


def demo_password() -> str:
    """``DEMO_PASSWORD`` if set, otherwise one generated once and kept under ``var/``."""
    from_env = os.environ.get("DEMO_PASSWORD")
    if from_env:
        return from_env
    path = Path(settings.VAR_DIR) / "secrets" / "DEMO_PASSWORD"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("demo-" + secrets.token_urlsafe(9))
        path.chmod(0o600)
    return path.read_text().strip()


def run(stdout) -> None:
    password = demo_password()
    with transaction.atomic():
        divisions = {
            short: division_create(name=name, short_name=short, duties=duties)
            for name, short, duties in DIVISIONS
        }
        for username, full_name, role, division in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = user_create(
                username=username,
                email=f"{username}@kominfo.example.go.id",
                full_name=full_name,
                password=password,
                division=divisions.get(division),
                roles=[role],
                is_staff=role == Role.ADMIN,
            )
            if role in TWO_FACTOR_ROLES:
                TOTPDevice.objects.create(user=user, name="Demo", confirmed=True)
            stdout.write(f"  created demo user {username} ({role.value})")


def demo_logins() -> list[tuple[str, str, str | None]]:
    """(username, role, otpauth URL or None) of each demo user, for the start banner."""
    rows = []
    for username, _name, role, _division in DEMO_USERS:
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        rows.append((username, role.value, device.config_url if device else None))
    return rows
