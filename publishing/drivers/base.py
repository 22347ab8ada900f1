"""The one interface every platform driver implements, and what crosses it.

A driver turns a provider-neutral :class:`PostPayload` into a post on one platform through that
platform's maintained client library, and turns every failure into one of the typed errors below,
which the delivery machinery maps onto its retries:

===========================  ==========================================================  ======
error                        what happened                                               retry?
===========================  ==========================================================  ======
:class:`RetryableError`      timeout before sending, connection refused, 5xx on a read,  yes,
                             429 / Facebook throttling (``retry_after`` when known)      later
:class:`UncertainSend`       the request left but its answer was lost (read timeout,     only
                             5xx on a write): it may have gone through                   after
                                                                                         ``find_existing``
:class:`DuplicateDetected`   the platform refuses a duplicate (Facebook 506, X 403):     no: look
                             an earlier try went through                                 it up
:class:`TokenExpired`        token invalid or expired; ``refreshable`` when the driver   once,
                             can renew it itself (X refresh token, Instagram re-login)   after
                                                                                         ``refresh``
:class:`ChallengeRequired`   the platform wants a person (challenge, 2FA)                no
:class:`BackOffLong`         the platform watches the account (please wait, feedback     no
                             required, Facebook 368 temporarily blocked)
:class:`QuotaDeferred`       Instagram's 24-hour publishing limit is full                at
                                                                                         ``retry_at``
:class:`PermanentError`      any other refusal (bad input, unsupported media...)         no
===========================  ==========================================================  ======

Every error carries ``user_message`` (words a person understands, translated), the platform's own
``platform_message`` and code, the HTTP status, how long the call took and a short excerpt of the
answer. None of them ever holds a token or a password: excerpts go through :func:`redact`.

**Credentials** arrive as a plain ``dict`` (the decrypted secret of the vault), decrypted by the
caller just before the call; each driver module documents the keys it reads. Drivers never store
them. When a credential must be renewed the driver does **not** renew it silently: X refresh
tokens are single-use and a lost refresh token loses the account, so renewal is the caller's
decision, made under a lock, and the new secret is saved before it is used:

1. an operation raises ``TokenExpired(refreshable=True)`` (or ``driver.needs_refresh(credential)``
   says so before the call);
2. the caller takes its lock on that credential, re-reads it (another worker may have renewed it
   meanwhile: then it simply uses the new one), otherwise calls ``driver.refresh(credential)``,
   which returns the new secret dict, and saves (commits) it;
3. the caller repeats the operation once with the new secret; a second ``TokenExpired`` is final.

:func:`call_with_refresh` does exactly this given the caller's ``load``, ``save`` and ``lock``.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import mimetypes
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, ClassVar, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter

# --- what goes in ------------------------------------------------------------------------------


class Platform(enum.StrEnum):
    FACEBOOK = "facebook"
    X = "x"
    INSTAGRAM = "instagram"


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"


@dataclass(frozen=True)
class MediaItem:
    """One photo or video to publish.

    The bytes come from ``path`` (a local file) or ``opener`` (a callable returning a readable
    binary stream, e.g. the storage's ``open``); ``url`` is an address the platform can fetch by
    itself (a signed, expiring address of the portal or the object store; Instagram's Graph API
    needs one). ``thumbnail`` is an optional poster frame of a video (JPEG).
    """

    kind: MediaKind
    mime_type: str
    path: Path | None = None
    opener: Callable[[], IO[bytes]] | None = None
    url: str = ""
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    size: int | None = None
    alt_text: str = ""
    filename: str = ""
    thumbnail: Path | None = None

    def open(self) -> IO[bytes]:
        if self.path is not None:
            return Path(self.path).open("rb")
        if self.opener is not None:
            return self.opener()
        raise PermanentError(
            _("The media file is not available to send."), code="media_missing", retryable=False
        )

    @property
    def suffix(self) -> str:
        if self.filename and Path(self.filename).suffix:
            return Path(self.filename).suffix.lower()
        if self.path is not None and Path(self.path).suffix:
            return Path(self.path).suffix.lower()
        return mimetypes.guess_extension(self.mime_type) or ""

    @contextlib.contextmanager
    def local_path(self) -> Iterator[Path]:
        """A local file with the bytes, named with the extension of its type (some libraries
        go by the name): the item's own path, or a temporary copy of the stream."""
        expected = _EXTENSIONS.get(self.mime_type) or mimetypes.guess_extension(self.mime_type)
        if self.path is not None and (
            expected is None or Path(self.path).suffix.lower() in _ALIASES.get(expected, {expected})
        ):
            yield Path(self.path)
            return
        with tempfile.TemporaryDirectory(prefix="portal-media-") as folder:
            target = Path(folder) / f"media{expected or self.suffix or '.bin'}"
            if self.path is not None:
                target.symlink_to(Path(self.path).resolve())
            else:
                with self.open() as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, length=1024 * 1024)
            yield target

    def byte_size(self) -> int:
        if self.size is not None:
            return self.size
        if self.path is not None:
            return Path(self.path).stat().st_size
        with self.open() as stream:
            stream.seek(0, 2)
            return stream.tell()


_EXTENSIONS = {"image/jpeg": ".jpg", "video/quicktime": ".mov", "video/mp4": ".mp4"}
_ALIASES = {".jpg": {".jpg", ".jpeg", ".jpe"}, ".mov": {".mov", ".qt"}}


class RepostKind(enum.StrEnum):
    REPLY = "reply"  # a reply under the target post
    QUOTE = "quote"  # a new post quoting the target (X quote, a shared link elsewhere)
    SHARE = "share"  # a plain share / repost / retweet of the target


@dataclass(frozen=True)
class Repost:
    """The post this one answers, quotes or shares (on the same platform)."""

    kind: RepostKind
    external_id: str
    url: str = ""


@dataclass(frozen=True)
class PostPayload:
    """What to publish on one account.

    ``idempotency_key`` is the delivery's own key: passed to the platform where it accepts one
    (none of the three does today), and used in logs. ``not_before`` is the time of the first
    try of this delivery: ``find_existing`` looks for the post from then on. ``thread`` lets a
    driver split text that is too long into a thread (X) instead of refusing it.
    """

    text: str = ""
    media: tuple[MediaItem, ...] = ()
    first_comment: str = ""
    link: str = ""
    idempotency_key: str = ""
    thread: bool = False
    repost: Repost | None = None
    not_before: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.media, tuple):
            object.__setattr__(self, "media", tuple(self.media))

    @property
    def full_text(self) -> str:
        """The text with the link appended, for platforms without a separate link field."""
        if self.link and self.link not in self.text:
            return f"{self.text}\n\n{self.link}".strip()
        return self.text

    @property
    def images(self) -> list[MediaItem]:
        return [m for m in self.media if m.kind == MediaKind.IMAGE]

    @property
    def videos(self) -> list[MediaItem]:
        return [m for m in self.media if m.kind == MediaKind.VIDEO]


# --- what comes out ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishResult:
    """The post as the platform created it. ``extra_ids`` are the further posts the delivery made
    (the rest of a thread, the first comment)."""

    external_id: str
    permalink: str = ""
    http_status: int | None = None
    raw_excerpt: str = ""
    extra_ids: tuple[str, ...] = ()
    duration: float | None = None
    found_existing: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class NativeMedia:
    kind: MediaKind
    url: str
    mime_type: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class NativePost:
    """A post found on an account (for sync and for reposts)."""

    external_id: str
    text: str
    created_at: datetime
    permalink: str = ""
    media: tuple[NativeMedia, ...] = ()
    is_reply: bool = False
    is_repost: bool = False
    author: str = ""

    @property
    def media_urls(self) -> list[str]:
        return [m.url for m in self.media]


@dataclass(frozen=True)
class NativePage:
    """One page of an account's posts, newest first, as the platform lists them.

    ``cursor`` is where the next (older) page starts, in the driver's own words (an X
    ``next_token``, a Graph ``after`` cursor or ``next`` address, instagrapi's ``end_cursor``);
    empty when the listing is over: the platform has no older page, or the page reached ``since``.
    The same ``since`` must be given again with the cursor.
    """

    posts: tuple[NativePost, ...] = ()
    cursor: str = ""


class HealthState(enum.StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"  # valid, but expires within the warning period
    EXPIRED = "expired"  # or revoked / password changed
    NEEDS_ATTENTION = "needs_attention"  # a challenge or 2FA waits for a person
    UNREACHABLE = "unreachable"  # the platform did not answer; nothing is known


@dataclass(frozen=True)
class CredentialHealth:
    state: HealthState
    account_id: str = ""
    account_name: str = ""
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    message: str = ""
    # (permission or scope, what its absence blocks), in the interface language
    missing: tuple[tuple[str, str], ...] = ()
    # (label, value) read from the platform: publishing quota, rate limits, call budget
    limits: tuple[tuple[str, str], ...] = ()
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ok(self) -> bool:
        return self.state in (HealthState.VALID, HealthState.EXPIRING)


@dataclass(frozen=True)
class PostMetrics:
    external_id: str
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    views: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlatformLimits:
    """What a platform accepts, for the composer's live checks and the driver's own refusal."""

    max_text_length: int
    max_media: int
    max_images: int
    max_videos: int
    needs_media: bool = False
    image_types: tuple[str, ...] = ("image/jpeg", "image/png")
    video_types: tuple[str, ...] = ("video/mp4", "video/quicktime")
    min_aspect_ratio: float | None = None  # width / height
    max_aspect_ratio: float | None = None
    max_image_bytes: int | None = None
    max_video_bytes: int | None = None
    max_video_seconds: float | None = None


# --- errors ------------------------------------------------------------------------------------


class DriverError(Exception):
    """A refusal or failure of a platform call, in words a person understands.

    ``code`` is a stable machine word (``rate_limited``, ``token_expired``...); ``user_message``
    is translated (Indonesian in the interface); ``platform_message`` / ``platform_code`` keep
    what the platform itself said.
    """

    code: ClassVar[str] = "error"
    retryable: bool = False
    default_message: ClassVar[Any] = _("The platform refused the request.")

    def __init__(
        self,
        user_message: Any = None,
        *,
        code: str | None = None,
        retryable: bool | None = None,
        platform: str = "",
        http_status: int | None = None,
        duration: float | None = None,
        excerpt: str = "",
        platform_code: Any = None,
        platform_message: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.user_message = user_message if user_message is not None else self.default_message
        if code is not None:
            self.code = code
        if retryable is not None:
            self.retryable = retryable
        self.platform = platform
        self.http_status = http_status
        self.duration = duration
        self.excerpt = excerpt[:500]
        self.platform_code = platform_code
        self.platform_message = platform_message[:500]
        self.retry_after = retry_after
        super().__init__(str(self.user_message))

    def __str__(self) -> str:
        text = str(self.user_message)
        if self.platform_message and self.platform_message not in text:
            text = f"{text} ({self.platform_message})"
        return text

    def as_dict(self) -> dict[str, Any]:
        """What a delivery attempt records (never a secret)."""
        return {
            "code": self.code,
            "retryable": self.retryable,
            "message": str(self.user_message),
            "platform": self.platform,
            "platform_code": self.platform_code,
            "platform_message": self.platform_message,
            "http_status": self.http_status,
            "duration": self.duration,
            "retry_after": self.retry_after,
            "excerpt": self.excerpt,
        }


class RetryableError(DriverError):
    code = "retryable"
    retryable = True
    default_message = _("The platform did not answer in time; the post will be tried again.")


class RateLimited(RetryableError):
    code = "rate_limited"
    default_message = _("The platform asks to slow down; the post will be tried again later.")


class UncertainSend(RetryableError):
    """The request left, its answer was lost: look the post up before sending it again."""

    code = "uncertain"
    default_message = _(
        "The platform did not confirm the post; it will be looked up before any new try."
    )


class DuplicateDetected(DriverError):
    code = "duplicate"
    default_message = _("The platform already has this post (an earlier try went through).")


class TokenExpired(DriverError):
    code = "token_expired"
    default_message = _("The access token has expired or was revoked (token kedaluwarsa).")

    def __init__(self, *args: Any, refreshable: bool = False, **kwargs: Any) -> None:
        self.refreshable = refreshable
        super().__init__(*args, **kwargs)


class ChallengeRequired(DriverError):
    code = "challenge_required"
    default_message = _(
        "The platform asks for a security check on this account; the Head of Department must "
        "sign in to the platform and confirm it."
    )


class BackOffLong(DriverError):
    code = "back_off"
    default_message = _(
        "The platform has temporarily limited this account; nothing will be sent for now."
    )


class QuotaDeferred(DriverError):
    code = "quota_deferred"
    retryable = True
    default_message = _("The account's daily publishing limit is reached; the post will wait.")

    def __init__(self, *args: Any, retry_at: datetime | None = None, **kwargs: Any) -> None:
        self.retry_at = retry_at
        super().__init__(*args, **kwargs)

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
        }


class PermanentError(DriverError):
    code = "permanent"


# --- the interface -----------------------------------------------------------------------------


Credential = Mapping[str, Any]


@runtime_checkable
class Driver(Protocol):
    """One platform client. Every method may raise the errors above and nothing else."""

    name: str
    platform: Platform
    limits: PlatformLimits

    def validate(self, payload: PostPayload) -> list[str]:
        """What the platform would refuse in this payload, in words a person understands."""

    def publish(self, payload: PostPayload, credential: Credential) -> PublishResult: ...

    def find_existing(self, payload: PostPayload, credential: Credential) -> PublishResult | None:
        """The post an earlier try of ``payload`` made, if the platform has it."""

    def fetch_page(
        self, credential: Credential, since: datetime | None, cursor: str = ""
    ) -> NativePage:
        """One page of the account's posts made at or after ``since``, newest first; ``cursor``
        (from the previous page) continues the listing where that page ended."""

    def fetch_recent(self, credential: Credential, since: datetime | None) -> list[NativePost]:
        """Every post made at or after ``since`` (:func:`fetch_all` over :meth:`fetch_page`)."""

    def delete(self, external_id: str, credential: Credential) -> None: ...

    def check_credential(self, credential: Credential) -> CredentialHealth: ...

    def fetch_metrics(self, external_id: str, credential: Credential) -> PostMetrics: ...

    def needs_refresh(self, credential: Credential) -> bool: ...

    def refresh(self, credential: Credential) -> dict[str, Any]:
        """Renew the credential and return the new secret (caller saves it under a lock)."""


_registry: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make a driver available under its ``name``."""
    _registry[cls.name] = cls
    return cls


def get_driver(name: str) -> Driver:
    """The driver registered under ``name`` (``facebook``, ``x``, ``instagram_graph``,
    ``instagram_private``), configured from the settings."""
    from . import load_all

    load_all()
    try:
        return _registry[name]()
    except KeyError:
        raise LookupError(f"No platform driver is called {name!r}.") from None


def driver_names() -> list[str]:
    from . import load_all

    load_all()
    return sorted(_registry)


def drivers_for(platform: Platform | str) -> list[str]:
    from . import load_all

    load_all()
    return sorted(name for name, cls in _registry.items() if cls.platform == platform)


T = TypeVar("T")


def call_with_refresh(
    driver: Driver,
    operation: Callable[[Credential], T],
    *,
    load: Callable[[], Credential],
    save: Callable[[dict[str, Any]], None],
    lock: Callable[[], contextlib.AbstractContextManager[Any]],
) -> T:
    """Run ``operation(credential)``, renewing the credential once if the platform says so.

    ``load`` decrypts the current secret, ``save`` encrypts and commits a new one before it is
    used, ``lock`` is held around reading, renewing and saving so that two workers never spend the
    same single-use refresh token: the second one finds the secret already renewed and uses it.
    """
    credential = load()

    def renew(stale: Credential) -> Credential:
        with lock():
            current = load()
            if dict(current) != dict(stale):
                return current  # someone renewed it while we waited for the lock
            try:
                renewed = driver.refresh(current)
            except TokenExpired as exc:
                exc.refreshable = False  # the renewal itself was refused: final
                raise
            save(renewed)
            return renewed

    if driver.needs_refresh(credential):
        credential = renew(credential)
    try:
        return operation(credential)
    except TokenExpired as exc:
        if not exc.refreshable:
            raise
        credential = renew(credential)
    try:
        return operation(credential)
    except TokenExpired as exc:
        exc.refreshable = False
        raise


# At most this many pages for one ``fetch_recent`` (a safety net: sync walks pages itself).
FETCH_ALL_MAX_PAGES = 100


def fetch_all(
    fetch_page: Callable[[Credential, datetime | None, str], NativePage],
    credential: Credential,
    since: datetime | None,
    *,
    max_pages: int = FETCH_ALL_MAX_PAGES,
) -> list[NativePost]:
    """Every post ``fetch_page`` lists from ``since``, following the platform's paging."""
    posts: list[NativePost] = []
    cursor = ""
    for _page in range(max_pages):
        page = fetch_page(credential, since, cursor)
        posts.extend(page.posts)
        cursor = page.cursor
        if not cursor:
            break
    return posts


# --- shared plumbing of the drivers ------------------------------------------------------------


def api_timeout() -> float:
    return float(getattr(settings, "SOCIAL_API_TIMEOUT", 30))


def simulator_base() -> str:
    """Where the simulator answers, or ``""`` for the real platforms."""
    return (getattr(settings, "SOCIAL_API_BASE", "") or "").rstrip("/")


# Real hosts and where the simulator plays each of them (below ``SOCIAL_API_BASE``).
SIMULATED_HOSTS: dict[str, str] = {
    "https://graph.facebook.com": "/facebook",
    "https://graph-video.facebook.com": "/facebook/video",
    "https://rupload.facebook.com": "/facebook/rupload",
    "https://www.facebook.com": "/facebook/www",
    "https://api.twitter.com": "/x",
    "https://api.x.com": "/x",
    "https://upload.twitter.com": "/x",
    "https://twitter.com": "/x/www",
    "https://x.com": "/x/www",
    "https://i.instagram.com": "/instagram",
    "https://b.i.instagram.com": "/instagram",
    "https://www.instagram.com": "/instagram/www",
}


def platform_url(url: str) -> str:
    """``url`` on the real platform, or the same address on the simulator when it is in use."""
    base = simulator_base()
    if not base:
        return url
    for real, path in SIMULATED_HOSTS.items():
        if url == real or url.startswith(real + "/") or url.startswith(real + "?"):
            return base + path + url[len(real) :]
    return url


class PlatformAdapter(HTTPAdapter):
    """A requests transport for a library's session: a timeout on every call (several libraries
    set none) and, when the simulator is in use, the platform's address rewritten to it.

    ``inner`` is the library's own transport (e.g. instagrapi's HTTP/2 one): requests to the real
    platform keep going through it; the simulator speaks plain HTTP/1.1.
    """

    def __init__(
        self,
        *,
        timeout: float,
        inner: HTTPAdapter | None = None,
        on_send: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(max_retries=0)
        self.timeout = timeout
        self.inner = inner
        self.on_send = on_send

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if self.on_send is not None:
            self.on_send(request.method, request.url)
        timeout = body_timeout(timeout or self.timeout, request)
        rewritten = platform_url(request.url)
        if rewritten != request.url:
            request.url = rewritten
            # Libraries that set Host themselves (instagrapi) would name the real platform.
            request.headers["Host"] = urlsplit(rewritten).netloc
            return super().send(request, stream, timeout or self.timeout, True, cert, proxies)
        if self.inner is not None:
            return self.inner.send(request, stream, timeout or self.timeout, verify, cert, proxies)
        return super().send(request, stream, timeout or self.timeout, verify, cert, proxies)


def body_timeout(timeout: Any, request: requests.PreparedRequest) -> Any:
    """The time to wait for an answer, grown with the size of the body sent: a platform answers
    an upload (Instagram's rupload of a whole video) only after it has taken the bytes in, so a
    fixed timeout would give up on every large video. ``SOCIAL_UPLOAD_MIN_RATE`` bytes a second
    is the slowest transfer still waited for."""
    body = request.body
    if isinstance(body, bytes | str):
        size = len(body)
    else:
        length = request.headers.get("Content-Length", "")
        size = int(length) if length.isdigit() else 0
    if not size or not isinstance(timeout, int | float):
        return timeout
    rate = float(getattr(settings, "SOCIAL_UPLOAD_MIN_RATE", 256 * 1024))
    return float(timeout) + size / rate


def mount_platform_adapter(
    session: requests.Session,
    prefixes: list[str],
    *,
    timeout: float | None = None,
    on_send: Callable[[str, str], None] | None = None,
) -> None:
    """Route ``session``'s requests to these real addresses through :class:`PlatformAdapter`;
    ``on_send(method, url)`` is called for each request it sends (a call meter)."""
    timeout = timeout if timeout is not None else api_timeout()
    for prefix in prefixes:
        inner = session.get_adapter(prefix)
        if isinstance(inner, PlatformAdapter):
            inner = inner.inner
        session.mount(prefix, PlatformAdapter(timeout=timeout, inner=inner, on_send=on_send))


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 3)


_TOKENISH = re.compile(
    r"(?i)((?:access_token|refresh_token|client_secret|appsecret_proof|password|enc_password|"
    r"authorization|sessionid|code_verifier|fb_exchange_token)[\"']?\s*[:=]\s*[\"']?)"
    r"([^\s&\"',;}]+)"
)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")


def redact(text: Any, credential: Credential | None = None) -> str:
    """``text`` without any secret: the credential's values and anything that looks like one."""
    text = "" if text is None else str(text)
    if credential:
        for value in _secret_values(credential):
            text = text.replace(value, "[redacted]")
    text = _BEARER.sub(r"\1[redacted]", text)
    return _TOKENISH.sub(r"\1[redacted]", text)


def _secret_values(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if len(value) >= 6:
            yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _secret_values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _secret_values(item)


def excerpt_of(response: requests.Response | None, credential: Credential | None = None) -> str:
    if response is None:
        return ""
    try:
        body = response.text
    except Exception:  # a streamed or undecodable body
        body = ""
    return redact(body[:500], credential)


def fingerprint(secret: str) -> str:
    """A short, non-reversible name of a token for logs (never the token)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:10]


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), when the answer carries one."""
    if not headers:
        return None
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


def transport_error(
    exc: requests.RequestException, *, platform: str, duration: float, write: bool, credential=None
) -> DriverError:
    """A requests failure before any answer: sent or not sent, that is the question."""
    detail = redact(f"{exc.__class__.__name__}: {exc}", credential)
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.InvalidURL):
        return RetryableError(platform=platform, duration=duration, excerpt=detail)
    if isinstance(exc, requests.ConnectionError) and not isinstance(
        exc, requests.exceptions.ChunkedEncodingError
    ):
        # Refused or reset: with urllib3 a reset after the body was sent is also a
        # ConnectionError, so a write stays uncertain.
        cls = UncertainSend if write else RetryableError
        return cls(platform=platform, duration=duration, excerpt=detail)
    cls = UncertainSend if write else RetryableError
    return cls(platform=platform, duration=duration, excerpt=detail)


def normalise_text(text: str) -> str:
    """Text compared loosely: platforms trim, fold whitespace and may shorten links."""
    text = unicodedata.normalize("NFC", text or "")
    text = re.sub(r"https?://\S+", "", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def same_text(a: str, b: str) -> bool:
    left, right = normalise_text(a), normalise_text(b)
    if not left or not right:
        return left == right
    # X and Instagram may truncate or append: a long common prefix counts as the same post.
    shorter = min(len(left), len(right))
    return left[:shorter] == right[:shorter] and shorter >= min(40, max(len(left), len(right)))


def search_window(payload: PostPayload, *, slack_minutes: int = 10) -> datetime:
    """From when ``find_existing`` looks: the first try of the delivery, with some slack."""
    start = payload.not_before or (datetime.now(UTC) - timedelta(days=1))
    return start - timedelta(minutes=slack_minutes)


def parse_time(value: Any) -> datetime:
    """A platform's timestamp (ISO 8601 with or without zone, or epoch seconds) as aware UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    text = str(value).replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
