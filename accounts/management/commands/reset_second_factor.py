"""The last resort for a lost phone with no recovery code left: remove a person's second factor.

Run on the server by whoever holds it (nobody reaches this through the portal or the admin). The
person's sessions end and their API token is revoked; at their next sign-in they set up a new
authenticator app. The reset is audited and told to the person and the Kepala Dinas by email.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import two_factor_reset


class Command(BaseCommand):
    help = "Remove a person's authenticator apps and recovery codes (audited, emailed to them)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="whose second factor is reset")
        parser.add_argument(
            "--by", required=True, help="who runs this (your name, kept in the audit log)"
        )

    def handle(self, *args, username, by, **options):
        if not by.strip():
            raise CommandError("Say who runs this with --by.")
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username}.") from None
        two_factor_reset(user=user, operator=by.strip())
        self.stdout.write(
            self.style.SUCCESS(
                f"The second factor of {username} was removed; their sessions ended. They set up "
                "a new authenticator app at their next sign-in. They were told by email."
            )
        )
