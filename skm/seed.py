"""Demo data of the SKM: one service with last quarter's published results and the current
quarter collecting. Idempotent: a second run adds nothing."""

from __future__ import annotations

import random

from django.utils import timezone

from accounts.models import User
from accounts.roles import Role

from . import services
from .models import Period, Service

DEMO_SERVICE = "Layanan Informasi Publik"
# Scores of the demo questionnaires, per element (a seeded draw around these means).
MEANS = (3.3, 3.1, 2.9, 3.6, 3.2, 3.3, 3.5, 2.8, 3.0)
PROFILE_CHOICES = {
    "sex": ["L", "P"],
    "age_group": ["u20", "20-29", "30-39", "40-49", "50+"],
    "education": ["sma", "d", "s1", "s1", "s2", "smp"],
    "occupation": ["asn", "swasta", "wirausaha", "pelajar", "lainnya"],
}


def _answers(draw: random.Random) -> dict:
    answers = {}
    for n, mean in enumerate(MEANS, 1):
        low = int(mean)
        answers[f"u{n}"] = min(4, low + (1 if draw.random() < mean - low else 0))
    for key, choices in PROFILE_CHOICES.items():
        answers[key] = draw.choice(choices)
    return answers


def run(stdout) -> None:
    kadis = User.objects.filter(groups__name=Role.KEPALA_DINAS.value, is_active=True).first()
    if kadis is None or Service.objects.filter(name=DEMO_SERVICE).exists():
        return
    service = services.service_create(actor=kadis, name=DEMO_SERVICE)
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    year, previous = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    draw = random.Random(19)  # noqa: S311 - demo figures, not a secret
    last = services.period_create(
        actor=kadis, service=service, kind="quarter", year=year, number=previous, population=400
    )
    for _ in range(60):
        services.response_enter_paper(actor=kadis, period=last, answers=_answers(draw))
    services.follow_up_save(
        actor=kadis,
        period=last,
        element=8,
        plan="Sediakan kotak saran dan nomor WhatsApp pengaduan yang dibalas dalam 1x24 jam.",
        due="Triwulan berikutnya",
    )
    services.period_publish(
        actor=kadis, period=last, conclusion="Mutu pelayanan informasi publik baik."
    )
    current = Period.objects.create(
        service=service, kind="quarter", year=today.year, number=quarter, population=400
    )
    for _ in range(12):
        services.response_enter_paper(actor=kadis, period=current, answers=_answers(draw))
    stdout.write(f"SKM: {DEMO_SERVICE}, two quarters (one published).\n")
