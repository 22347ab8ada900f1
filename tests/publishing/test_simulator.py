"""The simulator itself: its control API, its pages, and what it keeps (never a token)."""

from __future__ import annotations

import hashlib
import hmac
import json

import requests
from django.conf import settings
from django.db import connection

from publishing.drivers.registry import get_driver
from publishing.drivers.types import PostPayload
from publishing.simulator import services
from publishing.simulator.models import Account, Fault, Post


def test_seeding_twice_gives_the_same_accounts_and_demo_credentials(simulator):
    first = services.demo_credential("x", "mediacenterBJN")
    services.seed_accounts()
    assert Account.objects.count() == len(services.DEMO_ACCOUNTS)
    assert services.demo_credential("x", "mediacenterBJN")["access_token"] == first["access_token"]
    handles = set(Account.objects.values_list("platform", "handle"))
    assert {
        ("facebook", "MediaCenterBJN"),
        ("x", "mediacenterBJN"),
        ("instagram", "mediacenterbojonegoro"),
    } <= handles
    assert {p for p, _h in handles} == {"facebook", "x", "instagram"}


def test_the_simulator_keeps_no_token_only_fingerprints(simulator):
    credential = simulator.credential("x", "mediacenterBJN")
    get_driver("x").publish(PostPayload(text="Cek sidik jari"), credential)
    log = simulator.log()
    assert log["posts"][0]["token_fingerprint"] == services.token_fingerprint(
        credential["access_token"]
    )
    dump = json.dumps(log)
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith("simulator_"):
                cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names from the schema
                dump += repr(cursor.fetchall())
    assert credential["access_token"] not in dump
    assert credential["refresh_token"] not in dump


def test_faults_are_set_listed_counted_down_and_cleared(simulator):
    answer = simulator.fault("x", "mediacenterBJN", mode="server_error", remaining=2)
    assert answer["faults"][0]["mode"] == "server_error" and answer["faults"][0]["remaining"] == 2
    listing = simulator.session.get(f"{simulator.base}/_faults/", timeout=5).json()["faults"]
    assert [(f["account"], f["mode"]) for f in listing] == [("mediacenterBJN", "server_error")]
    account = Account.objects.get(platform="x", handle="mediacenterBJN")
    assert services.take_fault(account, "read").mode == "server_error"
    assert services.take_fault(account, "read").mode == "server_error"
    assert services.take_fault(account, "read") is None
    simulator.clear("x", "mediacenterBJN")
    assert not Fault.objects.exists()
    bad = simulator.session.post(
        f"{simulator.base}/_faults/x/mediacenterBJN/", json={"mode": "nonsense"}, timeout=5
    )
    assert bad.status_code == 400


def test_late_faults_strike_only_the_publishing_request(simulator):
    simulator.fault("x", "mediacenterBJN", mode="accept_then_fail")
    account = Account.objects.get(platform="x", handle="mediacenterBJN")
    assert services.take_fault(account, "read") is None
    assert services.take_fault(account, "write") is None
    assert services.take_fault(account, "publish").mode == "accept_then_fail"


def test_requests_without_or_with_a_wrong_token_are_refused_in_each_platforms_words(simulator):
    x = requests.post(f"{simulator.base}/x/2/tweets", json={"text": "hai"}, timeout=5)
    assert x.status_code == 401 and x.json()["title"] == "Unauthorized"
    graph = requests.post(
        f"{simulator.base}/facebook/v26.0/100090000000101/feed", data={"message": "hai"}, timeout=5
    )
    assert graph.status_code == 400 and graph.json()["error"]["code"] == 2500
    wrong = requests.get(
        f"{simulator.base}/facebook/v26.0/me", params={"access_token": "EAAGnope"}, timeout=5
    )
    assert wrong.json()["error"]["code"] == 190
    ig = requests.get(f"{simulator.base}/instagram/api/v1/accounts/current_user/", timeout=5)
    assert ig.status_code == 403 and ig.json()["message"] == "login_required"
    assert Post.objects.count() == 0


def test_x_refuses_overlong_text_and_graph_answers_carry_usage_headers(simulator):
    credential = simulator.credential("x", "mediacenterBJN")
    headers = {"Authorization": f"Bearer {credential['access_token']}"}
    long = requests.post(
        f"{simulator.base}/x/2/tweets", json={"text": "a" * 281}, headers=headers, timeout=5
    )
    assert long.status_code == 403
    ok = requests.post(
        f"{simulator.base}/x/2/tweets", json={"text": "pendek"}, headers=headers, timeout=5
    )
    assert ok.status_code == 201 and int(ok.headers["x-rate-limit-remaining"]) >= 0
    page = simulator.credential("facebook", "MediaCenterBJN")
    # The simulator plays an app with "Require App Secret": the call carries appsecret_proof.
    proof = hmac.new(
        settings.FACEBOOK_APP_SECRET.encode(), page["access_token"].encode(), hashlib.sha256
    ).hexdigest()
    answer = requests.get(
        f"{simulator.base}/facebook/v26.0/{page['page_id']}",
        params={"access_token": page["access_token"], "appsecret_proof": proof},
        timeout=5,
    )
    assert answer.json()["name"] == "Media Center Bojonegoro"
    usage = json.loads(answer.headers["X-Business-Use-Case-Usage"])
    assert usage[page["page_id"]][0]["estimated_time_to_regain_access"] == 0
    assert "call_count" in json.loads(answer.headers["X-App-Usage"])


def test_native_posts_show_in_the_feed_page(simulator, client, media_dir):
    simulator.native(
        "facebook",
        "PemkabBojonegoro",
        "Upacara Hari Jadi Bojonegoro",
        files={"media": ("foto.jpg", (media_dir / "photo.jpg").read_bytes(), "image/jpeg")},
    )
    page = client.get("/simulator/feed/facebook/PemkabBojonegoro/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Upacara Hari Jadi Bojonegoro" in html and "langsung di aplikasi" in html
    assert 'style="' not in html and "<script>" not in html
    media_src = html.split('<img src="', 1)[1].split('"', 1)[0]
    image = client.get(media_src)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert (
        simulator.session.post(
            f"{simulator.base}/_native/facebook/PemkabBojonegoro/", data={}, timeout=5
        ).status_code
        == 400
    )


def test_control_panel_lists_accounts_and_sets_faults(simulator, client, simulator_operator):
    client.force_login(simulator_operator)
    index = client.get("/simulator/")
    html = index.content.decode()
    assert index.status_code == 200 and "Akun tiruan" in html and "MediaCenterBJN" in html
    account = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    response = client.post(
        f"/simulator/_panel/{account.pk}/fault", {"mode": "rate_limit", "remaining": "2"}
    )
    assert response.status_code == 302
    assert list(account.faults.values_list("mode", "remaining")) == [("rate_limit", 2)]
    assert "Batas permintaan" in client.get("/simulator/").content.decode()
    client.post(f"/simulator/_panel/{account.pk}/fault", {"mode": "clear"})
    assert not account.faults.exists()
