"""Protection of public forms against stuffing: how many answers one address may give.

The rules are shared by every public form that counts answers (the one-click widget, the
community satisfaction survey):

- the address is known only by a keyed hash of its group (an IPv4 address, or the /64 network of
  an IPv6 address: a subscriber is given a whole /64 and may answer from a new address of it
  every time);
- per form, address and period the first ``allowance`` answers are counted, later ones are kept
  but *held* until a person reviews them;
- more than ``per_minute`` attempts from one address in one minute store nothing at all.

The caller keeps the tally in a database row it locks (``select_for_update``) while it decides
and stores the answer, so that the limits hold across processes and machines. This module only
decides; it imports no app of the portal.
"""

from __future__ import annotations

import enum
import ipaddress
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


class Decision(enum.Enum):
    COUNTED = "counted"
    HELD = "held"
    RATE_LIMITED = "rate_limited"


class Tally(Protocol):
    """The fields of a per-address tally row (any model that has them)."""

    counted: int
    held: int
    minute: int
    minute_attempts: int


TALLY_FIELDS = ["minute", "minute_attempts", "counted", "held"]


def allowance_decide(tally: Tally, *, at: datetime, allowance: int, per_minute: int) -> Decision:
    """Count this attempt on ``tally`` and say what becomes of the answer.

    ``RATE_LIMITED``: store nothing. ``COUNTED`` or ``HELD``: store the answer in that state, then
    ``allowance_record`` it once it is stored (an answer refused as a duplicate is not recorded).
    The caller saves ``TALLY_FIELDS`` of the row in every case.
    """
    minute = int(at.timestamp() // 60)
    if tally.minute != minute:
        tally.minute, tally.minute_attempts = minute, 0
    tally.minute_attempts += 1
    if tally.minute_attempts > per_minute:
        return Decision.RATE_LIMITED
    return Decision.COUNTED if tally.counted < allowance else Decision.HELD


def allowance_record(tally: Tally, decision: Decision) -> None:
    """Add a stored answer to the tally."""
    if decision is Decision.COUNTED:
        tally.counted += 1
    elif decision is Decision.HELD:
        tally.held += 1


def client_address(request: HttpRequest) -> str:
    """The visitor's address: ``REMOTE_ADDR``, or the entry that the trusted proxies added
    (``TRUSTED_PROXY_COUNT``)."""
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def address_group(address: str) -> str:
    """What the limits count as one address: an IPv4 address, or an IPv6 address's /64."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def address_hash(address: str, *, salt: str) -> str:
    """The keyed hash of an address's group: the key of the limits (the raw address is never
    stored). ``salt`` keeps the hashes of different forms apart."""
    return salted_hmac(salt, address_group(address), algorithm="sha256").hexdigest()
