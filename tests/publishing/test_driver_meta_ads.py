"""The Marketing API driver (``publishing.drivers.meta_ads``) through facebook-business, over
real HTTP, against the simulator's Marketing API: boosts made paused then started, Meta's
refusals, a failure half-way that leaves nothing running, a lost answer found by its key, spend
read per day, rate limits, and never a token in an error."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from publishing.drivers import meta_ads
from publishing.drivers.errors import DriverError, PermanentError, RateLimited, TokenExpired
from publishing.drivers.meta_ads import BoostObjects, BoostSpec, Targeting
from publishing.simulator import marketing_api
from publishing.simulator import services as sim
from publishing.simulator.models import Account, AdObject

pytestmark = pytest.mark.django_db(transaction=True)

WIB = ZoneInfo("Asia/Jakarta")
ACCOUNT = "act_1000000000001"
UNAUTHORISED = "act_1000000000002"
DISABLED = "act_1000000000003"
PAGE = "MediaCenterBJN"


@pytest.fixture
def ads(simulator) -> dict:
    return sim.demo_ads_credential()


@pytest.fixture
def page_post(simulator) -> str:
    page = Account.objects.get(platform="facebook", handle=PAGE)
    post = sim.record_post(
        page, text="Festival Budaya Bojonegoro", external_id=f"{page.external_id}_7001"
    )
    return post.external_id


def _spec(post_id: str, *, account: str = ACCOUNT, **changes) -> BoostSpec:
    start = datetime.combine(date.today() + timedelta(days=1), time(6), WIB)
    values = dict(
        key=str(uuid.uuid4()),
        name="Boost #12 Festival Budaya",
        ad_account_id=account,
        page_id="100090000000101",
        goal="reach",
        daily_budget=50_000,
        lifetime_budget=None,
        start=start,
        end=start + timedelta(days=7),
        targeting=Targeting(country="ID", city_keys=("1675823",), age_min=18, age_max=65),
        special_ad_categories=("ISSUES_ELECTIONS_POLITICS",),
        object_story_id=post_id,
    )
    values.update(changes)
    return BoostSpec(**values)


def _alive(account: str = ACCOUNT) -> list[AdObject]:
    return list(AdObject.objects.filter(account__external_id=account).exclude(status="DELETED"))


def _running(account: str = ACCOUNT) -> list[AdObject]:
    return [o for o in _alive(account) if o.kind != "creative" and o.status == "ACTIVE"]


def test_account_info_and_estimate(ads):
    info = meta_ads.account_info(ads, ACCOUNT)
    assert (info.id, info.currency, info.status, info.issues_authorized, info.problem) == (
        ACCOUNT, "IDR", "active", True, "",
    )  # fmt: skip
    assert info.name == "Dinas Kominfo Bojonegoro"
    # The digits alone name the same account.
    assert meta_ads.account_info(ads, "1000000000001").id == ACCOUNT
    lower, upper = meta_ads.estimate_reach(ads, ACCOUNT, Targeting(city_keys=("1675823",)), "reach")
    assert 0 < lower < upper
    radius = Targeting(latitude=-7.15, longitude=111.88, radius_km=15)
    assert meta_ads.estimate_reach(ads, ACCOUNT, radius, "engagement")[0] > 0


def test_create_paused_then_activate(ads, page_post):
    spec = _spec(page_post)
    boost = meta_ads.create_boost(ads, spec)
    assert boost.complete
    objects = {o.kind: o for o in _alive()}
    assert set(objects) == {"campaign", "adset", "creative", "ad"}
    assert [o.status for k, o in objects.items() if k != "creative"] == ["PAUSED"] * 3
    campaign, adset = objects["campaign"], objects["adset"]
    assert campaign.fields["objective"] == "OUTCOME_AWARENESS"
    assert campaign.fields["special_ad_categories"] == ["ISSUES_ELECTIONS_POLITICS"]
    assert campaign.fields["special_ad_category_country"] == ["ID"]
    # Rupiah have no minor unit: Rp50.000 is sent as 50000.
    assert adset.fields["daily_budget"] == 50_000
    assert adset.fields["targeting"]["geo_locations"] == {"cities": [{"key": "1675823"}]}
    assert objects["creative"].fields == {"object_story_id": page_post}
    assert all(f"[boost:{spec.key}]" in o.name for o in objects.values())

    meta_ads.set_running(ads, boost, True)
    assert {o.kind for o in _running()} == {"campaign", "adset", "ad"}
    assert AdObject.objects.get(external_id=boost.ad_id).spans[-1][1] is None
    meta_ads.set_running(ads, boost, False)
    assert _running() == []
    assert meta_ads.ad_library_url(boost.ad_id) == (
        f"https://www.facebook.com/ads/library/?id={boost.ad_id}"
    )


def test_instagram_post_boost(ads, simulator):
    ig = Account.objects.get(platform="instagram", handle="mediacenterbojonegoro")
    media = sim.record_post(ig, text="Reels festival", external_id="17900000000000777")
    spec = _spec("", object_story_id="", instagram_media_id=media.external_id,
                 instagram_user_id=ig.external_id, goal="engagement")  # fmt: skip
    boost = meta_ads.create_boost(ads, spec)
    creative = AdObject.objects.get(external_id=boost.creative_id)
    assert creative.fields == {"object_id": "100090000000101", "instagram_user_id": ig.external_id,
                               "source_instagram_media_id": media.external_id}  # fmt: skip
    assert AdObject.objects.get(external_id=boost.campaign_id).fields["objective"] == (
        "OUTCOME_ENGAGEMENT"
    )


def test_budget_too_low_leaves_nothing(ads, page_post):
    """The campaign is made, the ad set refused: the campaign is deleted again."""
    with pytest.raises(PermanentError) as refused:
        meta_ads.create_boost(ads, _spec(page_post, daily_budget=5_000))
    assert refused.value.code == "budget_too_low"
    assert refused.value.made == BoostObjects()
    assert _alive() == []
    assert AdObject.objects.filter(kind="campaign", status="DELETED").count() == 1


def test_disabled_account_is_refused_before_anything(ads, page_post):
    info = meta_ads.account_info(ads, DISABLED)
    assert info.status == "disabled" and info.disable_reason == 1 and info.problem
    with pytest.raises(PermanentError) as refused:
        meta_ads.create_boost(ads, _spec(page_post, account=DISABLED))
    assert refused.value.code == "account_disabled"
    assert "dinonaktifkan" in str(refused.value.user_message)
    assert _alive(DISABLED) == []


def test_social_issue_ads_need_the_authorisation(ads, page_post):
    info = meta_ads.account_info(ads, UNAUTHORISED)
    assert info.status == "active" and info.issues_authorized is False
    with pytest.raises(PermanentError) as refused:
        meta_ads.create_boost(ads, _spec(page_post, account=UNAUTHORISED))
    assert refused.value.code == "issues_not_authorized"
    assert "otorisasi" in str(refused.value.user_message).lower()
    assert _alive(UNAUTHORISED) == []
    # Without the category the same account may boost.
    assert meta_ads.create_boost(
        ads, _spec(page_post, account=UNAUTHORISED, special_ad_categories=())
    ).complete


def test_failure_after_the_campaign_exists_leaves_nothing_running(ads, page_post, simulator):
    """The ad itself fails (a server error): campaign, ad set and creative are taken down."""
    simulator.fault("facebook", ACCOUNT, mode="server_error", scope="publish", remaining=1)
    with pytest.raises(DriverError) as failed:
        meta_ads.create_boost(ads, _spec(page_post))
    assert failed.value.made == BoostObjects()
    assert _alive() == [] and _running() == []


def test_a_missing_post_fails_at_the_creative_and_is_cleaned_up(ads, simulator):
    with pytest.raises(PermanentError) as refused:
        meta_ads.create_boost(ads, _spec("100090000000101_404"))
    assert refused.value.made == BoostObjects()
    assert _alive() == []


def test_lost_answer_is_found_by_its_key_and_not_made_twice(ads, page_post, simulator):
    """The ad is made but its answer is lost: the driver looks it up by the key."""
    spec = _spec(page_post)
    simulator.fault("facebook", ACCOUNT, mode="accept_then_fail", scope="publish", remaining=1)
    boost = meta_ads.create_boost(ads, spec)
    assert boost.complete
    assert AdObject.objects.filter(kind="ad").count() == 1
    assert meta_ads.find_boost(ads, ACCOUNT, spec.key) == boost
    # A later try with what was found makes nothing new.
    assert meta_ads.create_boost(ads, spec, resume=boost) == boost
    assert AdObject.objects.count() == 4
    assert meta_ads.find_boost(ads, ACCOUNT, str(uuid.uuid4())) is None


def test_half_made_boost_is_resumed(ads, page_post):
    spec = _spec(page_post)
    boost = meta_ads.create_boost(ads, spec)
    AdObject.objects.filter(external_id=boost.ad_id).update(status="DELETED")
    found = meta_ads.find_boost(ads, ACCOUNT, spec.key)
    assert found == BoostObjects(boost.campaign_id, boost.adset_id, boost.creative_id, "")
    resumed = meta_ads.create_boost(ads, spec, resume=found)
    assert resumed.complete and resumed.ad_id != boost.ad_id
    assert resumed.campaign_id == boost.campaign_id
    assert meta_ads.discard_boost(ads, resumed) == BoostObjects()
    assert _alive() == []


def test_spend_is_read_per_day(ads, page_post, monkeypatch):
    start = datetime.combine(date.today() - timedelta(days=5), time(0), WIB)
    spec = _spec(page_post, start=start, end=start + timedelta(days=10), daily_budget=100_000)
    clock = {"now": start + timedelta(hours=12)}
    monkeypatch.setattr(marketing_api, "now", lambda: clock["now"])
    boost = meta_ads.create_boost(ads, spec)
    meta_ads.set_running(ads, boost, True)
    clock["now"] = start + timedelta(days=2, hours=6)
    first = start.date()
    days = meta_ads.read_spend(ads, boost, first, first + timedelta(days=4))
    # Half a day, a whole day, a quarter of a day, at 90% of Rp100.000 a day.
    assert [(d.day, d.spend) for d in days] == [
        (first, Decimal(45_000)),
        (first + timedelta(days=1), Decimal(90_000)),
        (first + timedelta(days=2), Decimal(22_500)),
    ]
    whole = days[1]
    assert whole.impressions == 6000 and whole.reach == 4615
    assert whole.frequency == Decimal("1.300108") and whole.results == whole.reach
    # Paused, it spends nothing more; a day's spend may be set by hand.
    meta_ads.set_running(ads, boost, False)
    clock["now"] = start + timedelta(days=4)
    marketing_api.set_spend(boost.ad_id, first + timedelta(days=3), 12_345)
    later = meta_ads.read_spend(ads, boost, first + timedelta(days=2), first + timedelta(days=4))
    assert [(d.day, d.spend) for d in later] == [
        (first + timedelta(days=2), Decimal(22_500)),
        (first + timedelta(days=3), Decimal(12_345)),
    ]


@pytest.mark.parametrize("code", [17, 613, 80004])
def test_rate_limit_is_typed_with_retry_after(ads, page_post, simulator, code):
    simulator.fault("facebook", ACCOUNT, mode="rate_limit", code=code, retry_after=120, remaining=1)
    with pytest.raises(RateLimited) as limited:
        meta_ads.account_info(ads, ACCOUNT)
    assert limited.value.retry_after == 120
    assert str(limited.value.platform_code).startswith(str(code))


def test_token_never_in_errors(ads, page_post, simulator):
    token = ads["access_token"]
    simulator.fault("facebook", ACCOUNT, mode="token_expired", remaining=1)
    with pytest.raises(TokenExpired) as expired:
        meta_ads.account_info(ads, ACCOUNT)
    with pytest.raises(PermanentError) as refused:
        meta_ads.create_boost(ads, _spec(page_post, daily_budget=1_000))
    for error in (expired.value, refused.value):
        text = f"{error} {error.as_dict()} {error!r}"
        assert token not in text and token[:20] not in text
    with pytest.raises(TokenExpired):
        meta_ads.account_info({"access_token": "EAAGnotissuedbythesimulator" + "x" * 40}, ACCOUNT)


def test_bad_requests_are_refused_before_sending(ads, page_post):
    with pytest.raises(PermanentError):
        meta_ads.create_boost(ads, _spec(page_post, targeting=Targeting(age_min=16)))
    with pytest.raises(PermanentError):
        meta_ads.create_boost(ads, _spec(page_post, lifetime_budget=500_000))
    with pytest.raises(PermanentError):
        meta_ads.account_info(ads, "act_abc")
    assert _alive() == []
