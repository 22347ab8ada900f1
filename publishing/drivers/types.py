"""What crosses the driver interface: the payload that goes in, the results that come out, the
:class:`Driver` protocol every platform driver implements, and small helpers over these types.

A driver turns a provider-neutral :class:`PostPayload` into a post on one platform through that
platform's maintained client library, and turns every failure into one of the typed errors of
``errors.py``. Credentials arrive as a plain ``dict`` (the decrypted secret of the vault); each
driver module documents the keys it reads. Drivers never store them.
"""

from __future__ import annotations

import contextlib
import enum
import mimetypes
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

from django.utils.translation import gettext_lazy as _

from .errors import PermanentError

# --- what goes in ------------------------------------------------------------------------------


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
    title: str = ""  # the post's public title, for a platform that has titles (a website)
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

    @property
    def only_some_shapes(self) -> bool:
        """Whether the platform refuses photos of some shapes, and so gets crops."""
        return bool(self.min_aspect_ratio and self.max_aspect_ratio)


# --- the interface -----------------------------------------------------------------------------


Credential = Mapping[str, Any]


@runtime_checkable
class Driver(Protocol):
    """One platform client. Every method may raise the errors above and nothing else."""

    name: str
    platform: str
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
