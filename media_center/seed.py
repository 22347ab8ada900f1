"""Demo survey: the office's question with the seed's figures, 76/6/6/12 of 100 answers, spread
over the last weeks so that the charts show something. Safe to run again."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User

from .models import Answer, Survey
from .services import survey_create, vote_cast

DEMO_SLUG = "layanan-informasi"
DEMO_COUNTS = {
    Answer.SANGAT_PUAS: 76,
    Answer.PUAS: 6,
    Answer.CUKUP_PUAS: 6,
    Answer.TIDAK_PUAS: 12,
}
DAYS = 28


def run(stdout) -> None:
    if Survey.objects.filter(slug=DEMO_SLUG).exists():
        return
    kadis = User.objects.filter(username="kadis").first()
    if kadis is None:
        return
    survey = survey_create(actor=kadis, slug=DEMO_SLUG, featured=True)
    now = timezone.now()
    answers = [answer for answer, count in DEMO_COUNTS.items() for _ in range(count)]
    # Interleave the answers so that each day has a mix, then spread them over the days.
    answers = answers[::2] + answers[1::2]
    for number, answer in enumerate(answers):
        at = now - timedelta(days=(number * 7) % DAYS, hours=number % 9, minutes=number)
        vote_cast(
            survey=survey,
            answer=answer,
            client=f"demo-{number}",
            voter_id=f"demo-voter-{number:04d}",
            at=at,
        )
    stdout.write(f"  created demo survey {DEMO_SLUG} with {len(answers)} answers")
