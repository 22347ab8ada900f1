"""``/api/v1/insights/...``: the same figures as the page, read-only, described in the schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.insights.builders import figures_for
from tests.insights.test_pages import _channel
from tests.publishing.test_api import api_for  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_the_summary_matches_the_page(api_for, staf, editor, divisions):  # noqa: F811
    channel = _channel(1, divisions["PKP"])
    figures_for(channel, editor, posts=3)
    answer = api_for(staf).get("/api/v1/insights/summary/", {"period": "week"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["totals"]["views"] == sum(100 + back for back in range(1, 8))
    assert body["totals"]["posts"] == 3 and body["channels"] == [channel.pk]
    assert len(body["daily_views"]) == 7
    assert {"metric": "clicks", "reason": "Metrik dipensiunkan"} in body["unavailable"]


def test_bad_parameters_are_refused_plainly(api_for, staf):  # noqa: F811
    client = api_for(staf)
    for params in ({"period": "decade"}, {"channel": "abc"}, {"period": "custom"},
                   {"start": "2026-02-31"}, {"channel": str(2**70)}):  # fmt: skip
        answer = client.get("/api/v1/insights/summary/", params)
        assert answer.status_code == 400, (params, answer.content)


def test_extreme_dates_answer(api_for, staf):  # noqa: F811
    params = {"period": "custom", "start": "0001-01-01", "end": "9999-12-31"}
    answer = api_for(staf).get("/api/v1/insights/summary/", params)
    assert answer.status_code == 200 and len(answer.json()["daily_views"]) == 731


def test_a_posts_figures_and_who_may_read_them(api_for, staf, editor, divisions):  # noqa: F811
    delivery = figures_for(_channel(1, divisions["PKP"]), editor, posts=1)[0]
    body = api_for(staf).get(f"/api/v1/insights/posts/{delivery.post_id}/").json()
    assert body[0]["delivery"] == delivery.pk
    assert {f["metric"]: f["value"] for f in body[0]["figures"]}["views"] == 500
    assert [v["value"] for v in body[0]["views"]] == [300, 500]
    assert api_for(staf).get("/api/v1/insights/posts/999999/").status_code == 404
    assert APIClient().get("/api/v1/insights/summary/").status_code in (401, 403)
    assert api_for(staf).post("/api/v1/insights/summary/", {}).status_code == 405


def test_the_schema_describes_insights(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/insights/summary/" in schema and "/api/v1/insights/posts/{id}/" in schema
    assert "/api/v1/insights/reports/" in schema and "/api/v1/insights/reports/{id}/" in schema


def test_the_summary_has_the_heat_map_and_an_account_group_filter(api_for, staf, editor, divisions):  # noqa: F811
    figures_for(_channel(1, divisions["PKP"]), editor, posts=2)
    body = api_for(staf).get("/api/v1/insights/summary/", {"period": "week"}).json()
    assert len(body["heat"]) == 7 and all(len(row) == 24 for row in body["heat"])
    assert any(rate is not None for row in body["heat"] for rate in row)
    other = api_for(staf).get("/api/v1/insights/summary/", {"account_group": "pemkab"}).json()
    assert other["channels"] == [] and other["totals"]["posts"] == 0


def test_reports_are_asked_for_and_followed_through_the_api(
    api_for,  # noqa: F811
    staf,
    divisions,
    django_capture_on_commit_callbacks,
):
    from insights import services

    client = api_for(staf)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        answer = client.post("/api/v1/insights/reports/", {"kind": "month", "year": 2026,
                                                           "number": 2}, format="json")  # fmt: skip
    assert answer.status_code == 202 and len(sent) == 1, answer.content
    body = answer.json()
    assert (body["start"], body["end"], body["status"], body["pdf_url"]) == (
        "2026-02-01", "2026-02-28", "queued", None)  # fmt: skip
    services.report_build(report_id=body["id"])
    done = client.get(f"/api/v1/insights/reports/{body['id']}/").json()
    assert done["status"] == "done" and done["progress"] == 100
    assert done["pdf_url"] == f"/insights/reports/{body['id']}/report.pdf"
    assert [r["id"] for r in client.get("/api/v1/insights/reports/").json()] == [body["id"]]
    refused = client.post("/api/v1/insights/reports/", {"kind": "quarter", "year": 2026,
                                                        "number": 5}, format="json")  # fmt: skip
    assert refused.status_code == 400 and "number" in refused.json()
    assert client.get("/api/v1/insights/reports/999999/").status_code == 404
