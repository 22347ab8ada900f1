"""Every address of the portal, with example arguments, and what its answers must never hold.

``portal_urls()`` walks the URLconf, so a page added later (the composer, the approval queue,
the calendar) is walked as soon as it is routed. A page whose address names an object needs
example arguments in ``URL_ARGUMENTS``; the header test fails, naming it, until it has them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.portal_data import PortalData

# Example arguments of the addresses that name something, from the populated portal. A list
# gives several addresses for one name.
URL_ARGUMENTS: dict[str, Callable[[PortalData], dict | list[dict]]] = {
    "accounts:credential_create": lambda d: [{"kind": "password"}, {"kind": "oauth"}],
    "accounts:credential_detail": lambda d: {"pk": d.credential.pk},
    "accounts:credential_edit": lambda d: {"pk": d.credential.pk},
    "accounts:credential_rotate": lambda d: {"pk": d.credential.pk},
    "accounts:credential_reveal": lambda d: {"pk": d.credential.pk},
    "accounts:credential_revoke": lambda d: {"pk": d.credential.pk},
    "assets:folder": lambda d: [
        {"folder_pk": d.open_folder.pk},
        {"folder_pk": d.restricted_folder.pk},
        {"folder_pk": d.other_division_folder.pk},
    ],
    "assets:folder_download": lambda d: [
        {"folder_pk": d.open_folder.pk},
        {"folder_pk": d.restricted_folder.pk},
        {"folder_pk": d.other_division_folder.pk},
    ],
    "assets:folder_edit": lambda d: {"folder_pk": d.open_folder.pk},
    "assets:folder_delete": lambda d: {"folder_pk": d.subfolder.pk},
    "assets:folder_access": lambda d: {"folder_pk": d.restricted_folder.pk},
    "assets:asset_detail": lambda d: [
        {"pk": d.photo.pk},
        {"pk": d.document.pk},
        {"pk": d.sound.pk},
        {"pk": d.trashed.pk},
    ],
    "assets:asset_status": lambda d: {"pk": d.photo.pk},
    "assets:asset_edit": lambda d: {"pk": d.photo.pk},
    "assets:asset_trash": lambda d: {"pk": d.photo.pk},
    "assets:asset_restore": lambda d: {"pk": d.trashed.pk},
    "assets:asset_retry": lambda d: {"pk": d.photo.pk},
    "assets:download": lambda d: {"pk": d.photo.pk},
    "assets:upload_detail": lambda d: {"upload_id": uuid.UUID(int=7)},
    "assets:media": lambda d: {"token": _media_token(d)},
    "media_center:survey_detail": lambda d: {"slug": d.survey.slug},
    "media_center:survey_action": lambda d: {"slug": d.survey.slug},
    "media_center:survey_held": lambda d: {"slug": d.survey.slug},
    "media_center:survey_export": lambda d: [
        {"slug": d.survey.slug, "fmt": "csv"},
        {"slug": d.survey.slug, "fmt": "xlsx"},
    ],
    "media_center:survey_page": lambda d: [{"slug": d.survey.slug}, {"slug": "tidak-ada"}],
    "media_center:survey_vote": lambda d: {"slug": d.survey.slug},
    "media_center:survey_embed": lambda d: [
        {"slug": d.survey.slug},
        {"slug": d.closed_survey.slug},
    ],
    "media_center:survey_embed_js": lambda d: {"slug": d.survey.slug},
    "media_center:survey_widget_json": lambda d: {"slug": d.survey.slug},
    "media_center:survey_results_json": lambda d: {"slug": d.survey.slug},
    "api:skm-period-results": lambda d: [{"pk": d.skm_published.pk}, {"pk": d.skm_period.pk}],
    "skm:public_form": lambda d: [{"slug": d.skm_period.service.slug}, {"slug": "tidak-ada"}],
    "skm:public_results": lambda d: [{"pk": d.skm_published.pk}, {"pk": d.skm_period.pk}],
    "skm:service_edit": lambda d: {"pk": d.skm_period.service.pk},
    "skm:period": lambda d: [{"pk": d.skm_period.pk}, {"pk": d.skm_published.pk}],
    "skm:paper_entry": lambda d: [{"pk": d.skm_period.pk}, {"pk": d.skm_published.pk}],
    "skm:held_accept": lambda d: {"pk": d.skm_period.pk},
    "skm:follow_up": lambda d: {"pk": d.skm_period.pk},
    "boosts:new": lambda d: {"delivery_pk": d.boost_delivery.pk},
    "boosts:detail": lambda d: {"pk": d.boost.pk},
    "boosts:edit": lambda d: {"pk": d.boost.pk},
    "boosts:submit": lambda d: {"pk": d.boost.pk},
    "boosts:approve": lambda d: {"pk": d.boost.pk},
    "boosts:reject": lambda d: {"pk": d.boost.pk},
    "boosts:stop": lambda d: {"pk": d.boost.pk},
    "boosts:receipt_add": lambda d: {"pk": d.boost.pk},
    "boosts:budget_line_edit": lambda d: {"pk": d.budget_line.pk},
    "boosts:budget_report": lambda d: [
        {"pk": d.budget_line.pk, "fmt": "pdf"},
        {"pk": d.budget_line.pk, "fmt": "xlsx"},
        {"pk": d.budget_line.pk, "fmt": "doc"},
    ],
    "boosts:ad_account_edit": lambda d: {"pk": d.ad_account.pk},
    "boosts:ad_account_check": lambda d: {"pk": d.ad_account.pk},
    "skm:publish": lambda d: {"pk": d.skm_period.pk},
    "skm:report": lambda d: [
        {"pk": d.skm_period.pk, "fmt": "pdf"},
        {"pk": d.skm_period.pk, "fmt": "xlsx"},
        {"pk": d.skm_period.pk, "fmt": "doc"},
    ],
    "media_center:public_post": lambda d: [
        {"pk": _public(d).pk, "slug": "rapat-koordinasi-penanganan-banjir"},
        {"pk": _public(d).pk, "slug": "judul-lama"},
        {"pk": _draft(d).pk, "slug": "draf"},
    ],
    "media_center:public_post_short": lambda d: {"pk": _public(d).pk},
    "media_center:public_post_image": lambda d: [
        {"pk": _public(d).pk, "asset_id": d.photo.pk, "rendition": "preview"},
        {"pk": _draft(d).pk, "asset_id": d.photo.pk, "rendition": "thumb"},
    ],
    "media_center:guidelines_version": lambda d: {"number": d.guideline.number},
    "media_center:website_edit": lambda d: {"pk": d.website.pk},
    "api:folder-detail": lambda d: {"pk": d.open_folder.pk},
    "api:asset-detail": lambda d: {"pk": d.photo.pk},
    "api:asset-restore": lambda d: {"pk": d.trashed.pk},
    "api:asset-upload-detail": lambda d: {"upload_id": uuid.UUID(int=7)},
    "api:survey-results": lambda d: {"slug": d.survey.slug},
    "channels:channel_detail": lambda d: [{"pk": d.channel.pk}, {"pk": d.other_channel.pk}],
    "channels:channel_edit": lambda d: {"pk": d.channel.pk},
    "channels:channel_active": lambda d: {"pk": d.channel.pk},
    "channels:channel_connect": lambda d: {"pk": d.channel.pk},
    "channels:channel_usage": lambda d: {"pk": d.channel.pk},
    "channels:channel_test": lambda d: {"pk": d.channel.pk},
    "channels:channel_login_code": lambda d: {"pk": d.channel.pk},
    "channels:oauth_callback": lambda d: [{"platform": "facebook"}, {"platform": "x"}],
    # Publishing: a post (made on first use) on the Media Center's Facebook Page.
    "publishing:post_detail": lambda d: [{"pk": _post(d).pk}, {"pk": 999_999}],
    "publishing:post_edit": lambda d: {"pk": _post(d).pk},
    "publishing:post_progress": lambda d: {"pk": _post(d).pk},
    "publishing:post_submit": lambda d: {"pk": _post(d).pk},
    "publishing:post_approve": lambda d: {"pk": _post(d).pk},
    "publishing:post_reject": lambda d: {"pk": _post(d).pk},
    "publishing:post_return": lambda d: {"pk": _post(d).pk},
    "publishing:post_reschedule": lambda d: {"pk": _post(d).pk},
    "publishing:post_delete": lambda d: {"pk": _post(d).pk},
    "publishing:delivery_retry": lambda d: {"pk": 999_999},
    "api:post-detail": lambda d: {"pk": _post(d).pk},
    "api:insights-post": lambda d: {"pk": _post(d).pk},
    "insights:report": lambda d: {"pk": _report().pk},
    "api:insights-report": lambda d: {"pk": _report().pk},
    "insights:report_file": lambda d: {"pk": _report().pk, "fmt": "pdf"},
    "api:post-submit": lambda d: {"pk": _post(d).pk},
    "api:post-approve": lambda d: {"pk": _post(d).pk},
    "api:post-reject": lambda d: {"pk": _post(d).pk},
    "api:delivery-retry": lambda d: {"pk": 999_999},
    "sync:rule_edit": lambda d: {"pk": d.sync_rule.pk},
    "sync:rule_delete": lambda d: {"pk": d.sync_rule.pk},
    "sync:repost_accept": lambda d: {"pk": d.suggestion.pk},
    "sync:repost_dismiss": lambda d: {"pk": d.suggestion.pk},
    "api:sync-rule-detail": lambda d: {"pk": d.sync_rule.pk},
    "api:repost-suggestion-accept": lambda d: {"pk": d.suggestion.pk},
    "api:repost-suggestion-dismiss": lambda d: {"pk": d.suggestion.pk},
    # The platform simulator (demo and tests only).
    "simulator:account-faults": lambda d: {"platform": "facebook", "handle": "MediaCenterBJN"},
    "simulator:native": lambda d: {"platform": "x", "handle": "mediacenterBJN"},
    "simulator:instagram-login": lambda d: {"handle": "mediacenterbojonegoro"},
    "simulator:media": lambda d: {"pk": 1},
    "simulator:panel-fault": lambda d: {"pk": 1},
    "simulator:feed": lambda d: [
        {"platform": "facebook", "handle": "MediaCenterBJN"},
        {"platform": "x", "handle": "mediacenterBJN"},
        {"platform": "instagram", "handle": "mediacenterbojonegoro"},
    ],
    "simulator:fb-dialog": lambda d: {"version": "v21.0"},
}

# Namespaces not walked: the Django admin is checked on its own (it is Django's, not ours).
SKIPPED_NAMESPACES = {"admin"}


def _public(data: PortalData):
    from tests.media_center.public_helpers import portal_public_posts

    return portal_public_posts(data)[0]


def _draft(data: PortalData):
    from tests.media_center.public_helpers import portal_public_posts

    return portal_public_posts(data)[1]


def _report():
    """A report still waiting for its worker (its files not there yet)."""
    from insights.models import Report

    report, _made = Report.objects.get_or_create(
        kind="month", start=date(2026, 1, 1), end=date(2026, 1, 31)
    )
    return report


def _post(data: PortalData):
    """A post of the populated portal, written by its editor with its photo for the Media
    Center's Facebook Page (made once)."""
    from publishing.models import Post
    from publishing.services.posts import post_create

    post = Post.objects.filter(title="Rapat koordinasi").first()
    if post is not None:
        return post
    return post_create(
        actor=data.people["editor"],
        title="Rapat koordinasi",
        text="Rapat koordinasi penanganan banjir.",
        channel_ids=[data.channel.pk],
        asset_ids=[data.photo.pk],
    )


def _media_token(data: PortalData) -> str:
    from assets.services import asset_public_url

    url = asset_public_url(data.photo, "thumb")
    return url.rstrip("/").rsplit("/", 1)[-1]


def _named_patterns(patterns, namespace: str | None = None) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _named_patterns(entry.url_patterns, full)
        elif entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def url_names() -> list[tuple[str, bool]]:
    """Every named address of the portal and whether it takes arguments."""
    found: dict[str, bool] = {}
    for name, pattern in _named_patterns(get_resolver().url_patterns):
        if name.split(":", 1)[0] in SKIPPED_NAMESPACES:
            continue
        takes = bool(pattern.pattern.regex.groupindex) or "(?P<" in str(pattern.pattern)
        found[name] = found.get(name, False) or takes
    return sorted(found.items())


def missing_arguments() -> list[str]:
    return [name for name, takes in url_names() if takes and name not in URL_ARGUMENTS]


def portal_urls(data: PortalData) -> list[tuple[str, str]]:
    """(name, address) of every page to walk."""
    urls = []
    for name, takes in url_names():
        if not takes:
            urls.append((name, reverse(name)))
            continue
        examples = URL_ARGUMENTS[name](data)
        for kwargs in examples if isinstance(examples, list) else [examples]:
            urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


# --- what a page may not hold under the portal's Content-Security-Policy ------------------------


@dataclass(frozen=True)
class Finding:
    what: str
    where: str

    def __str__(self) -> str:
        return f"{self.what}: {self.where}"


_EXTERNAL = re.compile(r"^(https?:)?//", re.IGNORECASE)


class _InlineCodeFinder(HTMLParser):
    """Inline scripts, event handlers, style attributes and blocks, javascript: addresses, and
    scripts or stylesheets from another site (the portal serves every asset itself)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings: list[Finding] = []
        self._in_inline_script = False
        self._script_text: list[str] = []

    def _add(self, what: str, tag: str, attrs: list) -> None:
        shown = " ".join(f'{k}="{(v or "")[:40]}"' for k, v in attrs)[:160]
        self.findings.append(Finding(what, f"<{tag} {shown}> (line {self.getpos()[0]})"))

    def handle_starttag(self, tag, attrs):
        values = {name.lower(): value or "" for name, value in attrs}
        for name in values:
            if name.startswith("on"):
                self._add(f"inline event handler {name}=", tag, attrs)
            if name.startswith("hx-on"):
                self._add(f"htmx handler {name} (evaluated code)", tag, attrs)
        if "style" in values:
            self._add("style attribute", tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            if values.get(name, "").strip().lower().startswith("javascript:"):
                self._add(f"javascript: address in {name}", tag, attrs)
        if tag == "style":
            self._add("inline <style> block", tag, attrs)
        if tag == "script":
            if "src" in values:
                if _EXTERNAL.match(values["src"]):
                    self._add("script from another site", tag, attrs)
            elif values.get("type", "").lower() != "application/json":
                self._in_inline_script = True
                self._script_text = []
                self._add("inline <script>", tag, attrs)
        stylesheet = tag == "link" and "stylesheet" in values.get("rel", "").lower()
        if stylesheet and _EXTERNAL.match(values.get("href", "")):
            self._add("stylesheet from another site", tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def inline_code(html: str) -> list[Finding]:
    finder = _InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.findings


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives
