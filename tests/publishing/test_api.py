"""The publishing API (/api/v1/posts/, /channels/, /deliveries/) with token authentication, as
an API client of each role uses it."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from publishing.models import Delivery, Post, PostStatus
from tests.publishing.workflow_fixtures import later

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_for(db):
    def make(user) -> APIClient:
        token = api_token_create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def new_post(client, channels, photo, **extra) -> dict:
    body = {
        "title": "Banjir",
        "text": "Rapat koordinasi penanganan banjir.",
        "variants": {"x": "Rapat banjir hari ini."},
        "channels": [channels["facebook"].pk, channels["x"].pk, channels["instagram"].pk],
        "assets": [photo.pk],
        "scheduled_at": later(4).isoformat(),
        **extra,
    }
    answer = client.post("/api/v1/posts/", body, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_the_whole_workflow_through_the_api(api_for, editor, kadis, channels, photo):
    editor_api, kadis_api = api_for(editor), api_for(kadis)
    post = new_post(editor_api, channels, photo)
    assert post["status"] == "draft" and post["variants"] == {"x": "Rapat banjir hari ini."}
    assert post["assets"] == [photo.pk] and len(post["channels"]) == 3
    changed = editor_api.patch(f"/api/v1/posts/{post['id']}/", {"title": "Banjir 2"}, format="json")
    assert changed.status_code == 200 and changed.json()["title"] == "Banjir 2"
    submitted = editor_api.post(f"/api/v1/posts/{post['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    # The editor may not approve (403); the Kepala Dinas does.
    assert editor_api.post(f"/api/v1/posts/{post['id']}/approve/").status_code == 403
    approved = kadis_api.post(f"/api/v1/posts/{post['id']}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "scheduled"
    assert approved.json()["approved_by"] == kadis.username
    listed = editor_api.get("/api/v1/posts/?status=scheduled").json()
    assert [p["id"] for p in listed["results"]] == [post["id"]]


def test_a_post_with_its_deliveries_and_no_secret(api_for, editor, channels, photo):
    client = api_for(editor)
    post = new_post(client, channels, photo)
    Delivery.objects.create(
        post_id=post["id"],
        channel=channels["facebook"],
        status="published",
        external_id="100000000000001_42",
        permalink="https://www.facebook.com/100000000000001_42",
    )
    Delivery.objects.create(
        post_id=post["id"],
        channel=channels["x"],
        status="failed",
        last_error="Token akses kedaluwarsa.",
    )
    answer = client.get(f"/api/v1/posts/{post['id']}/")
    deliveries = {d["channel"]["platform"]: d for d in answer.json()["deliveries"]}
    assert deliveries["facebook"]["external_id"] == "100000000000001_42"
    assert deliveries["facebook"]["permalink"].endswith("_42")
    assert deliveries["x"]["status"] == "failed" and "kedaluwarsa" in deliveries["x"]["error"]
    text = json.dumps(answer.json()).lower()
    for word in ("credential", 'token"', "secret", "password"):
        assert word not in text


def test_bad_input_is_refused_with_reasons(api_for, editor, staf, channels, make_asset):
    client = api_for(editor)
    over_long = new_post(
        client, channels, make_asset("a.jpg"), text="Berita. " * 40, variants={}, assets=[]
    )
    answer = client.post(f"/api/v1/posts/{over_long['id']}/submit/")
    assert answer.status_code == 400
    reasons = json.dumps(answer.json(), ensure_ascii=False)
    assert "280" in reasons and "Instagram" in reasons
    past = client.patch(
        f"/api/v1/posts/{over_long['id']}/",
        {"scheduled_at": later(-2).isoformat(), "text": "Singkat.", "assets": []},
        format="json",
    )
    assert past.status_code == 200
    assert client.post(f"/api/v1/posts/{over_long['id']}/submit/").status_code == 400
    # A channel of another division, an asset that does not exist.
    refused = client.post(
        "/api/v1/posts/",
        {"text": "x", "channels": [channels["pemkab_x"].pk], "assets": [999_999]},
        format="json",
    )
    assert refused.status_code == 400
    # Staf drafts, but may not submit.
    staf_client = api_for(staf)
    draft = staf_client.post(
        "/api/v1/posts/", {"text": "x", "channels": [channels["facebook"].pk]}, format="json"
    ).json()
    assert staf_client.post(f"/api/v1/posts/{draft['id']}/submit/").status_code == 403


def test_reject_needs_a_comment_and_only_the_approver_rejects(
    api_for, editor, kadis, channels, photo
):
    editor_api, kadis_api = api_for(editor), api_for(kadis)
    post = new_post(editor_api, channels, photo)
    editor_api.post(f"/api/v1/posts/{post['id']}/submit/")
    assert (
        editor_api.post(f"/api/v1/posts/{post['id']}/reject/", {"comment": "x"}).status_code == 403
    )
    assert kadis_api.post(f"/api/v1/posts/{post['id']}/reject/", {}).status_code == 400
    answer = kadis_api.post(f"/api/v1/posts/{post['id']}/reject/", {"comment": "Foto buram."})
    assert (
        answer.json()["status"] == "rejected" and answer.json()["review_comment"] == "Foto buram."
    )
    assert Post.objects.get(pk=post["id"]).status == PostStatus.REJECTED


def test_channels_list_what_one_may_do(api_for, editor, kadis, channels):
    drafting = api_for(editor).get("/api/v1/channels/?action=draft").json()["results"]
    assert {c["handle"] for c in drafting} == {
        "MediaCenterBJN",
        "mediacenterBJN",
        "mediacenterbojonegoro",
    }
    every = api_for(kadis).get("/api/v1/channels/").json()["results"]
    assert len(every) == 4
    assert "credential" not in json.dumps(every)
    assert api_for(editor).get("/api/v1/channels/?action=fly").status_code == 400


def test_unknown_posts_and_deliveries_answer_404(api_for, editor):
    client = api_for(editor)
    assert client.get("/api/v1/posts/999999/").status_code == 404
    assert client.post("/api/v1/deliveries/999999/retry/").status_code == 404


@pytest.mark.parametrize("moment", ["0321-04-10T22:37:56.592305Z", "1899-12-31T23:00:00",
                                    "2101-01-01T00:00:00+07:00"])  # fmt: skip
def test_a_schedule_outside_the_years_a_post_is_planned_in_is_refused(
    api_for, editor, channels, photo, moment
):
    client = api_for(editor)
    post = new_post(client, channels, photo)
    answer = client.patch(f"/api/v1/posts/{post['id']}/", {"scheduled_at": moment}, format="json")
    assert answer.status_code == 400, answer.content
    assert "2000" in json.dumps(answer.json(), ensure_ascii=False)
    assert client.get(f"/api/v1/posts/{post['id']}/").json()["scheduled_at"] == post["scheduled_at"]
    created = client.post("/api/v1/posts/", {"text": "x", "scheduled_at": moment}, format="json")
    assert created.status_code == 400
