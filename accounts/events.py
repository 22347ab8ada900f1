"""What the audit log's events mean to people: a label in words for every action, a link to the
object the event is about (when the reader may open it), and who did it, "System" for the
portal's own automatic work (a worker, the scheduler, the daily checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

EVENT_LABELS: dict[str, str | Promise] = {
    # people and sign-in
    "user.create": _("Account created"),
    "user.login": _("Signed in"),
    "user.logout": _("Signed out"),
    "user.idle_logout": _("Signed out after idle time"),
    "user.password_change": _("Password changed"),
    "two_factor.enrol": _("Two-factor login set up"),
    "two_factor.verify": _("Two-factor code accepted"),
    "two_factor.failure": _("Two-factor code refused"),
    "two_factor.recovery_codes": _("New recovery codes made"),
    "two_factor.recovery_used": _("Recovery code used to sign in"),
    "two_factor.reset": _("Two-factor login reset on the server"),
    "user.role_change": _("Roles changed"),
    "user.role_change_refused": _("Role change refused"),
    "user.change_refused": _("Change to an account refused"),
    "user.password_set": _("Password set by someone else"),
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    "division.create": _("Division created"),
    # the vault
    "credential.create": _("Credential stored"),
    "credential.update": _("Credential changed"),
    "credential.rotate": _("Credential rotated"),
    "credential.revoke": _("Credential revoked"),
    "credential.reveal": _("Credential shown"),
    "credential.use": _("Credential used by the system"),
    "credential.refresh": _("Login renewed with the platform"),
    "credential.unreadable": _("Credential could not be decrypted"),
    "vault.rotate_key": _("Vault key rotated"),
    # the library
    "folder.restrict": _("Folder restricted"),
    "folder.open": _("Folder opened to all staff"),
    "folder.move": _("Folder moved"),
    "folder.grant": _("Folder access rights changed"),
    "folder.delete": _("Folder deleted"),
    "folder.download": _("Folder downloaded as a ZIP"),
    "asset.trash": _("Moved to the trash"),
    "asset.restore": _("Restored from the trash"),
    "asset.delete": _("Deleted for good"),
    "storage.orphans_removed": _("Stray files removed from storage"),
    "storage.problems_found": _("Storage check found problems"),
    # posts and their deliveries
    "post.create": _("Written"),
    "post.update": _("Changed"),
    "post.submit": _("Submitted for approval"),
    "post.approve": pgettext_lazy("timeline", "Approved"),
    "post.reject": pgettext_lazy("timeline", "Rejected"),
    "post.return": pgettext_lazy("timeline", "Returned for changes"),
    "post.reschedule": _("Moved to another time"),
    "post.delete": _("Deleted"),
    "post.release": _("Sent out to the platforms"),
    "post.published": pgettext_lazy("timeline", "Published on every channel"),
    "post.partly_published": pgettext_lazy("timeline", "Published on some channels"),
    "post.failed": pgettext_lazy("timeline", "Not published"),
    "delivery.published": pgettext_lazy("timeline", "Published"),
    "delivery.failed": pgettext_lazy("timeline", "Delivery failed"),
    "delivery.retry": _("Delivery tried again"),
    # channels and sync
    "channel.create": _("Channel added"),
    "channel.update": _("Channel changed"),
    "channel.assign": _("Channel responsibility changed"),
    "channel.connect": _("Channel connected to its account"),
    "channel.activate": _("Channel switched on"),
    "channel.deactivate": _("Channel switched off"),
    "channel.test": _("Connection tested"),
    "channel.usage": _("API call budget changed"),
    "channel.login_code": _("Login code entered for the account"),
    "sync_rule.create": _("Sync rule created"),
    "sync_rule.change": _("Sync rule changed"),
    "sync_rule.delete": _("Sync rule deleted"),
    "sync.delete_mirror": _("Copy deleted with its source post"),
    "partner.create": _("Partner account added"),
    "repost.accept": _("Partner post accepted for reposting"),
    # governance and the public pages
    "website.create": _("Website registered"),
    "website.update": _("Website changed"),
    "website.assign": _("Website responsibility changed"),
    "website.credential": _("Website login stored"),
    "guidelines.save": _("Guidelines saved"),
    "survey.create": _("Survey created"),
    "survey.update": _("Survey changed"),
    "survey.open": _("Survey opened"),
    "survey.close": _("Survey closed"),
    "survey.feature": _("Survey shown on the public pages"),
    "survey.votes_accept": _("Held votes accepted"),
    "survey.votes_reject": _("Held votes rejected"),
    "embed_site.add": _("Website allowed to embed the survey"),
    "embed_site.remove": _("Website no longer allowed to embed the survey"),
    "skm.service_create": _("SKM service added"),
    "skm.questions_update": _("SKM questions changed"),
    "skm.period_create": _("SKM period opened"),
    "skm.paper_entry": _("Paper SKM questionnaire entered"),
    "skm.held_accept": _("Held SKM questionnaires accepted"),
    "skm.follow_up": _("SKM follow-up plan written"),
    "skm.publish": _("SKM results published"),
    "office_profile.update": _("Office profile changed"),
}

SYSTEM = _("System")


def event_label(action: str) -> str:
    """The event's name in words; an action without a label shows its code rather than nothing."""
    return str(EVENT_LABELS.get(action, action))


def actor_label(event: Any) -> str:
    """Who did it: the person's full name, or "System" for automatic work."""
    actor = getattr(event, "actor", None)
    if actor is not None:
        return actor.get_full_name() or actor.get_username()
    return event.actor_repr or str(SYSTEM)


def _may(policy_path: str, action: str = "view") -> Callable[[Any], bool]:
    def check(user: Any) -> bool:
        from importlib import import_module

        module, name = policy_path.rsplit(".", 1)
        return getattr(import_module(module), name).user_has_permission(user, action)

    return check


# object type -> (address name, who may open it). Each page still checks rights itself; this only
# keeps a link from leading someone to "not allowed".
OBJECT_PAGES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "publishing.post": ("publishing:post_detail", _may("publishing.permissions.post_policy")),
    "publishing.channel": (
        "channels:channel_detail",
        _may("publishing.permissions.channel_policy", "change"),
    ),
    "accounts.credential": (
        "accounts:credential_detail",
        _may("accounts.permissions.credential_policy"),
    ),
    "assets.asset": ("assets:asset_detail", _may("assets.permissions.asset_policy")),
    "assets.folder": ("assets:folder", _may("assets.permissions.folder_policy")),
}


def event_link(event: Any, user: Any) -> str | None:
    """The address of the object the event is about, if it has a page ``user`` may open."""
    page = OBJECT_PAGES.get(event.object_type)
    if page is None or not event.object_id.isdigit():
        return None
    name, allowed = page
    if not allowed(user):
        return None
    try:
        return reverse(name, args=[int(event.object_id)])
    except NoReverseMatch:
        return None


def describe(events: list, user: Any) -> list:
    """Each event with ``label``, ``who`` and ``link`` set for a page."""
    for event in events:
        event.label = event_label(event.action)
        event.who = actor_label(event)
        event.link = event_link(event, user)
    return events
