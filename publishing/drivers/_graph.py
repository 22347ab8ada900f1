"""What the Facebook Page and Instagram business drivers share: a facebook-business API object
for one credential (pointed at the simulator when it is in use) and Meta's error codes turned
into the drivers' errors."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookError, FacebookRequestError
from facebook_business.session import FacebookSession

from .errors import (
    BackOffLong,
    DriverError,
    DuplicateDetected,
    PermanentError,
    QuotaDeferred,
    RateLimited,
    RetryableError,
    TokenExpired,
    UncertainSend,
)
from .http import Stopwatch, api_timeout, platform_url, redact, retry_after_seconds, transport_error

# facebook-business warns about every field its generated type tables do not list (many valid
# Graph API fields among them); those warnings say nothing about our requests.
warnings.filterwarnings("ignore", message=r".*does not allow field", category=UserWarning)

GRAPH = "https://graph.facebook.com"
THROTTLE_CODES = {4, 17, 32, 613, 80001} | set(range(80000, 80015))
TOKEN_MESSAGES = {
    463: _("The access token has expired (token kedaluwarsa); connect the account again."),
    460: _("The account's password was changed; connect the account again."),
    458: _("The portal's app was removed from the account; connect the account again."),
    467: _("The access token is no longer valid; connect the account again."),
}
T = TypeVar("T")


# --- permissions ---------------------------------------------------------------------------------
# What each permission Facebook Login asks for makes possible, from Meta's permissions reference
# and the endpoint references (tests/contracts/facebook/permissions.json keeps the sources).
PERMISSION_BLOCKS: dict[str, Any] = {
    "pages_show_list": _("finding the Page among those you manage when connecting"),
    "pages_read_engagement": _("publishing on the Page or its Instagram account, and reading "
                               "the Page's posts for sync"),
    "pages_manage_posts": _("publishing and deleting posts on the Page"),
    "pages_manage_engagement": _("the first comment and replies on Facebook"),
    "read_insights": _("the Page's insights (reach, views)"),
    "business_management": _("Pages and Instagram accounts held through Business Manager"),
    "instagram_basic": _("reading the Instagram account and its posts"),
    "instagram_content_publish": _("publishing on Instagram"),
    "instagram_manage_comments": _("the first comment on Instagram"),
    "instagram_manage_insights": _("Instagram insights"),
    "ads_read": _("publishing on Instagram when your role on the Page comes through Business "
                  "Manager (ads_read or ads_management), and reading a boost's results"),
    "ads_management": _("boosting posts"),
}  # fmt: skip

# Without these a channel cannot publish at all (the composer refuses it).
PUBLISH_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "facebook": ("pages_show_list", "pages_read_engagement", "pages_manage_posts"),
    "instagram": ("instagram_basic", "instagram_content_publish", "pages_read_engagement"),
}
# Wanted for the rest: comments, insights, Business Manager roles, boosts.
OTHER_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "facebook": ("pages_manage_engagement", "read_insights", "business_management"),
    "instagram": (
        "pages_show_list",
        "instagram_manage_comments",
        "instagram_manage_insights",
        "business_management",
        "ads_read",
    ),
}


def boosts_enabled() -> bool:
    return bool(getattr(settings, "FACEBOOK_BOOSTS_ENABLED", False))


def setup_facts(*, redirect: str, site_origin: str) -> dict[str, Any]:
    """What the setup guide's section on the Meta app shows of this portal."""
    return {
        "redirect": redirect,
        "app_id": settings.FACEBOOK_APP_ID,
        "secret_set": bool(settings.FACEBOOK_APP_SECRET),
        "permissions": [(name, str(PERMISSION_BLOCKS[name])) for name in login_scopes()],
        "boosts": boosts_enabled(),
        "asset_base": settings.ASSET_PUBLIC_BASE_URL,
    }


def login_scopes() -> list[str]:
    """Everything Facebook Login asks for: publishing, comments and insights on Pages and their
    Instagram accounts, and ``ads_management`` when boosting is switched on."""
    scopes: list[str] = []
    for platform in ("facebook", "instagram"):
        for name in PUBLISH_PERMISSIONS[platform] + OTHER_PERMISSIONS[platform]:
            if name not in scopes:
                scopes.append(name)
    if boosts_enabled():
        scopes.append("ads_management")
    return scopes


def permission_uses(platform: str) -> list[tuple[str, Any]]:
    """Each permission a channel of ``platform`` wants, with what it is for."""
    names = list(PUBLISH_PERMISSIONS[platform]) + list(OTHER_PERMISSIONS[platform])
    if platform == "facebook" and boosts_enabled():
        names.append("ads_management")
    return [(name, PERMISSION_BLOCKS[name]) for name in names]


def missing_permissions(granted, *, platform: str) -> list[tuple[str, Any, bool]]:
    """``(permission, what its absence blocks, whether publishing needs it)`` for each wanted
    permission not in ``granted``."""
    granted = set(granted or ())
    wanted = list(PUBLISH_PERMISSIONS[platform]) + list(OTHER_PERMISSIONS[platform])
    if platform == "facebook" and boosts_enabled():
        wanted.append("ads_management")
    gaps = []
    for name in wanted:
        if name in granted or (name == "ads_read" and "ads_management" in granted):
            continue
        gaps.append((name, PERMISSION_BLOCKS[name], name in PUBLISH_PERMISSIONS[platform]))
    return gaps


def app_secret_for(credential) -> str | None:
    """The app secret ``appsecret_proof`` is made with: the credential's own, else the portal's
    Facebook app's, when configured."""
    return credential.get("app_secret") or getattr(settings, "FACEBOOK_APP_SECRET", "") or None


def graph_api(credential, *, platform: str) -> FacebookAdsApi:
    """An API object for this credential alone.

    Built directly rather than with ``FacebookAdsApi.init()``: no process-wide default API (two
    workers' threads never share a token) and no crash reporter (``crash_log=False``), which would
    send tracebacks to Meta. With an app secret the library adds ``appsecret_proof`` (HMAC-SHA256
    of the token) to every request, as an app with "Require App Secret" demands.
    """
    token = credential.get("access_token")
    if not token:
        raise TokenExpired(_("The account is not connected (no access token)."), platform=platform)
    session = FacebookSession(
        access_token=token, app_secret=app_secret_for(credential), timeout=api_timeout()
    )
    session.GRAPH = platform_url(GRAPH)  # the library's own base address
    return FacebookAdsApi(session)


def graph_call(
    credential, operation: Callable[[], T], *, platform: str, write: bool, watch=None
) -> T:
    watch = watch or Stopwatch()
    try:
        return operation()
    except FacebookRequestError as exc:
        raise graph_error(exc, credential, watch.elapsed, platform=platform, write=write) from None
    except requests.RequestException as exc:
        raise transport_error(
            exc, platform=platform, duration=watch.elapsed, write=write, credential=credential
        ) from None
    except FacebookError as exc:  # the library refused before sending (bad parameter)
        raise PermanentError(
            _("The post could not be prepared for the platform."),
            platform=platform,
            platform_message=redact(str(exc), credential)[:300],
        ) from None


GRAPH_HOSTS = ("https://graph.facebook.com/", "https://graph-video.facebook.com/")
# Parameters the session adds to every call itself: never taken from a ``next`` address.
_SESSION_PARAMS = ("access_token", "appsecret_proof")


def graph_page(
    api: FacebookAdsApi,
    path: tuple[str, str],
    params: dict[str, Any],
    cursor: str,
    *,
    platform: str,
) -> tuple[list[dict[str, Any]], str]:
    """One page of a Graph API edge and where the next one starts.

    Graph pages in two ways (https://developers.facebook.com/docs/graph-api/results): by cursor
    (``paging.cursors.after`` with ``paging.next``: the same request again with ``after``) and by
    time (only ``paging.next``, an address carrying ``until`` / ``since`` and a paging token: that
    address is requested as it is). No ``next`` means the last page, however full. The returned
    cursor is ``after:<cursor>``, ``next:<address>`` or ``""``.
    """
    if cursor.startswith("next:"):
        answer = api.call("GET", _next_address(cursor[5:], platform=platform))
    else:
        query = dict(params)
        if cursor.startswith("after:"):
            query["after"] = cursor[6:]
        answer = api.call("GET", path, params=query)
    body = answer.json()
    paging = body.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after")
    if not paging.get("next"):
        following = ""
    elif after:
        following = f"after:{after}"
    else:
        following = f"next:{paging['next']}"
    return list(body.get("data") or []), following


def _next_address(address: str, *, platform: str) -> str:
    """A ``paging.next`` address, checked to be the Graph API's own (the session sends the token
    there) and without the token it carries (the session adds its own)."""
    if not address.startswith(GRAPH_HOSTS):
        raise PermanentError(
            _("The platform's next page is not on its own address."), platform=platform
        )
    parts = urlsplit(address)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in _SESSION_PARAMS]
    return platform_url(urlunsplit(parts._replace(query=urlencode(query))))


def regain_seconds(headers) -> float | None:
    """``estimated_time_to_regain_access`` (minutes) of Meta's usage headers, in seconds."""
    longest = None
    for name in ("X-Business-Use-Case-Usage", "x-business-use-case-usage"):
        raw = (headers or {}).get(name)
        if not raw:
            continue
        try:
            usage = json.loads(raw)
        except ValueError:
            continue
        for entries in usage.values():
            for entry in entries if isinstance(entries, list) else [entries]:
                minutes = entry.get("estimated_time_to_regain_access") or 0
                longest = max(longest or 0, float(minutes) * 60)
    if longest:
        return longest
    return retry_after_seconds(headers)


def graph_error(
    exc: FacebookRequestError, credential, duration: float, *, platform: str, write: bool
) -> DriverError:
    code = exc.api_error_code()
    subcode = exc.api_error_subcode()
    body = exc.body()
    error = body.get("error", {}) if isinstance(body, dict) else {}
    message = error.get("error_user_msg") or exc.api_error_message() or ""
    common: dict[str, Any] = {
        "platform": platform,
        "http_status": exc.http_status(),
        "duration": duration,
        "excerpt": redact(json.dumps(body)[:500] if isinstance(body, dict) else body, credential),
        "platform_code": f"{code}/{subcode}" if subcode else code,
        "platform_message": redact(message, credential),
    }
    if code in (190, 102):
        return TokenExpired(TOKEN_MESSAGES.get(subcode), refreshable=False, **common)
    if code in THROTTLE_CODES:
        return RateLimited(retry_after=regain_seconds(exc.http_headers()), **common)
    if code == 368:
        return BackOffLong(
            _("The platform has temporarily blocked this account from posting; wait before "
              "posting again."),
            **common,
        )  # fmt: skip
    if code == 506:
        return DuplicateDetected(**common)
    if code == 9 and subcode == 2207042:
        return QuotaDeferred(**common)
    if code in (1, 2) or exc.api_transient_error() or (exc.http_status() or 0) >= 500:
        return (UncertainSend if write else RetryableError)(**common)
    if code == 10 or (code is not None and 200 <= code < 300):
        return PermanentError(
            _("The portal lacks a permission on this account; connect it again with all the "
              "permissions asked."),
            **common,
        )  # fmt: skip
    return PermanentError(_("The platform refused the post."), **common)
