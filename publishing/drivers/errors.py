"""The typed errors of a platform call.

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
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _


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
