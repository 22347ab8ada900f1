"""The public side: home page, one-click vote (form and JSON), results, embedding, and every
bad input or attack the issue names."""

import json
import time

import pytest
from django.core import signing
from django.test import Client

from media_center import voting
from media_center.models import Vote
from media_center.services import embed_site_add, survey_create, survey_set_open
from tests.media_center.survey_helpers import TOKEN_RE, Visitor, make_survey

pytestmark = pytest.mark.django_db

SITE = "https://desa.example.go.id"


@pytest.fixture
def survey(kadis):
    return make_survey(kadis, featured=True)


# --- the public pages ---------------------------------------------------------------------------


def test_the_home_page_is_public_with_the_widget_at_its_foot(survey):
    response = Client().get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Belum ada publikasi." in page
    assert "Masuk pegawai" in page and 'href="/accounts/login/"' in page
    assert 'aria-label="Navigasi utama"' not in page  # no staff navigation
    assert "Dinas Komunikasi dan Informatika" in page
    assert survey.question in page
    for label in ("Sangat Puas", "Puas", "Cukup Puas", "Tidak Puas"):
        assert f">{label}</button>" in page
    assert 'property="og:title"' in page
    assert 'lang="id"' in page


def test_the_home_page_has_a_language_switch(survey):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "There are no publications yet." in page
    assert ">Very satisfied</button>" in page
    assert "Staff sign-in" in page


def test_the_home_page_works_without_any_survey(db):
    response = Client().get("/")
    assert response.status_code == 200
    assert "pmc-survey" not in response.content.decode()


def test_signed_in_staff_see_the_dashboard_link_on_the_public_home(client_for, staf):
    page = client_for(staf).get("/").content.decode()
    assert 'href="/dashboard/"' in page


def test_no_votes_says_no_ratings_yet_and_shows_no_percentages(survey):
    empty = '<p class="pmc-empty">Belum ada penilaian</p>'
    api = Client().get(f"/api/v1/surveys/{survey.slug}/results/").json()
    assert api["total"] == 0
    assert all(a["percent"] is None for a in api["answers"])
    assert api["index"] is None
    assert empty in Client().get(f"/survey/{survey.slug}/").content.decode()
    reply = Visitor().vote(survey.slug, "puas")
    assert reply.json()["results"]["total"] == 1
    page = Client().get(f"/survey/{survey.slug}/").content.decode()
    assert empty not in page
    assert "Puas 100 %" in page


# --- voting -------------------------------------------------------------------------------------


def test_one_click_without_javascript_then_the_results_page(survey):
    client = Client(REMOTE_ADDR="10.1.1.1")
    page = client.get(f"/survey/{survey.slug}/").content.decode()
    token = TOKEN_RE.search(page).group(1)
    response = client.post(
        f"/survey/{survey.slug}/vote/", {"answer": "puas", "token": token, "next": "page"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/survey/{survey.slug}/?status=counted"
    results = client.get(response["Location"]).content.decode()
    assert "Terima kasih, jawaban Anda sudah tercatat." in results
    assert "Sangat Puas 0 % | Puas 100 % | Cukup Puas 0 % | Tidak Puas 0 %" in results
    assert "1 jawaban" in results
    assert 'name="answer"' not in results  # the buttons give way to the results


def test_json_vote_returns_the_new_percentages(survey):
    reply = Visitor().vote(survey.slug, "sangat_puas")
    assert reply.status_code == 200
    data = reply.json()
    assert data["counted"] is True
    assert [a["percent"] for a in data["results"]["answers"]] == [100, 0, 0, 0]
    assert data["results"]["grade"] == "A"


def test_a_second_vote_in_the_period_changes_nothing_and_says_so(survey):
    visitor = Visitor()
    token = visitor.open(survey.slug)
    assert visitor.vote(survey.slug, "puas", token=token).json()["counted"] is True
    second = visitor.vote(survey.slug, "tidak_puas", token=token)
    assert second.status_code == 200
    assert second.json()["counted"] is False
    assert second.json()["message"] == "Anda sudah menjawab survei ini. Terima kasih!"
    assert list(Vote.objects.values_list("answer", flat=True)) == ["puas"]
    # And the page then shows the results instead of the buttons.
    page = visitor.client.get(f"/survey/{survey.slug}/").content.decode()
    assert 'name="answer"' not in page


def test_many_people_behind_one_address_all_count(survey):
    """A carrier's NAT or an office network: 25 people in one minute, one address, same phone."""
    voters = [Visitor("36.80.1.1") for _ in range(25)]
    replies = [voter.vote(survey.slug, "puas") for voter in voters]
    assert [r.status_code for r in replies] == [200] * 25
    assert all(r.json()["counted"] for r in replies)
    assert Vote.objects.count() == 25


def test_a_bot_without_cookies_counts_once_per_address_and_browser(survey):
    token = Visitor().open(survey.slug)
    bot = Client(REMOTE_ADDR="36.80.2.2", HTTP_USER_AGENT="curl/8")
    for _ in range(10):
        bot.cookies.clear()
        bot.post(
            f"/survey/{survey.slug}/vote/",
            {"answer": "tidak_puas", "token": token},
            HTTP_ACCEPT="application/json",
        )
    assert Vote.objects.count() == 1


def _within_one_rate_window(seconds_needed: float = 25) -> None:
    """The per-address limit counts per clock minute; start where the whole burst fits in one."""
    remaining = 60 - time.time() % 60
    if remaining < seconds_needed:
        time.sleep(remaining + 0.05)


def test_a_thousand_votes_from_one_address_in_a_minute(survey):
    """A handful counted, the rest refused with 429, nothing crashes."""
    _within_one_rate_window()
    token = Visitor().open(survey.slug)
    bot = Client(REMOTE_ADDR="36.80.3.3", HTTP_USER_AGENT="bot/1")
    statuses = []
    for _ in range(1000):
        bot.cookies.clear()
        response = bot.post(
            f"/survey/{survey.slug}/vote/",
            json.dumps({"answer": "tidak_puas", "token": token}),
            content_type="application/json",
        )
        statuses.append(response.status_code)
    assert set(statuses) <= {200, 429}
    assert statuses.count(429) >= 970
    assert Vote.objects.count() <= 5
    refused = bot.post(
        f"/survey/{survey.slug}/vote/",
        json.dumps({"answer": "puas", "token": token}),
        content_type="application/json",
    )
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "coba lagi satu menit lagi" in refused.json()["detail"]
    # Even a bot that fetches a fresh cookie each time is held to the per-minute limit.
    Vote.objects.all().delete()
    _within_one_rate_window(10)
    fresh = [Visitor("36.80.4.4").vote(survey.slug, "puas") for _ in range(40)]
    assert sum(1 for r in fresh if r.status_code == 200 and r.json()["counted"]) == 30
    assert sum(1 for r in fresh if r.status_code == 429) == 10


@pytest.mark.parametrize("answer", ["", "sangat puas", "SANGAT_PUAS", "5", "<script>", "puas\x00"])
def test_an_unknown_answer_is_refused(survey, answer):
    reply = Visitor().vote(survey.slug, answer)
    assert reply.status_code == 400
    assert "Jawaban tidak dikenal" in reply.json()["detail"]
    assert not Vote.objects.exists()


def test_an_answer_of_the_wrong_type_is_refused(survey):
    visitor = Visitor()
    token = visitor.open(survey.slug)
    for body in ([1, 2], {"answer": ["puas"], "token": token}, {"answer": "puas", "token": 5}):
        reply = visitor.client.post(
            f"/survey/{survey.slug}/vote/", json.dumps(body), content_type="application/json"
        )
        assert reply.status_code in {400, 403}
    broken = visitor.client.post(
        f"/survey/{survey.slug}/vote/", b"{not json", content_type="application/json"
    )
    assert broken.status_code == 400
    assert not Vote.objects.exists()


def test_a_vote_for_a_closed_survey_is_refused(survey, kadis):
    visitor = Visitor()
    token = visitor.open(survey.slug)
    survey_set_open(actor=kadis, survey=survey, is_open=False)
    reply = visitor.vote(survey.slug, "puas", token=token)
    assert reply.status_code == 409
    assert "sudah ditutup" in reply.json()["detail"]
    page = Client().get(f"/survey/{survey.slug}/").content.decode()
    assert "Survei ini sudah ditutup" in page and 'name="answer"' not in page
    assert not Vote.objects.exists()


def test_a_closed_survey_refuses_the_form_with_a_page(survey, kadis):
    client = Client()
    token = TOKEN_RE.search(client.get(f"/survey/{survey.slug}/").content.decode()).group(1)
    survey_set_open(actor=kadis, survey=survey, is_open=False)
    response = client.post(f"/survey/{survey.slug}/vote/", {"answer": "puas", "token": token})
    assert response.status_code == 409
    assert "Jawaban Anda tidak dihitung" in response.content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "",
        "forged",
        signing.dumps({"s": 1, "v": "x" * 20}, salt="another.salt"),
        signing.dumps({"s": 1, "v": "x" * 20}, salt=voting.TOKEN_SALT, key="not-the-portal-key"),
    ],
)
def test_a_forged_widget_token_is_refused(survey, token):
    reply = Visitor().vote(survey.slug, "puas", token=token)
    assert reply.status_code == 403
    assert "tidak sah" in reply.json()["detail"]
    assert not Vote.objects.exists()


def test_an_expired_widget_token_is_refused(survey, monkeypatch):
    visitor = Visitor()
    token = visitor.open(survey.slug)
    monkeypatch.setattr(voting, "TOKEN_MAX_AGE", -1)
    reply = visitor.vote(survey.slug, "puas", token=token)
    assert reply.status_code == 403
    assert "kedaluwarsa" in reply.json()["detail"]
    assert not Vote.objects.exists()


def test_a_token_of_another_survey_is_refused(survey, kadis):
    other = make_survey(kadis, slug="lain")
    token = Visitor().open(other.slug)
    reply = Visitor().vote(survey.slug, "puas", token=token)
    assert reply.status_code == 403


def test_a_vote_from_a_site_not_on_the_list_is_refused(survey):
    reply = Visitor().vote(survey.slug, "puas", HTTP_ORIGIN="https://evil.example.com")
    assert reply.status_code == 403
    assert "tidak ada dalam daftar" in reply.json()["detail"]
    assert "Access-Control-Allow-Origin" not in reply
    # A plain form posted from that site gets a page, and nothing is counted.
    visitor = Visitor()
    token = visitor.open(survey.slug)
    form = visitor.client.post(
        f"/survey/{survey.slug}/vote/",
        {"answer": "puas", "token": token},
        HTTP_ORIGIN="https://evil.example.com",
    )
    assert form.status_code == 403
    assert not Vote.objects.exists()


def test_a_listed_site_may_call_the_widget_with_cors(survey, kadis):
    embed_site_add(actor=kadis, origin=SITE)
    visitor = Visitor()
    preflight = visitor.client.options(
        f"/survey/{survey.slug}/vote/",
        HTTP_ORIGIN=SITE,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == SITE
    assert preflight["Access-Control-Allow-Credentials"] == "true"
    widget = visitor.client.get(f"/survey/{survey.slug}/widget.json", HTTP_ORIGIN=SITE)
    assert widget["Access-Control-Allow-Origin"] == SITE
    data = widget.json()
    assert [a["label"] for a in data["answers"]] == [
        "Sangat Puas",
        "Puas",
        "Cukup Puas",
        "Tidak Puas",
    ]
    reply = visitor.vote(survey.slug, "puas", token=data["token"], HTTP_ORIGIN=SITE)
    assert reply.status_code == 200 and reply.json()["counted"]
    assert reply["Access-Control-Allow-Origin"] == SITE
    assert Vote.objects.get().site == SITE
    # Another site gets no CORS permission at all.
    other = Client().get(
        f"/survey/{survey.slug}/widget.json", HTTP_ORIGIN="https://evil.example.com"
    )
    assert "Access-Control-Allow-Origin" not in other
    refused = Client().options(
        f"/survey/{survey.slug}/vote/", HTTP_ORIGIN="https://evil.example.com"
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "slug",
    [
        "..%2F..%2Fetc",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "a%00b",
        "%F0%9F%98%80",
        "x" * 300,
        "a'b",
    ],
)
def test_a_survey_address_with_odd_characters_is_a_clean_404(survey, slug):
    for url in (
        f"/survey/{slug}/",
        f"/survey/{slug}/embed/",
        f"/survey/{slug}/embed.js",
        f"/survey/{slug}/results.json",
        f"/api/v1/surveys/{slug}/results/",
    ):
        response = Client().get(url)
        assert response.status_code == 404, url
        assert b"<script>alert" not in response.content
    vote = Client().post(f"/survey/{slug}/vote/", {"answer": "puas", "token": "x"})
    assert vote.status_code == 404


def test_html_in_a_question_is_escaped_everywhere(kadis, client_for):
    question = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    survey = survey_create(actor=kadis, question=question, slug="html", featured=True)
    for url in ("/", "/survey/html/", "/survey/html/embed/"):
        page = Client().get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page, url
    office = client_for(kadis).get("/surveys/html/").content.decode()
    assert "<script>alert" not in office
    assert Client().get("/api/v1/surveys/html/results/").json()["question"] == question
    assert survey.question == question


# --- frames -------------------------------------------------------------------------------------


def test_only_the_embed_page_may_be_framed_and_only_by_listed_sites(survey, kadis):
    embed_site_add(actor=kadis, origin=SITE)
    embed = Client().get(f"/survey/{survey.slug}/embed/")
    assert "X-Frame-Options" not in embed
    assert f"frame-ancestors 'self' {SITE}" in embed["Content-Security-Policy"]
    assert "script-src 'self'" in embed["Content-Security-Policy"]
    for url in ("/", f"/survey/{survey.slug}/"):
        response = Client().get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_embed_page_votes_without_javascript_and_stays_in_its_frame(survey):
    client = Client()
    page = client.get(f"/survey/{survey.slug}/embed/").content.decode()
    assert 'name="next" value="embed"' in page
    token = TOKEN_RE.search(page).group(1)
    response = client.post(
        f"/survey/{survey.slug}/vote/", {"answer": "cukup_puas", "token": token, "next": "embed"}
    )
    assert response["Location"] == f"/survey/{survey.slug}/embed/?status=counted"
    assert "Cukup Puas 100 %" in client.get(response["Location"]).content.decode()


def test_the_embed_script_is_served_as_javascript(survey):
    response = Client().get(f"/survey/{survey.slug}/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"attachShadow" in response.content


def test_the_voter_cookie_is_signed_and_http_only(survey):
    response = Client().get("/")
    cookie = response.cookies[voting.VOTER_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"  # None (with Secure) over HTTPS, for framed widgets
    tampered = Client()
    tampered.cookies[voting.VOTER_COOKIE] = "forged-value-aaaaaaaaaaaaa"
    # A cookie the portal did not sign is ignored and replaced by a new, signed one.
    assert voting.VOTER_COOKIE in tampered.get("/").cookies


# --- the public API -----------------------------------------------------------------------------


def test_the_api_lists_open_surveys(survey, kadis):
    closed = make_survey(kadis, slug="tutup")
    survey_set_open(actor=kadis, survey=closed, is_open=False)
    data = Client().get("/api/v1/surveys/").json()
    assert [s["slug"] for s in data["results"]] == [survey.slug]
    assert data["results"][0]["question"] == survey.question


def test_the_api_results_are_the_seed_figures_and_stay_fresh_after_a_vote(kadis):
    from io import StringIO

    from media_center import seed

    seed.run(StringIO())
    url = f"/api/v1/surveys/{seed.DEMO_SLUG}/results/"
    data = Client().get(url).json()
    assert data["total"] == 100
    assert [(a["label"], a["percent"]) for a in data["answers"]] == [
        ("Sangat Puas", 76),
        ("Puas", 6),
        ("Cukup Puas", 6),
        ("Tidak Puas", 12),
    ]
    assert (data["index"], data["grade"], data["grade_label"]) == (86.5, "B", "Baik")
    Visitor().vote(seed.DEMO_SLUG, "puas")
    assert Client().get(url).json()["total"] == 101
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(url).json()
    assert english["answers"][0]["label"] == "Very satisfied"


def test_the_api_refuses_unknown_surveys_with_a_reason(db):
    response = Client().get("/api/v1/surveys/tidak-ada/results/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Tidak ada survei di alamat ini."


def test_the_widget_results_are_served_from_the_cache_and_stay_fresh(survey, kadis):
    url = f"/survey/{survey.slug}/results.json"
    first = Client().get(url)
    assert first.status_code == 200 and first.json()["total"] == 0
    again = Client().get(url)  # now answered from the cache, before any session or template
    assert again.json() == first.json()
    assert again["Cache-Control"] == "public, max-age=10"
    Visitor().vote(survey.slug, "puas")
    assert Client().get(url).json()["total"] == 1
    english = Client()
    english.cookies["django_language"] = "en"
    assert english.get(url).json()["answers"][1]["label"] == "Satisfied"
    # A listed embedding site reads them with CORS; the cache never answers a cross-origin call.
    embed_site_add(actor=kadis, origin=SITE)
    cors = Client().get(url, HTTP_ORIGIN=SITE)
    assert cors["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Origin" not in Client().get(url, HTTP_ORIGIN="https://x.example")
