"""Facebook Pages through facebook-business (Meta's official SDK).

Credential keys: ``page_id`` and ``access_token`` (a Page access token; those made from a
long-lived user token do not expire), optionally ``app_secret``; without it the portal's
``FACEBOOK_APP_SECRET`` is used, and every call carries ``appsecret_proof``.

Text posts go to ``Page.create_feed``; one photo to ``/{page}/photos``; several photos are
uploaded unpublished, then attached to one feed post (``attached_media``); a video goes through
the Pages video upload on the video host (``upload_phase`` start, transfer, finish) and the
result is the id of the Page post that shows it (``post_id``), not only the video's. Photos and
videos are sent as bytes (the ``source`` file part, ``video_file_chunk``): Facebook never has to
fetch the portal's address; only an item without bytes goes by ``url`` / ``file_url``. The first
comment is ``PagePost.create_comment``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from facebook_business.adobjects.advideo import AdVideo
from facebook_business.adobjects.page import Page
from facebook_business.adobjects.pagepost import PagePost
from facebook_business.adobjects.user import User
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookRequestError
from facebook_business.session import FacebookSession

from ._graph import (
    app_secret_for,
    graph_api,
    graph_call,
    graph_page,
    login_scopes,
    missing_permissions,
    permission_uses,
)
from ._graph import setup_facts as graph_setup_facts
from .errors import DriverError, PermanentError, RetryableError, TokenExpired
from .facts import (
    AccountFacts,
    ConnectedLogin,
    ConnectTarget,
    DriverFacts,
    OAuthConnect,
    TextVariant,
)
from .http import Stopwatch, api_timeout, platform_url
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
    RepostKind,
    fetch_all,
    parse_time,
    same_text,
    search_window,
)

VIDEO_HOST = "https://graph-video.facebook.com"


@register
class FacebookPageDriver:
    name = "facebook"
    platform = "facebook"
    platform_label = "Facebook"
    facts = DriverFacts(
        label=gettext_lazy("Facebook Page (Graph API)"),
        profile_url="https://www.facebook.com/{handle}",
        oauth=OAuthConnect(
            callback="facebook",
            label="Facebook",
            setup_template="publishing/channels/setup/meta.html",
            setup_facts=graph_setup_facts,
        ),
        account_keys=("page_id", None),
        handle_prefix="",
        variant=TextVariant(gettext_lazy("Text for Facebook"), max_length=63206),
        mark="FB",
    )

    @staticmethod
    def credential_from(secret: dict[str, Any], account: AccountFacts) -> dict[str, Any]:
        """The vault's token with the Page it opens (the channel's account id)."""
        secret.setdefault("page_id", account.external_id)
        return secret

    limits = PlatformLimits(
        max_text_length=63206,
        max_media=10,
        max_images=10,
        max_videos=1,
        image_types=("image/jpeg", "image/png", "image/gif", "image/webp"),
        video_types=("video/mp4", "video/quicktime"),
        max_image_bytes=10 * 1024 * 1024,
        max_video_bytes=1024 * 1024 * 1024,
        max_video_seconds=240 * 60,
    )

    def _page(self, credential) -> Page:
        page_id = credential.get("page_id")
        if not page_id:
            raise PermanentError(gettext_lazy("The Facebook Page is not known (no page id)."))
        return Page(page_id, api=graph_api(credential, platform="facebook"))

    def _call(self, credential, operation, *, write: bool, watch=None):
        return graph_call(credential, operation, platform="facebook", write=write, watch=watch)

    def validate(self, payload: PostPayload) -> list[str]:
        problems = []
        if not payload.full_text.strip() and not payload.media and not payload.repost:
            problems.append(_("A Facebook post needs text, a link or media."))
        if len(payload.full_text) > self.limits.max_text_length:
            problems.append(_("The text is too long for Facebook."))
        if payload.videos and (payload.images or len(payload.videos) > 1):
            problems.append(_("Facebook takes one video alone, or photos, per post."))
        if len(payload.images) > self.limits.max_images:
            problems.append(_("Facebook takes at most ten photos per post here."))
        for item in payload.media:
            allowed = (
                self.limits.image_types if item.kind == MediaKind.IMAGE else self.limits.video_types
            )
            if item.mime_type not in allowed:
                problems.append(_("Facebook does not take files of type %s.") % item.mime_type)
        return problems

    def publish(self, payload: PostPayload, credential) -> PublishResult:
        problems = self.validate(payload)
        if problems:
            raise PermanentError(" ".join(problems), platform="facebook", code="invalid")
        watch = Stopwatch()
        page = self._page(credential)
        repost = payload.repost
        if repost and repost.kind == RepostKind.REPLY:
            target = PagePost(repost.external_id, api=page.get_api())
            answer = self._call(
                credential,
                lambda: target.create_comment(params={"message": payload.full_text}),
                write=True,
            )
            return self._result(answer["id"], watch)
        if payload.videos:
            external_id = self._video(page, payload, credential)
        elif len(payload.images) == 1:
            external_id = self._photo(page, payload.images[0], payload, credential)
        elif payload.images:
            external_id = self._album(page, payload, credential)
        else:
            params: dict[str, Any] = {"message": payload.text}
            link = payload.link or (repost.url if repost else "")
            if link:
                params["link"] = link
            answer = self._call(credential, lambda: page.create_feed(params=params), write=True)
            external_id = answer["id"]
        warnings = []
        if payload.first_comment:
            post = PagePost(external_id, api=page.get_api())
            try:
                self._call(
                    credential,
                    lambda: post.create_comment(params={"message": payload.first_comment}),
                    write=True,
                )
            except DriverError as exc:
                warnings.append(_("The first comment was not posted: %s") % exc)
        return self._result(external_id, watch, warnings)

    def _result(self, external_id: str, watch, warnings=()) -> PublishResult:
        return PublishResult(
            external_id=str(external_id),
            permalink=platform_url(f"https://www.facebook.com/{external_id}"),
            http_status=200,
            duration=watch.elapsed,
            warnings=tuple(warnings),
        )

    def _upload_photo(self, page: Page, item: MediaItem, params: dict, credential, *, write: bool):
        """``POST /{page}/photos`` with the bytes as the ``source`` file part (the Pages API's
        upload), or by ``url`` when the item has no bytes here."""
        api, page_id = page.get_api(), page.get_id()
        if item.path is None and item.opener is None:
            return self._call(
                credential, lambda: page.create_photo(params={**params, "url": item.url}),
                write=write,
            )  # fmt: skip

        def send():
            with item.open() as stream:
                files = {"source": (f"photo{item.suffix or '.jpg'}", stream, item.mime_type)}
                return api.call("POST", (page_id, "photos"), params=params, files=files).json()

        return self._call(credential, send, write=write)

    def _photo(self, page: Page, item: MediaItem, payload: PostPayload, credential) -> str:
        params = {"message": payload.full_text, "published": True}
        if item.alt_text:
            params["alt_text_custom"] = item.alt_text
        answer = self._upload_photo(page, item, params, credential, write=True)
        return answer.get("post_id") or answer["id"]

    def _album(self, page: Page, payload: PostPayload, credential) -> str:
        photo_ids = []
        for item in payload.images:
            # An unpublished photo is invisible: sending it again is harmless.
            answer = self._upload_photo(page, item, {"published": False}, credential, write=False)
            photo_ids.append(answer["id"])
        params = {
            "message": payload.full_text,
            "attached_media": [{"media_fbid": photo_id} for photo_id in photo_ids],
        }
        answer = self._call(credential, lambda: page.create_feed(params=params), write=True)
        return answer["id"]

    def _video(self, page: Page, payload: PostPayload, credential) -> str:
        item = payload.videos[0]
        params = {"description": payload.full_text}
        if item.path is None and item.opener is None:
            answer = self._call(
                credential,
                lambda: page.create_video(params={**params, "file_url": item.url}),
                write=True,
            )
            video_id = answer["id"]
        else:
            video_id = self._upload_video(page, item, params, credential)
        # The Page post that shows the video has its own id; sync knows the portal's own
        # videos by it. Reading it is harmless to repeat; without it the video id stands.
        video = AdVideo(video_id, api=page.get_api())
        try:
            post_id = self._call(
                credential, lambda: video.api_get(fields=["post_id"]), write=False
            ).get("post_id")
        except DriverError:
            post_id = None
        return str(post_id or video_id)

    def _upload_video(self, page: Page, item: MediaItem, params: dict, credential) -> str:
        """The Pages video upload on the video host, in three phases: ``start`` (the file's size:
        the platform answers a session and the byte range it wants first), ``transfer`` (each
        range as ``video_file_chunk``, until the platform asks for nothing more), ``finish``
        (the post's text; the video is published). Only ``finish`` publishes: a repeated
        ``start`` or ``transfer`` leaves nothing visible."""
        api, page_id = page.get_api(), page.get_id()
        host = platform_url(VIDEO_HOST)

        def phase(fields: dict, *, files=None, write=False) -> dict:
            return self._call(
                credential,
                lambda: api.call(
                    "POST", (page_id, "videos"), params=fields, files=files, url_override=host
                ).json(),
                write=write,
            )

        def transfer(fields: dict, chunk: bytes) -> dict:
            files = {"video_file_chunk": ("chunk", chunk, "application/octet-stream")}
            try:
                return api.call(
                    "POST", (page_id, "videos"), params=fields, files=files, url_override=host
                ).json()
            except FacebookRequestError as exc:
                # 1363037: the platform holds other bytes than we thought (an earlier transfer
                # went through); it says which range it wants next (as the SDK's own uploader).
                wanted = ((exc.body() or {}).get("error") or {}).get("error_data") or {}
                if exc.api_error_subcode() == 1363037 and "start_offset" in wanted:
                    return wanted
                raise

        start = phase({"upload_phase": "start", "file_size": item.byte_size()})
        session, video_id = start["upload_session_id"], str(start["video_id"])
        begin, end = int(start["start_offset"]), int(start["end_offset"])
        with item.open() as stream:
            while begin < end:
                stream.seek(begin)
                chunk = stream.read(end - begin)
                fields = {"upload_phase": "transfer", "upload_session_id": session,
                          "start_offset": begin}  # fmt: skip
                answer = self._call(
                    credential, lambda f=fields, c=chunk: transfer(f, c), write=False
                )
                begin, end = int(answer["start_offset"]), int(answer["end_offset"])
        phase({"upload_phase": "finish", "upload_session_id": session, **params}, write=True)
        return video_id

    def _posts(self, credential, since: datetime | None, fields: list[str]):
        page = self._page(credential)
        params: dict[str, Any] = {"limit": 100}
        if since is not None:
            params["since"] = int(since.timestamp())
        return self._call(
            credential,
            lambda: list(page.get_published_posts(fields=fields, params=params)),
            write=False,
        )

    def find_existing(self, payload: PostPayload, credential) -> PublishResult | None:
        posts = self._posts(credential, search_window(payload), ["id", "message", "created_time"])
        for post in posts:
            if same_text(post.get("message", ""), payload.full_text):
                return PublishResult(
                    external_id=post["id"],
                    permalink=platform_url(f"https://www.facebook.com/{post['id']}"),
                    http_status=200,
                    found_existing=True,
                )
        return None

    def fetch_recent(self, credential, since: datetime | None) -> list[NativePost]:
        return fetch_all(self.fetch_page, credential, since)

    def fetch_page(self, credential, since: datetime | None, cursor: str = "") -> NativePage:
        """One page (up to 100) of the Page's published posts, newest first, following Graph's
        paging by cursor or by ``next`` address (:func:`graph_page`). A video's file is its
        attachment's ``media.source``; the attachment's ``url`` is the video's page."""
        page = self._page(credential)
        params: dict[str, Any] = {
            "fields": "id,message,created_time,permalink_url,attachments",
            "limit": 100,
        }
        if since is not None:
            params["since"] = int(since.timestamp())
        data, following = self._call(
            credential,
            lambda: graph_page(
                page.get_api_assured(),
                (page.get_id_assured(), "published_posts"),
                params,
                cursor,
                platform="facebook",
            ),
            write=False,
        )
        result = []
        for post in data:
            media = []
            for attachment in (post.get("attachments") or {}).get("data", []):
                items = (attachment.get("subattachments") or {}).get("data") or [attachment]
                for item in items:
                    is_video = str(item.get("media_type", "")).startswith("video")
                    found = item.get("media") or {}
                    url = found.get("source") if is_video else found.get("image", {}).get("src")
                    if url:
                        media.append(
                            NativeMedia(
                                kind=MediaKind.VIDEO if is_video else MediaKind.IMAGE, url=url
                            )
                        )
            result.append(
                NativePost(
                    external_id=post["id"],
                    text=post.get("message", ""),
                    created_at=parse_time(post["created_time"]),
                    permalink=post.get("permalink_url", ""),
                    media=tuple(media),
                )
            )
        return NativePage(posts=tuple(result), cursor=following)

    def delete(self, external_id: str, credential) -> None:
        post = PagePost(external_id, api=graph_api(credential, platform="facebook"))
        self._call(credential, lambda: post.api_delete(), write=True)

    def check_credential(self, credential) -> CredentialHealth:
        """Who the token is (the Page), read-only, and what it was granted (``debug_token``)."""
        try:
            page = self._page(credential)
            info = self._call(credential, lambda: page.api_get(fields=["id", "name"]), write=False)
        except TokenExpired as exc:
            return CredentialHealth(state=HealthState.EXPIRED, message=str(exc))
        except RetryableError as exc:
            return CredentialHealth(state=HealthState.UNREACHABLE, message=str(exc))
        except DriverError as exc:
            return CredentialHealth(state=HealthState.EXPIRED, message=str(exc))
        return health_with_grants(
            credential, platform="facebook", account_id=info["id"], name=info.get("name", "")
        )

    def fetch_metrics(self, external_id: str, credential) -> PostMetrics:
        post = PagePost(external_id, api=graph_api(credential, platform="facebook"))
        fields = ["shares", "reactions.summary(true)", "comments.summary(true)"]
        data = self._call(credential, lambda: post.api_get(fields=fields), write=False)
        data = data.export_all_data()
        return PostMetrics(
            external_id=external_id,
            likes=(data.get("reactions") or {}).get("summary", {}).get("total_count"),
            comments=(data.get("comments") or {}).get("summary", {}).get("total_count"),
            shares=(data.get("shares") or {}).get("count"),
            raw=data,
        )

    def permission_uses(self) -> list[tuple[str, Any]]:
        return permission_uses("facebook")

    def permission_gaps(self, granted) -> list[tuple[str, Any, bool]]:
        """What a login granted ``granted`` cannot do (see ``_graph.PERMISSION_BLOCKS``)."""
        return missing_permissions(granted, platform="facebook")

    @staticmethod
    def connect_start(*, redirect_uri: str) -> dict[str, str]:
        """Facebook Login for the Page: where to send the person, and the ``state`` to keep."""
        state = secrets.token_urlsafe(32)
        return {"url": oauth_start(redirect_uri=redirect_uri, state=state), "state": state}

    @staticmethod
    def connect_finish(
        *, code: str, redirect_uri: str, code_verifier: str, target: ConnectTarget
    ) -> ConnectedLogin:
        """The Page token of the channel's Page, among the Pages the person manages."""
        pages = oauth_finish(code=code, redirect_uri=redirect_uri)
        page = pick_page(pages, target, instagram=False)
        return ConnectedLogin(
            secret={"access_token": page["access_token"]},
            external_id=page["page_id"],
            granted=page.get("granted"),
        )

    def needs_refresh(self, credential) -> bool:
        return False  # Page tokens from a long-lived user token do not expire

    def refresh(self, credential) -> dict[str, Any]:
        raise TokenExpired(
            gettext_lazy("A Facebook Page token cannot be renewed here; connect the Page again."),
            platform="facebook",
        )


# --- connecting Pages (Facebook Login) -----------------------------------------------------------


def oauth_start(*, redirect_uri: str, state: str, scopes: list[str] | None = None) -> str:
    """The Facebook Login dialog the Kepala Dinas is sent to."""
    query = {
        "client_id": settings.FACEBOOK_APP_ID,
        "redirect_uri": redirect_uri,
        "state": state,
        "response_type": "code",
        "scope": ",".join(scopes or login_scopes()),
    }
    version = FacebookAdsApi.API_VERSION
    return platform_url(f"https://www.facebook.com/{version}/dialog/oauth?{urlencode(query)}")


def _norm(value: str) -> str:
    return (value or "").strip().lstrip("@").casefold()


def pick_page(pages: list[dict], target: ConnectTarget, *, instagram: bool) -> dict:
    """The Page (or the Page linked to the Instagram account) the channel is, among those the
    person manages: by the account id when the channel has one, else by handle or name.
    ``PermanentError`` when none is."""
    page = _linked_page(pages, target) if instagram else _own_page(pages, target)
    if page is None:
        names = ", ".join(page["name"] for page in pages) or _("none")
        raise PermanentError(
            _(
                "None of the Pages you manage is this channel (Pages found: %(names)s). Check "
                "the channel's account id, or sign in to Facebook as a manager of its Page."
            )
            % {"names": names},
            platform="facebook",
            code="not_this_account",
        )
    return page


def _linked_page(pages: list[dict], target: ConnectTarget) -> dict | None:
    linked = [page for page in pages if page.get("instagram")]
    for page in linked:
        if target.external_id and page["instagram"]["ig_user_id"] == target.external_id:
            return page
    if target.external_id:
        return None
    for page in linked:
        if _norm(page["instagram"].get("username", "")) == _norm(target.handle):
            return page
    return None


def _own_page(pages: list[dict], target: ConnectTarget) -> dict | None:
    for page in pages:
        if target.external_id and page["page_id"] == target.external_id:
            return page
    if target.external_id:
        return None
    matches = [
        page
        for page in pages
        if _norm(page.get("name", "")) in {_norm(target.name), _norm(target.handle)}
    ]
    if len(matches) == 1:
        return matches[0]
    return pages[0] if len(pages) == 1 else None


def _app_api(access_token: str | None = None) -> FacebookAdsApi:
    session = FacebookSession(
        access_token=access_token,
        app_secret=app_secret_for({}) if access_token else None,
        timeout=api_timeout(),
    )
    session.GRAPH = platform_url("https://graph.facebook.com")
    return FacebookAdsApi(session)


def oauth_finish(*, code: str, redirect_uri: str) -> list[dict[str, Any]]:
    """Exchange the callback's ``code`` (the caller checked ``state``) for a long-lived user
    token, then list the Pages it manages, each with its Page token and linked Instagram business
    account, and reads what the person really granted (``/me/permissions``). Returns one entry per
    Page: ``{"page_id", "name", "access_token", "granted": [permission, ...],
    "instagram": {"ig_user_id", "username"} | None}``."""
    app = {"client_id": settings.FACEBOOK_APP_ID, "client_secret": settings.FACEBOOK_APP_SECRET}
    short = graph_call(
        {},
        lambda: _app_api().call(
            "GET",
            ("oauth", "access_token"),
            params={**app, "redirect_uri": redirect_uri, "code": code},
        ),
        platform="facebook",
        write=False,
    ).json()
    long_lived = graph_call(
        short,
        lambda: _app_api().call(
            "GET",
            ("oauth", "access_token"),
            params={
                **app,
                "grant_type": "fb_exchange_token",
                "fb_exchange_token": short["access_token"],
            },
        ),
        platform="facebook",
        write=False,
    ).json()
    user = User(fbid="me", api=_app_api(long_lived["access_token"]))
    fields = ["id", "name", "access_token", "instagram_business_account{id,username}"]
    pages = graph_call(
        long_lived, lambda: list(user.get_accounts(fields=fields)), platform="facebook", write=False
    )
    answer = graph_call(
        long_lived,
        lambda: _app_api(long_lived["access_token"]).call("GET", ("me", "permissions")),
        platform="facebook",
        write=False,
    ).json()
    granted = sorted(
        row["permission"] for row in answer.get("data", []) if row.get("status") == "granted"
    )
    secrets = []
    for page in pages:
        page = page.export_all_data()
        instagram = page.get("instagram_business_account")
        secrets.append(
            {
                "page_id": page["id"],
                "name": page.get("name", ""),
                "access_token": page["access_token"],
                "granted": granted,
                "instagram": (
                    {"ig_user_id": instagram["id"], "username": instagram.get("username", "")}
                    if instagram
                    else None
                ),
            }
        )
    return secrets


# --- what a token was granted ------------------------------------------------------------------


def token_grants(access_token: str) -> dict[str, Any] | None:
    """``debug_token``'s answer on ``access_token`` (its type, validity, expiry and ``scopes``),
    asked with the app's own token; ``None`` when the portal's Facebook app is not configured."""
    app_id, secret = settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET
    if not (app_id and secret):
        return None
    session = FacebookSession(
        access_token=f"{app_id}|{secret}", app_secret=secret, timeout=api_timeout()
    )
    session.GRAPH = platform_url("https://graph.facebook.com")
    api = FacebookAdsApi(session)
    answer = graph_call(
        {"access_token": access_token},
        lambda: api.call("GET", ("debug_token",), params={"input_token": access_token}),
        platform="facebook",
        write=False,
    ).json()
    return answer.get("data") or {}


def health_with_grants(
    credential, *, platform: str, account_id: str, name: str, limits=()
) -> CredentialHealth:
    """A valid login's health with what it was granted and what is missing (and blocks what)."""
    try:
        data = token_grants(credential["access_token"])
    except DriverError as exc:
        return CredentialHealth(
            state=HealthState.VALID,
            account_id=account_id,
            account_name=name,
            message=_("The granted permissions could not be read: %s") % exc,
            limits=tuple(limits),
        )
    if data is None:
        return CredentialHealth(
            state=HealthState.VALID,
            account_id=account_id,
            account_name=name,
            message=_("The portal's Facebook app is not configured; permissions were not read."),
            limits=tuple(limits),
        )
    scopes = tuple(data.get("scopes") or ())
    gaps = missing_permissions(scopes, platform=platform)
    expires = data.get("expires_at") or 0
    return CredentialHealth(
        state=HealthState.VALID,
        account_id=account_id,
        account_name=name,
        scopes=scopes,
        expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
        missing=tuple((perm, str(blocks)) for perm, blocks, _needed in gaps),
        limits=tuple(limits),
        message=(
            _("Cannot publish: a permission it needs is missing.")
            if any(needed for _perm, _blocks, needed in gaps)
            else ""
        ),
    )
