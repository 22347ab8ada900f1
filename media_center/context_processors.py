"""What every page's layout needs: the navigation a person may use, and who they are."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[Role]


_ALL = frozenset(Role)
NAV_ITEMS = [
    NavItem("media_center:dashboard", _("Dashboard"), _ALL),
    NavItem("assets:library", _("Media Library"), _ALL),
    NavItem(
        "publishing:post_list",
        _("Publishing"),
        frozenset({Role.STAF, Role.EDITOR, Role.KEPALA_DINAS}),
    ),
    NavItem("publishing:approval_queue", _("Approvals"), frozenset({Role.KEPALA_DINAS})),
    NavItem("channels:channel_list", _("Channels"), frozenset({Role.KEPALA_DINAS})),
    NavItem("accounts:vault", _("Credentials"), frozenset({Role.KEPALA_DINAS})),
    NavItem("media_center:registry", _("Registry"), frozenset({Role.EDITOR, Role.KEPALA_DINAS})),
    NavItem("media_center:guidelines", _("Guidelines"), _ALL),
    NavItem("media_center:survey_list", _("Surveys"), frozenset({Role.EDITOR, Role.KEPALA_DINAS})),
    NavItem("accounts:audit", _("Audit"), frozenset({Role.KEPALA_DINAS, Role.ADMIN})),
]


def navigation_for(request) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    roles = set(user.roles)
    items = []
    for item in NAV_ITEMS:
        if not roles & item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # that part of the portal is not installed
        items.append(
            {
                "url": url,
                "label": item.label,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return items


def portal(request) -> dict:
    from accounts.selectors import unread_notification_count

    return {
        "nav_items": navigation_for(request),
        # Evaluated only when a template shows it (the header's bell).
        "unread_notifications": SimpleLazyObject(lambda: unread_notification_count(request.user)),
    }
