"""``manage.py seed_insights --regency``: a regency's worth of channels, posts and a year of
daily figures (about 40 divisions, 150 channels), for trying the insights pages at scale."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Fill the database with a regency's worth of channels, posts and daily figures."

    def add_arguments(self, parser):
        parser.add_argument("--regency", action="store_true", help="40 divisions, 150 channels")
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--prefix", default="Regency")

    def handle(self, *args, regency: bool, days: int, prefix: str, **options):
        from django.conf import settings

        from insights.seed import seed_regency

        if not regency:
            raise CommandError("Say --regency to fill the database.")
        if not settings.DEBUG:
            raise CommandError("Only on a demo or development portal (DEBUG on).")
        counts = seed_regency(days=max(1, min(days, 3650)), prefix=prefix)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
