"""Boosts through a real worker against the simulator's Marketing API: made paused then started,
and the fault cases (create fails after the campaign exists, a server error on the ad, an answer
lost, a worker that died mid-way, the budget line exhausted, an expired token). Each leaves the
books right and nothing running on Meta that should not be."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.services import credential_create
from boosts import services
from boosts.budget import line_figures
from boosts.models import AdAccountStatus, BoostRequest, BoostStatus
from boosts.tasks import ad_account_check, boost_read_spend
from publishing.drivers import meta_ads
from publishing.models import Delivery, DeliveryStatus
from publishing.simulator import marketing_api
from publishing.simulator import services as sim
from publishing.simulator.models import Account, AdObject
from tests.conftest import wait_for
from tests.publishing.conftest import simulator, simulator_operator  # noqa: F401 - fixtures
from tests.publishing.delivery_fixtures import (  # noqa: F401 - fixtures
    delivery_queue_name,
    delivery_worker,
    use_queue,
)

from .conftest import fresh, published

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ACT = "act_1000000000001"


@pytest.fixture
def sim_account(kadis, simulator, use_queue):  # noqa: F811 - fixture
    account = services.ad_account_save(
        actor=kadis, name="Dinas Kominfo Bojonegoro", account_id=ACT, currency="IDR"
    )
    credential_create(actor=kadis, label="System User iklan", kind="oauth",
                      secret=sim.demo_ads_credential(), target=account)  # fmt: skip
    assert ad_account_check.delay(account.pk).get(timeout=60) == AdAccountStatus.ACTIVE
    account.refresh_from_db()
    assert account.issues_authorized
    return account


@pytest.fixture
def sim_delivery(editor, kadis, page, simulator):  # noqa: F811 - fixture
    account = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    post = sim.record_post(
        account, text="Festival Budaya", external_id=f"{account.external_id}_7001"
    )
    return published(editor, kadis, page, external_id=post.external_id)


@pytest.fixture
def approved(editor, kabid, kadis, sim_delivery, sim_account, line):
    """A boost approved to the end; the worker takes it from there."""

    def make(**fields):
        start = timezone.now() + timedelta(minutes=2)
        values = {
            "ad_account": sim_account, "budget_line": line, "goal": "reach",
            "budget_kind": "daily", "amount": 100_000, "start": start,
            "end": start + timedelta(days=3), "audience": "radius", "latitude": -7.15,
            "longitude": 111.88, "radius_km": 20, "reason": "Festival budaya tahunan.",
        }  # fmt: skip
        values.update(fields)
        boost = services.boost_create(actor=editor, delivery=sim_delivery, submit=True, **values)
        boost = services.boost_approve_division(actor=kabid, boost=boost)
        return services.boost_approve(actor=kadis, boost=boost, request=fresh(kadis))

    return make


def _alive() -> list[AdObject]:
    return list(AdObject.objects.filter(account__external_id=ACT).exclude(status="DELETED"))


def _running() -> list[AdObject]:
    return [o for o in _alive() if o.kind != "creative" and o.status == "ACTIVE"]


def _settled(boost: BoostRequest, *states: str) -> BoostRequest:
    return wait_for(
        lambda: BoostRequest.objects.filter(pk=boost.pk, status__in=states).first(),
        timeout=60,
        message=f"boost {boost.pk} never reached {states}",
    )


def test_an_approved_boost_is_made_paused_then_runs_with_every_id_kept(approved, editor):
    boost = _settled(approved(), BoostStatus.RUNNING)
    assert boost.campaign_id and boost.adset_id and boost.creative_id and boost.ad_id
    assert boost.ad_library_url == f"https://www.facebook.com/ads/library/?id={boost.ad_id}"
    campaign = AdObject.objects.get(external_id=boost.campaign_id)
    assert campaign.fields["special_ad_categories"] == ["ISSUES_ELECTIONS_POLITICS"]
    assert {o.kind for o in _running()} == {"campaign", "adset", "ad"}
    assert AdObject.objects.get(external_id=boost.adset_id).fields["daily_budget"] == 100_000
    # The worker asked Meta for the audience's estimated reach when the request was made.
    boost = wait_for(lambda: BoostRequest.objects.filter(pk=boost.pk, estimate_lower__gt=0).first(),
                     timeout=30, message="no estimate")  # fmt: skip
    assert boost.estimate_upper > boost.estimate_lower
    steps = list(boost.steps.values_list("action", flat=True))
    assert steps[-2:] == ["creating", "running"]
    assert Notification.objects.filter(recipient=editor, kind="boost.running").exists()
    # The Kepala Dinas stops it at once: paused on Meta, nothing committed any more.
    services.boost_stop(actor=boost.requested_by.__class__.objects.get(username="kadis"),
                        boost=boost, reason="Acara ditunda.")  # fmt: skip
    wait_for(lambda: not _running(), timeout=60, message="the boost was not paused on Meta")
    assert line_figures(boost.budget_line).committed == 0


def test_create_fails_after_the_campaign_exists(approved, line, kadis):
    """Meta refuses the ad set (the daily budget below its minimum) once the campaign exists:
    the campaign is taken down, the request says why, nothing stays committed."""
    boost = _settled(approved(amount=5_000), BoostStatus.FAILED)
    assert boost.error_code == "budget_too_low"
    assert boost.last_error
    assert _alive() == []
    assert AdObject.objects.filter(kind="campaign", status="DELETED").count() == 1
    assert line_figures(line).committed == 0
    assert Notification.objects.filter(recipient=kadis, kind="boost.failed").exists()


def test_a_server_error_on_the_ad_is_tried_again_and_made_once(approved, simulator):  # noqa: F811
    simulator.fault("facebook", ACT, mode="server_error", scope="publish", remaining=1)
    boost = _settled(approved(), BoostStatus.RUNNING, BoostStatus.FAILED)
    assert boost.status == BoostStatus.RUNNING
    assert {o.kind for o in _alive()} == {"campaign", "adset", "creative", "ad"}
    assert len(_alive()) == 4


def test_a_lost_answer_is_looked_up_and_nothing_is_made_twice(approved, simulator):  # noqa: F811
    simulator.fault("facebook", ACT, mode="accept_then_fail", scope="publish", remaining=1)
    boost = _settled(approved(), BoostStatus.RUNNING, BoostStatus.FAILED)
    assert boost.status == BoostStatus.RUNNING
    assert AdObject.objects.filter(kind="ad").count() == 1
    assert len(_alive()) == 4


def test_a_worker_that_died_mid_way_is_followed_by_a_look_up(approved, monkeypatch):
    """The request was left ``creating`` with the boost made on Meta but no id kept: the next try
    finds it by the request's key and starts it, making nothing new."""
    monkeypatch.setattr("boosts.services.requests.enqueue_on_commit", lambda *a, **k: None)
    boost = approved()
    credential = sim.demo_ads_credential()
    from boosts.services.platform import _spec

    made = meta_ads.create_boost(credential, _spec(boost))
    BoostRequest.objects.filter(pk=boost.pk).update(status=BoostStatus.CREATING, attempts=1)
    from core.enqueue import enqueue

    enqueue("boosts.tasks.boost_launch", boost.pk)
    boost = _settled(boost, BoostStatus.RUNNING, BoostStatus.FAILED)
    assert boost.status == BoostStatus.RUNNING
    assert (boost.campaign_id, boost.ad_id) == (made.campaign_id, made.ad_id)
    assert AdObject.objects.filter(kind="campaign").count() == 1


def test_a_boost_that_would_pass_its_line_is_paused_and_the_kepala_dinas_told(
    approved, line, kadis
):
    boost = _settled(approved(), BoostStatus.RUNNING)
    # Meta spent far more than planned today: Rp 950.000 of the line's Rp 1.000.000.
    marketing_api.set_spend(boost.ad_id, timezone.localdate(), 950_000)
    result = boost_read_spend.delay(boost.pk).get(timeout=60)
    assert result["paused"] is True
    boost.refresh_from_db()
    assert boost.status == BoostStatus.STOPPED
    assert boost.spend_days.get().spend == 950_000
    wait_for(lambda: not _running(), timeout=60, message="the boost was not paused on Meta")
    figures = line_figures(line)
    assert (figures.spent, figures.committed, figures.left) == (950_000, 0, 50_000)
    assert Notification.objects.filter(recipient=kadis, kind="boost.budget_paused").exists()


def test_an_expired_token_fails_the_boost_before_anything_is_made(approved, simulator, line):  # noqa: F811
    simulator.fault("facebook", ACT, mode="token_expired")
    boost = _settled(approved(), BoostStatus.FAILED, BoostStatus.RUNNING)
    assert boost.status == BoostStatus.FAILED
    assert boost.error_code == "token_expired"
    assert _alive() == []
    assert line_figures(line).committed == 0


def test_a_platform_that_never_answers_ends_in_a_failure_with_nothing_running(
    approved,
    simulator,  # noqa: F811
    line,
):
    """Meta answers every call with a server error: after the last try the request fails, says
    what happened, and nothing stays committed or running."""
    simulator.fault("facebook", ACT, mode="server_error", scope="all")
    boost = _settled(approved(), BoostStatus.FAILED, BoostStatus.RUNNING)
    assert boost.status == BoostStatus.FAILED
    assert boost.attempts == 6 and boost.last_error
    assert line_figures(line).committed == 0
    simulator.clear("facebook", ACT)
    assert _running() == []


def test_an_instagram_post_is_boosted_as_its_linked_page(
    editor, kabid, kadis, sim_account, line, page, divisions
):
    from publishing.services.channels import channel_create

    instagram = channel_create(actor=kadis, name="Media Center Bojonegoro",
                               handle="mediacenterbojonegoro", driver="instagram_graph",
                               account_group="media_center", external_id="17841400000000101",
                               responsible_division=divisions["PKP"], staff=[editor])  # fmt: skip
    account = Account.objects.get(platform="instagram", handle="mediacenterbojonegoro")
    media = sim.record_post(account, text="Reels festival", external_id="17900000000000777")
    # As the engine leaves a post published on Instagram (its media are beside the point here).
    post = published(editor, kadis, page, title="Reels", external_id="100090000000101_8").post
    delivery = Delivery.objects.create(post=post, channel=instagram, external_id=media.external_id,
                                       status=DeliveryStatus.PUBLISHED)  # fmt: skip
    start = timezone.now() + timedelta(minutes=2)
    boost = services.boost_create(
        actor=editor, delivery=delivery, submit=True, ad_account=sim_account, budget_line=line,
        goal="engagement", amount=50_000, start=start, end=start + timedelta(days=2),
        audience="radius", latitude=-7.15, longitude=111.88, radius_km=20, reason="Reels.",
    )  # fmt: skip
    boost = services.boost_approve_division(actor=kabid, boost=boost)
    services.boost_approve(actor=kadis, boost=boost, request=fresh(kadis))
    boost = _settled(boost, BoostStatus.RUNNING, BoostStatus.FAILED)
    assert boost.status == BoostStatus.RUNNING, boost.last_error
    creative = AdObject.objects.get(external_id=boost.creative_id)
    assert creative.fields == {"object_id": page.external_id,
                               "instagram_user_id": "17841400000000101",
                               "source_instagram_media_id": media.external_id}  # fmt: skip


def test_the_vaults_daily_check_asks_meta_about_the_token(sim_account, simulator):  # noqa: F811
    from accounts.vault_targets import target
    from boosts.models import AdAccount

    account = AdAccount.objects.select_related("credential").get(pk=sim_account.pk)
    checker = target("ad_account").checker
    assert checker(account.credential, account).ok
    simulator.fault("facebook", ACT, mode="token_expired", remaining=1)
    result = checker(account.credential, account)
    assert not result.ok and result.message
