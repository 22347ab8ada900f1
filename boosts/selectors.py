"""Every read of the paid boosts a page, the report or a task needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, QuerySet, Sum

from accounts.models import User
from publishing.figures import PaidFigures, organic_reach
from publishing.models import Delivery, DeliveryStatus

from .budget import LineFigures, line_figures, rupiah, spent_by_boost
from .models import BoostRequest, BoostSpendDay, BoostStatus, BudgetLine
from .permissions import ad_account_policy, boost_policy, budget_line_policy
from .services.common import kepala_bidang
from .services.requests import BOOSTABLE_DRIVERS


def budget_lines(user: User, *, year: int | None = None) -> list[tuple[BudgetLine, LineFigures]]:
    lines = budget_line_policy.instances_user_has_permission_for(user, "view")
    if year:
        lines = lines.filter(year=year)
    return [(line, line_figures(line)) for line in lines]


def ad_accounts(user: User) -> QuerySet:
    return ad_account_policy.instances_user_has_permission_for(user, "view").select_related(
        "credential"
    )


def boosts_for(user: User, *, status: str = "") -> QuerySet:
    queryset = boost_policy.instances_user_has_permission_for(user, "view").select_related(
        "delivery__post", "delivery__channel", "budget_line", "division", "requested_by"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def approval_queue(user: User) -> list[BoostRequest]:
    """The requests waiting for this person: the Kepala Bidang's division's submitted ones, the
    Kepala Dinas's approved by a Kepala Bidang (and submitted ones of a division without one)."""
    candidates = boosts_for(user).filter(
        status__in=[BoostStatus.SUBMITTED, BoostStatus.APPROVED_DIVISION]
    )
    return [boost for boost in candidates.order_by("start", "pk") if waits_for(user, boost)]


def waits_for(user: User, boost: BoostRequest) -> bool:
    """Whether the request waits for this person's approval."""
    if boost.status == BoostStatus.SUBMITTED:
        if boost_policy.user_has_permission_for_instance(user, "approve_division", boost):
            return True
        return (
            boost_policy.user_has_permission_for_instance(user, "approve", boost)
            and not kepala_bidang(boost.division_id).exists()
        )
    if boost.status == BoostStatus.APPROVED_DIVISION:
        return boost_policy.user_has_permission_for_instance(user, "approve", boost)
    return False


def boostable_deliveries(user: User) -> QuerySet:
    """Published posts on Facebook Pages and Instagram accounts the person may ask to boost."""
    queryset = Delivery.objects.filter(
        status=DeliveryStatus.PUBLISHED, channel__driver__in=BOOSTABLE_DRIVERS
    ).exclude(external_id="")
    if not boost_policy.sees_every_division(user):
        division = getattr(user, "division_id", None)
        queryset = queryset.filter(post__division_id=division) | queryset.filter(
            channel__responsible_division_id=division
        )
    return queryset.select_related("post", "channel").order_by("-published_at", "-pk")


@dataclass(frozen=True)
class Comparison:
    paid_reach: int | None
    organic_reach: int | None
    spent: int

    @property
    def cost_per_thousand(self) -> int | None:
        if not self.paid_reach:
            return None
        return round(self.spent * 1000 / self.paid_reach)


def comparison(boost: BoostRequest) -> Comparison:
    """Boosted against organic reach of the same post: the paid reach is the largest daily reach
    Meta reported for the ad (reach is not additive over days); the organic reach is the post's
    latest reach as the insights read it."""
    days = BoostSpendDay.objects.filter(boost=boost)
    paid = max((d.reach for d in days if d.reach is not None), default=None)
    organic = organic_reach([boost.delivery_id]).get(boost.delivery_id)
    return Comparison(paid, organic, spent_by_boost([boost.pk]).get(boost.pk, 0))


def paid_by_delivery(delivery_ids) -> dict[int, PaidFigures]:
    """For the insights pages: each boosted delivery's paid reach (the largest daily reach of its
    boosts' ads) and what its boosts cost. Two queries whatever the number."""
    rows = BoostSpendDay.objects.filter(boost__delivery_id__in=list(delivery_ids)).values(
        "boost__delivery_id"
    )
    figures = rows.annotate(reach=Max("reach"), spent=Sum("spend"))
    return {
        row["boost__delivery_id"]: PaidFigures(reach=row["reach"], spent=rupiah(row["spent"]))
        for row in figures
    }


@dataclass
class MonthRow:
    boost: BoostRequest
    spend: int
    reach: int | None
    impressions: int
    results: int


def month_spend(line: BudgetLine, month: date) -> list[MonthRow]:
    """Each boost's spend on the line in the month (first day given)."""
    end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    rows = (
        BoostSpendDay.objects.filter(boost__budget_line=line, day__gte=month, day__lt=end)
        .values("boost_id")
        .annotate(spend=Sum("spend"), impressions=Sum("impressions"), results=Sum("results"))
    )
    boosts = BoostRequest.objects.in_bulk([row["boost_id"] for row in rows])
    reach = {}
    for day in BoostSpendDay.objects.filter(boost_id__in=boosts, day__gte=month, day__lt=end):
        if day.reach is not None:
            reach[day.boost_id] = max(reach.get(day.boost_id, 0), day.reach)
    return [
        MonthRow(
            boosts[row["boost_id"]],
            rupiah(row["spend"]),
            reach.get(row["boost_id"]),
            row["impressions"] or 0,
            row["results"] or 0,
        )
        for row in sorted(rows, key=lambda r: r["boost_id"])
    ]
