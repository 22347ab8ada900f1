"""The partners' daily figures: each watched partner account (the regency's agencies, the Regent)
read through the office's channel it is watched through, within the run's call budget.

A run plans first (:func:`partner_work`): the partners read longest ago come first, and each
office channel spends at most its driver's calls per run; a partner past the budget (or whose X
channel reached its monthly ceiling) is kept as "not read" for the day and comes first in the next
run, never stored as zero. Each partner is then read by its own worker task
(:func:`partner_snapshot`); a refusal of the account (unknown, personal, no figures through that
login) or a failed call is kept as a row without values and with the reason.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Max, Q
from django.utils.translation import gettext as _

from publishing.drivers.errors import DriverError
from publishing.drivers.partners import (
    NOT_SERVED,
    PartnerFigures,
    calls_per_read,
    calls_per_run,
    fetch_partner_figures,
)
from publishing.services.channel_client import REPEATED_USE_RECORDED_EVERY, call_channel
from publishing.services.usage import is_metered, polling_allowed
from publishing.sync.models import PartnerAccount

from .models import PartnerFigureDay

logger = logging.getLogger(__name__)


@dataclass
class PartnerPlan:
    """The partners a run reads, and those left for the next run with why."""

    to_read: list[int] = field(default_factory=list)
    not_read: dict[int, str] = field(default_factory=dict)


def partner_work() -> PartnerPlan:
    """The watched partners to read this run, longest unread first, within each office
    channel's budget of calls per run."""
    last_read = Max("figure_days__fetched_at", filter=Q(figure_days__not_read=False))
    partners = (
        PartnerAccount.objects.filter(is_active=True)
        .select_related("via_channel")
        .annotate(last_read=last_read)
        .order_by(F("last_read").asc(nulls_first=True), "pk")
    )
    plan, spent = PartnerPlan(), defaultdict(int)
    for partner in partners:
        channel = partner.via_channel
        cost = calls_per_read(channel.driver)
        if cost and is_metered(channel) and not polling_allowed(channel):
            plan.not_read[partner.pk] = _(
                "Not read: the channel %(channel)s reached its call ceiling this month."
            ) % {"channel": channel}
        elif cost and spent[channel.pk] + cost > calls_per_run(channel.driver):
            plan.not_read[partner.pk] = _(
                "Not read in this run: the call budget of %(channel)s was spent; it is read "
                "first in the next run."
            ) % {"channel": channel}
        else:
            spent[channel.pk] += cost
            plan.to_read.append(partner.pk)
    return plan


def partner_run(day: date) -> PartnerPlan:
    """Plan the run and keep the partners left for the next run as not read on ``day``."""
    plan = partner_work()
    for partner_id, reason in plan.not_read.items():
        partner_not_read(partner_id=partner_id, day=day, reason=reason)
    return plan


def partner_not_read(*, partner_id: int, day: date, reason: str) -> bool:
    """Keep that the partner was not read on ``day`` (unless it was read that day already)."""
    _row, created = PartnerFigureDay.objects.get_or_create(
        partner_id=partner_id, day=day, defaults={"reason": reason[:300], "not_read": True}
    )
    return created


def _keep(partner: PartnerAccount, day: date, figures: PartnerFigures) -> PartnerFigureDay:
    """The day's row: the figures read, or the reason; a reading of the day already kept is
    not replaced by a failure."""
    existing = PartnerFigureDay.objects.filter(partner=partner, day=day).first()
    if not figures.available and existing is not None and existing.available:
        return existing
    row = existing or PartnerFigureDay(partner=partner, day=day)
    row.followers, row.posts = figures.followers, figures.posts
    row.recent_posts, row.recent_engagement = figures.recent_posts, figures.recent_engagement
    row.engagement_rate = figures.engagement_rate
    row.reason, row.not_read = figures.reason[:300], False
    row.save()
    return row


def partner_snapshot(*, partner_id: int, day: date) -> dict:
    """Read one partner's public figures through its channel and keep them under ``day``."""
    partner = PartnerAccount.objects.select_related("via_channel__credential").get(pk=partner_id)
    channel = partner.via_channel
    if not calls_per_read(channel.driver):  # no figures of another account through it
        figures = PartnerFigures(reason=str(NOT_SERVED))
    else:
        try:
            figures = call_channel(
                channel,
                lambda driver, credential: fetch_partner_figures(driver, credential,
                                                                 partner.handle),
                used_by=f"insights:partner:{partner.pk}",
                record_every=REPEATED_USE_RECORDED_EVERY,
            )  # fmt: skip
        except DriverError as exc:
            logger.warning("partner %s not read: %s", partner_id, exc)
            figures = PartnerFigures(reason=_("Not read: %(error)s") % {"error": exc})
    row = _keep(partner, day, figures)
    return {"partner": partner_id, "available": row.available, "reason": row.reason}
