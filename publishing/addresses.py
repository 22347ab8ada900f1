"""Whether an address can be fetched from the internet, as Instagram and Facebook fetch media.

Instagram's Graph API takes photos (and videos, when not uploaded) by address and downloads them
itself ("We cURL media used in publishing attempts, so the media must be hosted on a publicly
accessible server": Instagram Platform, Content Publishing). An address on this machine or on
a private network cannot be reached from Meta's servers; every post would fail with error 9004
/ 2207052. The portal says so at start, on ``/healthz`` and in the delivery's error.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".localdomain")


def _private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
        or ip.is_multicast
        or (isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"))
    )


def address_problem(url: str, *, resolve: bool = False) -> str:
    """Why the internet cannot fetch ``url`` (in words), or ``""`` when nothing is known against
    it. ``resolve`` also looks the host name up (at start and on ``/healthz``, not per post)."""
    if not url:
        return _("no public address is configured")
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host:
        return _("%(url)s is not an http(s) address") % {"url": url}
    if (
        host == "localhost"
        or host.endswith(LOCAL_SUFFIXES)
        or ("." not in host and ":" not in host)
    ):
        return _("%(host)s is a name only this machine or its local network knows") % {"host": host}
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = []
        if resolve:
            try:
                infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
            except OSError:
                # Not resolvable from here (no DNS on this machine, or a name the internet knows
                # and the local resolver does not): nothing is known against it.
                return ""
            addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if addresses and all(_private(ip) for ip in addresses):
        return _(
            "%(host)s is a loopback or private network address, which the platforms cannot "
            "reach from the internet"
        ) % {"host": host}
    return ""


def media_base_problems(*, resolve: bool = True) -> list[str]:
    """What is wrong with the addresses the platforms fetch the portal's media from:
    ``ASSET_PUBLIC_BASE_URL`` and, with S3 storage, the object store's endpoint."""
    from django.conf import settings

    from .drivers.registry import fetching_platforms

    platforms = fetching_platforms()
    problems = []
    base = getattr(settings, "ASSET_PUBLIC_BASE_URL", "")
    if problem := address_problem(base, resolve=resolve):
        problems.append(
            _("ASSET_PUBLIC_BASE_URL (%(url)s): %(problem)s; %(platforms)s cannot fetch photos.")
            % {"url": base or "—", "problem": problem, "platforms": platforms}
        )
    endpoint = getattr(settings, "AWS_S3_ENDPOINT_URL", None)
    if getattr(settings, "STORAGE_BACKEND", "") == "s3" and endpoint:
        custom = getattr(settings, "AWS_S3_CUSTOM_DOMAIN", None)
        public = f"https://{custom}" if custom else endpoint
        if problem := address_problem(public, resolve=resolve):
            problems.append(
                _("The S3 endpoint (%(url)s): %(problem)s; signed media addresses point there, "
                  "so %(platforms)s cannot fetch photos.")
                % {"url": public, "problem": problem, "platforms": platforms}
            )  # fmt: skip
    return problems
