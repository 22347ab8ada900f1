"""The Marketing API contract examples (``tests/contracts/meta_ads``) against both sides: the
requests the boosts driver sends through facebook-business (captured as they leave for the
simulator) and the simulator's own answers. Neither may drift from what Meta documents."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.conf import settings

from publishing.drivers import meta_ads
from publishing.drivers.errors import PermanentError
from publishing.drivers.meta_ads import BoostSpec, Targeting
from publishing.simulator import services as sim
from publishing.simulator.models import Account
from tests.contracts import loader
from tests.contracts.test_meta import _matches, _missing, captured  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNT = "act_1000000000001"
WIB = ZoneInfo("Asia/Jakarta")


def _posts() -> tuple[str, Account, str]:
    page = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    post = sim.record_post(page, text="Kontrak boost", external_id=f"{page.external_id}_8001")
    ig = Account.objects.get(platform="instagram", handle="mediacenterbojonegoro")
    media = sim.record_post(ig, text="Kontrak boost IG", external_id="17900000000008001")
    return post.external_id, ig, media.external_id


def _spec(**changes) -> BoostSpec:
    start = datetime.combine(date.today(), time(0), WIB)
    values = dict(
        key="contract-key", name="Boost kontrak", ad_account_id=ACCOUNT,
        page_id="100090000000101", goal="reach", daily_budget=50_000, lifetime_budget=None,
        start=start, end=start + timedelta(days=3), targeting=Targeting(city_keys=("1675823",)),
        special_ad_categories=("ISSUES_ELECTIONS_POLITICS",),
    )  # fmt: skip
    values.update(changes)
    return BoostSpec(**values)


def _drive_everything(credential) -> None:
    post, ig, media = _posts()
    meta_ads.account_info(credential, ACCOUNT)
    meta_ads.estimate_reach(credential, ACCOUNT, Targeting(), "reach")
    boost = meta_ads.create_boost(credential, _spec(object_story_id=post))
    meta_ads.set_running(credential, boost, True)
    meta_ads.read_spend(credential, boost, date.today(), date.today())
    meta_ads.find_boost(credential, ACCOUNT, "contract-key")
    meta_ads.undo(credential, boost)
    meta_ads.create_boost(
        credential,
        _spec(key="contract-ig", instagram_media_id=media, instagram_user_id=ig.external_id),
    )
    with pytest.raises(PermanentError):
        meta_ads.create_boost(credential, _spec(key="low", object_story_id=post, daily_budget=10))


def test_the_drivers_requests_match_the_documented_ones(simulator, captured):  # noqa: F811
    _drive_everything(sim.demo_ads_credential())
    assert captured, "nothing was captured"
    for example in loader.examples("meta_ads"):
        if not example.request:
            continue
        matching = [seen for seen in captured if _matches(example, seen)]
        assert matching, (
            example.name,
            [(s.method, s.path, sorted(s.params)) for s in captured],
        )
        assert any(not _missing(example, seen) for seen in matching), (
            example.name,
            [(s.path, _missing(example, s)) for s in matching],
        )


class Graph:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def __call__(self, method: str, path: str, **params):
        params = {"access_token": self.token, **params}
        params["appsecret_proof"] = hmac.new(
            settings.FACEBOOK_APP_SECRET.encode(), self.token.encode(), hashlib.sha256
        ).hexdigest()
        params = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in params.items()}
        url = f"{self.base}/facebook/v26.0{path}"
        if method == "GET":
            return requests.get(url, params=params, timeout=10)
        if method == "DELETE":
            return requests.delete(url, params=params, timeout=10)
        return requests.post(url, data=params, timeout=10)


def _answers(simulator, clock: dict) -> dict[str, requests.Response]:
    post, ig, media = _posts()
    graph = Graph(simulator.base, sim.demo_ads_credential()["access_token"])
    act = f"/{ACCOUNT}"
    targeting = {"geo_locations": {"countries": ["ID"]}, "age_min": 18, "age_max": 65}
    campaign = {"name": "c", "objective": "OUTCOME_AWARENESS", "status": "PAUSED",
                "special_ad_categories": ["ISSUES_ELECTIONS_POLITICS"],
                "special_ad_category_country": ["ID"]}  # fmt: skip
    answers = {"campaign_create": graph("POST", f"{act}/campaigns", **campaign)}
    answers["campaign_validate_only"] = graph(
        "POST", f"{act}/campaigns", **campaign, execution_options=["validate_only"]
    )
    answers["issues_not_authorized"] = graph("POST", "/act_1000000000002/campaigns", **campaign)
    campaign_id = answers["campaign_create"].json()["id"]
    adset = {"name": "s", "campaign_id": campaign_id, "billing_event": "IMPRESSIONS",
             "optimization_goal": "REACH", "daily_budget": 50000, "targeting": targeting,
             "start_time": clock["now"].isoformat(), "status": "PAUSED"}  # fmt: skip
    answers["adset_create"] = graph("POST", f"{act}/adsets", **adset)
    answers["budget_too_low"] = graph("POST", f"{act}/adsets", **{**adset, "daily_budget": 100})
    answers["creative_from_page_post"] = graph(
        "POST", f"{act}/adcreatives", name="k", object_story_id=post
    )
    answers["creative_from_instagram_post"] = graph(
        "POST", f"{act}/adcreatives", name="k", object_id="100090000000101",
        instagram_user_id=ig.external_id, source_instagram_media_id=media,
    )  # fmt: skip
    ad = {"name": "a", "adset_id": answers["adset_create"].json()["id"], "status": "PAUSED",
          "creative": {"creative_id": answers["creative_from_page_post"].json()["id"]}}  # fmt: skip
    answers["ad_create"] = graph("POST", f"{act}/ads", **ad)
    ad_id = answers["ad_create"].json()["id"]
    answers["status_active"] = graph("POST", f"/{ad_id}", status="ACTIVE")
    for node in (campaign_id, ad["adset_id"]):
        graph("POST", f"/{node}", status="ACTIVE")
    clock["now"] += timedelta(hours=10)  # the ad ran ten hours before its insights are read
    answers["ad_insights_per_day"] = graph(
        "GET", f"/{ad_id}/insights", fields="spend,reach,impressions,frequency,actions",
        time_increment=1, time_range={"since": date.today().isoformat(),
                                      "until": date.today().isoformat()},
    )  # fmt: skip
    answers["object_delete"] = graph("DELETE", f"/{ad_id}")
    answers["ad_account_node"] = graph(
        "GET", act, fields="id,name,currency,account_status,disable_reason"
    )
    answers["delivery_estimate"] = graph(
        "GET", f"{act}/delivery_estimate", targeting_spec=targeting, optimization_goal="REACH"
    )
    answers["reachestimate"] = graph("GET", f"{act}/reachestimate", targeting_spec=targeting)
    for code in (17, 613, 80004):
        simulator.fault("facebook", ACCOUNT, mode="rate_limit", code=code, remaining=1)
        answers[f"rate_limit_{code}"] = graph("GET", act, fields="id")
    simulator.fault("facebook", ACCOUNT, mode="token_expired", remaining=1)
    answers["token_expired"] = graph("GET", act, fields="id")
    return answers


def test_the_simulator_answers_as_documented(simulator, monkeypatch):
    from publishing.simulator import marketing_api

    clock = {"now": datetime.combine(date.today(), time(1), WIB)}
    monkeypatch.setattr(marketing_api, "now", lambda: clock["now"])
    answers = _answers(simulator, clock)
    documented = [e for e in loader.examples("meta_ads") if e.response]
    assert {e.name for e in documented} <= set(answers), {e.name for e in documented} - set(answers)
    for example in documented:
        answer = answers[example.name]
        assert answer.status_code == example.response["status"], (example.name, answer.text[:300])
        problems = loader.shape_problems(example.response["body"], answer.json())
        assert not problems, (example.name, problems, answer.text[:300])


def test_the_code_agrees_with_the_documented_figures():
    assert loader.facts("meta_ads", "currencies")["IDR_offset"] == meta_ads.CURRENCY_OFFSETS["IDR"]
    campaigns = loader.facts("meta_ads", "campaigns")
    assert {g: v[0] for g, v in meta_ads.GOALS.items()} == campaigns["objectives"]
    assert meta_ads.ISSUES in campaigns["special_ad_categories"]
    adsets = loader.facts("meta_ads", "adsets")
    assert (adsets["min_age"], adsets["max_age"]) == (meta_ads.MIN_AGE, meta_ads.MAX_AGE)
    assert {g: v[1] for g, v in meta_ads.GOALS.items()} == adsets["optimization_goals"]
    statuses = loader.facts("meta_ads", "ad_account")["account_status"]
    assert {str(k): v for k, v in meta_ads.ACCOUNT_STATUSES.items()} == statuses
    from publishing.drivers._graph import THROTTLE_CODES

    assert set(loader.facts("meta_ads", "ad_account")["throttle_codes"]) <= THROTTLE_CODES
    library = loader.facts("meta_ads", "ad_library")["ad_library_url"]
    assert meta_ads.ad_library_url("123") == library.format(ad_id="123")
