"""Daily snapshots read through the channels' own logins (vault → driver → client library → the
simulator over HTTP), kept one row per figure and day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from insights import services
from insights.models import ChannelMetricDay, DeliveryMetricDay
from publishing.models import ApiCallMonth
from publishing.services.usage import this_month
from publishing.simulator import insights as sim_insights
from publishing.simulator import services as sim
from publishing.simulator.models import Account
from tests.insights.builders import channels, published

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media_center(simulator, kadis, divisions):
    return channels(kadis, divisions["PKP"])


def _yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)


def test_post_schedule_daily_then_weekly_then_never():
    today = date(2026, 12, 4)
    due = [age for age in range(0, 120) if services.post_due(today - timedelta(days=age), today)]
    assert due[:7] == [0, 1, 2, 3, 4, 5, 6]
    assert due[7:] == [7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84]
    assert not services.post_due(today + timedelta(days=1), today)


def test_every_channel_and_post_is_kept_and_a_second_run_adds_nothing(media_center, editor):
    deliveries = [published(editor, channel) for channel in media_center.values()]
    day = _yesterday()
    for _twice in range(2):
        for channel in media_center.values():
            result = services.channel_snapshot(channel_id=channel.pk, day=day)
            assert not result.error and result.stored, (channel.driver, result)
        for delivery in deliveries:
            result = services.delivery_snapshot(delivery_id=delivery.pk, day=timezone.localdate())
            assert not result.error and result.stored, (delivery.channel.driver, result)
        counts = (ChannelMetricDay.objects.count(), DeliveryMetricDay.objects.count())
        if _twice == 0:
            first = counts
    assert counts == first
    fb = DeliveryMetricDay.objects.get(delivery=deliveries[0], metric="views")
    assert fb.value > 0 and fb.platform_metric == "post_media_view"
    followers = ChannelMetricDay.objects.get(channel=media_center["x"], metric="followers", day=day)
    assert followers.value > 0
    x_views = ChannelMetricDay.objects.get(channel=media_center["x"], metric="views", day=day)
    assert x_views.value is None and x_views.reason


def test_a_retired_metric_is_not_available_and_the_rest_are_stored(
    media_center, editor, monkeypatch
):
    monkeypatch.setattr(sim_insights, "PAGE_POST_METRICS",
                        ("post_media_view", "post_clicks", "post_reactions_by_type_total"))  # fmt: skip
    delivery = published(editor, media_center["facebook"])
    services.delivery_snapshot(delivery_id=delivery.pk, day=timezone.localdate())
    rows = {r.metric: r for r in DeliveryMetricDay.objects.filter(delivery=delivery)}
    assert rows["reach"].value is None and rows["reach"].reason and not rows["reach"].permission
    assert rows["views"].value > 0 and rows["clicks"].value is not None
    assert rows["likes"].value is not None and rows["comments"].value is not None


def test_a_missing_permission_is_named_on_every_figure(media_center, simulator):
    page = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    credential = simulator.credential("facebook", "MediaCenterBJN")
    sim.graph_token(page, scopes="pages_show_list,pages_read_engagement,pages_manage_posts",
                    value=credential["access_token"])  # fmt: skip
    services.channel_snapshot(channel_id=media_center["facebook"].pk, day=_yesterday())
    rows = ChannelMetricDay.objects.filter(channel=media_center["facebook"])
    assert rows.count() == 5
    assert {r.permission for r in rows} == {"read_insights"}
    assert all(r.value is None and "read_insights" in r.reason for r in rows)


def test_x_is_not_read_past_its_call_ceiling(media_center, editor):
    channel = media_center["x"]
    channel.monthly_call_ceiling = 5
    channel.save(update_fields=["monthly_call_ceiling"])
    ApiCallMonth.objects.update_or_create(
        channel=channel, month=this_month(), defaults={"calls": 5}
    )
    delivery = published(editor, channel)
    assert services.channel_snapshot(channel_id=channel.pk, day=_yesterday()).skipped
    assert services.delivery_snapshot(delivery_id=delivery.pk, day=timezone.localdate()).skipped
    assert not ChannelMetricDay.objects.filter(channel=channel).exists()
    assert ApiCallMonth.objects.get(channel=channel, month=this_month()).calls == 5


def test_x_reads_are_counted_against_the_budget(media_center, editor):
    channel = media_center["x"]
    delivery = published(editor, channel)
    before = sum(ApiCallMonth.objects.filter(channel=channel).values_list("calls", flat=True))
    services.delivery_snapshot(delivery_id=delivery.pk, day=timezone.localdate())
    after = sum(ApiCallMonth.objects.filter(channel=channel).values_list("calls", flat=True))
    assert after == before + 1


def test_an_old_x_post_keeps_its_public_figures(media_center, editor):
    delivery = published(editor, media_center["x"], days_old=40)
    services.delivery_snapshot(delivery_id=delivery.pk, day=timezone.localdate())
    rows = {r.metric: r for r in DeliveryMetricDay.objects.filter(delivery=delivery)}
    assert rows["views"].value > 0
    assert rows["clicks"].value is None and "30" in rows["clicks"].reason


def test_due_work_skips_posts_out_of_their_schedule(media_center, editor):
    fresh = published(editor, media_center["facebook"], days_old=1)
    weekly = published(editor, media_center["x"], days_old=14)
    skipped = published(editor, media_center["instagram_graph"], days_old=10)
    ancient = published(editor, media_center["facebook"], days_old=120, text="Lama")
    channel_ids, delivery_ids = services.due_work(timezone.localdate())
    assert set(channel_ids) == {c.pk for c in media_center.values()}
    assert fresh.pk in delivery_ids and weekly.pk in delivery_ids
    assert skipped.pk not in delivery_ids and ancient.pk not in delivery_ids


def test_x_followers_gained_come_from_the_kept_count(media_center):
    channel = media_center["x"]
    day = _yesterday()
    ChannelMetricDay.objects.create(channel=channel, metric="followers", day=day - timedelta(days=1),
                                    value=10)  # fmt: skip
    services.channel_snapshot(channel_id=channel.pk, day=day)
    count = ChannelMetricDay.objects.get(channel=channel, metric="followers", day=day).value
    gained = ChannelMetricDay.objects.get(channel=channel, metric="followers_gained", day=day)
    assert gained.value == count - 10 and gained.platform_metric == "followers difference"


def test_a_day_graph_has_not_closed_yet_is_left_for_a_later_read(media_center):
    """At 01.00 WIB yesterday (WIB) is still today in UTC, and Graph serves a day only once it has
    ended: the read keeps the days served before it and stores nothing false for the open day."""
    from datetime import UTC

    channel = media_center["facebook"]
    open_day = timezone.now().astimezone(UTC).date()
    result = services.channel_snapshot(channel_id=channel.pk, day=open_day)
    assert not result.error and result.stored, result
    kept = set(ChannelMetricDay.objects.filter(channel=channel).values_list("day", flat=True))
    assert kept == {open_day - timedelta(days=1), open_day - timedelta(days=2)}
    assert not ChannelMetricDay.objects.filter(channel=channel, value=None).exists()
