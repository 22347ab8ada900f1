"""Instagram accounts the office holds only by username and password, through instagrapi.

Credential keys: ``username``, ``password``, ``settings`` (instagrapi's session settings: the
device and the logged-in session, so that each use does not log in afresh), ``totp_seed`` (the
account's authenticator seed: logins answer Instagram's two-factor prompt with its code),
``proxy`` (an address such as ``http://user:pass@host:port``: Instagram refuses many data-centre
addresses) and, only while a person completes a login, ``verification_code``.

The session is renewed the same way as an OAuth token (see ``registry.py``): an operation meeting
``LoginRequired`` (or a credential without a session) raises ``TokenExpired(refreshable=True)``;
``refresh`` logs in once from the stored settings and returns the new settings for the caller to
save. A two-factor prompt is answered with the code of ``totp_seed``; without a seed (or for a
challenge) it raises :class:`ChallengeRequired` with ``waiting_for`` (``two_factor`` or
``challenge``) and ``pending_settings`` (the device that met the prompt: the login is completed
from the same device with the code a person gives); "please wait" and "feedback required" raise :class:`BackOffLong`: instagrapi's own
challenge resolver (which would wait for a code on the console) is switched off.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from instagrapi import Client
from instagrapi import exceptions as ig

from .errors import (
    BackOffLong,
    ChallengeRequired,
    DriverError,
    PermanentError,
    RetryableError,
    TokenExpired,
    UncertainSend,
)
from .facts import INSTAGRAPI_SESSION, PASSWORD, AccountFacts, DriverFacts, TextVariant
from .http import Stopwatch, mount_platform_adapter, platform_url, redact
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

MAX_CAPTION = 2200


@register
class InstagramPrivateDriver:
    name = "instagram_private"
    platform = "instagram"
    platform_label = "Instagram"
    facts = DriverFacts(
        label=gettext_lazy("Instagram by username and password"),
        profile_url="https://www.instagram.com/{handle}/",
        credential_kinds=(PASSWORD, INSTAGRAPI_SESSION),
        strict_video=True,
        variant=TextVariant(gettext_lazy("Caption for Instagram"), max_length=MAX_CAPTION),
        first_media_only=True,
        mark="IG",
    )

    @staticmethod
    def credential_from(secret: dict[str, Any], account: AccountFacts) -> dict[str, Any]:
        """The vault's login; its kept session is instagrapi's ``settings``."""
        session = secret.pop("session", None)
        secret.setdefault("settings", session or {})
        return secret

    limits = PlatformLimits(
        max_text_length=MAX_CAPTION,
        max_media=10,
        max_images=10,
        max_videos=1,
        needs_media=True,
        image_types=("image/jpeg", "image/png", "image/webp"),
        video_types=("video/mp4",),
        min_aspect_ratio=0.8,
        max_aspect_ratio=1.91,
        max_video_seconds=60 * 60,
    )

    def __init__(self) -> None:
        self.last_sent = ""

    # --- the client -------------------------------------------------------------------------

    def _client(self, credential, *, session: bool = True) -> Client:
        stored = credential.get("settings") or {}
        if session and not _has_session(stored):
            raise TokenExpired(
                gettext_lazy("The Instagram account has no session yet; it will log in."),
                platform="instagram",
                refreshable=bool(credential.get("password")),
            )
        client = Client(
            settings=dict(stored) if stored else None,
            with_challenge_flow=False,
            logger=logging.getLogger("instagrapi"),
        )
        # After the stored settings: pacing and retries are the delivery machinery's business.
        client.request_timeout = settings.INSTAGRAM_PRIVATE_DELAY
        client.session_retry_total = 0
        client.username = credential.get("username")
        client.password = credential.get("password")
        hosts = [
            "https://i.instagram.com",
            "https://b.i.instagram.com",
            "https://www.instagram.com",
        ]
        mount_platform_adapter(client.private, hosts, on_send=self._sending)
        mount_platform_adapter(client.public, hosts, on_send=self._sending)
        if credential.get("proxy"):
            client.set_proxy(str(credential["proxy"]))
        return client

    def _sending(self, method: str, url: str) -> None:
        # Which request was in flight when a connection broke: a lost configure is uncertain.
        self.last_sent = url

    def _call(self, credential, operation, *, write: bool):
        watch = Stopwatch()
        try:
            return operation()
        except DriverError:
            raise
        except (ig.LoginRequired, ig.ClientLoginRequired, ig.ReloginAttemptExceeded) as exc:
            raise TokenExpired(
                gettext_lazy("The Instagram session has expired."),
                refreshable=bool(credential.get("password")),
                **_details(exc, credential, watch),
            ) from None
        except (ig.BadPassword, ig.BadCredentials) as exc:
            raise TokenExpired(
                gettext_lazy("Instagram refused the username or password; the Head of "
                             "Department must update them."),
                **_details(exc, credential, watch),
            ) from None  # fmt: skip
        except (
            ig.ChallengeError,
            ig.TwoFactorRequired,
            ig.AccountSuspended,
            ig.CaptchaChallengeRequired,
        ) as exc:
            raise ChallengeRequired(**_details(exc, credential, watch)) from None
        except (
            ig.PleaseWaitFewMinutes,
            ig.FeedbackRequired,
            ig.RateLimitError,
            ig.SentryBlock,
            ig.ClientThrottledError,
        ) as exc:
            raise BackOffLong(**_details(exc, credential, watch)) from None
        except requests.RequestException as exc:
            url = getattr(getattr(exc, "request", None), "url", "") or self.last_sent
            sent_publish = (
                write and "configure" in url and not isinstance(exc, requests.ConnectTimeout)
            )
            cls = UncertainSend if sent_publish else RetryableError
            raise cls(**_details(exc, credential, watch)) from None
        except (
            ig.ClientConnectionError,
            ig.ClientIncompleteReadError,
            ig.ClientRequestTimeout,
        ) as exc:
            # instagrapi turns a broken connection into its own errors, without the address: a
            # configure (the request that makes the post) that lost its answer may have posted.
            cls = (
                UncertainSend if write and "/media/configure" in self.last_sent else RetryableError
            )
            raise cls(**_details(exc, credential, watch)) from None
        except (ValueError, OSError) as exc:  # instagrapi refusing a file before sending it
            raise PermanentError(
                gettext_lazy("The media file could not be prepared for Instagram."),
                **_details(exc, credential, watch),
            ) from None
        except ig.ClientError as exc:
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", 0) or 0
            if status in (401, 403) and "login_required" in (getattr(response, "text", "") or ""):
                # An upload (outside instagrapi's request wrapper) met an expired session.
                raise TokenExpired(
                    gettext_lazy("The Instagram session has expired."),
                    refreshable=bool(credential.get("password")),
                    **_details(exc, credential, watch),
                ) from None
            if status >= 500:
                url = getattr(response, "url", "") or ""
                cls = UncertainSend if write and "configure" in url else RetryableError
                raise cls(**_details(exc, credential, watch)) from None
            raise PermanentError(
                gettext_lazy("Instagram refused the post."), **_details(exc, credential, watch)
            ) from None

    # --- the interface ----------------------------------------------------------------------

    def validate(self, payload: PostPayload) -> list[str]:
        problems = []
        if not payload.media:
            problems.append(_("An Instagram post needs at least one photo or video."))
        if len(payload.media) > 10:
            problems.append(_("Instagram takes at most ten photos or videos in one post."))
        if len(payload.media) > 1 and payload.videos:
            problems.append(
                _("An account signed in by password can post a video only on its own, not in "
                  "a carousel.")
            )  # fmt: skip
        if len(payload.full_text) > MAX_CAPTION:
            problems.append(_("The caption is too long for Instagram (at most 2,200 characters)."))
        for item in payload.media:
            allowed = (
                self.limits.image_types if item.kind == MediaKind.IMAGE else self.limits.video_types
            )
            if item.mime_type not in allowed:
                problems.append(_("Instagram does not take files of type %s.") % item.mime_type)
            # Shapes (``limits``' aspect ratios): checked by ``publishing.checks``.
        return problems

    def publish(self, payload: PostPayload, credential) -> PublishResult:
        problems = self.validate(payload)
        if problems:
            raise PermanentError(" ".join(problems), platform="instagram", code="invalid")
        watch = Stopwatch()
        client = self._client(credential)
        caption = payload.full_text
        with contextlib.ExitStack() as stack:
            paths = [stack.enter_context(item.local_path()) for item in payload.media]
            if payload.videos:
                thumbnail = stack.enter_context(_thumbnail(payload.videos[0], paths[0]))
                media = self._call(
                    credential,
                    lambda: client.video_upload(paths[0], caption, thumbnail=thumbnail),
                    write=True,
                )
            elif len(paths) == 1:
                media = self._call(
                    credential, lambda: client.photo_upload(paths[0], caption), write=True
                )
            else:
                media = self._call(
                    credential, lambda: client.album_upload(paths, caption), write=True
                )
        warnings = []
        if payload.first_comment:
            try:
                self._call(
                    credential,
                    lambda: client.media_comment(media.id, payload.first_comment),
                    write=True,
                )
            except DriverError as exc:
                warnings.append(_("The first comment was not posted: %s") % exc)
        return PublishResult(
            external_id=str(media.id),
            permalink=platform_url(f"https://www.instagram.com/p/{media.code}/"),
            http_status=200,
            duration=watch.elapsed,
            warnings=tuple(warnings),
        )

    def _medias(self, credential, amount: int = 20):
        client = self._client(credential)
        return self._call(
            credential, lambda: client.user_medias_v1(client.user_id, amount=amount), write=False
        )

    def find_existing(self, payload: PostPayload, credential) -> PublishResult | None:
        since = search_window(payload)
        for media in self._medias(credential):
            if parse_time(media.taken_at) >= since and same_text(
                media.caption_text, payload.full_text
            ):
                return PublishResult(
                    external_id=str(media.id),
                    permalink=platform_url(f"https://www.instagram.com/p/{media.code}/"),
                    http_status=200,
                    found_existing=True,
                )
        return None

    def fetch_recent(self, credential, since: datetime | None) -> list[NativePost]:
        return fetch_all(self.fetch_page, credential, since)

    def fetch_page(self, credential, since: datetime | None, cursor: str = "") -> NativePage:
        """One page of the account's feed, newest first, as Instagram sends it (the page size is
        Instagram's: nothing is cut off, so ``next_max_id`` continues right after it). The private
        feed has no ``since``: the listing ends at the first post older than ``since``."""
        client = self._client(credential)
        medias, following = self._call(
            credential,
            lambda: client.user_medias_paginated_v1(client.user_id, amount=0, end_cursor=cursor),
            write=False,
        )
        if following is None:
            # instagrapi answers ([], None) when it swallowed a failure (a dropped connection,
            # an unreadable answer); a listing that really ends gives "" instead.
            raise RetryableError(
                gettext_lazy(
                    "Instagram's list of posts could not be read; it will be tried again."
                ),
                platform="instagram",
            )
        posts = []
        reached_since = False
        for media in medias:
            created = parse_time(media.taken_at)
            if since is not None and created < since:
                reached_since = True
                continue
            items = media.resources or [media]
            posts.append(
                NativePost(
                    external_id=str(media.id),
                    text=media.caption_text,
                    created_at=created,
                    permalink=platform_url(f"https://www.instagram.com/p/{media.code}/"),
                    media=tuple(
                        NativeMedia(
                            kind=MediaKind.VIDEO if item.media_type == 2 else MediaKind.IMAGE,
                            url=str(item.video_url if item.media_type == 2 else item.thumbnail_url),
                        )
                        for item in items
                        if (item.video_url if item.media_type == 2 else item.thumbnail_url)
                    ),
                )
            )
        return NativePage(posts=tuple(posts), cursor="" if reached_since else str(following or ""))

    def delete(self, external_id: str, credential) -> None:
        client = self._client(credential)
        self._call(credential, lambda: client.media_delete(external_id), write=True)

    def check_credential(self, credential) -> CredentialHealth:
        try:
            client = self._client(credential)
            account = self._call(credential, lambda: client.account_info(), write=False)
        except TokenExpired as exc:
            if exc.refreshable:
                return CredentialHealth(
                    state=HealthState.EXPIRING,
                    message=_("The session has expired; the portal will sign in again on the "
                              "next use."),
                )  # fmt: skip
            return CredentialHealth(state=HealthState.EXPIRED, message=str(exc))
        except ChallengeRequired as exc:
            two_factor = exc.platform_code == "TwoFactorRequired"
            waiting = _("a two-factor code") if two_factor else _("a security check (challenge)")
            return CredentialHealth(
                state=HealthState.NEEDS_ATTENTION,
                account_name=str(credential.get("username") or ""),
                message=str(exc),
                limits=((_("Waiting for"), waiting),),
            )
        except RetryableError as exc:
            return CredentialHealth(state=HealthState.UNREACHABLE, message=str(exc))
        except DriverError as exc:
            return CredentialHealth(state=HealthState.EXPIRED, message=str(exc))
        return CredentialHealth(
            state=HealthState.VALID,
            account_id=str(account.pk),
            account_name=account.username,
            limits=(
                (
                    _("Authenticator seed in the vault"),
                    _("yes") if credential.get("totp_seed") else _("no"),
                ),
                (_("Proxy"), _("yes") if credential.get("proxy") else _("no")),
            ),
        )

    def fetch_metrics(self, external_id: str, credential) -> PostMetrics:
        client = self._client(credential)
        media = self._call(
            credential, lambda: client.media_info_v1(external_id.split("_")[0]), write=False
        )
        return PostMetrics(
            external_id=external_id,
            likes=media.like_count,
            comments=media.comment_count,
            views=media.play_count or media.view_count or None,
        )

    # --- the session ---------------------------------------------------------------------

    def needs_refresh(self, credential) -> bool:
        return not _has_session(credential.get("settings") or {})

    def refresh(self, credential) -> dict[str, Any]:
        """Log in once from the stored settings (same device); returns the new secret. A
        two-factor prompt is answered with the seed's code, or with ``verification_code`` (the
        code a person read from the account's phone)."""
        if not credential.get("username") or not credential.get("password"):
            raise TokenExpired(
                gettext_lazy("The Instagram username or password is missing."),
                platform="instagram",
            )
        client = self._client(credential, session=False)
        relogin = _has_session(credential.get("settings") or {})
        code = str(credential.get("verification_code") or "").strip()
        if not code and credential.get("totp_seed"):
            code = client.totp_generate_code(str(credential["totp_seed"]).replace(" ", ""))
        try:
            # The legacy accounts endpoint first; instagrapi turns to Instagram's newer login
            # flow by itself when the platform asks for it.
            self._call(
                credential,
                lambda: client.login_legacy(relogin=relogin, verification_code=code),
                write=False,
            )
        except ChallengeRequired as exc:
            raise _waiting(exc, client, code) from None
        except PermanentError as exc:
            if code and "security code" in (exc.platform_message or "").lower():
                # The code was refused (mistyped, or too old): ask a person again.
                raise _waiting(
                    ChallengeRequired(
                        gettext_lazy("Instagram refused the code; enter the new one."),
                        platform="instagram",
                        platform_message=exc.platform_message,
                    ),
                    client,
                    code,
                    kind="two_factor",
                ) from None
            raise
        renewed = {**credential, "settings": client.get_settings()}
        renewed.pop("verification_code", None)
        return renewed


def _waiting(
    exc: ChallengeRequired, client: Client, code: str, *, kind: str = ""
) -> ChallengeRequired:
    """``exc`` saying what a person must give (a two-factor code, or a challenge answer), with
    the device settings that met it: the login is completed from the same device."""
    last = client.last_json if isinstance(client.last_json, dict) else {}
    exc.waiting_for = kind or ("two_factor" if last.get("two_factor_required") else "challenge")
    settings_now = client.get_settings()
    settings_now.pop("authorization_data", None)
    exc.pending_settings = settings_now
    if exc.waiting_for == "two_factor" and not code:
        exc.user_message = gettext_lazy(
            "Instagram asks for the two-factor code of this account: the Head of Department "
            "enters it in the portal (or stores the account's authenticator seed in the vault)."
        )
    return exc


def _has_session(stored: dict) -> bool:
    return bool((stored.get("authorization_data") or {}).get("sessionid"))


def _details(exc: Exception, credential, watch: Stopwatch) -> dict[str, Any]:
    response = getattr(exc, "response", None)
    message = getattr(exc, "message", "") or str(exc)
    return {
        "platform": "instagram",
        "http_status": getattr(response, "status_code", None),
        "duration": watch.elapsed,
        "excerpt": redact(
            getattr(response, "text", "")[:500] if response is not None else "", credential
        ),
        "platform_code": exc.__class__.__name__,
        "platform_message": redact(message, credential)[:300],
    }


@contextlib.contextmanager
def _thumbnail(item: MediaItem, video: Path):
    """The video's poster frame: the one the item carries, or its first frame (PyAV)."""
    if item.thumbnail is not None:
        yield Path(item.thumbnail)
        return
    import av

    with tempfile.TemporaryDirectory(prefix="portal-thumb-") as folder:
        target = Path(folder) / "cover.jpg"
        with av.open(str(video)) as container:
            frame = next(container.decode(video=0))
            frame.to_image().convert("RGB").save(target, "JPEG", quality=85)
        yield target
