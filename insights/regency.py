"""A regency's worth of history for measuring: about 40 divisions, 150 channels, posts every few
days on each and the daily snapshots' rows, written with ``bulk_create``. For benchmarks and
for trying the pages at scale, never for a live portal's data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

GROUPS = ("media_center", "pemkab", "dinkominfo")
BATCH = 5000


def _rate(number: int, hour: int) -> int:
    """A steady, varied figure (no randomness: the same seed gives the same rows)."""
    return (number * 7919 + hour * 104729) % 97


def seed_regency(
    *, divisions: int = 40, channels: int = 150, days: int = 365, every: int = 4,
    end: date | None = None, author=None, prefix: str = "Regency",
) -> dict[str, int]:  # fmt: skip
    """Make ``divisions`` divisions, ``channels`` channels and ``days`` days (to ``end``, yesterday
    by default) of channel figures and of posts (one per channel every ``every`` days, each
    with its latest figures). Returns how many rows of each kind were written."""
    from accounts.models import Division, User
    from publishing.drivers.insights import measured_drivers
    from publishing.drivers.registry import platform_of
    from publishing.models import Channel

    # The channels are of the platforms that give figures, in turn.
    drivers = [(platform_of(name), name) for name in measured_drivers()]

    end = end or timezone.localdate() - timedelta(days=1)
    with transaction.atomic():
        made_divisions = Division.objects.bulk_create(
            Division(name=f"{prefix} bidang {n}", short_name=f"{prefix[:3]}{n}")
            for n in range(divisions)
        )
        author = author or User.objects.create(
            username=f"{prefix.lower()}-seed", email=f"{prefix.lower()}-seed@example.go.id",
            full_name="Seed", division=made_divisions[0],
        )  # fmt: skip
        made_channels = Channel.objects.bulk_create(
            Channel(
                platform=drivers[n % len(drivers)][0], driver=drivers[n % len(drivers)][1],
                name=f"{prefix} kanal {n}", handle=f"{prefix.lower()}{n}",
                account_group=GROUPS[n % 3], external_id=f"{prefix}-{n}",
                responsible_division=made_divisions[n % divisions],
            )
            for n in range(channels)
        )  # fmt: skip
    counts = add_history(made_channels, author, end=end, days=days, every=every)
    return {"divisions": divisions, "channels": channels, **counts}


def add_history(
    channels, author, *, end: date, days: int, every: int = 4, skip: int = 0
) -> dict[str, int]:
    """The channels' figures and posts of ``days`` days ending ``skip`` days before ``end``."""
    from publishing.models import Delivery, DeliveryStatus, Post, PostStatus

    from .models import ChannelMetricDay, DeliveryMetricDay

    made_channels = list(channels)
    counts = {"channel_rows": 0, "posts": 0, "post_rows": 0}
    rows: list = []
    for back in range(skip, skip + days):
        day = end - timedelta(days=back)
        for channel in made_channels:
            base = 100 + _rate(channel.pk, back % 24)
            rows += [
                ChannelMetricDay(channel=channel, metric="views", day=day, value=base * 5),
                ChannelMetricDay(channel=channel, metric="reach", day=day, value=base * 3),
                ChannelMetricDay(
                    channel=channel, metric="followers_gained", day=day, value=base % 7
                ),
            ]
        if len(rows) >= BATCH:
            counts["channel_rows"] += len(ChannelMetricDay.objects.bulk_create(rows))
            rows = []
    counts["channel_rows"] += len(ChannelMetricDay.objects.bulk_create(rows))
    for back in range(skip + (-skip) % every, skip + days, every):
        day = end - timedelta(days=back)
        posts, deliveries = [], []
        for n, channel in enumerate(made_channels):
            hour = 6 + (n + back) % 16
            when = timezone.make_aware(datetime.combine(day, time(hour, 0)))
            posts.append(Post(text=f"Publikasi {channel.name} {day}", status=PostStatus.PUBLISHED,
                              author=author, division=channel.responsible_division,
                              published_at=when))  # fmt: skip
        posts = Post.objects.bulk_create(posts)
        for post, channel in zip(posts, made_channels, strict=True):
            deliveries.append(Delivery(post=post, channel=channel, status=DeliveryStatus.PUBLISHED,
                                       external_id=f"{channel.pk}-{post.pk}",
                                       published_at=post.published_at))  # fmt: skip
        deliveries = Delivery.objects.bulk_create(deliveries)
        figures = []
        for delivery in deliveries:
            views = 200 + _rate(delivery.pk, delivery.published_at.hour) * 20
            last = min(end, day + timedelta(days=6))
            figures += [
                DeliveryMetricDay(delivery=delivery, metric="views", day=last, value=views),
                DeliveryMetricDay(delivery=delivery, metric="likes", day=last, value=views // 15),
                DeliveryMetricDay(
                    delivery=delivery, metric="comments", day=last, value=views // 90
                ),
                DeliveryMetricDay(delivery=delivery, metric="shares", day=last, value=views // 200),
            ]
        counts["posts"] += len(posts)
        counts["post_rows"] += len(DeliveryMetricDay.objects.bulk_create(figures, batch_size=BATCH))
    return counts
