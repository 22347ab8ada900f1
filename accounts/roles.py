"""The office's roles and the model permissions each one holds.

This table is the one place where a role's rights are declared. Per-object rights (this folder,
this channel) are granted with django-guardian on top of these.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # The values are the names of the groups in the database (the office's own words).
    STAF = "Staf", _("Staff")
    EDITOR = "Editor", _("Editor")
    # The head of a division (Kepala Bidang): approves the division's requests first (paid boosts).
    KEPALA_BIDANG = "Kepala Bidang", _("Head of Division")
    KEPALA_DINAS = "Kepala Dinas", _("Head of Department")
    ADMIN = "Admin", _("Administrator")

    @classmethod
    def by_seniority(cls) -> list["Role"]:
        return [cls.KEPALA_DINAS, cls.ADMIN, cls.KEPALA_BIDANG, cls.EDITOR, cls.STAF]


# The media library: every member of staff uploads and edits; Editors organise folders and may
# empty the trash.
_LIBRARY_STAF = [
    "assets.view_folder",
    "assets.view_asset",
    "assets.add_asset",
    "assets.change_asset",
    "assets.delete_asset",
    "assets.view_theme",
]
_LIBRARY_EDITOR = [
    "assets.add_folder",
    "assets.change_folder",
    "assets.delete_folder",
    "assets.empty_trash",
    # The nightly storage check's findings (missing or altered files), on the dashboard.
    "assets.view_storagecheck",
]
# Surveys: Editors and the Kepala Dinas create, open, close and feature them, and list the sites
# allowed to embed the widget.
_SURVEY_MANAGERS = [
    "media_center.view_survey",
    "media_center.add_survey",
    "media_center.change_survey",
    "media_center.view_embedsite",
    "media_center.add_embedsite",
    "media_center.delete_embedsite",
]
# The community satisfaction survey (SKM): Editors and the Kepala Dinas set up services and
# periods, enter paper questionnaires and read the draft results; the Kepala Dinas alone
# publishes them and writes the follow-up plan (``skm.permissions``).
_SKM_MANAGERS = [
    "skm.view_service",
    "skm.add_service",
    "skm.change_service",
    "skm.view_period",
    "skm.add_period",
    "skm.change_period",
    "skm.view_response",
    "skm.add_response",
    "skm.view_followup",
]
# Publishing: every member of staff sees the channels and posts and drafts posts; Editors submit
# and schedule them for their division's channels (see ``publishing.permissions``).
_PUBLISHING_STAF = [
    "publishing.view_channel",
    "publishing.view_post",
    "publishing.add_post",
    "publishing.change_post",
]
# Paid boosts: Editors ask for a boost of a published post and see the budget lines it would be
# paid from; the division's head approves first, the Kepala Dinas last (``boosts.permissions``).
_BOOSTS_EDITOR = [
    "boosts.view_budgetline",
    "boosts.view_boostrequest",
    "boosts.add_boostrequest",
    "boosts.change_boostrequest",
]
_STAF = [
    "accounts.view_division",
    *_PUBLISHING_STAF,
    "media_center.view_guidelineversion",
    *_LIBRARY_STAF,
]
_EDITOR = [
    *_STAF,
    *_LIBRARY_EDITOR,
    *_SURVEY_MANAGERS,
    *_SKM_MANAGERS,
    "media_center.view_website",
    "publishing.submit_post",
    *_BOOSTS_EDITOR,
]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.STAF: _STAF,
    Role.EDITOR: _EDITOR,
    # The head of a division: sees the division's boost requests and approves them first, within
    # the budget line's remaining amount; the Kepala Dinas gives the final approval.
    Role.KEPALA_BIDANG: [
        *_STAF,
        "boosts.view_budgetline",
        "boosts.view_boostrequest",
        "boosts.approve_division_boostrequest",
    ],
    Role.KEPALA_DINAS: [
        *_EDITOR,
        "accounts.view_user",
        # People's roles: only the Kepala Dinas grants the Admin or Kepala Dinas role (with a
        # fresh second factor; see ``accounts.permissions.UserPermissionPolicy``).
        "accounts.change_user",
        "accounts.view_auditevent",
        # The vault: the Kepala Dinas alone holds every credential.
        "accounts.view_credential",
        "accounts.add_credential",
        "accounts.change_credential",
        "accounts.reveal_credential",
        "accounts.rotate_credential",
        "accounts.revoke_credential",
        # Governance: the websites' registry and the media guidelines.
        "media_center.add_website",
        "media_center.change_website",
        "media_center.add_guidelineversion",
        # The SKM: publishes a period's results with the follow-up plan.
        "skm.publish_period",
        "skm.add_followup",
        "skm.change_followup",
        # The office's profile (name, address, logo) on letters and reports.
        "accounts.change_officeprofile",
        # Publishing: approves posts, assigns and configures channels.
        "publishing.approve_post",
        "publishing.approve_channel",
        "publishing.assign_channel",
        "publishing.add_channel",
        "publishing.change_channel",
        # Paid boosts: the year's budget lines, the ad accounts, the final approval (with a fresh
        # second factor) and stopping any boost at once.
        "boosts.add_budgetline",
        "boosts.change_budgetline",
        "boosts.view_adaccount",
        "boosts.add_adaccount",
        "boosts.change_adaccount",
        "boosts.approve_boostrequest",
        "boosts.stop_boostrequest",
    ],
    Role.ADMIN: [
        # Runs the system: people, divisions, the library's themes; no survey, no credential.
        *_STAF,
        *_LIBRARY_EDITOR,
        "assets.add_theme",
        "assets.change_theme",
        "accounts.add_division",
        "accounts.change_division",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_auditevent",
    ],
}

# Roles whose accounts must use a second factor (TOTP) to sign in.
TWO_FACTOR_ROLES = frozenset({Role.KEPALA_DINAS, Role.ADMIN})

# Roles an Admin grants and takes away (and whose holders an Admin manages). The others, and
# superuser, are granted and taken away only by the Kepala Dinas with a fresh second factor, or
# on the server (``manage.py set_role``).
ADMIN_MANAGED_ROLES = frozenset({Role.STAF, Role.EDITOR})


def sync_role_permissions(using: str = "default") -> None:
    """Make each role's group hold exactly the permissions in ``ROLE_PERMISSIONS``."""
    from django.contrib.auth.models import Group, Permission

    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        wanted = set()
        for name in names:
            app_label, codename = name.split(".", 1)
            perm = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if perm is not None:
                wanted.add(perm)
        group.permissions.set(wanted)


def sync_role_permissions_after_migrate(sender, using="default", **kwargs) -> None:
    from django.apps import apps

    # Every app's permissions exist once the last app has been migrated.
    if sender.label == list(apps.get_app_configs())[-1].label:
        sync_role_permissions(using=using)
