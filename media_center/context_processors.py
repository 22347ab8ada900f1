"""What every page's layout needs: the navigation a person may use, and who they are.

Each menu item asks the permission policy of what it opens, never a role name, so a person sees
exactly the pages that will open for them. The frequent pages stand in the header; the rarer
ones are grouped under "More" so that the header keeps to one line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _


def _policy(path: str, action: str = "view") -> Callable[[Any], bool]:
    def allowed(user: Any) -> bool:
        module, name = path.rsplit(".", 1)
        try:
            policy = getattr(import_module(module), name)
        except (ImportError, AttributeError):
            return False  # that part of the portal is not installed
        return policy.user_has_permission(user, action)

    return allowed


def _signed_in(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    allowed: Callable[[Any], bool]
    more: bool = False  # grouped under "More"


NAV_ITEMS = [
    NavItem("media_center:dashboard", _("Dashboard"), _signed_in),
    NavItem("assets:library", _("Media Library"), _policy("assets.permissions.folder_policy")),
    NavItem("publishing:post_list", _("Posts"), _policy("publishing.permissions.post_policy")),
    NavItem(
        "publishing:approval_queue",
        _("Approvals"),
        _policy("publishing.permissions.post_policy", "approve"),
    ),
    NavItem(
        "boosts:list",
        _("Boosts"),
        _policy("boosts.permissions.boost_policy"),
        more=True,
    ),
    NavItem(
        "channels:channel_list",
        _("Channels"),
        _policy("publishing.permissions.channel_policy", "change"),
        more=True,
    ),
    NavItem(
        "accounts:vault",
        _("Credentials"),
        _policy("accounts.permissions.credential_policy"),
        more=True,
    ),
    NavItem(
        "media_center:registry",
        _("Registry"),
        _policy("media_center.permissions.website_policy"),
        more=True,
    ),
    NavItem(
        "media_center:guidelines",
        _("Guidelines"),
        _policy("media_center.permissions.guideline_policy"),
        more=True,
    ),
    NavItem(
        "media_center:survey_list",
        _("Surveys"),
        _policy("media_center.permissions.survey_policy"),
        more=True,
    ),
    NavItem(
        "skm:office",
        _("SKM"),
        _policy("skm.permissions.period_policy"),
        more=True,
    ),
    NavItem(
        "accounts:office_profile",
        _("Office profile"),
        _policy("accounts.permissions.office_profile_policy", "change"),
        more=True,
    ),
    NavItem(
        "accounts:audit",
        _("Audit"),
        _policy("accounts.permissions.audit_event_policy"),
        more=True,
    ),
]


def navigation_for(request) -> dict:
    """``{"items": [...], "more": [...]}``: the pages the person may open, each with its address
    and label; the one page they are on (the longest address that begins the current one) is
    ``active``, and a group holding it is ``active`` too."""
    user = request.user
    if not _signed_in(user):
        return {"items": [], "more": [], "more_active": False, "may": {}}
    entries = []
    for item in NAV_ITEMS:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # that part of the portal is not installed
        if item.allowed(user):
            entries.append({"url": url, "label": item.label, "more": item.more, "active": False})
    matching = [e for e in entries if request.path == e["url"] or request.path.startswith(e["url"])]
    if matching:
        max(matching, key=lambda e: len(e["url"]))["active"] = True
    more = [e for e in entries if e["more"]]
    return {
        "items": [e for e in entries if not e["more"]],
        "more": more,
        "more_active": any(e["active"] for e in more),
        # Tabs of the publishing pages that not everyone may open.
        "may": {
            "approve": _policy("publishing.permissions.post_policy", "approve")(user),
            "sync": _policy("publishing.sync.permissions.sync_rule_policy")(user),
            "compose": _policy("publishing.permissions.post_policy", "add")(user),
        },
    }


def portal(request) -> dict:
    from django.utils import formats

    from accounts.selectors import unread_notification_count

    return {
        # The format date fields show and read first (Indonesian: %d/%m/%Y), for the picker.
        "date_input_format": SimpleLazyObject(lambda: formats.get_format("DATE_INPUT_FORMATS")[0]),
        "nav": SimpleLazyObject(lambda: navigation_for(request)),
        # Evaluated only when a template shows it (the header's bell).
        "unread_notifications": SimpleLazyObject(lambda: unread_notification_count(request.user)),
    }
