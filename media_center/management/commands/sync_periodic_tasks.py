from django.core.management.base import BaseCommand

from core.periodic import sync_periodic_tasks


class Command(BaseCommand):
    help = "Make Celery beat's schedule match the periodic tasks declared in code."

    def handle(self, *args, **options):
        for name in sync_periodic_tasks():
            self.stdout.write(f"  {name}")
