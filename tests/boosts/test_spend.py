"""The daily spend reading with a stand-in for Meta: rows kept per day (read again, replaced), a
boost past its end finished and its commitment released, the due list."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from boosts import services
from boosts.budget import line_figures
from boosts.models import BoostRequest, BoostStatus
from boosts.services import platform
from publishing.drivers import meta_ads

from .conftest import fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(make_boost, kabid, kadis, queued):
    boost = services.boost_approve_division(actor=kabid, boost=make_boost())
    boost = services.boost_approve(actor=kadis, boost=boost, request=fresh(kadis))
    BoostRequest.objects.filter(pk=boost.pk).update(
        status=BoostStatus.RUNNING, campaign_id="c1", adset_id="s1", creative_id="k1", ad_id="a1"
    )
    boost.refresh_from_db()
    return boost


def _meta(monkeypatch, days):
    fake = SimpleNamespace(
        BoostObjects=meta_ads.BoostObjects,
        read_spend=lambda credential, objects, since, until: days,
    )
    monkeypatch.setattr(platform, "driver", lambda: fake)


def test_spend_is_kept_per_day_and_read_again(running, monkeypatch):
    today = timezone.localdate()
    _meta(
        monkeypatch,
        [meta_ads.DaySpend(today, Decimal("45000.5"), 3000, 3900, Decimal("1.3"), 3000)],
    )
    assert services.boost_read_spend(boost_id=running.pk)["read"] == 1
    _meta(
        monkeypatch, [meta_ads.DaySpend(today, Decimal("90000"), 4600, 6000, Decimal("1.3"), 4600)]
    )
    services.boost_read_spend(boost_id=running.pk)
    day = running.spend_days.get()
    assert (day.spend, day.reach, day.results) == (Decimal("90000"), 4600, 4600)
    figures = line_figures(running.budget_line)
    assert (figures.spent, figures.committed) == (90_000, 210_000)
    assert running.pk in services.spend_due(today)


def test_a_boost_past_its_end_is_finished_and_frees_the_rest(running, monkeypatch):
    BoostRequest.objects.filter(pk=running.pk).update(
        start=timezone.now() - timedelta(days=3), end=timezone.now() - timedelta(minutes=5)
    )
    first = timezone.localdate() - timedelta(days=3)
    _meta(monkeypatch, [meta_ads.DaySpend(first + timedelta(days=n), Decimal(80_000), 4000, 5000,
                                          None, 4000) for n in range(3)])  # fmt: skip
    services.boost_read_spend(boost_id=running.pk)
    running.refresh_from_db()
    assert running.status == BoostStatus.FINISHED
    figures = line_figures(running.budget_line)
    assert (figures.spent, figures.committed, figures.left) == (240_000, 0, 760_000)
    assert running.steps.filter(action="finish").exists()


def test_a_login_gone_while_running_is_told_to_the_kepala_dinas_once_a_day(
    running, monkeypatch, kadis
):
    from accounts.models import Notification
    from publishing.drivers.errors import RetryableError, TokenExpired

    def refused(credential, objects, since, until):
        raise TokenExpired("Token Meta kedaluwarsa.")

    fake = SimpleNamespace(BoostObjects=meta_ads.BoostObjects, read_spend=refused)
    monkeypatch.setattr(platform, "driver", lambda: fake)
    for _ in range(2):
        assert services.boost_read_spend(boost_id=running.pk)["read"] == 0
    told = Notification.objects.filter(recipient=kadis, kind="boost.spend_unread")
    assert told.count() == 1 and running.status == BoostStatus.RUNNING

    def busy(credential, objects, since, until):
        raise RetryableError("Meta tidak menjawab.")

    fake.read_spend = busy
    Notification.objects.all().delete()
    services.boost_read_spend(boost_id=running.pk)  # only slow: read again later, nobody told
    assert not Notification.objects.filter(kind="boost.spend_unread").exists()
