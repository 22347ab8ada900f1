"""What a channel's platform API costs: every call counted per channel and month, a price per call
and a monthly ceiling the Kepala Dinas sets, and the polls that stop at the ceiling.

X bills per call (reading posts for sync is billed per post read), so each X channel has its own
poll interval (or none), and its reading stops for the rest of the month once the calls reach the
ceiling; publishing goes on, the Kepala Dinas is told once. The count is taken where the driver's
HTTP session sends (:class:`~publishing.drivers.http.PlatformAdapter`), so a retry, a refresh, a
media chunk and a status poll each count as the call they are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.services import audit_record, notification_send

from ..drivers.registry import facts_of, get_driver
from ..drivers.types import Driver
from ..models import ApiCallMonth, Channel, Currency
from ..permissions import channel_policy

logger = logging.getLogger(__name__)

# Drivers whose calls are counted (billed per call by their platform).


def this_month(now=None) -> date:
    """The first day of the current month in the portal's time zone (WIB)."""
    return timezone.localdate(now).replace(day=1)


def api_call_record(*, channel_id: int, calls: int = 1) -> int:
    """Count ``calls`` more calls of the channel this month; returns the month's count. The first
    call that reaches the channel's ceiling tells the Kepala Dinas (once a month). Never raises:
    a count that cannot be written must not stop a send (it is logged)."""
    try:
        with transaction.atomic():
            month = this_month()
            row, _created = ApiCallMonth.objects.get_or_create(channel_id=channel_id, month=month)
            ApiCallMonth.objects.filter(pk=row.pk).update(calls=F("calls") + calls)
            row.refresh_from_db(fields=["calls"])
            ceiling = (
                Channel.objects.filter(pk=channel_id)
                .values_list("monthly_call_ceiling", flat=True)
                .first()
            )
            if ceiling and row.calls >= ceiling:
                first = ApiCallMonth.objects.filter(
                    pk=row.pk, ceiling_reached_at__isnull=True
                ).update(ceiling_reached_at=timezone.now())
                if first:
                    _tell_ceiling(channel_id, row.calls, month)
            return row.calls
    except Exception:  # the count must never stop a send
        logger.exception("API call of channel %s not counted", channel_id)
        return 0


def _tell_ceiling(channel_id: int, calls: int, month: date) -> None:
    channel = Channel.objects.get(pk=channel_id)
    heads = User.objects.filter(is_active=True, groups__name=Role.KEPALA_DINAS.value).distinct()
    try:
        url = reverse("channels:channel_detail", args=[channel_id])
    except NoReverseMatch:
        url = ""
    notification_send(
        recipients=heads,
        kind="channel.call_ceiling",
        key=f"channel.call_ceiling:{channel_id}:{month:%Y-%m}",
        params={"channel": str(channel), "calls": calls},
        url=url,
    )


def is_metered(channel: Channel) -> bool:
    """Whether the channel's platform sells its calls by the unit (its driver says so)."""
    return facts_of(channel.driver).metered


def metered_driver(channel: Channel) -> Driver:
    """The channel's driver; for a platform billed per call, one that counts each call it sends
    against the channel and reports the month's count and budget in its connection report."""
    driver = get_driver(channel.driver)
    if is_metered(channel):
        channel_id = channel.pk
        driver.on_call = lambda method, url: api_call_record(channel_id=channel_id)
        driver.usage_report = usage_report(channel)
    return driver


@dataclass(frozen=True)
class Usage:
    calls: int
    ceiling: int | None
    price: Decimal | None
    currency: str
    stopped: bool  # polling stopped for the month (ceiling reached, or never polls)

    @property
    def estimate(self) -> Decimal | None:
        return None if self.price is None else (self.price * self.calls).quantize(Decimal("0.01"))

    def money(self, amount: Decimal | None) -> str:
        if amount is None:
            return "—"
        if self.currency == Currency.IDR:
            whole = f"{amount:,.0f}".replace(",", ".")
            return f"Rp{whole}"
        return f"US${amount:,.2f}"


def channel_usage(channel: Channel, *, now=None) -> Usage:
    """This month's calls of ``channel``, the estimate at its price, and whether polls stopped."""
    calls = (
        ApiCallMonth.objects.filter(channel=channel, month=this_month(now))
        .values_list("calls", flat=True)
        .first()
    ) or 0
    ceiling = channel.monthly_call_ceiling
    return Usage(
        calls=calls,
        ceiling=ceiling,
        price=channel.call_price,
        currency=channel.call_price_currency,
        stopped=channel.poll_minutes == 0 or bool(ceiling and calls >= ceiling),
    )


def usage_report(channel: Channel) -> tuple[tuple[str, str], ...]:
    usage = channel_usage(channel)
    rows = [(_("API calls this month"), str(usage.calls))]
    if usage.ceiling:
        rows.append((_("Monthly ceiling for polling"), str(usage.ceiling)))
    if usage.price is not None:
        rows.append((_("Estimated cost this month"), usage.money(usage.estimate)))
    return tuple(rows)


def polling_allowed(channel: Channel, *, now=None) -> bool:
    """Whether sync and insights may read the channel now (publishing is never stopped)."""
    return not channel_usage(channel, now=now).stopped


def poll_seconds(channel: Channel, default: int) -> int:
    """The channel's own poll interval, or ``default``."""
    if channel.poll_minutes:
        return channel.poll_minutes * 60
    return default


def channel_usage_update(
    *,
    actor: User,
    channel: Channel,
    poll_minutes: int | None,
    call_price: Decimal | None,
    call_price_currency: str,
    monthly_call_ceiling: int | None,
    request: HttpRequest | None = None,
) -> Channel:
    """Set how often the channel is polled, its price per call and its monthly ceiling; Kepala
    Dinas only, audited. Raising the ceiling above this month's count lets polling resume."""
    if not channel_policy.user_has_permission(actor, "change"):
        raise PermissionDenied(_("Only the Head of Department changes channels."))
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        locked.poll_minutes = poll_minutes
        locked.call_price = call_price
        locked.call_price_currency = call_price_currency
        locked.monthly_call_ceiling = monthly_call_ceiling
        locked.full_clean()
        locked.save(
            update_fields=[
                "poll_minutes",
                "call_price",
                "call_price_currency",
                "monthly_call_ceiling",
                "updated_at",
            ]
        )
        row = ApiCallMonth.objects.filter(channel=locked, month=this_month()).first()
        if row and (not monthly_call_ceiling or row.calls < monthly_call_ceiling):
            ApiCallMonth.objects.filter(pk=row.pk).update(ceiling_reached_at=None)
        audit_record(
            actor=actor,
            action="channel.usage",
            target=locked,
            request=request,
            details={
                "poll_minutes": poll_minutes,
                "call_price": str(call_price) if call_price is not None else None,
                "currency": call_price_currency,
                "ceiling": monthly_call_ceiling,
            },
        )
    channel.refresh_from_db()
    return channel
