"""The regency-sized fill for benchmarks: what it writes, and that the pages read it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from insights.models import ChannelMetricDay, DeliveryMetricDay
from insights.regency import seed_regency
from publishing.models import Channel, Delivery

pytestmark = pytest.mark.django_db


def test_the_fill_writes_channels_posts_and_daily_figures(client_for, staf):
    counts = seed_regency(divisions=2, channels=3, days=8, every=4, end=date(2026, 11, 30))
    assert counts == {"divisions": 2, "channels": 3, "channel_rows": 72, "posts": 6,
                      "post_rows": 24}  # fmt: skip
    assert Channel.objects.count() == 3 and Delivery.objects.count() == 6
    assert ChannelMetricDay.objects.filter(day=date(2026, 11, 23)).count() == 9
    assert not ChannelMetricDay.objects.filter(day__gt=date(2026, 11, 30)).exists()
    assert DeliveryMetricDay.objects.filter(metric="views", value__gt=0).count() == 6
    page = client_for(staf).get("/insights/", {"period": "custom", "start": "2026-11-23",
                                              "end": "2026-11-30"})  # fmt: skip
    assert page.status_code == 200 and "Regency kanal" in page.content.decode()


def test_the_regency_fill_is_for_a_demo_portal_only(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", "--regency")
    assert not Channel.objects.exists()
