"""Insights against the documented contracts (``tests/contracts/facebook/insights.json``,
``instagram_graph/insights.json``, ``x/post_metrics.json``, ``x/private_metrics_too_old.json``):
the requests the drivers send through facebook-business and tweepy, the simulator's answers, the
refusal of a retired metric (the rest still read), a missing permission named, and X's 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.utils import timezone

from publishing.drivers import insights as fetch
from publishing.drivers.errors import DriverError
from publishing.drivers.registry import get_driver
from publishing.simulator import insights as sim_insights
from publishing.simulator import services as sim
from publishing.simulator.models import Account, Post
from tests.contracts import examples as x_examples
from tests.contracts import loader
from tests.contracts.test_meta import IG_ID, PAGE_ID, Graph, _matches, _missing, captured  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def _post(platform: str, handle: str, *, days_old: float = 3, text: str = "Publikasi") -> Post:
    account = Account.objects.get(platform=platform, handle=handle)
    post = sim.record_post(account, text=text)
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(days=days_old))
    post.refresh_from_db()
    return post


def _by_key(readings):
    return {r.key: r for r in readings}


def _yesterday():
    return timezone.now().date() - timedelta(days=1)


def test_the_drivers_ask_as_documented(simulator, captured):  # noqa: F811
    page = simulator.credential("facebook", "MediaCenterBJN")
    insta = simulator.credential("instagram", "mediacenterbojonegoro")
    fb_post = _post("facebook", "MediaCenterBJN")
    ig_post = _post("instagram", "mediacenterbojonegoro")
    fetch.fetch_account_insights(get_driver("facebook"), page, _yesterday())
    fetch.fetch_post_insights(get_driver("facebook"), page, fb_post.external_id)
    fetch.fetch_account_insights(get_driver("instagram_graph"), insta, _yesterday())
    fetch.fetch_post_insights(get_driver("instagram_graph"), insta, ig_post.external_id)
    for platform in ("facebook", "instagram_graph"):
        for example in loader.examples(platform, "insights"):
            if not example.request:
                continue
            matching = [seen for seen in captured if _matches(example, seen)]
            assert matching, (example.name, [(s.path, s.params) for s in captured])
            assert any(not _missing(example, seen) for seen in matching), example.name
    # The metric names asked are exactly the documented current ones, none retired.
    asked = {n for s in captured for n in s.params.get("metric", "").split(",") if n}
    facts_fb = loader.facts("facebook", "insights")
    facts_ig = loader.facts("instagram_graph", "insights")
    documented = set(facts_fb["page_metrics_day"]) | set(facts_fb["post_metrics_lifetime"])
    documented |= set(facts_ig["account_metrics_day"]) | set(facts_ig["media_metrics"])
    documented |= set(facts_ig["account_metrics_total_value"])
    assert asked <= documented, asked - documented
    assert not asked & (set(facts_fb["retired"]) | set(facts_ig["retired"]))


def test_the_simulator_answers_as_documented(simulator):
    graph = Graph(simulator.base)
    page_account = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    token = sim.graph_token(page_account)
    fb_post, ig_post = (
        _post("facebook", "MediaCenterBJN"),
        _post("instagram", "mediacenterbojonegoro"),
    )
    day = _yesterday()
    since = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    window = {"since": since, "until": since + 86400}
    answers = {
        "page_insights_day": graph("GET", f"/{PAGE_ID}/insights", token, metric="page_media_view",
                                   period="day", **window),
        "post_insights_lifetime": graph("GET", f"/{fb_post.external_id}/insights", token,
                                        metric="post_media_view", period="lifetime"),
        "retired_page_metric": graph("GET", f"/{PAGE_ID}/insights", token,
                                     metric="page_media_view,page_impressions", period="day"),
        "account_insights_day": graph("GET", f"/{IG_ID}/insights", token, metric="reach",
                                      period="day", **window),
        "account_insights_total_value": graph("GET", f"/{IG_ID}/insights", token, metric="views",
                                              period="day", metric_type="total_value", **window),
        "media_insights": graph("GET", f"/{ig_post.external_id}/insights", token, metric="views"),
        "retired_media_metric": graph("GET", f"/{ig_post.external_id}/insights", token,
                                      metric="impressions,reach"),
    }  # fmt: skip
    just_now = _post("instagram", "mediacenterbojonegoro", days_old=0)
    answers["media_not_enough_viewers"] = graph(
        "GET", f"/{just_now.external_id}/insights", token, metric="views,reach"
    )
    narrow = sim.graph_token(page_account, scopes="pages_read_engagement,instagram_basic")
    answers["page_insights_without_read_insights"] = graph(
        "GET", f"/{PAGE_ID}/insights", narrow, metric="page_media_view", period="day"
    )
    answers["insights_without_instagram_manage_insights"] = graph(
        "GET", f"/{IG_ID}/insights", narrow, metric="reach", period="day"
    )
    for platform in ("facebook", "instagram_graph"):
        for example in loader.examples(platform, "insights"):
            answer = answers[example.name]
            assert answer.status_code == example.response["status"], (example.name, answer.text)
            problems = loader.shape_problems(example.response["body"], answer.json())
            assert not problems, (example.name, problems, answer.text[:300])
    assert (
        answers["retired_media_metric"]
        .json()["error"]["message"]
        .startswith(loader.facts("instagram_graph", "insights")["invalid_metric_message_starts"])
    )
    assert (
        "read_insights" in answers["page_insights_without_read_insights"].json()["error"]["message"]
    )


def test_numbers_grow_over_a_posts_life_and_repeat(simulator):
    credential = simulator.credential("facebook", "MediaCenterBJN")
    post = _post("facebook", "MediaCenterBJN", days_old=0.1)
    driver = get_driver("facebook")
    young = _by_key(fetch.fetch_post_insights(driver, credential, post.external_id))
    again = _by_key(fetch.fetch_post_insights(driver, credential, post.external_id))
    assert young["views"].value == again["views"].value  # deterministic
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(days=5))
    older = _by_key(fetch.fetch_post_insights(driver, credential, post.external_id))
    assert older["views"].value > young["views"].value > 0
    assert older["reach"].value <= older["views"].value
    assert older["likes"].value >= young["likes"].value


def test_a_retired_metric_is_not_available_and_the_rest_are_read(simulator, captured, monkeypatch):  # noqa: F811
    """Meta retires ``post_clicks`` tomorrow: the whole request fails, the driver asks one by
    one, and every other figure is still read."""
    monkeypatch.setattr(sim_insights, "PAGE_POST_METRICS",
                        ("post_media_view", "post_total_media_view_unique", "post_reactions_by_type_total"))  # fmt: skip
    credential = simulator.credential("facebook", "MediaCenterBJN")
    post = _post("facebook", "MediaCenterBJN")
    readings = _by_key(
        fetch.fetch_post_insights(get_driver("facebook"), credential, post.external_id)
    )
    assert readings["clicks"].value is None and readings["clicks"].reason
    assert not readings["clicks"].permission
    assert readings["views"].value > 0 and readings["reach"].value > 0
    assert readings["likes"].value is not None and readings["shares"].value is not None
    asked = [s.params.get("metric") for s in captured if s.path.endswith("/insights")]
    assert asked[0] == "post_media_view,post_total_media_view_unique,post_clicks"
    assert set(asked[1:]) == {"post_media_view", "post_total_media_view_unique", "post_clicks"}


def test_a_retired_instagram_metric_alone_is_lost(simulator, monkeypatch):
    monkeypatch.setattr(sim_insights, "IG_MEDIA_METRICS",
                        ("reach", "likes", "comments", "shares", "saved", "total_interactions"))  # fmt: skip
    credential = simulator.credential("instagram", "mediacenterbojonegoro")
    post = _post("instagram", "mediacenterbojonegoro")
    readings = _by_key(
        fetch.fetch_post_insights(get_driver("instagram_graph"), credential, post.external_id)
    )
    assert readings["views"].value is None
    assert {k for k, r in readings.items() if r.available} == {
        "reach",
        "likes",
        "comments",
        "shares",
        "saves",
        "engagement",
    }


def test_a_missing_permission_is_named(simulator):
    credential = simulator.credential("facebook", "MediaCenterBJN")
    page = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    sim.graph_token(page, scopes="pages_show_list,pages_read_engagement,pages_manage_posts,instagram_basic",
                    value=credential["access_token"])  # fmt: skip
    readings = fetch.fetch_account_insights(get_driver("facebook"), credential, _yesterday())
    assert readings and all(r.value is None for r in readings)
    assert {r.permission for r in readings} == {"read_insights"}
    assert all("read_insights" in r.reason for r in readings)
    insta = simulator.credential("instagram", "mediacenterbojonegoro")
    sim.graph_token(
        page, scopes="pages_read_engagement,instagram_basic", value=insta["access_token"]
    )
    readings = fetch.fetch_account_insights(get_driver("instagram_graph"), insta, _yesterday())
    assert {r.permission for r in readings} == {"instagram_manage_insights"}


def test_an_expired_token_still_fails_the_read(simulator):
    """Only a metric refusal becomes "not available"; a dead token is the driver's error."""
    credential = {**simulator.credential("facebook", "MediaCenterBJN"), "access_token": "EAAGnope"}
    with pytest.raises(DriverError):
        fetch.fetch_account_insights(get_driver("facebook"), credential, _yesterday())


def test_x_private_metrics_only_for_30_days(simulator):
    facts = x_examples.load("x", "post_metrics")["facts"]
    assert facts["private_metrics_days"] == fetch.X_PRIVATE_DAYS
    credential = simulator.credential("x", "mediacenterBJN")
    driver = get_driver("x")
    fresh = _post("x", "mediacenterBJN", days_old=2)
    old = _post("x", "mediacenterBJN", days_old=45)
    young = _by_key(fetch.fetch_post_insights(driver, credential, fresh.external_id,
                                              created_at=fresh.created_at))  # fmt: skip
    assert young["clicks"].value is not None and young["views"].value > 0
    aged = _by_key(fetch.fetch_post_insights(driver, credential, old.external_id,
                                             created_at=old.created_at))  # fmt: skip
    assert aged["clicks"].value is None and "30" in aged["clicks"].reason
    assert aged["views"].value > 0 and aged["likes"].value is not None
    account = _by_key(fetch.fetch_account_insights(driver, credential, _yesterday()))
    assert account["followers"].value > 0


def test_x_answers_as_documented(simulator):
    credential = simulator.credential("x", "mediacenterBJN")
    headers = {"Authorization": f"Bearer {credential['access_token']}"}
    for name, days_old in (("post_metrics", 2), ("private_metrics_too_old", 45)):
        example = x_examples.load("x", name)
        post = _post("x", "mediacenterBJN", days_old=days_old)
        answer = requests.get(f"{simulator.base}/x/2/tweets/{post.external_id}",
                              params=example["request"]["params"], headers=headers, timeout=10)  # fmt: skip
        assert answer.status_code == example["response"]["status"]
        assert not x_examples.missing_from(example["response"]["json"], answer.json()), name
    old = x_examples.load("x", "private_metrics_too_old")
    assert "non_public_metrics" not in answer.json()["data"]
    assert answer.json()["errors"][0]["type"] == old["response"]["json"]["errors"][0]["type"]


def test_instagram_private_says_plainly_what_it_cannot(simulator):
    credential = simulator.credential(
        "instagram", "mediacenterbojonegoro", driver="instagram_private"
    )
    readings = fetch.fetch_account_insights(
        get_driver("instagram_private"), credential, _yesterday()
    )
    assert all(r.value is None and "instagrapi" in r.reason for r in readings)


def test_the_code_agrees_with_the_documented_names():
    fb, ig = loader.facts("facebook", "insights"), loader.facts("instagram_graph", "insights")
    assert list(fetch.FACEBOOK_PAGE) == fb["page_metrics_day"]
    assert set(fetch.FACEBOOK_POST) <= set(fb["post_metrics_lifetime"])
    assert list(fetch.INSTAGRAM_ACCOUNT_DAY) == ig["account_metrics_day"]
    assert set(fetch.INSTAGRAM_ACCOUNT_TOTAL) <= set(ig["account_metrics_total_value"])
    assert list(fetch.INSTAGRAM_MEDIA) == ig["media_metrics"]
    assert fetch.INSIGHTS_PERMISSIONS["facebook"][0] in fb["permissions"]
    assert set(fetch.INSIGHTS_PERMISSIONS["instagram"]) == set(ig["permissions"])
    # The simulator serves the same names, and refuses the retired ones.
    assert list(sim_insights.PAGE_METRICS) == fb["page_metrics_day"]
    assert list(sim_insights.PAGE_POST_METRICS) == fb["post_metrics_lifetime"]
    assert list(sim_insights.IG_MEDIA_METRICS) == ig["media_metrics"]
    assert fb["invalid_metric_message"] == sim_insights.PAGE_INVALID
    for name in fb["retired"]:
        assert sim_insights.refused_metric([name], sim_insights.PAGE_METRICS, "facebook")
    for name in ig["retired"]:
        assert sim_insights.refused_metric([name], sim_insights.IG_MEDIA_METRICS, "instagram")


def test_a_post_seen_by_too_few_is_not_a_missing_permission(simulator):
    credential = simulator.credential("instagram", "mediacenterbojonegoro")
    post = _post("instagram", "mediacenterbojonegoro", days_old=0)
    readings = fetch.fetch_post_insights(
        get_driver("instagram_graph"), credential, post.external_id
    )
    assert readings and all(r.value is None and not r.permission for r in readings)
    assert all("terlalu sedikit" in r.reason for r in readings)
