"""The insights page, the post page's figures and the dashboard's links, as people use them."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insights.models import DeliveryMetricDay
from publishing.models import AccountGroup, Channel, DriverName
from tests.insights.builders import figures_for

pytestmark = pytest.mark.django_db

URL = "/insights/"


def _channel(number: int, division) -> Channel:
    return Channel.objects.create(
        platform="facebook", name=f"Kanal {number}", handle=f"kanal{number}",
        driver=DriverName.FACEBOOK, account_group=AccountGroup.MEDIA_CENTER,
        responsible_division=division, external_id=str(1000 + number),
    )  # fmt: skip


def test_the_page_sums_the_period_in_indonesian(client_for, staf, editor, divisions):
    channel = _channel(1, divisions["PKP"])
    figures_for(channel, editor, posts=3)
    page = client_for(staf).get(URL, {"period": "week"}).content.decode()
    assert "Wawasan" in page and "Tayangan per hari" in page
    views = sum(100 + back for back in range(1, 8))
    assert re.search(rf'data-figure="views">{views:,}'.replace(",", "."), page)
    assert 'data-figure="posts">3<' in page
    assert "<svg" in page and "<table" in page
    assert "Metrik dipensiunkan" in page  # what the platform refused, said plainly
    assert "Publikasi Kanal 1 2" in page  # the best post (most views)


def test_the_query_count_does_not_grow_with_channels(client_for, staf, editor, divisions):
    first = _channel(0, divisions["PKP"])
    figures_for(first, editor)
    client = client_for(staf)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for number in range(1, 10):
        figures_for(_channel(number, divisions["PKP"]), editor)
    with CaptureQueriesContext(connection) as ten:
        page = client.get(URL).content.decode()
    assert "Kanal 9" in page
    assert len(ten) == len(one), [q["sql"][:120] for q in ten.captured_queries]


def test_filters_by_channel_and_division(client_for, staf, editor, divisions):
    ours, theirs = _channel(1, divisions["PKP"]), _channel(2, divisions["PIAP"])
    figures_for(ours, editor, posts=1)
    figures_for(theirs, editor, posts=2)
    client = client_for(staf)
    page = client.get(URL, {"channel": ours.pk, "period": "week"}).content.decode()
    assert 'data-figure="posts">1<' in page
    page = client.get(URL, {"division": divisions["PIAP"].pk, "period": "week"}).content.decode()
    assert 'data-figure="posts">0<' in page  # the posts belong to PKP's editor


def test_bad_filters_answer_plainly(client_for, staf, divisions):
    client = client_for(staf)
    page = client.get(URL, {"period": "custom", "start": "", "end": ""})
    assert page.status_code == 200 and "Pilih kedua tanggal" in page.content.decode()
    for params in ({"channel": "abc"}, {"period": "x" * 5000}, {"start": "2026-13-40"},
                   {"period": "custom", "start": "2026-12-01", "end": "2020-01-01"},
                   {"period": "custom", "start": "0001-01-01", "end": "9999-12-31"},
                   {"channel": str(2**70), "division": "-1"}):  # fmt: skip
        assert client.get(URL, params).status_code == 200


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_the_post_page_shows_each_deliverys_figures(client_for, staf, editor, divisions):
    delivery = figures_for(_channel(1, divisions["PKP"]), editor, posts=1)[0]
    DeliveryMetricDay.objects.create(delivery=delivery, metric="reach", day=delivery.published_at.date(),
                                     reason="Izin kurang", permission="read_insights")  # fmt: skip
    page = client_for(staf).get(f"/publishing/posts/{delivery.post_id}/").content.decode()
    assert "Jangkauan Publikasi ini" in page
    assert 'aria-labelledby="views-' in page  # the chart, with its title
    assert "read_insights" in page and "tidak tersedia" in page


def test_the_dashboard_links_to_insights(client_for, staf, editor, divisions):
    figures_for(_channel(1, divisions["PKP"]), editor)
    page = client_for(staf).get("/dashboard/").content.decode()
    assert 'href="/insights/"' in page


def test_the_composer_hint_names_the_next_good_hour(client_for, editor, divisions):
    from datetime import datetime, timedelta

    from django.utils import timezone

    from insights.selectors import next_good_slot

    channel = _channel(7, divisions["PKP"])
    made = figures_for(channel, editor, posts=3)
    now = timezone.make_aware(datetime(2026, 12, 4, 9, 30))
    slot = next_good_slot([channel.pk], now=now)
    assert slot is not None and now < slot.at <= now + timedelta(days=7, hours=1)
    assert slot.at.minute == 0 and slot.posts >= 1
    assert any((timezone.localtime(d.published_at).weekday(), timezone.localtime(d.published_at).hour)
               == (slot.at.weekday(), slot.at.hour) for d in made)  # fmt: skip
    page = client_for(editor).get("/insights/next-slot/", {"channels": [channel.pk]})
    assert "Waktu yang baik" in page.content.decode() and "WIB" in page.content.decode()
    empty = client_for(editor).get("/insights/next-slot/", {"channels": ["999999", "x"]})
    assert "Belum cukup riwayat" in empty.content.decode()
    assert client_for(editor).get("/insights/next-slot/").content.decode().strip() == ""
    odd = client_for(editor).get("/insights/next-slot/", {"channels": ["²", "١٢", "9" * 25]})
    assert odd.status_code == 200 and odd.content.decode().strip() == ""
    compose = client_for(editor).get("/publishing/compose/").content.decode()
    assert "/insights/next-slot/" in compose
