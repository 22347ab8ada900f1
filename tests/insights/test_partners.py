"""The partners' daily figures and their ranking: read by the beat's snapshot through the broker
in a real worker (the simulator over HTTP, the vault's credentials), within the run's call
budget; an unknown, personal or unread account is "not available" with why, never a zero."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from insights import partners as partner_service
from insights import selectors
from insights.models import PartnerFigureDay
from insights.tasks import insights_snapshot_due
from publishing.drivers import partners as partner_driver
from publishing.simulator import services as sim
from publishing.simulator.models import Account
from publishing.sync.services import partner_account_create
from tests.conftest import wait_for
from tests.insights.builders import channels

pytestmark = pytest.mark.django_db(transaction=True)


def _personal_instagram():
    Account.objects.get_or_create(
        platform="instagram", handle="warga.bojonegoro",
        defaults={"kind": Account.Kind.INSTAGRAM, "name": "Warga", "external_id": "17841400000000999"},
    )  # fmt: skip


def _watch(kadis, channel, handle: str, name: str, kind: str = "office"):
    known = Account.objects.filter(platform=channel.platform, handle=handle).first()
    return partner_account_create(actor=kadis, platform=channel.platform, handle=handle,
                                  external_id=known.external_id if known else "0", name=name,
                                  kind=kind, via_channel=channel)  # fmt: skip


def _watched(kadis, division):
    """Two agencies on Instagram and one on X that the platforms show, and three they do not."""
    media_center = channels(kadis, division)
    ig, x = media_center["instagram_graph"], media_center["x"]
    _personal_instagram()
    for platform, handle in (("instagram", "bojonegorokab"), ("instagram", "kominfobojonegoro"),
                             ("x", "KominfoBjn")):  # fmt: skip
        for number in range(3):
            sim.record_post(
                Account.objects.get(platform=platform, handle=handle), text=f"Kabar {number}"
            )
    return media_center, {
        "regent": _watch(kadis, ig, "bojonegorokab", "Pemkab Bojonegoro", "regent"),
        "kominfo": _watch(kadis, ig, "kominfobojonegoro", "Dinas Kominfo"),
        "kominfo_x": _watch(kadis, x, "KominfoBjn", "Kominfo di X"),
        "unknown": _watch(kadis, ig, "tidakada.akun", "Dinas Tak Dikenal"),
        "personal": _watch(kadis, ig, "warga.bojonegoro", "Akun Pribadi"),
        "unknown_x": _watch(kadis, x, "nobody_here", "Tak Ada di X"),
    }


def _yesterday():
    return timezone.localdate() - timedelta(days=1)


@pytest.mark.e2e
def test_the_daily_snapshot_reads_the_partners_in_a_real_worker(
    simulator, use_queue, kadis, divisions
):
    _media_center, watched = _watched(kadis, divisions["PKP"])
    answer = insights_snapshot_due.delay().get(timeout=60)
    assert answer["partners"] == 6 and answer["partners_not_read"] == 0
    wait_for(lambda: PartnerFigureDay.objects.count() == 6 or None, timeout=60)
    rows = {row.partner_id: row for row in PartnerFigureDay.objects.all()}
    for key in ("regent", "kominfo", "kominfo_x"):
        row = rows[watched[key].pk]
        assert row.day == _yesterday() and row.followers > 0 and row.posts == 3
        assert row.recent_posts == 3 and row.recent_engagement >= 0
        assert row.engagement_rate == pytest.approx(
            100 * row.recent_engagement / row.recent_posts / row.followers, abs=1e-3
        )
    for key in ("unknown", "personal", "unknown_x"):
        row = rows[watched[key].pk]
        assert row.followers is None and row.engagement_rate is None and row.posts is None
        assert row.reason and not row.not_read
    # Run again: the same rows, read again, none added.
    mark = timezone.now()
    insights_snapshot_due.delay().get(timeout=60)
    wait_for(lambda: not PartnerFigureDay.objects.filter(fetched_at__lt=mark).exists() or None,
             timeout=60)  # fmt: skip
    assert PartnerFigureDay.objects.count() == 6


def test_a_partner_over_the_runs_budget_is_read_first_next_run(simulator, kadis, divisions,
                                                               monkeypatch):  # fmt: skip
    _media_center, watched = _watched(kadis, divisions["PKP"])
    monkeypatch.setitem(partner_driver.CALLS_PER_RUN, "instagram_graph", 2)
    day = _yesterday()
    plan = partner_service.partner_run(day)
    instagram = [w.pk for k, w in watched.items() if k not in ("kominfo_x", "unknown_x")]
    read_now = [pk for pk in plan.to_read if pk in instagram]
    assert len(read_now) == 2 and len(plan.not_read) == 2
    for partner_id in plan.to_read:
        partner_service.partner_snapshot(partner_id=partner_id, day=day)
    skipped = PartnerFigureDay.objects.filter(partner_id__in=plan.not_read)
    assert skipped.count() == 2
    channel = _media_center["instagram_graph"].name
    assert all(r.not_read and r.followers is None and channel in r.reason for r in skipped)
    # The next run reads the two left over first.
    following = partner_service.partner_run(day + timedelta(days=1))
    assert set(following.to_read) & set(instagram) == set(plan.not_read)
    for partner_id in following.to_read:
        partner_service.partner_snapshot(partner_id=partner_id, day=day)
    # Read on the same day now: the "not read" rows hold the figures or the platform's reason.
    for row in PartnerFigureDay.objects.filter(partner_id__in=plan.not_read):
        assert not row.not_read


def test_an_x_channel_at_its_ceiling_reads_no_partner(simulator, kadis, divisions):
    media_center, watched = _watched(kadis, divisions["PKP"])
    type(media_center["x"]).objects.filter(pk=media_center["x"].pk).update(monthly_call_ceiling=1)
    from publishing.services.usage import api_call_record

    api_call_record(channel_id=media_center["x"].pk, calls=5)
    plan = partner_service.partner_run(_yesterday())
    assert {watched["kominfo_x"].pk, watched["unknown_x"].pk} <= set(plan.not_read)
    row = PartnerFigureDay.objects.get(partner=watched["kominfo_x"])
    assert row.not_read and row.followers is None and media_center["x"].name in row.reason


def test_a_throttled_read_is_not_available_and_keeps_an_earlier_reading(simulator, kadis,
                                                                         divisions):  # fmt: skip
    from publishing.simulator.models import Fault

    _media_center, watched = _watched(kadis, divisions["PKP"])
    day = _yesterday()
    partner_service.partner_snapshot(partner_id=watched["regent"].pk, day=day)
    office = Account.objects.get(platform="instagram", handle="mediacenterbojonegoro")
    sim.set_fault(office, mode=Fault.Mode.RATE_LIMIT, code=4, retry_after=60)
    partner_service.partner_snapshot(partner_id=watched["regent"].pk, day=day)
    kept = PartnerFigureDay.objects.get(partner=watched["regent"], day=day)
    assert kept.followers > 0  # the day's reading is not replaced by the failure
    sim.set_fault(office, mode=Fault.Mode.RATE_LIMIT, code=4, retry_after=60)
    answer = partner_service.partner_snapshot(partner_id=watched["kominfo"].pk, day=day)
    assert answer["available"] is False and answer["reason"]
    assert PartnerFigureDay.objects.get(partner=watched["kominfo"]).followers is None


# --- the ranking ------------------------------------------------------------------------------


def _figures(partner, day, followers, rate, *, posts=10):
    PartnerFigureDay.objects.create(partner=partner, day=day, followers=followers, posts=posts,
                                    recent_posts=10, recent_engagement=int(rate * followers / 10),
                                    engagement_rate=rate)  # fmt: skip


def _ranked(kadis, division):
    """Built figures: four agencies with known rates and gains, one never readable."""
    media_center = channels(kadis, division)
    ig = media_center["instagram_graph"]
    made = {key: _watch(kadis, ig, f"dinas.{key}", f"Dinas {key.title()}")
            for key in ("a", "b", "c", "d", "e")}  # fmt: skip
    start, end = _yesterday() - timedelta(days=6), _yesterday()
    _figures(made["a"], start, 1000, 2.5)
    _figures(made["a"], end, 1100, 3.0)  # 3.0 %, +100
    _figures(made["b"], start, 5000, 4.0)
    _figures(made["b"], end, 5010, 5.0)  # 5.0 %, +10
    _figures(made["c"], start, 800, 3.0)
    _figures(made["c"], end, 1000, 3.0)  # 3.0 %, +200: above a on followers gained
    _figures(made["d"], end, 300, 1.0)  # one reading: gained not available
    PartnerFigureDay.objects.create(
        partner=made["e"], day=end, reason="Instagram tidak menampilkan"
    )
    _figures(made["a"], start - timedelta(days=30), 10, 99.0)  # outside the period
    return made


def test_the_ranking_orders_by_engagement_rate_then_followers_gained(kadis, divisions):
    made = _ranked(kadis, divisions["PKP"])
    period = selectors.period_from({"period": "week"}, timezone.localdate())
    ranking = selectors.partner_ranking(period)
    assert [r.partner.pk for r in ranking] == [made[k].pk for k in ("b", "c", "a", "d", "e")]
    by_key = {r.partner: r for r in ranking}
    assert by_key[made["b"]].followers_gained == 10 and by_key[made["c"]].followers_gained == 200
    assert by_key[made["d"]].followers_gained is None and by_key[made["d"]].followers == 300
    last = by_key[made["e"]]
    assert not last.available and last.followers is None and last.engagement_rate is None
    assert "tidak menampilkan" in last.reason


def test_the_ranking_page_shows_chart_table_and_not_available(kadis, divisions, staf, client_for):
    made = _ranked(kadis, divisions["PKP"])
    answer = client_for(staf).get("/insights/partners/?period=week")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert '<svg class="chart bar-chart"' in page and "<table" in page
    order = [page.index(f'data-partner="dinas.{key}"') for key in ("b", "c", "a", "d", "e")]
    assert order == sorted(order)
    assert 'data-state="not-available"' in page and "tidak menampilkan" in page
    assert "Akun mitra" in page  # Indonesian by default
    assert made["b"].name in page


def test_the_ranking_page_without_partners_or_figures(kadis, divisions, staf, client_for):
    answer = client_for(staf).get("/insights/partners/")
    assert answer.status_code == 200
    media_center = channels(kadis, divisions["PKP"])
    _watch(kadis, media_center["instagram_graph"], "dinas.baru", "Dinas Baru")
    page = client_for(staf).get("/insights/partners/?period=custom&start=2026-01-01&end=2026-01-31")
    assert page.status_code == 200 and 'data-state="not-available"' in page.content.decode()


def test_the_ranking_through_the_api_matches_the_page(kadis, divisions, staf, client_for):
    made = _ranked(kadis, divisions["PKP"])
    client = client_for(staf)
    answer = client.get("/api/v1/insights/partners/?period=week")
    assert answer.status_code == 200, answer.content[:300]
    rows = answer.json()["partners"]
    assert [row["partner"] for row in rows] == [made[k].pk for k in ("b", "c", "a", "d", "e")]
    assert [row["rank"] for row in rows] == [1, 2, 3, 4, None]
    assert rows[0]["engagement_rate"] == 5.0 and rows[0]["followers_gained"] == 10
    assert rows[-1]["followers"] is None and "tidak menampilkan" in rows[-1]["reason"]
    refused = client.get("/api/v1/insights/partners/?period=custom&start=2026-12-01")
    assert refused.status_code == 400
    assert client.get("/api/v1/insights/partners/?period=decade").status_code == 400
