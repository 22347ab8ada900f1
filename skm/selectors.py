"""Reads of the SKM: the results of a period as the regulation computes them.

NRR (nilai rata-rata) of an element = the sum of its scores ÷ the respondents who answered it;
weighted NRR = NRR x 1/k (k elements answered, nine when all are); the IKM (unit value) = the sum
of the weighted NRRs, on the 1-4 scale; converted = IKM x 25, on the 25-100 scale, which gives
the grade. Only counted responses are in the results (held ones wait for review).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from .models import (
    AgeGroup,
    Education,
    Occupation,
    Period,
    Question,
    Response,
    ResponseState,
    Service,
    Sex,
    Source,
)
from .regulation import CONVERSION, ELEMENTS, grade_of, krejcie_morgan

FOUR = Decimal("0.0001")
TWO = Decimal("0.01")


def q4(value: Decimal) -> Decimal:
    return value.quantize(FOUR, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ElementResult:
    number: int
    name: str
    answered: int
    total: int  # sum of scores
    nrr: Decimal | None  # mean, four decimals; None when nobody answered
    weighted: Decimal | None  # nrr x 1/k, four decimals
    converted: Decimal | None  # nrr x 25, two decimals
    grade: str
    grade_label: str
    counts: tuple[int, int, int, int]  # answers scored 1, 2, 3, 4


@dataclass(frozen=True)
class Index:
    value: Decimal  # sum of weighted NRRs, 1-4, four decimals
    converted: Decimal  # x 25, two decimals
    grade: str
    grade_label: str


@dataclass
class Results:
    respondents: int
    elements: list[ElementResult]
    index: Index | None
    ranking: list[ElementResult] = field(default_factory=list)  # weakest first
    profile: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    online: int = 0
    paper: int = 0

    @property
    def weak(self) -> list[ElementResult]:
        """Elements below grade B (or the weakest three when none is): the follow-up's focus."""
        below = [e for e in self.ranking if e.grade in {"C", "D"}]
        return below or self.ranking[:3]


def index_from_elements(totals: Mapping[int, tuple[int, int]]) -> tuple[list, Index | None]:
    """The element results and the index from ``{element: (respondents who answered, sum of
    scores)}``; elements nobody answered are left out of the weights."""
    answered = [n for n, (count, _total) in totals.items() if count > 0]
    k = len(answered)
    rows = []
    index_sum = Decimal(0)
    for element in ELEMENTS:
        count, total = totals.get(element.number, (0, 0))
        if count:
            nrr = Decimal(total) / Decimal(count)
            weighted = nrr / Decimal(k)
            index_sum += weighted
            letter, label = grade_of(nrr * CONVERSION)
            rows.append((element, count, total, nrr, weighted, letter, label))
        else:
            rows.append((element, 0, 0, None, None, "", ""))
    index = None
    if k:
        converted = (index_sum * CONVERSION).quantize(TWO, rounding=ROUND_HALF_UP)
        letter, label = grade_of(converted)
        index = Index(value=q4(index_sum), converted=converted, grade=letter, grade_label=label)
    return rows, index


def _counts(qs: QuerySet[Response]) -> tuple[dict[int, tuple[int, int]], dict[int, list[int]]]:
    aggregates = {}
    for n in range(1, 10):
        aggregates[f"c{n}"] = Count(f"u{n}")
        aggregates[f"s{n}"] = Sum(f"u{n}")
    row = qs.aggregate(**aggregates)
    totals = {n: (row[f"c{n}"] or 0, row[f"s{n}"] or 0) for n in range(1, 10)}
    per_score: dict[int, list[int]] = {n: [0, 0, 0, 0] for n in range(1, 10)}
    for n in range(1, 10):
        for score, count in (
            qs.values_list(f"u{n}").annotate(c=Count("id")).values_list(f"u{n}", "c")
        ):
            if score in (1, 2, 3, 4):
                per_score[n][score - 1] = count
    return totals, per_score


def counted_responses(period: Period) -> QuerySet[Response]:
    return Response.objects.filter(period=period, state=ResponseState.COUNTED)


def _profile(qs: QuerySet[Response]) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for key, choices in (
        ("sex", Sex),
        ("age_group", AgeGroup),
        ("education", Education),
        ("occupation", Occupation),
    ):
        counts = Counter(dict(qs.values_list(key).annotate(c=Count("id")).values_list(key, "c")))
        out[key] = [(str(label), counts.get(value, 0)) for value, label in choices.choices]
    return out


def period_results(period: Period) -> Results:
    qs = counted_responses(period)
    totals, per_score = _counts(qs)
    rows, index = index_from_elements(totals)
    elements = []
    for element, count, total, nrr, weighted, letter, label in rows:
        elements.append(
            ElementResult(
                number=element.number,
                name=element.name,
                answered=count,
                total=total,
                nrr=q4(nrr) if nrr is not None else None,
                weighted=q4(weighted) if weighted is not None else None,
                converted=(nrr * CONVERSION).quantize(TWO, rounding=ROUND_HALF_UP)
                if nrr is not None
                else None,
                grade=letter,
                grade_label=label,
                counts=tuple(per_score[element.number]),
            )
        )
    ranking = sorted((e for e in elements if e.nrr is not None), key=lambda e: (e.nrr, e.number))
    sources = dict(qs.values_list("source").annotate(c=Count("id")).values_list("source", "c"))
    return Results(
        respondents=qs.count(),
        elements=elements,
        index=index,
        ranking=ranking,
        profile=_profile(qs),
        comments=list(
            qs.exclude(comment="").order_by("created_at").values_list("comment", flat=True)
        ),
        online=sources.get(Source.ONLINE, 0),
        paper=sources.get(Source.PAPER, 0),
    )


@dataclass(frozen=True)
class Progress:
    target: int
    collected: int
    held: int

    @property
    def percent(self) -> int:
        if self.target <= 0:
            return 100
        return min(100, self.collected * 100 // self.target)


def period_progress(period: Period) -> Progress:
    counts = dict(
        Response.objects.filter(period=period)
        .values_list("state")
        .annotate(c=Count("id"))
        .values_list("state", "c")
    )
    return Progress(
        target=krejcie_morgan(period.population),
        collected=counts.get(ResponseState.COUNTED, 0),
        held=counts.get(ResponseState.HELD, 0),
    )


def questions_of(service: Service) -> list[Question]:
    return list(Question.objects.filter(service=service).order_by("element"))


def services_active() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True).order_by("name")


def service_public(slug: str) -> Service | None:
    return services_active().filter(slug=slug).first()


def period_current(service: Service) -> Period | None:
    """The period of ``service`` that includes today (the shortest, when several do)."""
    today = timezone.localdate()
    order = {"quarter": 0, "semester": 1, "year": 2}
    periods = [
        p
        for p in Period.objects.filter(service=service, year=today.year)
        if p.start <= today <= p.end
    ]
    return min(periods, key=lambda p: order[p.kind], default=None)


def periods_published() -> QuerySet[Period]:
    return Period.objects.filter(published_at__isnull=False).select_related("service")


def periods_all() -> QuerySet[Period]:
    return Period.objects.select_related("service")


def periods_by_ids(ids: Iterable[int]) -> QuerySet[Period]:
    return periods_all().filter(pk__in=list(ids))


def dashboard_cards(user) -> list[dict]:
    """The latest period's IKM and progress, for the people who run the SKM."""
    from django.utils import formats
    from django.utils.translation import gettext as _

    from .permissions import period_policy

    if not period_policy.user_has_permission(user, "view"):
        return []
    period = periods_all().order_by("-created_at").first()
    if period is None:
        return [
            {
                "label": _("Community satisfaction survey (SKM)"),
                "value": "-",
                "url_name": "skm:office",
            }
        ]
    results = period_results(period)
    progress = period_progress(period)
    value = (
        f"{formats.number_format(results.index.converted, 2)} · {results.index.grade}"
        if results.index
        else "-"
    )
    return [
        {
            "label": _("IKM (SKM) · %(service)s") % {"service": period.service.name},
            "value": value,
            "note": _("%(period)s · %(collected)s of %(target)s respondents")
            % {"period": period.label, "collected": progress.collected, "target": progress.target},
            "url_name": "skm:office",
        }
    ]
