"""Instagram business accounts through facebook-business (the Instagram Graph API).

Credential keys: ``ig_user_id`` and ``access_token`` (the linked Page's token), optionally
``app_secret``.

Publishing is two steps: a media container (``IGUser.create_media``), whose ``status_code`` is
polled until ``FINISHED`` (a few seconds first, then a growing pause, for at most the 5 minutes
Meta recommends), then ``IGUser.create_media_publish``. A photo container names an ``image_url``
Instagram fetches itself, so photos need a public address; a video container is made with
``upload_type=resumable`` and the bytes go to rupload.facebook.com at the ``uri`` it answers, so
videos do not. Several items make a carousel (one container per item, then a ``CAROUSEL``
container). Publishing is capped per account in a rolling 24 hours: a full quota raises
:class:`QuotaDeferred` with the time the window allows again, before anything is created.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from facebook_business.adobjects.igmedia import IGMedia
from facebook_business.adobjects.iguser import IGUser
from facebook_business.adobjects.shadowigmediabuilder import ShadowIGMediaBuilder
from facebook_business.api import FacebookAdsApi

from ..addresses import address_problem
from ._graph import graph_api, graph_call, graph_page, missing_permissions, permission_uses
from ._graph import setup_facts as graph_setup_facts
from .errors import DriverError, PermanentError, QuotaDeferred, RetryableError, TokenExpired
from .facts import (
    AccountFacts,
    ConnectedLogin,
    ConnectTarget,
    DriverFacts,
    OAuthConnect,
    TextVariant,
)
from .http import Stopwatch, api_timeout, excerpt_of, platform_url, simulator_base, transport_error
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
    same_text,
    search_window,
)

# From Instagram's IG User Media reference (tests/contracts/instagram_graph/limits.json).
RUPLOAD = "https://rupload.facebook.com"
MAX_CAPTION = 2200
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
# Video limits per kind: a single video is published as a reel; a carousel takes short videos.
REEL = {"min_seconds": 3, "max_seconds": 15 * 60, "max_bytes": 300 * 1024 * 1024}
CAROUSEL_VIDEO = {"min_seconds": 3, "max_seconds": 60, "max_bytes": 100 * 1024 * 1024}
# Container status: Meta recommends querying at most once per minute for no more than 5 minutes
# (Content Publishing, Troubleshooting). The first look comes after a few seconds, then the
# pause grows to a minute; past 5 minutes the delivery is tried again later.
POLL_FIRST = 3.0
POLL_FACTOR = 2.0
POLL_MAX = 60.0
POLL_LIMIT = 5 * 60.0
# A hashtag is "#" followed by letters, digits or "_", not inside a word ("C#", "a#b"); an
# @mention is "@" and a username, not inside a word (an e-mail address is no mention).
HASHTAG = re.compile(r"(?<![\w#&])#(?=\w*[^\W\d])\w+", re.UNICODE)
MENTION = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")


def hashtags(text: str) -> list[str]:
    return HASHTAG.findall(text or "")


def mentions(text: str) -> list[str]:
    return MENTION.findall(text or "")


def caption_problems(text: str) -> list[str]:
    """What Instagram refuses in a caption, in the one wording the composer and the driver use."""
    problems = []
    if len(text) > MAX_CAPTION:
        problems.append(
            _("The caption is too long for Instagram: %(length)d characters (at most 2,200).")
            % {"length": len(text)}
        )
    if (count := len(hashtags(text))) > MAX_HASHTAGS:
        problems.append(
            _("Instagram takes at most 30 hashtags in a caption; this one has %(count)d.")
            % {"count": count}
        )
    if (count := len(mentions(text))) > MAX_MENTIONS:
        problems.append(
            _("Instagram takes at most 20 @mentions in a caption; this one has %(count)d.")
            % {"count": count}
        )
    return problems


@register
class InstagramGraphDriver:
    name = "instagram_graph"
    platform = "instagram"
    platform_label = "Instagram"
    facts = DriverFacts(
        label=gettext_lazy("Instagram business account (Graph API)"),
        profile_url="https://www.instagram.com/{handle}/",
        oauth=OAuthConnect(
            callback="facebook",
            label="Facebook",
            setup_template="publishing/channels/setup/meta.html",
            setup_facts=graph_setup_facts,
        ),
        account_keys=("ig_user_id", None),
        strict_video=True,
        media_by_url=True,
        variant=TextVariant(gettext_lazy("Caption for Instagram"), max_length=MAX_CAPTION),
        first_media_only=True,
        mark="IG",
    )

    @staticmethod
    def credential_from(secret: dict[str, Any], account: AccountFacts) -> dict[str, Any]:
        """The vault's Page token with the Instagram account it opens."""
        secret.setdefault("ig_user_id", account.external_id)
        return secret

    limits = PlatformLimits(
        max_text_length=MAX_CAPTION,
        max_media=10,
        max_images=10,
        max_videos=10,
        needs_media=True,
        image_types=("image/jpeg",),
        video_types=("video/mp4", "video/quicktime"),
        min_aspect_ratio=0.8,
        max_aspect_ratio=1.91,
        max_image_bytes=8 * 1024 * 1024,
        # Video limits depend on the kind (reel or carousel video): see ``_video_problems``.
    )

    def __init__(
        self,
        *,
        poll_interval: float = POLL_FIRST,
        poll_timeout: float = POLL_LIMIT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.poll_interval = poll_interval  # the first pause; it doubles up to POLL_MAX
        self.poll_timeout = poll_timeout
        self.sleep = sleep
        self.clock = clock

    def _user(self, credential) -> IGUser:
        user_id = credential.get("ig_user_id")
        if not user_id:
            raise PermanentError(gettext_lazy("The Instagram account is not known (no id)."))
        return IGUser(user_id, api=graph_api(credential, platform="instagram"))

    def _call(self, credential, operation, *, write: bool):
        return graph_call(credential, operation, platform="instagram", write=write)

    def validate(self, payload: PostPayload) -> list[str]:
        problems = []
        if not payload.media:
            problems.append(_("An Instagram post needs at least one photo or video."))
        if len(payload.media) > 10:
            problems.append(_("Instagram takes at most ten photos or videos in one post."))
        problems += caption_problems(payload.full_text)
        carousel = len(payload.media) > 1
        for item in payload.media:
            problems += _item_problems(item, self.limits)
            if item.kind == MediaKind.VIDEO:
                problems += _video_problems(item, carousel=carousel)
        return problems

    def publish(self, payload: PostPayload, credential) -> PublishResult:
        problems = self.validate(payload)
        if problems:
            raise PermanentError(" ".join(problems), platform="instagram", code="invalid")
        watch = Stopwatch()
        user = self._user(credential)
        self._check_quota(user, credential)
        caption = payload.full_text
        if len(payload.media) == 1:
            container = self._container(user, payload.media[0], credential, caption=caption)
        else:
            children = [
                self._container(user, item, credential, carousel_item=True)
                for item in payload.media
            ]
            answer = self._call(
                credential,
                lambda: user.create_media(
                    params={"media_type": "CAROUSEL", "children": children, "caption": caption}
                ),
                write=False,
            )
            container = answer["id"]
        self._wait_until_finished(user, container, credential)
        published = self._call(
            credential,
            lambda: user.create_media_publish(params={"creation_id": int(container)}),
            write=True,
        )
        media_id = published["id"]
        media = IGMedia(media_id, api=user.get_api())
        permalink, warnings = "", []
        with contextlib.suppress(DriverError):  # the post exists; its address can wait
            permalink = self._call(
                credential, lambda: media.api_get(fields=["permalink"]), write=False
            ).get("permalink", "")
        if payload.first_comment:
            try:
                self._call(
                    credential,
                    lambda: media.create_comment(params={"message": payload.first_comment}),
                    write=True,
                )
            except DriverError as exc:
                warnings.append(_("The first comment was not posted: %s") % exc)
        return PublishResult(
            external_id=str(media_id),
            permalink=permalink,
            http_status=200,
            duration=watch.elapsed,
            warnings=tuple(warnings),
        )

    def _check_quota(self, user: IGUser, credential) -> None:
        fields = ["quota_usage", "config"]
        rows = self._call(
            credential, lambda: list(user.get_content_publishing_limit(fields=fields)), write=False
        )
        if not rows:
            return
        row = rows[0]
        total = (row.get("config") or {}).get("quota_total")
        usage = row.get("quota_usage") or 0
        if total and usage >= total:
            raise QuotaDeferred(
                platform="instagram",
                platform_message=f"{usage}/{total}",
                retry_at=self._window_opens(user, credential),
            )

    def _window_opens(self, user: IGUser, credential) -> datetime:
        """When the oldest post of the last 24 hours leaves the window (or an hour from now)."""
        since = datetime.now(UTC) - timedelta(hours=24)
        try:
            media = self._call(
                credential,
                lambda: list(
                    user.get_media(fields=["timestamp"], params={"since": int(since.timestamp())})
                ),
                write=False,
            )
        except DriverError:
            media = []
        times = sorted(parse_time(m["timestamp"]) for m in media if m.get("timestamp"))
        if times and times[0] + timedelta(hours=24) > datetime.now(UTC):
            return times[0] + timedelta(hours=24, minutes=1)
        return datetime.now(UTC) + timedelta(hours=1)

    def _container(
        self, user: IGUser, item: MediaItem, credential, *, caption: str = "", carousel_item=False
    ) -> str:
        params: dict[str, Any] = {}
        upload = item.kind == MediaKind.VIDEO and (item.path is not None or item.opener is not None)
        if item.kind == MediaKind.VIDEO:
            params["media_type"] = "VIDEO" if carousel_item else "REELS"
            if upload:
                # Instagram's resumable upload: the bytes go to rupload.facebook.com, so a video
                # never depends on the portal's public address.
                params["upload_type"] = "resumable"
            else:
                params["video_url"] = item.url
            if not carousel_item:
                params["share_to_feed"] = True
        else:
            params["image_url"] = item.url
            if item.alt_text:
                params["alt_text"] = item.alt_text
        if carousel_item:
            params["is_carousel_item"] = True
        elif caption:
            params["caption"] = caption
        try:
            answer = self._call(credential, lambda: user.create_media(params=params), write=False)
        except PermanentError as exc:
            if str(exc.platform_code).endswith("2207052") or exc.platform_code == 9004:
                raise _fetch_failed(item, exc) from None
            raise
        container = answer["id"]
        if upload:
            self._upload_video(answer, item, credential)
        if item.kind == MediaKind.VIDEO:
            self._wait_until_finished(user, container, credential)
        return container

    def _upload_video(self, container: dict, item: MediaItem, credential) -> None:
        """``POST`` the video's bytes to the ``uri`` the container answered (rupload), with the
        headers Meta documents: ``Authorization: OAuth``, ``offset`` and ``file_size``. Sending
        them again is harmless: nothing is published until ``media_publish``."""
        uri = container.get("uri") or (
            f"{RUPLOAD}/ig-api-upload/{FacebookAdsApi.API_VERSION}/{container['id']}"
        )
        size = item.byte_size()
        watch = Stopwatch()
        headers = {
            "Authorization": f"OAuth {credential['access_token']}",
            "offset": "0",
            "file_size": str(size),
        }
        try:
            with item.open() as stream:
                response = requests.post(
                    platform_url(uri), headers=headers, data=stream, timeout=_upload_timeout(size)
                )
        except requests.RequestException as exc:
            raise transport_error(
                exc, platform="instagram", duration=watch.elapsed, write=False,
                credential=credential,
            ) from None  # fmt: skip
        if response.status_code == 200:
            return
        excerpt = excerpt_of(response, credential)
        cls = RetryableError if response.status_code >= 500 else PermanentError
        raise cls(
            gettext_lazy("Instagram did not take the video upload."),
            platform="instagram",
            http_status=response.status_code,
            duration=watch.elapsed,
            excerpt=excerpt,
            platform_message=excerpt[:300],
        )

    def _wait_until_finished(self, user: IGUser, container: str, credential) -> None:
        builder = ShadowIGMediaBuilder(container, api=user.get_api())
        deadline = self.clock() + self.poll_timeout
        pause = self.poll_interval
        while True:
            status = self._call(
                credential, lambda: builder.api_get(fields=["status_code", "status"]), write=False
            )
            code = status.get("status_code")
            if code in ("FINISHED", "PUBLISHED"):
                return
            if code in ("ERROR", "EXPIRED"):
                raise PermanentError(
                    gettext_lazy("Instagram could not process the media."),
                    platform="instagram",
                    platform_code=code,
                    platform_message=str(status.get("status", "")),
                )
            left = deadline - self.clock()
            if left <= 0:
                raise RetryableError(
                    gettext_lazy(
                        "Instagram is still processing the media; it will be tried again."
                    ),
                    platform="instagram",
                )
            self.sleep(min(pause, left))
            pause = min(pause * POLL_FACTOR, POLL_MAX)

    def _media(self, credential, since: datetime | None, fields: list[str]):
        user = self._user(credential)
        params: dict[str, Any] = {"limit": 50}
        if since is not None:
            params["since"] = int(since.timestamp())
        return self._call(
            credential, lambda: list(user.get_media(fields=fields, params=params)), write=False
        )

    def find_existing(self, payload: PostPayload, credential) -> PublishResult | None:
        since = search_window(payload)
        for media in self._media(credential, since, ["id", "caption", "timestamp", "permalink"]):
            if same_text(media.get("caption", ""), payload.full_text):
                return PublishResult(
                    external_id=media["id"],
                    permalink=media.get("permalink", ""),
                    http_status=200,
                    found_existing=True,
                )
        return None

    def fetch_recent(self, credential, since: datetime | None) -> list[NativePost]:
        return fetch_all(self.fetch_page, credential, since)

    def fetch_page(self, credential, since: datetime | None, cursor: str = "") -> NativePage:
        """One page of the account's media, newest first (``since`` in Unix seconds, paging by
        ``cursors.after`` / ``next`` as every Graph edge: :func:`graph_page`)."""
        user = self._user(credential)
        params: dict[str, Any] = {
            "fields": "id,caption,timestamp,permalink,media_type,media_url,"
            "children{media_type,media_url}",
            "limit": 50,
        }
        if since is not None:
            params["since"] = int(since.timestamp())
        data, following = self._call(
            credential,
            lambda: graph_page(
                user.get_api_assured(),
                (user.get_id_assured(), "media"),
                params,
                cursor,
                platform="instagram",
            ),
            write=False,
        )
        posts = []
        for media in data:
            items = (media.get("children") or {}).get("data") or [media]
            posts.append(
                NativePost(
                    external_id=media["id"],
                    text=media.get("caption", ""),
                    created_at=parse_time(media["timestamp"]),
                    permalink=media.get("permalink", ""),
                    media=tuple(
                        NativeMedia(
                            kind=MediaKind.VIDEO
                            if item.get("media_type") == "VIDEO"
                            else MediaKind.IMAGE,
                            url=item.get("media_url", ""),
                        )
                        for item in items
                        if item.get("media_url")
                    ),
                )
            )
        return NativePage(posts=tuple(posts), cursor=following)

    def delete(self, external_id: str, credential) -> None:
        media = IGMedia(external_id, api=graph_api(credential, platform="instagram"))
        self._call(credential, lambda: media.api_delete(), write=True)

    def check_credential(self, credential) -> CredentialHealth:
        """Who the account is, what its login was granted, and its publishing quota (read-only:
        ``content_publishing_limit``)."""
        from .facebook import health_with_grants

        try:
            user = self._user(credential)
            info = self._call(
                credential, lambda: user.api_get(fields=["id", "username"]), write=False
            )
        except TokenExpired as exc:
            return CredentialHealth(state=HealthState.EXPIRED, message=str(exc))
        except RetryableError as exc:
            return CredentialHealth(state=HealthState.UNREACHABLE, message=str(exc))
        except DriverError as exc:
            return CredentialHealth(state=HealthState.EXPIRED, message=str(exc))
        limits = []
        try:
            rows = self._call(
                credential,
                lambda: list(user.get_content_publishing_limit(fields=["quota_usage", "config"])),
                write=False,
            )
        except DriverError as exc:
            limits.append((_("Publishing quota"), _("not readable: %s") % exc))
        else:
            if rows:
                total = (rows[0].get("config") or {}).get("quota_total")
                limits.append(
                    (
                        _("Posts published in the last 24 hours"),
                        _("%(used)s of %(total)s")
                        % {"used": rows[0].get("quota_usage") or 0, "total": total or "?"},
                    )
                )
        return health_with_grants(
            credential,
            platform="instagram",
            account_id=info["id"],
            name=info.get("username", ""),
            limits=limits,
        )

    def fetch_metrics(self, external_id: str, credential) -> PostMetrics:
        media = IGMedia(external_id, api=graph_api(credential, platform="instagram"))
        data = self._call(
            credential, lambda: media.api_get(fields=["like_count", "comments_count"]), write=False
        ).export_all_data()
        return PostMetrics(
            external_id=external_id,
            likes=data.get("like_count"),
            comments=data.get("comments_count"),
            raw=data,
        )

    def permission_uses(self) -> list[tuple[str, Any]]:
        return permission_uses("instagram")

    def permission_gaps(self, granted) -> list[tuple[str, Any, bool]]:
        """What a login granted ``granted`` cannot do (see ``_graph.PERMISSION_BLOCKS``)."""
        return missing_permissions(granted, platform="instagram")

    @staticmethod
    def connect_start(*, redirect_uri: str) -> dict[str, str]:
        """Facebook Login for the Page the Instagram business account is linked to."""
        from .facebook import FacebookPageDriver

        return FacebookPageDriver.connect_start(redirect_uri=redirect_uri)

    @staticmethod
    def connect_finish(
        *, code: str, redirect_uri: str, code_verifier: str, target: ConnectTarget
    ) -> ConnectedLogin:
        """The Page token of the Page the channel's Instagram business account is linked to."""
        from .facebook import oauth_finish, pick_page

        pages = oauth_finish(code=code, redirect_uri=redirect_uri)
        page = pick_page(pages, target, instagram=True)
        return ConnectedLogin(
            secret={"access_token": page["access_token"]},
            external_id=page["instagram"]["ig_user_id"],
            granted=page.get("granted"),
        )

    def needs_refresh(self, credential) -> bool:
        return False

    def refresh(self, credential) -> dict[str, Any]:
        raise TokenExpired(
            gettext_lazy("The Instagram account's token cannot be renewed here; connect its "
                         "Facebook Page again."),
            platform="instagram",
        )  # fmt: skip


def _item_problems(item: MediaItem, limits: PlatformLimits) -> list[str]:
    problems = []
    if item.kind == MediaKind.IMAGE and item.mime_type not in limits.image_types:
        problems.append(_("Instagram takes photos as JPEG only (this one is %s).") % item.mime_type)
    if item.kind == MediaKind.VIDEO and item.mime_type not in limits.video_types:
        problems.append(_("Instagram does not take videos of type %s.") % item.mime_type)
    # The shapes Instagram takes (``limits``' aspect ratios) are checked, and crops offered,
    # by the portal's one preflight (``publishing.checks``), before and at delivery.
    if item.kind == MediaKind.VIDEO and (item.path is not None or item.opener is not None):
        return problems  # uploaded: no address needed
    if not item.url:
        problems.append(_("Instagram fetches media by address; this item has none."))
    elif not simulator_base() and (problem := address_problem(item.url)):
        # Against the real Instagram only; the simulator plays the internet itself (and, told
        # to, refuses such addresses with Meta's own error).
        problems.append(
            _("Instagram cannot fetch the media: %(problem)s. Set ASSET_PUBLIC_BASE_URL to the "
              "portal's address on the internet.") % {"problem": problem}
        )  # fmt: skip
    return problems


def _upload_timeout(size: int) -> tuple[float, float]:
    """Connect and read timeouts of an upload: the read waits for the platform to take the whole
    body, so it grows with the size (at least 1 MB/s assumed)."""
    return (api_timeout(), api_timeout() + size / (1024 * 1024))


def _video_problems(item: MediaItem, *, carousel: bool) -> list[str]:
    limits = CAROUSEL_VIDEO if carousel else REEL
    kind = _("a video in a carousel") if carousel else _("a reel")
    problems = []
    seconds = item.duration
    if seconds is not None and not limits["min_seconds"] <= seconds <= limits["max_seconds"]:
        problems.append(
            _("Instagram takes %(kind)s of %(low)d seconds to %(high)s; “%(file)s” lasts "
              "%(length).0f seconds.")
            % {"kind": kind, "low": limits["min_seconds"], "file": item.filename or item.url,
               "high": _("15 minutes") if not carousel else _("60 seconds"), "length": seconds}
        )  # fmt: skip
    if item.size is not None and item.size > limits["max_bytes"]:
        problems.append(
            _("Instagram takes %(kind)s of at most %(limit)d MB; “%(file)s” is larger.")
            % {"kind": kind, "limit": limits["max_bytes"] // (1024 * 1024),
               "file": item.filename or item.url}
        )  # fmt: skip
    return problems


def _fetch_failed(item: MediaItem, exc: PermanentError) -> PermanentError:
    """Instagram could not download the media (9004 / 2207052): name the address, for good."""
    host = urlsplit(item.url).netloc or item.url
    return PermanentError(
        gettext_lazy(
            "Instagram could not download the media from %(host)s. The address must be reachable "
            "from the internet (check ASSET_PUBLIC_BASE_URL and the storage's address); trying "
            "again will not help until it is."
        )
        % {"host": host},
        code="media_unreachable",
        platform="instagram",
        http_status=exc.http_status,
        duration=exc.duration,
        excerpt=exc.excerpt,
        platform_code=exc.platform_code,
        platform_message=exc.platform_message,
    )
