"""The HTTP plumbing the drivers share: timeouts, the simulator's addresses, the transport that
routes a library's session, and redaction of secrets from whatever is logged or recorded."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from .errors import DriverError, RetryableError, UncertainSend
from .types import Credential

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
