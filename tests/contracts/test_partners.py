"""Partner accounts' public figures against the documented contracts
(``tests/contracts/instagram_graph/business_discovery.json``, ``x/user_by_username.json``,
``x/user_posts_metrics.json``): the requests the drivers send through facebook-business and
tweepy, the simulator's answers, and the refusals of an unknown or personal account."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

from publishing.drivers import partners
from publishing.drivers.errors import DriverError, RateLimited
from publishing.drivers.registry import get_driver
from publishing.simulator import services as sim
from publishing.simulator.models import Account, Fault
from tests.contracts import examples as x_examples
from tests.contracts import loader
from tests.contracts.test_meta import IG_ID, Graph, _matches, _missing, captured  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

OFFICE_IG, OFFICE_X = "mediacenterbojonegoro", "mediacenterBJN"


def _personal_instagram() -> Account:
    """A personal Instagram account: no Page, so not professional, so not discoverable."""
    return Account.objects.get_or_create(
        platform="instagram", handle="warga.bojonegoro",
        defaults={"kind": Account.Kind.INSTAGRAM, "name": "Warga", "external_id": "17841400000000999"},
    )[0]  # fmt: skip


def test_business_discovery_is_asked_as_documented(simulator, captured):  # noqa: F811
    credential = simulator.credential("instagram", OFFICE_IG)
    for number in range(3):
        sim.record_post(Account.objects.get(platform="instagram", handle="bojonegorokab"),
                        text=f"Kegiatan {number}")  # fmt: skip
    figures = partners.fetch_partner_figures(get_driver("instagram_graph"), credential,
                                             "@bojonegorokab")  # fmt: skip
    assert figures.available and figures.followers > 0
    assert figures.posts == 3 and figures.recent_posts == 3 and figures.recent_engagement >= 0
    example = loader.example("instagram_graph", "business_discovery")
    matching = [seen for seen in captured if _matches(example, seen)]
    assert matching and not _missing(example, matching[0])
    asked = unquote(matching[0].params["fields"])
    assert asked.startswith("business_discovery.username(bojonegorokab){")
    facts = loader.facts("instagram_graph", "business_discovery")
    for name in facts["user_fields"] + facts["media_fields"]:
        assert name in asked
    assert f"media.limit({partners.RECENT_POSTS})" in asked
    assert matching[0].path.endswith(f"/{IG_ID}")  # asked on the office's own account


def test_the_simulator_answers_business_discovery_as_documented(simulator):
    graph = Graph(simulator.base)
    token = simulator.credential("instagram", OFFICE_IG)["access_token"]
    _personal_instagram()
    example = loader.example("instagram_graph", "business_discovery")
    sim.record_post(Account.objects.get(platform="instagram", handle="kominfobojonegoro"), text="x")
    ok = graph("GET", f"/{IG_ID}", token, fields=partners.discovery_fields("kominfobojonegoro"))
    assert ok.status_code == 200, ok.text
    assert not loader.shape_problems(example.response["body"], ok.json()), ok.text
    refused = loader.example("instagram_graph", "business_discovery_not_found")
    for username in ("tidakada.akun", "warga.bojonegoro"):  # unknown; personal
        answer = graph("GET", f"/{IG_ID}", token, fields=partners.discovery_fields(username))
        assert answer.status_code == refused.response["status"], answer.text
        assert not loader.shape_problems(refused.response["body"], answer.json()), answer.text
    # Meta's permission list: without instagram_manage_insights, no discovery.
    page = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    narrow = sim.graph_token(page, scopes="pages_read_engagement,instagram_basic")
    answer = graph("GET", f"/{IG_ID}", narrow, fields=partners.discovery_fields("bojonegorokab"))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 10
    # A field the discovered user does not have is Graph's own refusal.
    answer = graph(
        "GET", f"/{IG_ID}", token, fields="business_discovery.username(bojonegorokab){email}"
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 100


def test_an_unknown_or_personal_instagram_account_is_not_available(simulator):
    credential = simulator.credential("instagram", OFFICE_IG)
    _personal_instagram()
    driver = get_driver("instagram_graph")
    for handle in ("tidakada.akun", "warga.bojonegoro", "bukan username!"):
        figures = partners.fetch_partner_figures(driver, credential, handle)
        assert not figures.available and figures.followers is None and figures.reason
        assert figures.engagement_rate is None


def test_a_throttled_discovery_is_the_drivers_error_not_a_figure(simulator):
    credential = simulator.credential("instagram", OFFICE_IG)
    office = Account.objects.get(platform="instagram", handle=OFFICE_IG)
    sim.set_fault(office, mode=Fault.Mode.RATE_LIMIT, code=4, retry_after=60)
    with pytest.raises(RateLimited):
        partners.fetch_partner_figures(get_driver("instagram_graph"), credential, "bojonegorokab")


@pytest.fixture
def x_sent(monkeypatch):
    """The paths and parameters of the X calls the driver sends (tweepy over requests)."""
    sent: dict[str, dict[str, str]] = {}
    original = HTTPAdapter.send

    def send(self, request, *args, **kwargs):
        parts = urlsplit(request.url)
        if "/simulator/x/" in parts.path:
            sent[parts.path.split("/simulator/x", 1)[1]] = dict(parse_qsl(parts.query))
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", send)
    return sent


def test_x_partner_is_read_as_documented(simulator, x_sent):
    credential = simulator.credential("x", OFFICE_X)
    other = Account.objects.get(platform="x", handle="KominfoBjn")
    for number in range(4):
        sim.record_post(other, text=f"Kabar {number}")
    figures = partners.fetch_partner_figures(get_driver("x"), credential, "KominfoBjn")
    assert figures.available and figures.followers > 0
    assert figures.posts == 4 and figures.recent_posts == 4 and figures.recent_engagement >= 0
    lookup = x_examples.load("x", "user_by_username")
    posts = x_examples.load("x", "user_posts_metrics")
    paths = x_sent
    by_name = paths["/2/users/by/username/KominfoBjn"]
    assert by_name["user.fields"] == lookup["request"]["params"]["user.fields"]
    listing = paths[f"/2/users/{other.external_id}/tweets"]
    for name, value in posts["request"]["params"].items():
        assert set(listing[name].split(",")) == set(value.split(",")), name


def test_x_answers_the_lookup_as_documented(simulator):
    credential = simulator.credential("x", OFFICE_X)
    headers = {"Authorization": f"Bearer {credential['access_token']}"}
    lookup = x_examples.load("x", "user_by_username")
    found = requests.get(f"{simulator.base}/x/2/users/by/username/KominfoBjn",
                         params=lookup["request"]["params"], headers=headers, timeout=10)  # fmt: skip
    assert found.status_code == 200
    assert not x_examples.missing_from(lookup["response"]["json"], found.json())
    missing = requests.get(f"{simulator.base}/x/2/users/by/username/nobody",
                           params=lookup["request"]["params"], headers=headers, timeout=10)  # fmt: skip
    assert missing.status_code == lookup["not_found"]["status"]
    assert "data" not in missing.json()
    assert not x_examples.missing_from(lookup["not_found"]["json"], missing.json())
    posts = x_examples.load("x", "user_posts_metrics")
    sim.record_post(Account.objects.get(platform="x", handle="KominfoBjn"), text="Kabar")
    user_id = found.json()["data"]["id"]
    listing = requests.get(f"{simulator.base}/x/2/users/{user_id}/tweets",
                           params=posts["request"]["params"], headers=headers, timeout=10)  # fmt: skip
    assert listing.status_code == 200
    assert not x_examples.missing_from(posts["response"]["json"], listing.json())
    bad = requests.get(f"{simulator.base}/x/2/users/{user_id}/tweets",
                       params={"exclude": "likes"}, headers=headers, timeout=10)  # fmt: skip
    assert bad.status_code == 400


def test_an_unknown_x_account_is_not_available(simulator):
    credential = simulator.credential("x", OFFICE_X)
    driver = get_driver("x")
    for handle in ("nobody", "nama terlalu panjang untuk x"):
        figures = partners.fetch_partner_figures(driver, credential, handle)
        assert not figures.available and figures.reason


def test_the_budget_agrees_with_the_documented_limits():
    ig = loader.facts("instagram_graph", "business_discovery")
    x = x_examples.load("x", "user_by_username")["facts"]
    assert partners.calls_per_run("instagram_graph") <= ig["calls_per_hour_per_user"] // 4
    assert partners.calls_per_run("x") <= x["requests_per_15_minutes_per_user"]
    assert partners.calls_per_read("x") == 2 and partners.calls_per_read("instagram_graph") == 1
    assert partners.calls_per_run("facebook") == 0


def test_a_dead_login_fails_the_read(simulator):
    credential = {"ig_user_id": IG_ID, "access_token": "EAAGnope"}
    with pytest.raises(DriverError):
        partners.fetch_partner_figures(get_driver("instagram_graph"), credential, "bojonegorokab")
