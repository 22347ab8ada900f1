"""X bills per call: every call the portal makes for an X channel is counted for that channel and
month, the Kepala Dinas sets a price per call (Rp or US$) and a ceiling, and at the ceiling sync
stops reading the account for the month while publishing goes on; he is told once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Notification
from accounts.services import credential_secret_for_use
from publishing.models import ApiCallMonth, Delivery, DeliveryStatus
from publishing.services.channels import check_channel_credential
from publishing.services.delivery import delivery_send
from publishing.services.usage import (
    api_call_record,
    channel_usage,
    channel_usage_update,
    metered_driver,
    this_month,
)
from publishing.sync import services as sync_services
from publishing.sync.models import PollState
from publishing.vault import driver_secret
from tests.publishing.delivery_fixtures import approved_post
from tests.publishing.sync_fixtures import (
    held_queue,  # noqa: F401 - fixture
    sync_channels,  # noqa: F401 - fixture (channels)
)

pytestmark = [pytest.mark.django_db(transaction=True)]

HANDLE = "mediacenterBJN"


def _x_requests(simulator) -> list[dict]:
    return [
        r
        for r in simulator.log(platform="x")["requests"]
        if r["platform"] == "x" and r["account"] == HANDLE
    ]


def _calls(channel) -> int:
    return channel_usage(channel).calls


def _budget(kadis, channel, **values):
    defaults = {
        "poll_minutes": None,
        "call_price": None,
        "call_price_currency": "IDR",
        "monthly_call_ceiling": None,
    }
    return channel_usage_update(actor=kadis, channel=channel, **{**defaults, **values})


@pytest.mark.e2e
@pytest.mark.usefixtures("held_queue")
def test_every_call_of_a_delivery_is_counted_for_its_channel(
    simulator, channels, kadis, editor, divisions
):
    x = channels("x")
    other = channels("x_kominfo")
    before = len(_x_requests(simulator))
    post = approved_post(editor=editor, kadis=kadis, channels=[x], text="Dihitung per panggilan")
    delivery_send(delivery_id=Delivery.objects.get(post=post).pk)
    # The simulator's own log of what it received is the independent count.
    received = len(_x_requests(simulator)) - before
    assert received >= 1
    assert _calls(x) == received
    assert _calls(other) == 0


@pytest.mark.e2e
@pytest.mark.usefixtures("held_queue")
def test_at_the_ceiling_sync_stops_but_publishing_goes_on_and_the_head_is_told_once(
    simulator, channels, kadis, editor, divisions
):
    x, fb = channels("x"), channels("fb")
    sync_services.sync_rule_create(actor=kadis, source=x, targets=[fb])
    sync_services.sync_poll_channel(channel_id=x.pk)
    polled = _calls(x)
    assert polled >= 1
    _budget(kadis, x, monthly_call_ceiling=polled + 1, call_price=Decimal("0.01"))
    api_call_record(channel_id=x.pk)  # the call that reaches the ceiling
    told = Notification.objects.filter(kind="channel.call_ceiling", recipient=kadis)
    assert told.count() == 1
    assert str(x) in told.get().message
    before = len(_x_requests(simulator))
    result = sync_services.sync_poll_channel(channel_id=x.pk)
    assert result.error and len(_x_requests(simulator)) == before  # nothing read
    state = PollState.objects.get(channel=x)
    assert state.next_poll_at > timezone.now() + timedelta(minutes=30)
    # Publishing is never stopped by the ceiling.
    post = approved_post(editor=editor, kadis=kadis, channels=[x], text="Tetap terbit")
    delivery = delivery_send(delivery_id=Delivery.objects.get(post=post).pk)
    assert delivery.status == DeliveryStatus.PUBLISHED
    assert _calls(x) > polled + 1
    api_call_record(channel_id=x.pk)
    assert told.count() == 1  # once a month
    # Raising the ceiling lets polling resume.
    _budget(kadis, x, monthly_call_ceiling=_calls(x) + 100)
    assert not sync_services.sync_poll_channel(channel_id=x.pk).error


@pytest.mark.e2e
def test_a_channel_set_never_to_poll_is_never_read_and_its_own_interval_is_kept(
    simulator, channels, kadis
):
    x, fb = channels("x"), channels("fb")
    sync_services.sync_rule_create(actor=kadis, source=x, targets=[fb])
    _budget(kadis, x, poll_minutes=0)
    before = len(_x_requests(simulator))
    assert sync_services.sync_poll_channel(channel_id=x.pk).error
    assert len(_x_requests(simulator)) == before
    _budget(kadis, x, poll_minutes=45)
    started = timezone.now()
    assert not sync_services.sync_poll_channel(channel_id=x.pk).error
    next_poll = PollState.objects.get(channel=x).next_poll_at
    assert started + timedelta(minutes=44) < next_poll < started + timedelta(minutes=46)


def test_counts_are_per_month(channels, kadis):
    x = channels("x")
    api_call_record(channel_id=x.pk, calls=3)
    last_month = (this_month() - timedelta(days=1)).replace(day=1)
    ApiCallMonth.objects.create(channel=x, month=last_month, calls=1000)
    assert _calls(x) == 3


def test_only_the_head_sets_the_budget(channels, kadis, editor, admin_user):
    x = channels("x")
    for person in (editor, admin_user):
        with pytest.raises(PermissionDenied):
            _budget(person, x, monthly_call_ceiling=1)
    x.refresh_from_db()
    assert x.monthly_call_ceiling is None


def test_the_channel_page_shows_the_count_and_estimate_and_saves_the_budget(
    channels, kadis, editor, client_for
):
    x = channels("x")
    api_call_record(channel_id=x.pk, calls=1200)
    client = client_for(kadis)
    url = reverse("channels:channel_usage", args=[x.pk])
    answer = client.post(
        url,
        {
            "poll_minutes": "30",
            "call_price": "150",
            "call_price_currency": "IDR",
            "monthly_call_ceiling": "5000",
        },
    )
    assert answer.status_code == 302
    page = client.get(reverse("channels:channel_detail", args=[x.pk])).content.decode()
    assert "1200" in page and "Rp180.000" in page
    x.refresh_from_db()
    assert (x.poll_minutes, x.call_price, x.monthly_call_ceiling) == (30, Decimal("150"), 5000)
    # Bad numbers change nothing.
    for bad in (
        {"poll_minutes": "-5"},
        {"call_price": "-1"},
        {"monthly_call_ceiling": "0"},
        {"call_price": "abc"},
        {"call_price_currency": "EUR"},
    ):
        form = {"call_price_currency": "USD", **bad}
        assert client.post(url, form).status_code == 400
    x.refresh_from_db()
    assert (x.poll_minutes, x.call_price_currency, x.monthly_call_ceiling) == (30, "IDR", 5000)
    # Dollars are shown as dollars.
    client.post(url, {"call_price": "0.005", "call_price_currency": "USD"})
    page = client.get(reverse("channels:channel_detail", args=[x.pk])).content.decode()
    assert "US$6.00" in page
    # An editor opens neither the page's form nor its door.
    assert client_for(editor).post(url, {"call_price_currency": "USD"}).status_code in (403, 404)


def test_the_page_of_a_channel_not_billed_per_call_has_no_budget(channels, kadis, client_for):
    fb = channels("fb")
    client = client_for(kadis)
    page = client.get(reverse("channels:channel_detail", args=[fb.pk])).content.decode()
    assert "api-calls" not in page
    answer = client.post(reverse("channels:channel_usage", args=[fb.pk]), {})
    assert answer.status_code == 404


@pytest.mark.e2e
def test_the_connection_report_carries_the_months_calls(simulator, channels, kadis):
    x = channels("x")
    _budget(kadis, x, monthly_call_ceiling=900)
    assert check_channel_credential(x.credential, x).ok  # the vault's check: one call, counted
    assert _calls(x) == 1
    secret = driver_secret(
        x, credential_secret_for_use(credential_id=x.credential_id, used_by="test"), x.credential
    )
    health = metered_driver(x).check_credential(secret)
    limits = dict(health.limits)
    assert limits[gettext("API calls this month")] == "1"  # counted before this check
    assert limits[gettext("Monthly ceiling for polling")] == "900"
    assert limits["x-rate-limit-remaining"].isdigit()
    assert _calls(x) == 2
