"""Reading the kept figures."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from publishing.figures import paid_figures
from publishing.models import Channel, Delivery, DeliveryStatus, Post, PostMedia
from publishing.permissions import post_policy
from publishing.sync.models import PartnerAccount

from .models import ChannelMetricDay, DeliveryMetricDay, PartnerFigureDay


def active_channel_ids() -> list[int]:
    return list(
        Channel.objects.filter(is_active=True, credential__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def published_deliveries_since(first: date) -> list[tuple[int, datetime]]:
    start = timezone.make_aware(datetime.combine(first, time.min))
    return list(
        Delivery.objects.filter(
            status=DeliveryStatus.PUBLISHED, published_at__gte=start, channel__is_active=True
        )
        .exclude(external_id="")
        .order_by("pk")
        .values_list("pk", "published_at")
    )


# --- the pages ----------------------------------------------------------------------------------

PERIODS = {"week": 7, "month": 30, "quarter": 91, "year": 365}
ENGAGEMENT_PARTS = ("likes", "comments", "shares", "saves")


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date  # included

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def period_from(params, today: date) -> Period:
    """``period`` (week, month, quarter, year: the days up to yesterday) or ``custom`` with
    ``start`` and ``end`` (YYYY-MM-DD, at most two years, swapped if reversed)."""
    key = params.get("period") or "month"
    end = today - timedelta(days=1)
    if key == "custom":
        try:
            start = date.fromisoformat(params.get("start") or "")
            last = date.fromisoformat(params.get("end") or "")
        except ValueError:
            key = "month"
        else:
            earliest = date(2000, 1, 1)
            start, last = sorted(
                (min(max(start, earliest), today), min(max(last, earliest), today))
            )
            start = max(start, last - timedelta(days=730))
            return Period("custom", start, last)
    key = key if key in PERIODS else "month"
    return Period(key, end - timedelta(days=PERIODS[key] - 1), end)


@dataclass
class PostFigures:
    delivery_id: int
    post_id: int
    channel_id: int
    published_at: datetime
    values: dict[str, int | None] = field(default_factory=dict)

    @property
    def engagement(self) -> int:
        if self.values.get("engagement") is not None:
            return int(self.values["engagement"] or 0)
        return sum(int(self.values.get(name) or 0) for name in ENGAGEMENT_PARTS)

    @property
    def views(self) -> int:
        return int(self.values.get("views") or self.values.get("reach") or 0)


@dataclass
class Overview:
    period: Period
    channels: list
    totals: dict[str, int]
    daily_views: list[tuple[date, int]]
    posts: list[PostFigures]
    best: list
    worst: list
    heat: list[list[float | None]]
    unavailable: list[tuple[str, str]]

    @property
    def engagement(self) -> int:
        return sum(p.engagement for p in self.posts)

    @property
    def post_views(self) -> int:
        return sum(p.views for p in self.posts)

    @property
    def engagement_rate(self) -> float | None:
        return 100 * self.engagement / self.post_views if self.post_views else None


@dataclass(frozen=True)
class BoostedRow:
    """A boosted post of the period: what it reached without pay and what its boost added."""

    figures: PostFigures
    post: object
    channel: object
    organic_reach: int | None
    paid_reach: int | None
    spent: int


def boosted(overview: Overview) -> list[BoostedRow]:
    """The period's boosted posts, paid against organic reach, most spent first (empty when no
    app runs boosts)."""
    paid = paid_figures(p.delivery_id for p in overview.posts)
    if not paid:
        return []
    deliveries = {d.pk: d for d in Delivery.objects.filter(pk__in=paid)
                  .select_related("post", "channel")}  # fmt: skip
    rows = [
        BoostedRow(figures=p, post=deliveries[p.delivery_id].post,
                   channel=deliveries[p.delivery_id].channel,
                   organic_reach=p.values.get("reach"), paid_reach=paid[p.delivery_id].reach,
                   spent=paid[p.delivery_id].spent)
        for p in overview.posts
        if p.delivery_id in paid and p.delivery_id in deliveries
    ]  # fmt: skip
    return sorted(rows, key=lambda row: -row.spent)


def latest_post_figures(deliveries) -> dict[int, PostFigures]:
    """Each delivery's latest kept value of each figure (one query)."""
    rows = (
        DeliveryMetricDay.objects.filter(delivery__in=deliveries)
        .order_by("delivery_id", "metric", "day")
        .values_list(
            "delivery_id", "delivery__post_id", "delivery__channel_id",
            "delivery__published_at", "metric", "value",
        )
    )  # fmt: skip
    found: dict[int, PostFigures] = {}
    for delivery_id, post_id, channel_id, published_at, metric, value in rows:
        figures = found.setdefault(
            delivery_id, PostFigures(delivery_id, post_id, channel_id, published_at)
        )
        figures.values[metric] = value  # the latest day wins (ordered by day)
    return found


def _heat(posts: list[PostFigures]) -> list[list[float | None]]:
    """Engagement rate (%) by weekday (Monday first) and hour, WIB, of the posts' publishing."""
    sums = [[[0, 0] for _h in range(24)] for _d in range(7)]
    for post in posts:
        local = timezone.localtime(post.published_at)
        cell = sums[local.weekday()][local.hour]
        cell[0] += post.engagement
        cell[1] += post.views
    return [[100 * e / v if v else None for e, v in row] for row in sums]


def overview(
    *, channel_id: int | None, division_id: int | None, period: Period, account_group: str = ""
) -> Overview:
    """The insights page's figures: a fixed number of queries whatever the number of channels."""
    channels = Channel.objects.filter(is_active=True).select_related("responsible_division")
    if account_group:
        channels = channels.filter(account_group=account_group)
    if channel_id:
        channels = channels.filter(pk=channel_id)
    if division_id:
        channels = channels.filter(responsible_division_id=division_id)
    channels = list(channels.order_by("platform", "name"))
    ids = [c.pk for c in channels]
    days = ChannelMetricDay.objects.filter(
        channel_id__in=ids, day__gte=period.start, day__lte=period.end
    )
    totals = {
        row["metric"]: int(row["total"] or 0)
        for row in days.exclude(metric="followers").values("metric").annotate(total=Sum("value"))
    }
    per_day = dict(days.filter(metric="views").values_list("day").annotate(total=Sum("value")))
    daily = [(day, int(per_day.get(day) or 0)) for day in period.days]
    unavailable = sorted(set(days.filter(value__isnull=True).values_list("metric", "reason")))
    start = timezone.make_aware(datetime.combine(period.start, time.min))
    end = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min))
    deliveries = Delivery.objects.filter(
        channel_id__in=ids,
        status=DeliveryStatus.PUBLISHED,
        published_at__gte=start,
        published_at__lt=end,
    )
    if division_id:
        deliveries = deliveries.filter(post__division_id=division_id)
    figures = latest_post_figures(deliveries)
    posts = sorted(figures.values(), key=lambda p: (-p.engagement, p.delivery_id))
    totals["posts"] = deliveries.count()
    ranked = [p for p in posts if p.views]
    chosen = {p.post_id for p in ranked[:5] + ranked[-5:]}
    post_rows = {
        post.pk: post
        for post in Post.objects.filter(pk__in=chosen).prefetch_related(
            Prefetch("media", queryset=PostMedia.objects.select_related("asset"))
        )
    }
    by_channel = {c.pk: c for c in channels}
    best = [(p, post_rows[p.post_id], by_channel[p.channel_id]) for p in ranked[:5]]
    worst = [(p, post_rows[p.post_id], by_channel[p.channel_id]) for p in reversed(ranked[-5:])]
    return Overview(period, channels, totals, daily, posts, best, worst if len(ranked) > 5 else [],
                    _heat(posts), unavailable)  # fmt: skip


def post_figures(post) -> list[dict]:
    """For a post page: each delivery's latest figures and its views over time (two queries)."""
    rows = list(
        DeliveryMetricDay.objects.filter(delivery__post=post)
        .order_by("delivery_id", "day")
        .values_list("delivery_id", "metric", "day", "value", "reason", "permission")
    )
    found: dict[int, dict] = {}
    for delivery_id, metric, day, value, reason, permission in rows:
        entry = found.setdefault(delivery_id, {"latest": {}, "series": []})
        entry["latest"][metric] = {"value": value, "reason": reason, "permission": permission}
        if metric == "views" and value is not None:
            entry["series"].append((day, value))
    return [
        {"delivery": d, **found[d.pk]}
        for d in post.deliveries.select_related("channel").order_by("pk")
        if d.pk in found
    ]


def dashboard_cards(user) -> list[dict]:
    """The dashboard's figures of the last 30 days, each linking to the insights page."""
    if not post_policy.user_has_permission(user, "view"):
        return []
    period = period_from({}, timezone.localdate())
    values = dict(
        ChannelMetricDay.objects.filter(day__gte=period.start, day__lte=period.end,
                                        metric__in=("views", "followers_gained"))
        .values_list("metric").annotate(total=Sum("value"))
    )  # fmt: skip
    return [
        {"label": _("Views in the last 30 days"), "value": intcomma(values.get("views") or 0),
         "url_name": "insights:overview"},
        {"label": _("Followers gained in the last 30 days"),
         "value": intcomma(values.get("followers_gained") or 0), "url_name": "insights:overview"},
    ]  # fmt: skip


# --- the reports --------------------------------------------------------------------------------


def report_period(kind: str, year: int, number: int = 1) -> Period:
    """The calendar month (``number`` 1 to 12), quarter (1 to 4) or year of a report."""
    if kind == "year":
        return Period("custom", date(year, 1, 1), date(year, 12, 31))
    first_month = number if kind == "month" else 3 * (number - 1) + 1
    months = 1 if kind == "month" else 3
    start = date(year, first_month, 1)
    after = date(year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
    return Period("custom", start, after - timedelta(days=1))


def first_working_day(year: int, month: int) -> date:
    """The month's first day from Monday to Friday."""
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def previous_month(today: date) -> tuple[int, int]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.year, last.month


# --- when to post -------------------------------------------------------------------------------

SLOT_HISTORY_DAYS = 91


@dataclass(frozen=True)
class Slot:
    at: datetime
    rate: float
    posts: int


def next_good_slot(channel_ids: list[int], now: datetime | None = None) -> Slot | None:
    """The next hour, within a week from an hour from now, at whose weekday and hour the chosen
    channels' own posts of the last three months had one of their three best engagement rates
    (three queries at most; ``None`` without such history)."""
    now = now or timezone.now()
    channels = list(Channel.objects.filter(pk__in=channel_ids).values_list("pk", flat=True))
    if not channels:
        return None
    since = now - timedelta(days=SLOT_HISTORY_DAYS)
    deliveries = Delivery.objects.filter(channel_id__in=channels, status=DeliveryStatus.PUBLISHED,
                                         published_at__gte=since)  # fmt: skip
    posts = list(latest_post_figures(deliveries).values())
    heat = _heat(posts)
    counts: dict[tuple[int, int], int] = {}
    for post in posts:
        local = timezone.localtime(post.published_at)
        counts[(local.weekday(), local.hour)] = counts.get((local.weekday(), local.hour), 0) + 1
    ranked = sorted(((rate, day, hour) for day, row in enumerate(heat)
                     for hour, rate in enumerate(row) if rate is not None), reverse=True)  # fmt: skip
    best = {(day, hour): rate for rate, day, hour in ranked[:3]}
    if not best:
        return None
    start = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    for step in range(7 * 24):
        at = start + timedelta(hours=step)
        if (at.weekday(), at.hour) in best:
            key = (at.weekday(), at.hour)
            return Slot(at, best[key], counts.get(key, 0))
    return None


# --- the partners' ranking ----------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerRank:
    """One watched partner over a period: its latest figures read in it and the followers gained
    between its first and last reading (``None``: not available, with ``reason``)."""

    partner: PartnerAccount
    day: date | None = None
    followers: int | None = None
    followers_gained: int | None = None
    posts: int | None = None
    recent_posts: int | None = None
    recent_engagement: int | None = None
    engagement_rate: float | None = None
    reason: str = ""
    position: int | None = None  # 1 for the first; None without figures

    @property
    def available(self) -> bool:
        return self.followers is not None


def partner_ranking(period: Period) -> list[PartnerRank]:
    """The watched partners ranked by engagement rate per post, then by followers gained over
    ``period``; those without figures in it last, with why. Two queries whatever the data."""
    partners = list(PartnerAccount.objects.filter(is_active=True).order_by("name", "pk"))
    by_partner: dict[int, list] = {p.pk: [] for p in partners}
    for row in PartnerFigureDay.objects.filter(
        partner_id__in=by_partner, day__gte=period.start, day__lte=period.end
    ).order_by("day"):
        by_partner[row.partner_id].append(row)
    ranks = [_partner_rank(partner, by_partner[partner.pk]) for partner in partners]
    low = float("-inf")

    def order(rank: PartnerRank):
        rate = low if rank.engagement_rate is None else rank.engagement_rate
        gained = low if rank.followers_gained is None else rank.followers_gained
        return (not rank.available, -rate, -gained, rank.partner.name.casefold())

    # The unavailable come last, so the numbers of the others run on from 1.
    return [replace(rank, position=number) if rank.available else rank
            for number, rank in enumerate(sorted(ranks, key=order), start=1)]  # fmt: skip


def _partner_rank(partner, rows: list) -> PartnerRank:
    read = [row for row in rows if row.available]
    if not read:
        reason = rows[-1].reason if rows else str(_("No figures were read in this period yet."))
        return PartnerRank(partner=partner, reason=reason)
    first, last = read[0], read[-1]
    return PartnerRank(
        partner=partner, day=last.day, followers=last.followers,
        followers_gained=(last.followers - first.followers) if len(read) > 1 else None,
        posts=last.posts, recent_posts=last.recent_posts,
        recent_engagement=last.recent_engagement, engagement_rate=last.engagement_rate,
    )  # fmt: skip


def delivery_reach(delivery_ids) -> dict[int, int | None]:
    """Each delivery's latest reading of its reach (a total to that day), None when the platform
    gave none."""
    found: dict[int, int | None] = {}
    rows = (
        DeliveryMetricDay.objects.filter(delivery_id__in=list(delivery_ids), metric="reach")
        .order_by("delivery_id", "-day")
        .values_list("delivery_id", "value")
    )
    for delivery_id, value in rows:
        found.setdefault(delivery_id, value)
    return found
