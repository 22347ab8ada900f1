from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.periodic import PORTAL_APPS


class Command(BaseCommand):
    help = (
        "Seed the demo data of every app (divisions, people, folders, channels...). Idempotent. "
        "With --regency, also a regency's worth of channels, posts and a year of daily figures."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--regency",
            action="store_true",
            help="also about 40 divisions, 150 channels, a year of posts and daily figures "
            "(DEBUG only: for trying the insights pages and reports at scale)",
        )
        parser.add_argument("--days", type=int, default=365, help="days of history (--regency)")

    def handle(self, *args, regency: bool = False, days: int = 365, **options):
        if regency and not settings.DEBUG:
            raise CommandError("--regency only on a demo or development portal (DEBUG on).")
        for app in PORTAL_APPS:
            try:
                module = import_module(f"{app}.seed")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.seed":
                    raise
                continue
            module.run(self.stdout)
        if regency:
            from insights.regency import seed_regency

            counts = seed_regency(days=max(1, min(days, 3650)))
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
