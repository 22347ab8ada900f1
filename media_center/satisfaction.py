"""The figures of the one-question widget: shares that add up to 100 and its own index of
satisfaction with the information service.

One question is not the community satisfaction index (IKM) of PermenPAN-RB 14/2017, which needs
the nine elements of the SKM (``skm``): the widget's index is labelled as satisfaction with the
information service and never called IKM. It is computed the same way on its one question: each
answer is scored 4 (Sangat Puas), 3 (Puas), 2 (Cukup Puas) or 1 (Tidak Puas); the mean score
times 25 puts it on the 25-100 scale, which gives the grade A-D of the regulation's intervals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from .models import ANSWER_SCORES, Answer

# Lower bound of each grade on the converted (25-100) scale, best first.
GRADES = [
    (Decimal("88.31"), "A", _("Very good")),
    (Decimal("76.61"), "B", _("Good")),
    (Decimal("65.00"), "C", _("Fair")),
    (Decimal("25.00"), "D", _("Poor")),
]
CONVERSION_FACTOR = 25


def largest_remainder_percentages(counts: Mapping[str, int]) -> dict[str, int] | None:
    """Whole-number shares of ``counts`` that add up to exactly 100 (Hamilton's method).

    Each share is first rounded down; the points still missing go, one each, to the largest
    remainders (ties to the answer that comes first). ``None`` when there is no vote at all.
    """
    total = sum(counts.values())
    if total <= 0:
        return None
    floors: dict[str, int] = {}
    remainders: dict[str, int] = {}
    for key, count in counts.items():
        floors[key], remainders[key] = divmod(count * 100, total)
    missing = 100 - sum(floors.values())
    order = list(counts)
    for key in sorted(order, key=lambda k: (-remainders[k], order.index(k)))[:missing]:
        floors[key] += 1
    return floors


@dataclass(frozen=True)
class Index:
    mean: Decimal  # mean score, 1-4
    value: Decimal  # mean x 25, on the 25-100 scale, two decimals
    grade: str  # A, B, C or D
    grade_label: str

    @property
    def short(self) -> Decimal:
        """The value without trailing zeros (86.5, not 86.50), still a ``Decimal`` for l10n."""
        return trim(self.value)

    @property
    def mean_short(self) -> Decimal:
        return trim(self.mean)


def satisfaction_index(counts: Mapping[str, int]) -> Index | None:
    """The widget's index of the answers in ``counts`` (keys are ``Answer`` values); ``None``
    without votes."""
    total = sum(counts.values())
    if total <= 0:
        return None
    points = sum(ANSWER_SCORES[Answer(key)] * count for key, count in counts.items())
    mean = Decimal(points) / Decimal(total)
    value = (mean * CONVERSION_FACTOR).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for lower, grade, label in GRADES:
        if value >= lower:
            return Index(
                mean=mean.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
                value=value,
                grade=grade,
                grade_label=str(label),
            )
    raise ValueError(f"index {value} is below the scale")  # unreachable: the mean is at least 1


def trim(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
