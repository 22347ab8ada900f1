"""The budget math of a line: ceiling, committed, spent and left, in rupiah.

- spent: what the platform reported per day for every boost paid from the line;
- committed: what the approved boosts not yet finished may still spend (each one's planned amount
  less what it already spent, never below zero);
- left: the ceiling less spent and committed. A request is approved only when its planned amount
  fits in what is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.db.models import Sum

from .models import COMMITTING, BoostRequest, BoostSpendDay, BudgetLine


def rupiah(value: Decimal | int | None) -> int:
    """Whole rupiah, rounded up (a part of a rupiah spent counts as spent)."""
    if value is None:
        return 0
    return int(Decimal(value).to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class LineFigures:
    ceiling: int
    committed: int
    spent: int

    @property
    def left(self) -> int:
        return self.ceiling - self.committed - self.spent

    @property
    def used_percent(self) -> int:
        if not self.ceiling:
            return 100
        return min(100, round(100 * (self.committed + self.spent) / self.ceiling))


def boost_spent(boost_id: int) -> int:
    total = BoostSpendDay.objects.filter(boost_id=boost_id).aggregate(total=Sum("spend"))["total"]
    return rupiah(total)


def spent_by_boost(boost_ids) -> dict[int, int]:
    rows = (
        BoostSpendDay.objects.filter(boost_id__in=list(boost_ids))
        .values("boost_id")
        .annotate(total=Sum("spend"))
    )
    return {row["boost_id"]: rupiah(row["total"]) for row in rows}


def line_figures(line: BudgetLine, *, excluding: int | None = None) -> LineFigures:
    """The line's figures; ``excluding`` leaves one request out of the committed amount (the one
    being approved, when it is already counted)."""
    spent = rupiah(
        BoostSpendDay.objects.filter(boost__budget_line=line).aggregate(total=Sum("spend"))["total"]
    )
    active = list(BoostRequest.objects.filter(budget_line=line, status__in=COMMITTING))
    if excluding is not None:
        active = [boost for boost in active if boost.pk != excluding]
    spent_of = spent_by_boost(boost.pk for boost in active)
    committed = sum(max(boost.planned - spent_of.get(boost.pk, 0), 0) for boost in active)
    return LineFigures(ceiling=line.ceiling, committed=committed, spent=spent)
