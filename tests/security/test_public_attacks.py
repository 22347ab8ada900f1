"""The public pages attacked from outside: the survey vote from other doors, the public posts'
text, and the cookieless bot on IPv6. Each case is what an attacker tried."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from media_center.models import Vote
from tests.media_center.public_helpers import published_post
from tests.media_center.survey_helpers import Visitor, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(kadis):
    return make_survey(kadis, featured=True)


def test_a_vote_from_a_sandboxed_frame_or_a_data_page_is_refused(survey):
    """``Origin: null`` (a sandboxed iframe, a data: page) is no listed site."""
    visitor = Visitor()
    token = visitor.open(survey.slug)
    reply = visitor.vote(survey.slug, "puas", token=token, HTTP_ORIGIN="null")
    assert reply.status_code == 403
    assert not Vote.objects.exists()


def test_a_cross_site_form_post_without_preflight_stores_nothing(survey):
    """A page elsewhere may post ``text/plain`` without a preflight; it has no token to send."""
    browser = Client(REMOTE_ADDR="36.80.9.9")
    reply = browser.post(
        f"/survey/{survey.slug}/vote/",
        '{"answer": "tidak_puas"}',
        content_type="text/plain",
        HTTP_ORIGIN="https://evil.example",
    )
    assert reply.status_code == 403
    reply = browser.post(
        f"/survey/{survey.slug}/vote/", {"answer": "tidak_puas", "token": "x"}, HTTP_ACCEPT="json"
    )
    assert reply.status_code == 403
    assert not Vote.objects.exists()


def test_a_token_stolen_by_one_browser_is_one_voter_without_its_cookie(survey):
    """A bot that reuses one page's token without keeping cookies counts once per browser name
    and address, and never as the page's voter."""
    token = Visitor().open(survey.slug)
    bot = Client(REMOTE_ADDR="36.80.9.10", HTTP_USER_AGENT="bot/1")
    for _ in range(5):
        bot.cookies.clear()
        bot.post(
            f"/survey/{survey.slug}/vote/",
            json.dumps({"answer": "puas", "token": token}),
            content_type="application/json",
        )
    assert Vote.objects.count() == 1


def test_the_held_status_in_the_address_shows_only_a_fixed_text(survey):
    page = Client().get(f"/survey/{survey.slug}/?status=<script>alert(1)</script>")
    assert page.status_code == 200 and "<script>alert(1)" not in page.content.decode()
    held = Client().get(f"/survey/{survey.slug}/?status=held").content.decode()
    assert "dihitung setelah diperiksa" in held


@pytest.mark.parametrize(
    "text",
    [
        'Lihat javascript:alert(1) dan http://x.example/"onmouseover="alert(1)',
        'Tautan <a href="javascript:alert(1)">klik</a> www.example.go.id/\'><img src=x>',
        'Surel a@b.example"><script>alert(1)</script>',
    ],
)
def test_links_in_a_public_post_cannot_carry_script(staf, text):
    post = published_post(author=staf, text="Judul berita\n" + text)
    page = Client().get(post_url(post), follow=True).content.decode()
    assert 'href="javascript' not in page.lower()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert 'onmouseover="alert' not in page
    feed = Client().get("/berita/rss/").content.decode()
    assert "<script>alert" not in feed and 'href="javascript' not in feed


def post_url(post) -> str:
    return f"/berita/{post.pk}/"
