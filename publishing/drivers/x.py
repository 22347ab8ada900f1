"""X (formerly Twitter) through tweepy's API v2 ``Client``, OAuth 2.0 user context.

Credential keys: ``access_token``, ``refresh_token`` (single-use; from the ``offline.access``
scope), ``expires_at`` (epoch seconds), ``user_id``, ``username``; ``client_id`` /
``client_secret`` of the portal's X app when they differ from the settings ``X_CLIENT_ID`` /
``X_CLIENT_SECRET``.

A quote post with media cannot carry ``quote_tweet_id`` (X answers 400: media and a quoted post
exclude each other), so such a quote is sent as a post whose text ends with the quoted post's
address; a quote without media stays a real quote.

Media go up through X's v2 media endpoints (``/2/media/upload/initialize``, ``/{id}/append``,
``/{id}/finalize``, status): the installed tweepy has no v2 media upload, so the driver sends them
on tweepy's own session with tweepy's headers and turns failures into tweepy's exceptions, exactly
as ``Client.request`` does. Every request gets a timeout (tweepy sets none) through
:class:`~publishing.drivers.http.PlatformAdapter`.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import requests
import tweepy
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from requests_oauthlib import OAuth2Session

from .errors import (
    DriverError,
    DuplicateDetected,
    PermanentError,
    QuotaDeferred,
    RateLimited,
    RetryableError,
    TokenExpired,
    UncertainSend,
)
from .facts import (
    AccountFacts,
    ConnectedLogin,
    ConnectTarget,
    DriverFacts,
    OAuthConnect,
    TextVariant,
)
from .http import (
    Stopwatch,
    excerpt_of,
    mount_platform_adapter,
    platform_url,
    redact,
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
    RepostKind,
    fetch_all,
    same_text,
    search_window,
)

API_HOST = "https://api.twitter.com"
AUTHORIZE_URL = "https://twitter.com/i/oauth2/authorize"
TOKEN_URL = "https://api.twitter.com/2/oauth2/token"  # noqa: S105 - an address
SCOPES = ["tweet.read", "tweet.write", "users.read", "media.write", "offline.access"]
# What the portal cannot do on an account whose token lacks the scope (X's OAuth 2.0 scopes,
# required per endpoint in the API reference).
SCOPE_BLOCKS = {
    "tweet.read": gettext_lazy("reading posts: publishing, sync, metrics and repost checks"),
    "tweet.write": gettext_lazy("publishing, replies, quotes, reposts and deleting"),
    "users.read": gettext_lazy("naming the account and every call made on its behalf"),
    "media.write": gettext_lazy("posts with photos or videos"),
    "offline.access": gettext_lazy(
        "renewing the access token: the account must be connected again every two hours"
    ),
}
# The 24-hour caps X reports on a 429 (per user token and per app).
DAILY_CAP_HEADERS = ("x-user-limit-24hour", "x-app-limit-24hour")
CHUNK_SIZE = 4 * 1024 * 1024
MAX_WEIGHTED = 280
# Pages of the timeline an uncertain send looks through (100 posts each) before sending again.
MAX_LOOKUP_PAGES = 10
URL_WEIGHT = 23
# X's weighting (twitter-text v3): these ranges count once, everything else twice.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_URL = re.compile(r"https?://\S+|(?<![\w@])(?:[\w-]+\.)+(?:com|id|org|net|go\.id|co|io)(?:/\S*)?")
_ZERO_WIDTH = {0x200D, 0xFE0F, 0xFE0E} | set(range(0x1F3FB, 0x1F400))


@lru_cache(maxsize=1)
def _parse_tweet():
    # The library reads its emoji table through pkg_resources, which warns on import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from twitter_text import parse_tweet

    return parse_tweet


def counted_length(text: str) -> int:
    """The length X counts for ``text`` (at most 280 in one post), by ``twitter-text-parser``, a
    Python port of X's own twitter-text library that passes its conformance suite (URLs count 23
    whatever their length, CJK and emoji count 2, an emoji sequence counts once)."""
    return _parse_tweet()(text or "").weightedLength


def weighted_length(text: str) -> int:
    """X's weighted length: links count 23, most Latin characters 1, others (CJK, emoji) 2."""
    total = 0
    position = 0
    for match in _URL.finditer(text):
        total += _weight(text[position : match.start()]) + URL_WEIGHT
        position = match.end()
    return total + _weight(text[position:])


def _weight(text: str) -> int:
    total = 0
    for char in text:
        point = ord(char)
        if point in _ZERO_WIDTH:
            continue
        total += 1 if any(low <= point <= high for low, high in _LIGHT_RANGES) else 2
    return total


def split_thread(text: str, limit: int = MAX_WEIGHTED) -> list[str]:
    """Split text into posts of at most ``limit`` weighted characters, numbered "(1/3)"."""
    if weighted_length(text) <= limit:
        return [text]
    budget = limit - 8  # room for " (12/34)"
    parts: list[str] = []
    current = ""
    for word in re.split(r"(\s+)", text):
        candidate = current + word
        if weighted_length(candidate.strip()) <= budget:
            current = candidate
            continue
        if current.strip():
            parts.append(current.strip())
        while weighted_length(word.strip()) > budget:  # a single over-long word
            cut = budget
            while weighted_length(word[:cut]) > budget:
                cut -= 1
            parts.append(word[:cut])
            word = word[cut:]
        current = word
    if current.strip():
        parts.append(current.strip())
    total = len(parts)
    return [f"{part} ({index}/{total})" for index, part in enumerate(parts, start=1)]


def _app_credentials(credential) -> tuple[str, str | None]:
    client_id = credential.get("client_id") or settings.X_CLIENT_ID
    client_secret = credential.get("client_secret") or settings.X_CLIENT_SECRET or None
    return client_id, client_secret


def setup_facts(*, redirect: str, site_origin: str) -> dict[str, Any]:
    """What the setup guide's section on the X app shows of this portal."""
    return {
        "redirect": redirect,
        "site_origin": site_origin,
        "client_id": settings.X_CLIENT_ID,
        "secret_set": bool(settings.X_CLIENT_SECRET),
        "scopes": list(SCOPES),
    }


@register
class XDriver:
    name = "x"
    platform = "x"
    platform_label = "X"
    facts = DriverFacts(
        label=gettext_lazy("X (API v2)"),
        profile_url="https://x.com/{handle}",
        oauth=OAuthConnect(
            callback="x",
            label="X",
            setup_template="publishing/channels/setup/x.html",
            setup_facts=setup_facts,
        ),
        account_keys=("user_id", "username"),
        metered=True,
        strict_video=True,
        text_length=counted_length,
        variant=TextVariant(gettext_lazy("Text for X"), max_length=25000, rows=4),
        length_note=gettext_lazy("%(length)s of %(limit)s (X counts links as 23)"),
        shortens=True,
    )

    @staticmethod
    def credential_from(secret: dict[str, Any], account: AccountFacts) -> dict[str, Any]:
        """The vault's token set with the account it opens and when its access token expires."""
        if account.external_id:
            secret.setdefault("user_id", account.external_id)
        secret.setdefault("username", account.handle.lstrip("@"))
        if account.expires_at is not None:
            secret.setdefault("expires_at", account.expires_at.timestamp())
        return secret

    limits = PlatformLimits(
        max_text_length=MAX_WEIGHTED,
        max_media=4,
        max_images=4,
        max_videos=1,
        image_types=("image/jpeg", "image/png", "image/gif", "image/webp"),
        video_types=("video/mp4", "video/quicktime"),
        max_image_bytes=5 * 1024 * 1024,
        max_video_bytes=512 * 1024 * 1024,
        max_video_seconds=140,
    )

    def __init__(
        self,
        *,
        media_poll_timeout: float = 300,
        sleep: Callable[[float], None] = time.sleep,
        on_call: Callable[[str, str], None] | None = None,
    ):
        self.media_poll_timeout = media_poll_timeout
        self.sleep = sleep
        # Called with (method, url) for every request the driver's HTTP session sends: X bills
        # per call, and the caller counts them per channel.
        self.on_call = on_call
        self.last_limits: dict[str, str] = {}
        # (label, value) pairs of the channel's call count and budget, set by the caller.
        self.usage_report: tuple[tuple[str, str], ...] = ()

    # --- the client -------------------------------------------------------------------------

    def _client(self, credential) -> tweepy.Client:
        token = credential.get("access_token")
        if not token:
            raise TokenExpired(
                gettext_lazy("The X account is not connected (no access token)."),
                platform="x",
                refreshable=bool(credential.get("refresh_token")),
            )
        client = tweepy.Client(bearer_token=token)
        mount_platform_adapter(
            client.session,
            [API_HOST, "https://api.x.com", "https://upload.twitter.com"],
            on_send=self.on_call,
        )
        client.session.hooks["response"].append(self._remember_limits)
        return client

    def _remember_limits(self, response, *args, **kwargs):
        """Keep the rate-limit headers of the latest answer (for the connection report)."""
        seen = {
            name.lower(): value
            for name, value in response.headers.items()
            if name.lower().startswith(("x-rate-limit-", "x-user-limit-", "x-app-limit-"))
        }
        if seen:
            self.last_limits = seen
        return response

    def _call(self, credential, operation, *, write: bool):
        watch = Stopwatch()
        try:
            return operation()
        except tweepy.HTTPException as exc:
            raise self._map_http(exc, credential, watch.elapsed, write=write) from None
        except requests.RequestException as exc:
            raise transport_error(
                exc, platform="x", duration=watch.elapsed, write=write, credential=credential
            ) from None

    def _map_http(self, exc: tweepy.HTTPException, credential, duration, *, write) -> DriverError:
        response = exc.response
        status = response.status_code
        message = _x_message(response, exc)
        common = {
            "platform": "x",
            "http_status": status,
            "duration": duration,
            "excerpt": excerpt_of(response, credential),
            "platform_message": redact(message, credential),
            "platform_code": exc.api_codes[0] if exc.api_codes else None,
        }
        if status == 429:
            daily = _daily_cap_reset(response.headers)
            if daily is not None:
                return QuotaDeferred(
                    gettext_lazy(
                        "The X account's 24-hour limit is reached; the post waits until it resets."
                    ),
                    retry_at=daily,
                    **common,
                )
            retry_after = None
            reset = response.headers.get("x-rate-limit-reset")
            if reset and reset.isdigit():
                retry_after = max(1.0, int(reset) - time.time())
            elif response.headers.get("Retry-After", "").isdigit():
                retry_after = float(response.headers["Retry-After"])
            return RateLimited(retry_after=retry_after, **common)
        if status == 401:
            return TokenExpired(refreshable=bool(credential.get("refresh_token")), **common)
        if status == 403 and "duplicate" in message.lower():
            return DuplicateDetected(**common)
        if status >= 500:
            return (UncertainSend if write else RetryableError)(**common)
        if status == 403:
            return PermanentError(
                gettext_lazy("X refused the post: the account may not post this."), **common
            )
        return PermanentError(gettext_lazy("X refused the request."), **common)

    # --- the interface ----------------------------------------------------------------------

    def posts_for(self, payload: PostPayload) -> list[str]:
        """The texts of the posts ``payload`` becomes, in order: one, or a thread's numbered
        parts. The composer's preview shows the same list, so preview and post agree."""
        text = self._text_of(payload)
        return split_thread(text) if payload.thread else [text]

    def validate(self, payload: PostPayload) -> list[str]:
        problems = []
        text = self._text_of(payload)
        if not text.strip() and not payload.media and not payload.repost:
            problems.append(_("A post on X needs text or media."))
        if not payload.thread and weighted_length(text) > MAX_WEIGHTED:
            problems.append(
                _("The text is %(length)d characters long for X (at most %(limit)d).")
                % {"length": weighted_length(text), "limit": MAX_WEIGHTED}
            )
        if len(payload.videos) > 1 or (payload.videos and payload.images):
            problems.append(_("X takes one video, or up to four photos, per post."))
        if len(payload.images) > 4:
            problems.append(_("X takes at most four photos per post."))
        for item in payload.media:
            allowed = (
                self.limits.image_types if item.kind == MediaKind.IMAGE else self.limits.video_types
            )
            if item.mime_type not in allowed:
                problems.append(_("X does not take files of type %s.") % item.mime_type)
        return problems

    @staticmethod
    def _links_quote(payload: PostPayload) -> bool:
        """A quote with media: X refuses ``quote_tweet_id`` next to ``media`` (400), so the
        quoted post goes as its address at the end of the text (X shows it as a link)."""
        return bool(payload.repost and payload.repost.kind == RepostKind.QUOTE and payload.media)

    def _text_of(self, payload: PostPayload) -> str:
        if not self._links_quote(payload):
            return payload.full_text
        link = payload.repost.url or f"https://x.com/i/web/status/{payload.repost.external_id}"
        return f"{payload.full_text}\n\n{link}".strip()

    def publish(self, payload: PostPayload, credential) -> PublishResult:
        problems = self.validate(payload)
        if problems:
            raise PermanentError(" ".join(problems), platform="x", code="invalid")
        watch = Stopwatch()
        client = self._client(credential)
        if payload.repost and payload.repost.kind == RepostKind.SHARE:
            target = payload.repost.external_id
            if credential.get("user_id"):
                _known_user(client, credential["user_id"])
            self._call(credential, lambda: client.retweet(target, user_auth=False), write=True)
            return PublishResult(
                external_id=target,
                permalink=self._permalink(credential, target),
                http_status=200,
                duration=watch.elapsed,
            )
        media_ids = [self._upload(client, item, credential) for item in payload.media]
        texts = self.posts_for(payload)
        options: dict[str, Any] = {}
        if payload.repost and payload.repost.kind == RepostKind.REPLY:
            options["in_reply_to_tweet_id"] = payload.repost.external_id
        elif payload.repost and payload.repost.kind == RepostKind.QUOTE and not payload.media:
            options["quote_tweet_id"] = payload.repost.external_id
        first = self._call(
            credential,
            lambda: client.create_tweet(
                text=texts[0] or None, media_ids=media_ids or None, user_auth=False, **options
            ),
            write=True,
        )
        first_id = str(first.data["id"])
        extra, warnings = self._follow_ups(client, credential, first_id, texts[1:], payload)
        return PublishResult(
            external_id=first_id,
            permalink=self._permalink(credential, first_id),
            http_status=201,
            raw_excerpt=redact(str(first.data)[:300], credential),
            extra_ids=tuple(extra),
            duration=watch.elapsed,
            warnings=tuple(warnings),
        )

    def _follow_ups(self, client, credential, first_id, rest, payload):
        """The rest of a thread and the first comment, each a reply to the one before. The
        post exists already: a failure here is reported, not raised."""
        extra, warnings = [], []
        previous = first_id
        follow = list(rest) + ([payload.first_comment] if payload.first_comment else [])
        for text in follow:
            try:
                reply = self._call(
                    credential,
                    lambda text=text, previous=previous: client.create_tweet(
                        text=text, in_reply_to_tweet_id=previous, user_auth=False
                    ),
                    write=True,
                )
            except DriverError as exc:
                warnings.append(str(exc))
                break
            previous = str(reply.data["id"])
            extra.append(previous)
        return extra, warnings

    def _permalink(self, credential, tweet_id: str) -> str:
        username = credential.get("username") or "i/web"
        return platform_url(f"https://x.com/{username}/status/{tweet_id}")

    def _upload(self, client: tweepy.Client, item: MediaItem, credential) -> str:
        """Chunked upload through the v2 media endpoints; waits for video processing."""
        size = item.byte_size()
        category = "tweet_video" if item.kind == MediaKind.VIDEO else "tweet_image"
        if item.mime_type == "image/gif":
            category = "tweet_gif"
        init = self._media_request(
            client,
            credential,
            "POST",
            "/2/media/upload/initialize",
            json={"media_type": item.mime_type, "total_bytes": size, "media_category": category},
        )
        media_id = str(init["data"]["id"])
        with item.open() as stream:
            segment = 0
            while chunk := stream.read(CHUNK_SIZE):
                self._media_request(
                    client,
                    credential,
                    "POST",
                    f"/2/media/upload/{media_id}/append",
                    data={"segment_index": str(segment)},
                    files={"media": ("blob", chunk, "application/octet-stream")},
                )
                segment += 1
        final = self._media_request(
            client, credential, "POST", f"/2/media/upload/{media_id}/finalize"
        )
        info = final.get("data", {}).get("processing_info")
        deadline = time.monotonic() + self.media_poll_timeout
        while info and info.get("state") in ("pending", "in_progress"):
            if time.monotonic() > deadline:
                raise RetryableError(
                    gettext_lazy("X is still processing the video; it will be tried again."),
                    platform="x",
                )
            # X says when to look again; asking earlier only spends (paid) calls.
            self.sleep(max(1.0, float(info.get("check_after_secs") or 1)))
            status = self._media_request(
                client,
                credential,
                "GET",
                "/2/media/upload",
                params={"command": "STATUS", "media_id": media_id},
            )
            info = status.get("data", {}).get("processing_info")
        if info and info.get("state") == "failed":
            error = info.get("error") or {}
            raise PermanentError(
                gettext_lazy("X could not process the media file."),
                platform="x",
                platform_message=str(error.get("message", "")),
                platform_code=error.get("code"),
            )
        return media_id

    def _media_request(self, client: tweepy.Client, credential, method, route, **kwargs) -> dict:
        """One call on tweepy's session with tweepy's headers, failing as ``Client.request``
        fails (the v2 media endpoints take multipart bodies, which ``Client.request`` cannot)."""

        def send():
            headers = {
                "User-Agent": client.user_agent,
                "Authorization": f"Bearer {client.bearer_token}",
            }
            with client.session.request(
                method, API_HOST + route, headers=headers, **kwargs
            ) as response:
                _raise_like_tweepy(response)
                return response.json() if response.content else {}

        return self._call(credential, send, write=method != "GET")

    def find_existing(self, payload: PostPayload, credential) -> PublishResult | None:
        client = self._client(credential)
        user_id = credential.get("user_id") or self._me(client, credential)["id"]
        since = search_window(payload)
        text = self._text_of(payload)
        wanted = split_thread(text)[0] if payload.thread else text
        token = None
        # Every page since the first try: a busy account posts more than one page meanwhile.
        for _page in range(MAX_LOOKUP_PAGES):
            found = self._call(
                credential,
                lambda token=token: client.get_users_tweets(
                    user_id,
                    start_time=since,
                    max_results=100,
                    tweet_fields=["created_at"],
                    pagination_token=token,
                    user_auth=False,
                ),
                write=False,
            )
            for tweet in found.data or []:
                if same_text(tweet.text, wanted):
                    return PublishResult(
                        external_id=str(tweet.id),
                        permalink=self._permalink(credential, str(tweet.id)),
                        http_status=200,
                        found_existing=True,
                    )
            token = (found.meta or {}).get("next_token")
            if not token:
                break
        return None

    def fetch_recent(self, credential, since: datetime | None) -> list[NativePost]:
        return fetch_all(self.fetch_page, credential, since)

    def fetch_page(self, credential, since: datetime | None, cursor: str = "") -> NativePage:
        """One page (up to 100, the endpoint's largest) of the account's posts, newest first.
        X pages with ``meta.next_token``, given back as ``pagination_token`` with the same
        ``start_time``; no ``next_token`` means the last page. A video's files come only with
        ``media.fields=variants`` (a photo's with ``url``)."""
        client = self._client(credential)
        user_id = credential.get("user_id") or self._me(client, credential)["id"]
        params: dict[str, Any] = {
            "max_results": 100,
            "tweet_fields": ["created_at", "referenced_tweets", "attachments"],
            "expansions": ["attachments.media_keys"],
            "media_fields": ["url", "type", "preview_image_url", "width", "height", "variants"],
            "user_auth": False,
        }
        if since is not None:
            params["start_time"] = since
        if cursor:
            params["pagination_token"] = cursor
        response = self._call(
            credential, lambda: client.get_users_tweets(user_id, **params), write=False
        )
        media_by_key = {m.media_key: m for m in (response.includes or {}).get("media", [])}
        posts = []
        for tweet in response.data or []:
            references = {ref.type for ref in (tweet.referenced_tweets or [])}
            media = []
            for key in (tweet.attachments or {}).get("media_keys", []):
                item = media_by_key.get(key)
                if item is None:
                    continue
                is_video = item.type in ("video", "animated_gif")
                url, mime = (
                    _best_variant(item.data.get("variants")) if is_video else (item.url or "", "")
                )
                media.append(
                    NativeMedia(
                        kind=MediaKind.VIDEO if is_video else MediaKind.IMAGE,
                        url=url,
                        mime_type=mime,
                        width=item.width,
                        height=item.height,
                    )
                )
            posts.append(
                NativePost(
                    external_id=str(tweet.id),
                    text=tweet.text,
                    created_at=tweet.created_at or datetime.now(UTC),
                    permalink=self._permalink(credential, str(tweet.id)),
                    media=tuple(media),
                    is_reply="replied_to" in references,
                    is_repost="retweeted" in references or "quoted" in references,
                    author=credential.get("username", ""),
                )
            )
        return NativePage(
            posts=tuple(posts), cursor=str((response.meta or {}).get("next_token") or "")
        )

    def delete(self, external_id: str, credential) -> None:
        """Delete the account's own post; for a repost (whose id is the other account's post)
        undo the repost (``DELETE /2/users/:id/retweets/:source_tweet_id``) instead."""
        client = self._client(credential)
        user_id = credential.get("user_id") or self._me(client, credential)["id"]
        found = self._call(
            credential,
            lambda: client.get_tweet(external_id, tweet_fields=["author_id"], user_auth=False),
            write=False,
        )
        author = str(getattr(found.data, "author_id", "") or "") if found.data else ""
        if author and author != str(user_id):
            _known_user(client, user_id)
            self._call(
                credential, lambda: client.unretweet(external_id, user_auth=False), write=True
            )
            return
        self._call(
            credential, lambda: client.delete_tweet(external_id, user_auth=False), write=True
        )

    def _me(self, client, credential) -> dict:
        response = self._call(credential, lambda: client.get_me(user_auth=False), write=False)
        return {"id": str(response.data.id), "username": response.data.username}

    def check_credential(self, credential) -> CredentialHealth:
        expires_at = _expiry(credential)
        try:
            me = self._me(self._client(credential), credential)
        except TokenExpired as exc:
            state = HealthState.EXPIRING if exc.refreshable else HealthState.EXPIRED
            message = (
                _("The access token has expired; it will be renewed on the next use.")
                if exc.refreshable
                else str(exc)
            )
            return CredentialHealth(state=state, expires_at=expires_at, message=message)
        except RetryableError as exc:
            return CredentialHealth(state=HealthState.UNREACHABLE, message=str(exc))
        except DriverError as exc:
            return CredentialHealth(state=HealthState.EXPIRED, message=str(exc))
        granted = tuple(str(credential.get("scope") or "").split())
        # A credential from before scopes were kept says nothing: nothing is reported missing.
        missing = tuple(
            (scope, str(SCOPE_BLOCKS[scope]))
            for scope in SCOPES
            if granted and scope not in granted
        )
        return CredentialHealth(
            state=HealthState.VALID,
            account_id=me["id"],
            account_name=me["username"],
            expires_at=expires_at,
            scopes=granted,
            missing=missing,
            limits=tuple(sorted(self.last_limits.items())) + tuple(self.usage_report),
            message=_("Some permissions are missing: %s.") % ", ".join(s for s, _b in missing)
            if missing
            else "",
        )

    def fetch_metrics(self, external_id: str, credential) -> PostMetrics:
        client = self._client(credential)
        response = self._call(
            credential,
            lambda: client.get_tweet(external_id, tweet_fields=["public_metrics"], user_auth=False),
            write=False,
        )
        metrics = (response.data and response.data.public_metrics) or {}
        return PostMetrics(
            external_id=external_id,
            likes=metrics.get("like_count"),
            comments=metrics.get("reply_count"),
            shares=(metrics.get("retweet_count") or 0) + (metrics.get("quote_count") or 0),
            views=metrics.get("impression_count"),
            raw=dict(metrics),
        )

    # --- tokens ------------------------------------------------------------------------------

    @staticmethod
    def connect_start(*, redirect_uri: str) -> dict[str, str]:
        """X's authorisation with PKCE: where to send the person, the ``state`` and the
        ``code_verifier`` to keep."""
        return oauth_start(redirect_uri=redirect_uri)

    @staticmethod
    def connect_finish(
        *, code: str, redirect_uri: str, code_verifier: str, target: ConnectTarget
    ) -> ConnectedLogin:
        """The token pair (``offline.access``) of the channel's own account."""
        answer = oauth_finish(code=code, code_verifier=code_verifier, redirect_uri=redirect_uri)
        if target.external_id and answer.get("user_id") != target.external_id:
            raise PermanentError(
                _(
                    "You authorised @%(username)s, which is not this channel's account. "
                    "Sign in to X as %(handle)s and connect again."
                )
                % {"username": answer.get("username", "?"), "handle": target.display_handle},
                platform="x",
                code="not_this_account",
            )
        expires_at = answer.get("expires_at")
        return ConnectedLogin(
            secret={
                name: answer[name]
                for name in ("access_token", "refresh_token", "scope")
                if answer.get(name)
            },
            external_id=str(answer.get("user_id") or ""),
            expires_at=datetime.fromtimestamp(float(expires_at), UTC) if expires_at else None,
        )

    def needs_refresh(self, credential) -> bool:
        expires_at = _expiry(credential)
        return bool(
            credential.get("refresh_token")
            and expires_at is not None
            and expires_at <= datetime.now(UTC) + timedelta(seconds=60)
        )

    def refresh(self, credential) -> dict[str, Any]:
        """Spend the refresh token for a new pair; the caller saves it before using it."""
        refresh_token = credential.get("refresh_token")
        if not refresh_token:
            raise TokenExpired(
                gettext_lazy("The X account must be connected again (no refresh token)."),
                platform="x",
            )
        client_id, client_secret = _app_credentials(credential)
        handler = tweepy.OAuth2UserHandler(
            client_id=client_id,
            redirect_uri=None,
            scope=SCOPES,
            client_secret=client_secret,
        )
        mount_platform_adapter(handler, [API_HOST, "https://api.x.com"], on_send=self.on_call)
        # The answer as it came, before requests-oauthlib judges it: the old refresh token is
        # spent the moment X answers, so a new pair in the answer must reach the caller even
        # when the library then raises (e.g. oauthlib's "Scope has changed" Warning when X
        # grants fewer scopes than asked).
        answered: dict[str, Any] = {}

        def keep_answer(response):
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and body.get("access_token"):
                answered.update(body)
            return response

        handler.register_compliance_hook("refresh_token_response", keep_answer)
        watch = Stopwatch()
        try:
            token = handler.refresh_token(
                TOKEN_URL,
                refresh_token=refresh_token,
                auth=handler.auth,
                client_id=client_id,
                include_client_id=handler.auth is None,
            )
        except requests.RequestException as exc:
            raise transport_error(
                exc, platform="x", duration=watch.elapsed, write=True, credential=credential
            ) from None
        except Exception as exc:  # oauthlib's errors: refused, or judged after it was granted
            if answered:
                return _token_secret(answered, credential)
            raise TokenExpired(
                gettext_lazy("X refused to renew the access token; connect the account again."),
                platform="x",
                platform_message=redact(str(exc), credential),
                duration=watch.elapsed,
            ) from None
        return _token_secret(answered or token, credential)


def _known_user(client: tweepy.Client, user_id: str) -> None:
    """Tell tweepy the account's id, which the vault already knows: otherwise it asks
    ``/2/users/me`` before every repost or undo (one more billed call)."""
    client._get_authenticating_user_id = lambda **kwargs: str(user_id)


def _daily_cap_reset(headers) -> datetime | None:
    """When a 429 comes from a spent 24-hour cap (user or app), the time it resets."""
    resets = []
    for prefix in DAILY_CAP_HEADERS:
        remaining = headers.get(f"{prefix}-remaining")
        reset = headers.get(f"{prefix}-reset")
        if remaining is not None and remaining.strip() == "0" and reset and reset.isdigit():
            resets.append(datetime.fromtimestamp(int(reset), UTC))
    return max(resets) if resets else None


def _token_secret(token: dict, previous: Any = None) -> dict[str, Any]:
    previous = dict(previous or {})
    expires_in = token.get("expires_in")
    expires_at = token.get("expires_at") or (
        time.time() + float(expires_in) if expires_in else None
    )
    secret = {
        **previous,
        "access_token": token["access_token"],
        "refresh_token": token.get("refresh_token") or previous.get("refresh_token", ""),
        "expires_at": expires_at,
        "scope": " ".join(token["scope"])
        if isinstance(token.get("scope"), list)
        else token.get("scope", ""),
    }
    return secret


def _expiry(credential) -> datetime | None:
    value = credential.get("expires_at")
    if not value:
        return None
    return datetime.fromtimestamp(float(value), UTC)


def _x_message(response: requests.Response, exc: tweepy.HTTPException | None = None) -> str:
    messages = list(exc.api_messages) if exc is not None else []
    try:
        body = response.json()
    except ValueError:
        body = {}
    if isinstance(body, dict):
        for key in ("detail", "title"):
            if body.get(key) and body[key] not in messages:
                messages.append(str(body[key]))
    return "; ".join(messages) or f"{response.status_code} {response.reason}"


def _raise_like_tweepy(response: requests.Response) -> None:
    status = response.status_code
    errors = {
        400: tweepy.BadRequest,
        401: tweepy.Unauthorized,
        403: tweepy.Forbidden,
        404: tweepy.NotFound,
    }
    if status in errors:
        raise errors[status](response)
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset")
        raise tweepy.TooManyRequests(response, reset_time=int(reset) if reset else None)
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    if not 200 <= status < 300:
        raise tweepy.HTTPException(response)


# --- connecting an account (OAuth 2.0 with PKCE) -------------------------------------------------


def oauth_start(*, redirect_uri: str, client_id: str = "", client_secret: str = "") -> dict:
    """Where to send the Kepala Dinas to authorise the portal, with the ``state`` and the PKCE
    ``code_verifier`` the caller keeps (in the session) until the callback."""
    handler = tweepy.OAuth2UserHandler(
        client_id=client_id or settings.X_CLIENT_ID,
        redirect_uri=redirect_uri,
        scope=SCOPES,
        client_secret=client_secret or settings.X_CLIENT_SECRET or None,
    )
    # tweepy's get_authorization_url() keeps the verifier to itself; the caller must store it
    # between the two requests, so it is made here and handed to requests-oauthlib directly.
    verifier = secrets.token_urlsafe(96)[:128]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    url, state = OAuth2Session.authorization_url(
        handler,
        AUTHORIZE_URL,
        code_challenge=challenge.decode().rstrip("="),
        code_challenge_method="S256",
    )
    return {"url": platform_url(url), "state": state, "code_verifier": verifier}


def oauth_finish(
    *,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    client_id: str = "",
    client_secret: str = "",
) -> dict[str, Any]:
    """Exchange the callback's ``code`` for the token pair and name the account it belongs to.

    The caller has checked ``state`` already. Returns the secret to store in the vault.
    """
    client_id = client_id or settings.X_CLIENT_ID
    client_secret = client_secret or settings.X_CLIENT_SECRET or ""
    handler = tweepy.OAuth2UserHandler(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=SCOPES,
        client_secret=client_secret or None,
    )
    mount_platform_adapter(handler, [API_HOST, "https://api.x.com"])
    watch = Stopwatch()
    try:
        token = OAuth2Session.fetch_token(
            handler,
            TOKEN_URL,
            code=code,
            auth=handler.auth,
            include_client_id=True,
            code_verifier=code_verifier,
        )
    except requests.RequestException as exc:
        raise transport_error(exc, platform="x", duration=watch.elapsed, write=True) from None
    except Exception as exc:
        raise PermanentError(
            gettext_lazy("X did not accept the authorisation; try connecting again."),
            platform="x",
            platform_message=redact(str(exc)),
            code="oauth_refused",
        ) from None
    secret = _token_secret(token)
    if client_id != settings.X_CLIENT_ID:
        secret["client_id"] = client_id
    me = XDriver()._me(XDriver()._client(secret), secret)
    secret.update(user_id=me["id"], username=me["username"])
    return secret


def _best_variant(variants: Any) -> tuple[str, str]:
    """The address and type of a video's best MP4 file among X's ``variants`` (the HLS playlist,
    ``application/x-mpegURL``, has no ``bit_rate`` and is no file to download)."""
    files = [v for v in variants or [] if v.get("url") and v.get("content_type") == "video/mp4"]
    if not files:
        return "", ""
    best = max(files, key=lambda v: v.get("bit_rate") or 0)
    return best["url"], "video/mp4"
