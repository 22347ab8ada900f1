"""Channels made as the Kepala Dinas makes them, and published posts whose platform side lives in
the simulator (so their figures are read over HTTP through the real client libraries)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from publishing.models import Delivery, DeliveryStatus, Post, PostStatus
from publishing.simulator import services as sim
from publishing.simulator.models import Account
from publishing.simulator.models import Post as SimPost
from tests.publishing.delivery_fixtures import make_channels

HANDLES = {"facebook": "MediaCenterBJN", "x": "mediacenterBJN",
           "instagram_graph": "mediacenterbojonegoro"}  # fmt: skip
SIM_PLATFORM = {"facebook": "facebook", "x": "x", "instagram_graph": "instagram"}


def channels(kadis, division):
    return make_channels(kadis, division)


def published(editor, channel, *, days_old: float = 2, text: str = "Publikasi") -> Delivery:
    """A post published on ``channel`` ``days_old`` days ago, on the platform and in the portal."""
    driver = channel.driver
    account = Account.objects.get(platform=SIM_PLATFORM[driver], handle=HANDLES[driver])
    when = timezone.now() - timedelta(days=days_old)
    remote = sim.record_post(account, text=text)
    SimPost.objects.filter(pk=remote.pk).update(created_at=when)
    post = Post.objects.create(text=text, status=PostStatus.PUBLISHED, author=editor,
                               division=editor.division, published_at=when)  # fmt: skip
    post.channels.add(channel)
    return Delivery.objects.create(post=post, channel=channel, status=DeliveryStatus.PUBLISHED,
                                   external_id=remote.external_id, published_at=when)  # fmt: skip


def figures_for(channel, editor, *, posts: int = 2, days: int = 10) -> list[Delivery]:
    """Kept figures as the snapshots leave them: the channel's days and its posts' totals."""
    from insights.models import ChannelMetricDay, DeliveryMetricDay

    today = timezone.localdate()
    for back in range(1, days + 1):
        day = today - timedelta(days=back)
        for metric, value in (("views", 100 + back), ("reach", 60 + back), ("followers_gained", 2)):
            ChannelMetricDay.objects.create(channel=channel, metric=metric, day=day, value=value)
    ChannelMetricDay.objects.create(channel=channel, metric="clicks", day=today - timedelta(days=1),
                                    reason="Metrik dipensiunkan")  # fmt: skip
    made = []
    for number in range(posts):
        when = timezone.now() - timedelta(days=2 + number, hours=number)
        post = Post.objects.create(text=f"Publikasi {channel.name} {number}", division=editor.division,
                                   status=PostStatus.PUBLISHED, author=editor, published_at=when)  # fmt: skip
        delivery = Delivery.objects.create(post=post, channel=channel, status=DeliveryStatus.PUBLISHED,
                                           external_id=f"{channel.pk}-{number}", published_at=when)  # fmt: skip
        for back, views in ((2, 300 * (number + 1)), (1, 500 * (number + 1))):
            day = today - timedelta(days=back)
            for metric, value in (("views", views), ("likes", views // 20), ("comments", 3)):
                DeliveryMetricDay.objects.create(
                    delivery=delivery, metric=metric, day=day, value=value
                )
        made.append(delivery)
    return made
