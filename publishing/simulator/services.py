"""The simulator's own bookkeeping: accounts, the tokens it issues, faults, posts, the log.

Tokens are kept only as SHA-256 hashes; a post records a short fingerprint of the token it came
with. Demo tokens are derived from ``SECRET_KEY`` so that seeding twice gives the same ones.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import math
import mimetypes
import secrets
import string
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image

from .models import Account, Fault, Media, Post, Request, Token, token_fingerprint, token_hash

# handle, display name, platform id -- the regency's accounts on each platform. Instagram
# accounts publish at most 50 posts in 24 hours (IG User Media Publish reference).
DEMO_ACCOUNTS: list[dict[str, Any]] = [
    # A person who administers the Pages (the Facebook login dialog signs in as them).
    {"platform": "facebook", "kind": Account.Kind.FB_USER, "handle": "admin.mediacenter",
     "name": "Admin Media Center", "external_id": "100090000000001"},
    {"platform": "facebook", "kind": Account.Kind.PAGE, "handle": "MediaCenterBJN",
     "name": "Media Center Bojonegoro", "external_id": "100090000000101"},
    {"platform": "facebook", "kind": Account.Kind.PAGE, "handle": "PemkabBojonegoro",
     "name": "Pemerintah Kabupaten Bojonegoro", "external_id": "100090000000102"},
    {"platform": "facebook", "kind": Account.Kind.PAGE, "handle": "DiskominfoBojonegoro",
     "name": "Dinas Kominfo Bojonegoro", "external_id": "100090000000103"},
    {"platform": "instagram", "kind": Account.Kind.INSTAGRAM, "handle": "mediacenterbojonegoro",
     "name": "Media Center Bojonegoro", "external_id": "17841400000000101",
     "linked_page": "MediaCenterBJN", "quota_total": 50},
    {"platform": "instagram", "kind": Account.Kind.INSTAGRAM, "handle": "bojonegorokab",
     "name": "Pemkab Bojonegoro", "external_id": "17841400000000102",
     "linked_page": "PemkabBojonegoro", "quota_total": 50},
    {"platform": "instagram", "kind": Account.Kind.INSTAGRAM, "handle": "kominfobojonegoro",
     "name": "Dinas Kominfo Bojonegoro", "external_id": "17841400000000103",
     "linked_page": "DiskominfoBojonegoro", "quota_total": 50},
    {"platform": "x", "kind": Account.Kind.X_USER, "handle": "mediacenterBJN",
     "name": "Media Center BJN", "external_id": "1500000000000000101"},
    {"platform": "x", "kind": Account.Kind.X_USER, "handle": "PemkabBjn",
     "name": "Pemkab Bojonegoro", "external_id": "1500000000000000102"},
    {"platform": "x", "kind": Account.Kind.X_USER, "handle": "KominfoBjn",
     "name": "Kominfo Bojonegoro", "external_id": "1500000000000000103"},
    # The office's Business Manager: a System User whose token runs the boosts, and the ad
    # accounts it may use (Marketing API). Currency IDR; one authorised for ads about social
    # issues, one without that authorisation, one disabled by Meta.
    {"platform": "facebook", "kind": Account.Kind.SYSTEM_USER, "handle": "portal.boosts",
     "name": "Portal Media Center (System User)", "external_id": "100090000000901"},
    {"platform": "facebook", "kind": Account.Kind.AD_ACCOUNT, "handle": "act_1000000000001",
     "name": "Dinas Kominfo Bojonegoro", "external_id": "act_1000000000001",
     "manager": "portal.boosts",
     "extra": {"currency": "IDR", "account_status": 1, "issues_authorized": True}},
    {"platform": "facebook", "kind": Account.Kind.AD_ACCOUNT, "handle": "act_1000000000002",
     "name": "Bagian Prokopim Bojonegoro", "external_id": "act_1000000000002",
     "manager": "portal.boosts",
     "extra": {"currency": "IDR", "account_status": 1, "issues_authorized": False}},
    {"platform": "facebook", "kind": Account.Kind.AD_ACCOUNT, "handle": "act_1000000000003",
     "name": "Akun Iklan Lama Diskominfo", "external_id": "act_1000000000003",
     "manager": "portal.boosts",
     "extra": {"currency": "IDR", "account_status": 2, "disable_reason": 1,
               "issues_authorized": True}},
]  # fmt: skip

X_TOKEN_SECONDS = 7200
X_SCOPES = "tweet.read tweet.write users.read media.write offline.access"


# --- accounts and demo secrets ------------------------------------------------------------------


def _derive(*parts: str, length: int = 40, alphabet: str = string.ascii_letters + string.digits):
    digest = hmac.new(settings.SECRET_KEY.encode(), ":".join(parts).encode(), hashlib.sha512)
    number = int.from_bytes(digest.digest(), "big")
    out = []
    while len(out) < length:
        number, index = divmod(number, len(alphabet))
        out.append(alphabet[index])
        if number == 0:
            digest = hmac.new(digest.digest(), b"more", hashlib.sha512)
            number = int.from_bytes(digest.digest(), "big")
    return "".join(out)


def demo_password(account: Account) -> str:
    return "Sim-" + _derive("password", account.platform, account.handle, length=14)


@transaction.atomic
def seed_accounts() -> list[Account]:
    """Create the demo accounts (idempotent)."""
    accounts = {}
    for spec in DEMO_ACCOUNTS:
        spec = dict(spec)
        linked = spec.pop("linked_page", None)
        manager = spec.pop("manager", None)
        # By the platform's id: a demo account renamed since an earlier seed keeps its row.
        account, _created = Account.objects.get_or_create(
            external_id=spec["external_id"], defaults=spec
        )
        account.handle = spec["handle"]
        if linked:
            account.linked_page = accounts[("facebook", linked)]
        if account.kind == Account.Kind.PAGE:
            account.manager = accounts[("facebook", "admin.mediacenter")]
        if manager:
            account.manager = accounts[("facebook", manager)]
        if account.platform == "instagram" and not account.password_hash:
            account.password_hash = _password_digest(demo_password(account))
        account.save()
        accounts[(account.platform, account.handle)] = account
    return list(accounts.values())


def account_by_handle(platform: str, handle: str) -> Account:
    found = Account.objects.filter(platform=platform, handle__iexact=handle).first()
    if found is None:
        seed_accounts()
        found = Account.objects.get(platform=platform, handle__iexact=handle)
    return found


def issue_token(
    account: Account,
    kind: str,
    *,
    value: str | None = None,
    lifetime: timedelta | None = None,
    **extra: Any,
) -> str:
    value = value or _random_token(account.platform, kind)
    Token.objects.get_or_create(
        token_hash=token_hash(value),
        defaults={
            "account": account,
            "kind": kind,
            "fingerprint": token_fingerprint(value),
            "expires_at": timezone.now() + lifetime if lifetime else None,
            **extra,
        },
    )
    return value


def _random_token(platform: str, kind: str) -> str:
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(60))
    if platform in ("facebook", "instagram") and kind == "access":
        return "EAAG" + body
    return body


# Every permission the portal's Facebook Login asks for: the demo accounts granted them all.
META_SCOPES = (
    "pages_show_list,pages_read_engagement,pages_manage_posts,pages_manage_engagement,"
    "read_insights,business_management,instagram_basic,instagram_content_publish,"
    "instagram_manage_comments,instagram_manage_insights,ads_read,ads_management"
)


def scope_string(*, granted, declined=()) -> str:
    """A Graph token's grants as kept on the token: granted names, declined ones marked ``-``."""
    return ",".join([*granted, *(f"-{name}" for name in declined)])


def token_scopes(token: Token) -> set[str]:
    """What the token was granted (Graph tokens list them by comma, X by space)."""
    names = token.scopes.replace(" ", ",").split(",")
    return {name for name in names if name and not name.startswith("-")}


def token_declined(token: Token) -> set[str]:
    names = token.scopes.replace(" ", ",").split(",")
    return {name[1:] for name in names if name.startswith("-")}


def graph_token(account: Account, *, scopes: str = META_SCOPES, value: str | None = None) -> str:
    """An access token of a Page (or a Facebook user) carrying ``scopes``."""
    value = issue_token(account, "access", value=value, scopes=scopes)
    Token.objects.filter(token_hash=token_hash(value)).exclude(scopes=scopes).update(scopes=scopes)
    return value


# What the office's System User was granted: the Marketing API and the Pages it advertises for.
ADS_SCOPES = "ads_management,ads_read,business_management,pages_read_engagement,pages_show_list"


def demo_ads_credential() -> dict[str, Any]:
    """The vault's secret of the demo System User token (the boosts' ad accounts)."""
    user = account_by_handle("facebook", "portal.boosts")
    token = graph_token(
        user, scopes=ADS_SCOPES, value="EAAG" + _derive("system", user.handle, length=80)
    )
    return {"access_token": token}


def demo_credential(platform: str, handle: str, *, driver: str = "") -> dict[str, Any]:
    """A working secret for one demo account, as the vault would hold it for ``driver``."""
    account = account_by_handle(platform, handle)
    if platform == "facebook":
        token = graph_token(account, value="EAAG" + _derive("page", account.handle, length=80))
        return {"page_id": account.external_id, "access_token": token}
    if platform == "x":
        access = issue_token(
            account,
            "access",
            value=_derive("x-access", account.handle, length=60),
            lifetime=timedelta(seconds=X_TOKEN_SECONDS),
            client_id=settings.X_CLIENT_ID,
            scopes=X_SCOPES,
        )
        refresh = issue_token(
            account,
            "refresh",
            value=_derive("x-refresh", account.handle, length=60),
            client_id=settings.X_CLIENT_ID,
            scopes=X_SCOPES,
        )
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_at": time.time() + X_TOKEN_SECONDS,
            "user_id": account.external_id,
            "username": account.handle,
            "scope": X_SCOPES,
        }
    if driver == "instagram_private":
        return {"username": account.handle, "password": demo_password(account), "settings": {}}
    page = account.linked_page
    token = graph_token(page, value="EAAG" + _derive("page", page.handle, length=80))
    return {"ig_user_id": account.external_id, "page_id": page.external_id, "access_token": token}


def _password_digest(password: str) -> str:
    # The simulator's accounts are make-believe: a keyed digest is enough (and fast to seed).
    return hmac.new(settings.SECRET_KEY.encode(), password.encode(), hashlib.sha256).hexdigest()


def check_account_password(account: Account, password: str) -> bool:
    return bool(account.password_hash) and hmac.compare_digest(
        account.password_hash, _password_digest(password)
    )


# --- who is calling -----------------------------------------------------------------------------


@dataclass
class Caller:
    account: Account
    token: Token
    fingerprint: str


class TokenProblem(Exception):
    def __init__(self, reason: str):
        self.reason = reason  # "missing", "invalid", "expired"
        super().__init__(reason)


def caller_for(value: str, *, kinds: tuple[str, ...] = ("access",)) -> Caller:
    if not value:
        raise TokenProblem("missing")
    token = (
        Token.objects.select_related("account")
        .filter(token_hash=token_hash(value), kind__in=kinds)
        .first()
    )
    if token is None or token.revoked:
        raise TokenProblem("invalid")
    if token.expires_at is not None and token.expires_at <= timezone.now():
        raise TokenProblem("expired")
    return Caller(account=token.account, token=token, fingerprint=token.fingerprint)


def expire_tokens(account: Account) -> int:
    """Make every access token and session of the account expire now (one-shot fault)."""
    return Token.objects.filter(account=account, kind__in=["access", "session"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


# --- faults -------------------------------------------------------------------------------------

AFTER_ACCEPT = {Fault.Mode.SLOW, Fault.Mode.ACCEPT_THEN_FAIL, Fault.Mode.DROP_CONNECTION}
STATES = {Fault.Mode.QUOTA_FULL, Fault.Mode.NARROW_SCOPE}


MAX_FAULT_DELAY = 300.0


def set_fault(account: Account, *, mode: str, **options: Any) -> Fault:
    delay = options.get("delay")
    if delay is not None and not (
        isinstance(delay, int | float) and math.isfinite(delay) and 0 <= delay <= MAX_FAULT_DELAY
    ):
        # A web thread sleeps this long: not forever (inf), not a crash (nan).
        raise ValidationError({"delay": f"between 0 and {MAX_FAULT_DELAY:g} seconds"})
    fault = Fault(account=account, mode=mode, **options)
    fault.full_clean()
    fault.save()
    return fault


def clear_faults(account: Account) -> None:
    Fault.objects.filter(account=account).delete()


def take_fault(account: Account | None, operation: str) -> Fault | None:
    """The fault this request meets, counted down once; ``operation`` is read, write or publish."""
    if account is None:
        return None
    scopes = {
        "read": ["all", "read"],
        "write": ["all", "write"],
        "publish": ["all", "write", "publish"],
    }
    candidates = Fault.objects.filter(account=account, scope__in=scopes[operation]).filter(
        Q(remaining__isnull=True) | Q(remaining__gt=0)
    )
    if operation != "publish":
        candidates = candidates.exclude(mode__in=AFTER_ACCEPT)
    for fault in candidates.exclude(mode__in=STATES):
        if fault.remaining is None:
            return fault
        taken = Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
        if taken:
            return fault
    return None


def has_state(account: Account, mode: str) -> bool:
    return Fault.objects.filter(account=account, mode=mode).exists()


# --- what was received --------------------------------------------------------------------------


def new_id(digits: int = 17) -> str:
    """A numeric id in the style of the platforms (time first, so later posts sort later)."""
    stamp = str(time.time_ns() // 1000)
    return (stamp + "".join(secrets.choice(string.digits) for _ in range(digits)))[:digits]


class MediaRefused(ValueError):
    """The bytes are not a photo or video this platform takes (whatever they were called)."""


# What each platform takes, from its documentation: Facebook Page photos (JPEG, BMP, PNG, GIF,
# TIFF) and videos; X media upload (JPEG, PNG, GIF, WEBP; MP4 and MOV); Instagram (JPEG photos,
# MP4 and MOV videos); WordPress (``get_allowed_mime_types``: JPEG, PNG, GIF, BMP, TIFF, WEBP,
# and MP4, MOV, WEBM among its videos).
IMAGE_FORMATS: dict[str, frozenset[str]] = {
    "facebook": frozenset({"JPEG", "MPO", "PNG", "GIF", "BMP", "TIFF"}),
    "x": frozenset({"JPEG", "MPO", "PNG", "GIF", "WEBP"}),
    "instagram": frozenset({"JPEG", "MPO"}),
    "website": frozenset({"JPEG", "MPO", "PNG", "GIF", "BMP", "TIFF", "WEBP"}),
}
VIDEO_TYPES: dict[str, frozenset[str]] = {
    "facebook": frozenset({"video/mp4", "video/quicktime", "video/webm"}),
    "x": frozenset({"video/mp4", "video/quicktime"}),
    "instagram": frozenset({"video/mp4", "video/quicktime"}),
    "website": frozenset({"video/mp4", "video/quicktime", "video/webm"}),
}
# Every type the simulator may have stored: the only ones its media address serves as they are.
SERVED_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff", "image/webp"}
    | {t for types in VIDEO_TYPES.values() for t in types}
)
_PIL_MIME = {"MPO": "image/jpeg"}


@dataclass
class SniffedMedia:
    kind: str  # image / video
    mime_type: str
    width: int | None
    height: int | None


def sniff_media(platform: str, data: bytes, *, expect: str = "") -> SniffedMedia:
    """What the bytes are, read from themselves (Pillow for photos, the library's own inspection
    for videos), never from a name or a declared type; ``MediaRefused`` unless it is a photo or
    video ``platform`` takes (of kind ``expect`` when given: image or video)."""
    image_format, size = None, (None, None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image_format, size = image.format, image.size
    except Exception:  # not a picture Pillow reads whole: perhaps a video
        image_format = None
    if image_format is not None:
        if image_format not in IMAGE_FORMATS.get(platform, ()) or expect == "video":
            raise MediaRefused(f"{image_format} images are not accepted here.")
        mime = _PIL_MIME.get(image_format) or Image.MIME[image_format]
        return SniffedMedia("image", mime, size[0], size[1])
    if expect == "image":
        raise MediaRefused("Not an image.")
    from assets.inspection import RefusedFile, inspect_file

    with tempfile.NamedTemporaryFile(suffix=".bin") as handle:
        handle.write(data)
        handle.flush()
        try:
            facts = inspect_file(handle.name)
        except RefusedFile as refused:
            raise MediaRefused(str(refused.message)) from None
    if facts.kind != "video" or facts.mime_type not in VIDEO_TYPES.get(platform, ()):
        raise MediaRefused(f"{facts.mime_type} is not accepted here.")
    return SniffedMedia("video", facts.mime_type, facts.width, facts.height)


def store_media(
    account: Account, data: bytes, *, mime_type: str = "", source_url: str = "", name: str = ""
) -> Media:
    """Keep a photo or video the account received. ``mime_type`` is what the sender declared:
    it only says which kind is expected; the stored type is the one the bytes show
    (``MediaRefused`` when they are not a photo or video the platform takes)."""
    expect = mime_type.split("/", 1)[0] if mime_type.startswith(("image/", "video/")) else ""
    sniffed = sniff_media(account.platform, data, expect=expect)
    extension = mimetypes.guess_extension(sniffed.mime_type) or ".bin"
    media = Media(
        account=account,
        kind=sniffed.kind,
        mime_type=sniffed.mime_type,
        width=sniffed.width,
        height=sniffed.height,
        size=len(data),
        source_url=source_url[:1000],
    )
    media.file.save(f"{name or new_id(12)}{extension}", ContentFile(data), save=False)
    media.save()
    return media


def record_post(
    account: Account,
    *,
    text: str = "",
    kind: str = "post",
    media: list[Media] | None = None,
    fingerprint: str = "",
    external_id: str = "",
    origin: str = Post.Origin.API,
    **fields: Any,
) -> Post:
    post = Post.objects.create(
        account=account,
        external_id=external_id or new_id(),
        text=text,
        kind=kind,
        token_fingerprint=fingerprint,
        origin=origin,
        **fields,
    )
    if media:
        post.media.set(media)
    return post


def log_request(
    *,
    platform: str,
    account: Account | None,
    method: str,
    path: str,
    operation: str,
    status: int,
    fault: str = "",
    fingerprint: str = "",
) -> None:
    Request.objects.create(
        platform=platform,
        account=account,
        method=method,
        path=path[:500],
        operation=operation,
        status=status,
        fault=fault,
        token_fingerprint=fingerprint,
    )


def post_as_dict(post: Post, *, media_url=lambda media: "") -> dict[str, Any]:
    return {
        "platform": post.account.platform,
        "account": post.account.handle,
        "external_id": post.external_id,
        "kind": post.kind,
        "text": post.text,
        "link": post.link,
        "parent": post.parent.external_id if post.parent_id else None,
        "reply_to": post.reply_to,
        "quote_of": post.quote_of,
        "published": post.published,
        "origin": post.origin,
        "media": [
            {
                "kind": m.kind,
                "mime_type": m.mime_type,
                "width": m.width,
                "height": m.height,
                "size": m.size,
                "url": media_url(m),
            }
            for m in post.media.all()
        ],
        "token_fingerprint": post.token_fingerprint,
        "created_at": post.created_at.isoformat(),
        "deleted": post.deleted_at is not None,
    }


def visible_posts(account: Account):
    """Posts a reader of the account sees: published, not deleted, not comments."""
    return (
        Post.objects.filter(account=account, published=True, deleted_at__isnull=True)
        .exclude(kind="comment")
        .prefetch_related("media")
    )
