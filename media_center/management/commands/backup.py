"""Write a complete backup of the portal: database, media files and a manifest of checksums."""

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from media_center.backup import BackupError, backup_create, private_folder


class Command(BaseCommand):
    help = (
        "Back up every row and every media file into the backup storage (BACKUP_DIR or "
        "BACKUP_S3_BUCKET), or into --dir. Prints the backup's name."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="write into this folder instead of the backup storage")
        parser.add_argument("--name", help="name of the backup (default: portal-<date>-<time>)")

    def handle(self, *args, **options):
        target = private_folder(options["dir"]) if options["dir"] else storages["backups"]
        try:
            summary = backup_create(
                target=target, name=options["name"], progress=lambda m: self.stdout.write(f"  {m}")
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        for name in summary.missing:
            self.stderr.write(f"  missing from the media storage, not in the backup: {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup {summary.name}: {summary.row_count} rows, {summary.files} files "
                f"({summary.bytes} bytes)."
            )
        )
        self.stdout.write(summary.name)
