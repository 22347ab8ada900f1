from importlib import import_module

from django.core.management.base import BaseCommand

from core.periodic import PORTAL_APPS


class Command(BaseCommand):
    help = "Seed the demo data of every app (divisions, people, folders, channels...). Idempotent."

    def handle(self, *args, **options):
        for app in PORTAL_APPS:
            try:
                module = import_module(f"{app}.seed")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.seed":
                    raise
                continue
            module.run(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
