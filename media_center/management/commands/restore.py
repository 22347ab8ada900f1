"""Bring a backup into an empty installation (migrated, no data), checking every checksum."""

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from media_center.backup import BackupError, backup_list, backup_restore, private_folder


class Command(BaseCommand):
    help = (
        "Restore backup NAME from the backup storage (or --dir) into this installation, which "
        "must be empty: run `manage.py migrate` on a new database first. --list shows the backups."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "name", nargs="?", help="the backup's name, e.g. portal-20261128-013000"
        )
        parser.add_argument("--dir", help="read from this folder instead of the backup storage")
        parser.add_argument("--list", action="store_true", help="list the complete backups")

    def handle(self, *args, **options):
        source = private_folder(options["dir"]) if options["dir"] else storages["backups"]
        if options["list"] or not options["name"]:
            names = backup_list(source)
            for name in names:
                self.stdout.write(name)
            if not options["list"]:
                raise CommandError("Name the backup to restore (see the list above).")
            return
        try:
            summary = backup_restore(
                source=source, name=options["name"], progress=lambda m: self.stdout.write(f"  {m}")
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {summary.name}: {summary.row_count} rows and {summary.files} files, "
                "every checksum verified. Run `manage.py sync_periodic_tasks` to schedule the "
                "periodic work again."
            )
        )
