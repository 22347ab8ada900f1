"""The office's websites: a WordPress site through its REST API (``/wp-json/wp/v2/``) with an
application password (WordPress 5.6 and later), sent by ``requests`` as HTTP Basic auth.

Credential keys: ``username`` and ``password`` (the application password, a vault login of kind
"username and password"), ``site`` (the channel's handle: the site's host and, for a site in a
folder, its path) and the channel's options ``status`` (``draft`` or ``publish``) and ``category``
(a category's slug on the site; empty: the site's default).

A post becomes one WordPress post: its public title (or the text's first line) as the title, its
text as paragraphs, the library's photos uploaded as media (the first is the featured image, the
rest follow the text), videos uploaded and embedded, the text's hashtags as tags. Its ``slug``
carries the delivery's key, so a try after an uncertain one looks the post up by slug (any status)
before sending again. Deleting moves the post to the site's trash, where an administrator can
restore it. The facts relied on are kept with their sources in ``tests/contracts/wordpress/``.
"""

from __future__ import annotations

import contextlib
import html
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import (
    DriverError,
    PermanentError,
    RateLimited,
    RetryableError,
    TokenExpired,
    UncertainSend,
)
from .facts import PASSWORD, AccountFacts, ChannelOption, DriverFacts
from .http import (
    Stopwatch,
    excerpt_of,
    mount_platform_adapter,
    redact,
    retry_after_seconds,
    simulator_base,
    transport_error,
)
from .registry import register
from .types import (
    CredentialHealth,
    HealthState,
    MediaItem,
    MediaKind,
    NativeMedia,
    NativePage,
    NativePost,
    PlatformLimits,
    PostMetrics,
    PostPayload,
    PublishResult,
    fetch_all,
    parse_time,
    search_window,
)

PLATFORM = "website"
PER_PAGE = 50  # the REST API takes 1 to 100
DRAFT, PUBLISH = "draft", "publish"
# The login's WordPress capabilities publishing needs, and what each one's absence blocks.
NEEDED_CAPABILITIES = (
    ("edit_posts", gettext_lazy("writing posts")),
    ("publish_posts", gettext_lazy("publishing posts (only drafts are possible)")),
    ("upload_files", gettext_lazy("uploading photos and videos")),
    ("manage_categories", gettext_lazy("adding new tags (existing ones are still used)")),
)
# The site refuses these logins: the application password is wrong, revoked or switched off.
LOGIN_REFUSED = {"incorrect_password", "invalid_username", "invalid_email",
                 "application_passwords_disabled", "rest_not_logged_in"}  # fmt: skip
HASHTAG = re.compile(r"(?<![\w&/])#(\w{2,50})", re.UNICODE)  # not an address's #anchor


def _site(credential) -> str:
    """The site's host (and folder) from the channel's handle, typed with or without a scheme."""
    return re.sub(r"^https?://", "", str(credential.get("site") or "").strip().rstrip("/"))


def _key(payload: PostPayload) -> str:
    """The delivery's key in plain letters, for the slug and the media's file names."""
    return re.sub(r"[^a-z0-9]", "", payload.idempotency_key.lower())[:12]


def slug_for(payload: PostPayload) -> str:
    """The post's address name: its title in plain letters and the delivery's key, so that a
    later try finds it (WordPress keeps a slug it is given, for drafts too)."""
    title = unicodedata.normalize("NFKD", _title(payload)).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-")
    return "-".join(part for part in (words, _key(payload)) if part) or "post"


def _title(payload: PostPayload) -> str:
    title = " ".join((payload.title or "").split())
    if title:
        return title
    first = next((line for line in payload.text.splitlines() if line.strip()), "")
    words = " ".join(first.split())
    return words if len(words) <= 120 else words[:119].rstrip() + "…"


def _content(payload: PostPayload, figures: list[str]) -> str:
    """The text as HTML paragraphs (escaped: the site shows it as written), the link, then the
    photos and videos after the first."""
    blocks = []
    for paragraph in re.split(r"\n\s*\n", payload.text.strip()):
        if paragraph.strip():
            lines = [html.escape(line.strip()) for line in paragraph.splitlines()]
            blocks.append("<p>" + "<br>".join(lines) + "</p>")
    if payload.link and payload.link not in payload.text:
        link = html.escape(payload.link, quote=True)
        blocks.append(f'<p><a href="{link}">{link}</a></p>')
    blocks.extend(figures)
    return "\n".join(blocks)


def _figure(item: MediaItem, uploaded: Mapping[str, Any]) -> str:
    source = html.escape(str(uploaded.get("source_url") or ""), quote=True)
    if item.kind == MediaKind.VIDEO:
        return f'<figure class="wp-block-video"><video controls src="{source}"></video></figure>'
    alt = html.escape(item.alt_text or "", quote=True)
    return f'<figure class="wp-block-image"><img src="{source}" alt="{alt}"></figure>'


def _plain(markup: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>", "\n", markup or "")
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


@register
class WordPressDriver:
    name = "wordpress"
    platform = PLATFORM
    platform_label = gettext_lazy("Website")
    facts = DriverFacts(
        label=gettext_lazy("Website (WordPress REST API)"),
        profile_url="https://{handle}",
        credential_kinds=(PASSWORD,),
        handle_prefix="",
        insights_note=gettext_lazy(
            "A WordPress site's REST API counts comments only; its visits are in the site's own "
            "statistics (a plugin such as Site Kit or Jetpack), outside the portal."
        ),
        channel_options=(
            ChannelOption(
                "status",
                gettext_lazy("Posts go to the website as"),
                default=DRAFT,
                choices=(
                    (DRAFT, gettext_lazy("drafts (the site's editor publishes them)")),
                    (PUBLISH, gettext_lazy("published posts")),
                ),
            ),
            ChannelOption(
                "category",
                gettext_lazy("Category on the website (its slug)"),
                help_text=gettext_lazy("For example berita. Empty: the site's default category."),
                max_length=200,
            ),
        ),
    )
    limits = PlatformLimits(
        max_text_length=100_000,
        max_media=20,
        max_images=20,
        max_videos=2,
        image_types=("image/jpeg", "image/png", "image/gif", "image/webp"),
        video_types=("video/mp4",),
        # Regency hosting commonly caps uploads (PHP's upload_max_filesize) well below Meta's.
        max_image_bytes=20 * 1024 * 1024,
        max_video_bytes=256 * 1024 * 1024,
    )

    @staticmethod
    def credential_from(secret: dict[str, Any], account: AccountFacts) -> dict[str, Any]:
        """The application password with the site (the channel's handle) and its options."""
        secret["site"] = account.handle
        secret.update(account.options)
        return secret

    # --- HTTP -------------------------------------------------------------------------------

    def _base(self, credential) -> str:
        site = _site(credential)
        if not site:
            raise PermanentError(gettext_lazy("The website's address is not set."), code="invalid")
        simulator = simulator_base()
        root = f"{simulator}/wordpress/{site}" if simulator else f"https://{site}"
        return f"{root}/wp-json/wp/v2"

    def _session(self, credential) -> requests.Session:
        username, password = credential.get("username"), credential.get("password")
        if not username or not password:
            raise TokenExpired(
                gettext_lazy("The website's username or application password is missing.")
            )
        session = requests.Session()
        session.auth = (str(username), str(password))
        session.headers["User-Agent"] = "PortalMediaCenter/1.0"
        mount_platform_adapter(session, ["https://", "http://"])
        return session

    def _call(
        self,
        credential,
        method: str,
        path: str,
        *,
        write: bool = False,
        session: requests.Session | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One REST call; every failure becomes one of the drivers' errors."""
        session = session or self._session(credential)
        watch = Stopwatch()
        try:
            response = session.request(method, self._base(credential) + path, **kwargs)
        except requests.RequestException as exc:
            raise transport_error(
                exc, platform=PLATFORM, duration=watch.elapsed, write=write, credential=credential
            ) from None
        if response.status_code >= 400:
            raise self._error(response, credential, write=write, duration=watch.elapsed)
        if not response.headers.get("Content-Type", "").startswith("application/json"):
            raise PermanentError(
                gettext_lazy(
                    "The website answered with a web page, not the WordPress REST API: check "
                    "the address, and that no security plugin blocks /wp-json/."
                ),
                platform=PLATFORM,
                code="not_wordpress",
                http_status=response.status_code,
                excerpt=excerpt_of(response, credential),
            )
        return response

    def _error(self, response, credential, *, write: bool, duration: float) -> DriverError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        code = str(body.get("code") or "")
        message = redact(_plain(str(body.get("message") or "")), credential)
        common = {
            "platform": PLATFORM,
            "http_status": status,
            "duration": duration,
            "excerpt": excerpt_of(response, credential),
            "platform_code": code or status,
            "platform_message": message,
        }
        if code in LOGIN_REFUSED:
            return TokenExpired(
                gettext_lazy(
                    "The website refused the login: the application password is wrong, was "
                    "revoked, or application passwords are switched off on the site."
                ),
                **common,
            )
        if status == 429:
            return RateLimited(retry_after=retry_after_seconds(response.headers), **common)
        if status >= 500:
            cls = UncertainSend if write else RetryableError
            return cls(retry_after=retry_after_seconds(response.headers), **common)
        if status == 404 and code in ("rest_no_route", ""):
            return PermanentError(
                gettext_lazy("The website has no WordPress REST API at this address."),
                code="not_wordpress",
                **common,
            )
        if status in (401, 403):
            return PermanentError(
                gettext_lazy(
                    "The website's login may not do this (its WordPress role is too low)."
                ),
                code="forbidden",
                **common,
            )
        if status == 413 or code == "rest_upload_file_too_big":
            return PermanentError(
                gettext_lazy("The website refused the file as too large."),
                code="too_large",
                **common,
            )
        return PermanentError(
            gettext_lazy("The website refused the post: %(message)s")
            % {"message": message or code},
            code="invalid",
            **common,
        )

    # --- publishing -------------------------------------------------------------------------

    def validate(self, payload: PostPayload) -> list[str]:
        problems = []
        if not _title(payload) and not payload.media:
            problems.append(_("A website post needs a title or text."))
        if payload.repost:
            problems.append(_("A website does not repost; write a post that links to it."))
        if len(payload.full_text) > self.limits.max_text_length:
            problems.append(_("The text is too long for the website."))
        if len(payload.images) > self.limits.max_images:
            problems.append(_("A website post takes at most 20 photos here."))
        if len(payload.videos) > self.limits.max_videos:
            problems.append(_("A website post takes at most two videos here."))
        for item in payload.media:
            allowed = (
                self.limits.image_types if item.kind == MediaKind.IMAGE else self.limits.video_types
            )
            if item.mime_type not in allowed:
                problems.append(_("The website does not take files of type %s.") % item.mime_type)
        return problems

    def publish(self, payload: PostPayload, credential) -> PublishResult:
        problems = self.validate(payload)
        if problems:
            raise PermanentError(" ".join(problems), platform=PLATFORM, code="invalid")
        watch = Stopwatch()
        session = self._session(credential)
        category = self._category(credential, session)
        tags, warnings = self._tags(payload, credential, session)
        uploaded: list[dict[str, Any]] = []
        try:
            for number, item in enumerate(payload.media, start=1):
                uploaded.append(self._upload(item, number, payload, credential, session))
        except DriverError:
            self._discard(uploaded, credential, session)
            raise
        images = [(i, u) for i, u in zip(payload.media, uploaded, strict=True)
                  if i.kind == MediaKind.IMAGE]  # fmt: skip
        featured = images[0][1]["id"] if images else 0
        figures = [_figure(item, done) for item, done in zip(payload.media, uploaded, strict=True)
                   if not (images and done is images[0][1])]  # fmt: skip
        body: dict[str, Any] = {
            # WordPress shows a title as HTML (and an Editor may post any): escaped, it reads as typed.
            "title": html.escape(_title(payload), quote=False),
            "content": _content(payload, figures),
            "status": PUBLISH if credential.get("status") == PUBLISH else DRAFT,
            "slug": slug_for(payload),
            "tags": tags,
        }
        if featured:
            body["featured_media"] = featured
        if category:
            body["categories"] = [category]
        if payload.first_comment:
            warnings.append(_("A website post has no first comment; it was not sent."))
        try:
            response = self._call(
                credential, "POST", "/posts", write=True, session=session, json=body
            )
        except UncertainSend:
            raise  # the post may exist: the next try looks it up by its slug, media and all
        except DriverError:
            self._discard(uploaded, credential, session)
            raise
        post = response.json()
        return PublishResult(
            external_id=str(post["id"]),
            permalink=str(post.get("link") or ""),
            http_status=response.status_code,
            extra_ids=tuple(str(done["id"]) for done in uploaded),
            duration=watch.elapsed,
            warnings=tuple(warnings),
        )

    def _category(self, credential, session) -> int | None:
        slug = str(credential.get("category") or "").strip()
        if not slug:
            return None
        found = self._call(
            credential, "GET", "/categories", session=session, params={"slug": slug}
        ).json()
        if not found:
            raise PermanentError(
                gettext_lazy("The website has no category %(slug)s; choose one it has.")
                % {"slug": slug},
                platform=PLATFORM,
                code="invalid",
            )
        return int(found[0]["id"])

    def _tags(self, payload: PostPayload, credential, session) -> tuple[list[int], list[str]]:
        """The ids of the text's hashtags as the site's tags, adding the missing ones when the
        login may (otherwise the post goes without them, and says so)."""
        names = list(dict.fromkeys(HASHTAG.findall(payload.text)))[:10]
        ids, warnings = [], []
        for name in names:
            found = self._call(
                credential, "GET", "/tags", session=session, params={"search": name}
            ).json()
            match = next(
                (t for t in found if str(t.get("name", "")).casefold() == name.casefold()), None
            )
            if match is None:
                try:
                    match = self._call(
                        credential,
                        "POST",
                        "/tags",
                        write=True,
                        session=session,
                        json={"name": name},
                    ).json()
                except PermanentError as exc:
                    if exc.platform_code == "term_exists":
                        continue  # named a little differently on the site; left as it is
                    if exc.code != "forbidden":
                        raise
                    warnings.append(
                        _("The website's login may not add tags; #%(tag)s was left out.")
                        % {"tag": name}
                    )
                    continue
            ids.append(int(match["id"]))
        return ids, warnings

    def _upload(self, item: MediaItem, number: int, payload, credential, session) -> dict[str, Any]:
        key = _key(payload) or "media"
        filename = f"{key}-{number}{item.suffix or '.bin'}"
        params = {"alt_text": item.alt_text} if item.alt_text else {}
        with item.open() as stream:
            response = self._call(
                credential,
                "POST",
                "/media",
                write=True,
                session=session,
                params=params,
                data=stream,
                headers={
                    "Content-Type": item.mime_type,
                    "Content-Disposition": f'attachment; filename="{quote(filename)}"',
                },
            )
        return response.json()

    def _discard(self, uploaded: list[dict[str, Any]], credential, session) -> None:
        """Remove media a failed post will not use (media have no trash: ``force`` deletes)."""
        for done in uploaded:
            # One that cannot be removed stays in the site's library; the post was not made.
            with contextlib.suppress(DriverError):
                self._call(
                    credential,
                    "DELETE",
                    f"/media/{int(done['id'])}",
                    write=True,
                    session=session,
                    params={"force": "true"},
                )

    def find_existing(self, payload: PostPayload, credential) -> PublishResult | None:
        """The post an earlier try made: the site is asked for the delivery's slug, in any
        status (a draft too), made since the first try."""
        found = self._call(
            credential,
            "GET",
            "/posts",
            params={"slug": slug_for(payload), "status": "any", "context": "edit"},
        ).json()
        since = search_window(payload)
        for post in found:
            if parse_time(post.get("date_gmt") or post.get("date")) >= since:
                return PublishResult(
                    external_id=str(post["id"]),
                    permalink=str(post.get("link") or ""),
                    found_existing=True,
                )
        return None

    def delete(self, external_id: str, credential) -> None:
        """Move the post to the site's trash (an administrator can restore it there)."""
        try:
            self._call(credential, "DELETE", f"/posts/{int(external_id)}", write=True)
        except PermanentError as exc:
            if exc.platform_code in ("rest_post_invalid_id", "rest_already_trashed"):
                return  # already gone
            raise

    # --- reading ----------------------------------------------------------------------------

    def fetch_page(self, credential, since: datetime | None, cursor: str = "") -> NativePage:
        """One page of the site's published posts, newest first, paged by number as the REST
        API pages (``X-WP-TotalPages``)."""
        page = int(cursor) if cursor.isdigit() else 1
        params: dict[str, Any] = {"per_page": PER_PAGE, "page": page, "orderby": "date",
                                  "order": "desc", "_fields": "id,date_gmt,link,title,content"}  # fmt: skip
        if since is not None:
            params["after"] = since.strftime("%Y-%m-%dT%H:%M:%S")
        response = self._call(credential, "GET", "/posts", params=params)
        posts = []
        for post in response.json():
            created = parse_time(post["date_gmt"])
            if since is not None and created < since:
                continue
            title = _plain((post.get("title") or {}).get("rendered", ""))
            content = (post.get("content") or {}).get("rendered", "")
            images = re.findall(r'<img[^>]+src="([^"]+)"', content)
            posts.append(
                NativePost(
                    external_id=str(post["id"]),
                    text="\n\n".join(part for part in (title, _plain(content)) if part),
                    created_at=created,
                    permalink=str(post.get("link") or ""),
                    media=tuple(
                        NativeMedia(kind=MediaKind.IMAGE, url=html.unescape(u)) for u in images
                    ),
                )
            )
        pages = response.headers.get("X-WP-TotalPages", "")
        more = pages.isdigit() and page < int(pages)
        return NativePage(posts=tuple(posts), cursor=str(page + 1) if more else "")

    def fetch_recent(self, credential, since: datetime | None) -> list[NativePost]:
        return fetch_all(self.fetch_page, credential, since)

    def fetch_metrics(self, external_id: str, credential) -> PostMetrics:
        """WordPress counts comments; views need a statistics plugin the API does not name."""
        response = self._call(
            credential,
            "GET",
            "/comments",
            params={"post": int(external_id), "per_page": 1, "_fields": "id"},
        )
        total = response.headers.get("X-WP-Total", "")
        return PostMetrics(
            external_id=external_id, comments=int(total) if total.isdigit() else None
        )

    def check_credential(self, credential) -> CredentialHealth:
        try:
            me = self._call(credential, "GET", "/users/me", params={"context": "edit"}).json()
        except TokenExpired as exc:
            return CredentialHealth(state=HealthState.EXPIRED, message=str(exc))
        except RetryableError as exc:
            return CredentialHealth(state=HealthState.UNREACHABLE, message=str(exc))
        except DriverError as exc:
            return CredentialHealth(state=HealthState.EXPIRED, message=str(exc))
        capabilities = me.get("capabilities") or {}
        missing = tuple(
            (capability, str(blocks))
            for capability, blocks in NEEDED_CAPABILITIES
            if not capabilities.get(capability)
        )
        roles = ", ".join(str(role) for role in me.get("roles") or [])
        return CredentialHealth(
            state=HealthState.VALID,
            account_id=str(me.get("id") or ""),
            account_name=str(me.get("name") or credential.get("username") or ""),
            scopes=tuple(sorted(key for key, granted in capabilities.items() if granted)),
            missing=missing,
            limits=((_("WordPress role"), roles or "-"),),
        )

    def needs_refresh(self, credential) -> bool:
        return False  # an application password does not expire; it is revoked or not

    def refresh(self, credential) -> dict[str, Any]:
        raise TokenExpired(
            gettext_lazy("A website's application password cannot be renewed; make a new one."),
            refreshable=False,
        )
