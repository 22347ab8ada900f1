"""Give a person their roles on the server: the first Kepala Dinas of a new portal, or a new one
when the last has left. In the portal only the Kepala Dinas grants that role (and Admin, and
superuser), with a fresh second factor. Audited and told to the person and the Kepala Dinas."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_roles_set


class Command(BaseCommand):
    help = "Set a person's roles (and superuser flag) on the server; audited and notified."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "roles",
            nargs="*",
            choices=Role.values,
            help="the person's roles after this; none takes every role away",
        )
        parser.add_argument("--superuser", action="store_true", help="also make a superuser")
        parser.add_argument(
            "--by", required=True, help="who runs this (your name, kept in the audit log)"
        )

    def handle(self, *args, username, roles, superuser, by, **options):
        if not by.strip():
            raise CommandError("Say who runs this with --by.")
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username}.") from None
        changed = user_roles_set(
            actor=None,
            user=user,
            roles={Role(value) for value in roles},
            is_superuser=superuser,
            operator=by.strip(),
        )
        summary = ", ".join(roles) or "no role"
        if superuser:
            summary += " + superuser"
        self.stdout.write(
            self.style.SUCCESS(
                f"{username} now has {summary}."
                if changed
                else f"{username} already had {summary}."
            )
        )
