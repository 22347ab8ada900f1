"""An Editor adds an embedding site whose "origin" carries a CSP directive of its own; it must
never reach the embed page's ``frame-ancestors`` nor a CORS answer."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from media_center.models import EmbedSite
from media_center.origins import normalise_origin
from media_center.services import embed_site_add
from tests.media_center.survey_helpers import make_survey

pytestmark = pytest.mark.django_db

ATTACK = "https://evil.example;script-src 'unsafe-inline'"
BAD = [
    ATTACK,
    "https://evil.example; script-src *",
    "https://evil.example 'unsafe-inline'",
    "https://evil.example,https://other.example",
    "https://evil.example'",
    'https://evil.example"',
    "https://*.example.go.id",
    "https://*",
    "*",
    "https://evil.example/path",
    "https://evil.example/?q=1",
    "https://evil.example#x",
    "https://evil.example:99999",
    "https://evil.example:0",
    "https://evil.example:80x",
    "https://user@evil.example",
    "https://evil..example",
    "https://-evil.example",
    "https://evil.example\n/",
    "https://evil.example\r\nSet-Cookie: a=b",
    "https://evil.ex ample",
    "https://evil\t.example",
    "https://evil.example\\",
    "https://999.1.1.1",
    "https://[zz::1]",
    "javascript:alert(1)",
    "data:text/html,x",
    "ftp://evil.example",
    "https://",
    "evil.example",
    "",
    "https://" + "a" * 250 + ".id",
]
GOOD = [
    ("https://www.Example.go.id", "https://www.example.go.id"),
    ("https://www.example.go.id/", "https://www.example.go.id"),
    ("  https://kab.example.go.id  ", "https://kab.example.go.id"),
    ("HTTP://kab.example.go.id:8080", "http://kab.example.go.id:8080"),
    ("https://kab.example.go.id:443", "https://kab.example.go.id"),
    ("https://bücher.example", "https://xn--bcher-kva.example"),
    ("http://10.0.0.5:8000", "http://10.0.0.5:8000"),
    ("http://[2001:db8::1]:8080", "http://[2001:db8::1]:8080"),
]


@pytest.mark.parametrize("bad", BAD)
def test_a_bad_origin_is_refused_by_the_service(editor, bad):
    with pytest.raises(ValidationError) as caught:
        embed_site_add(actor=editor, origin=bad)
    assert caught.value.message_dict["origin"]
    assert not EmbedSite.objects.exists()


@pytest.mark.parametrize(("given", "stored"), GOOD)
def test_a_real_origin_is_stored_in_its_normal_form(editor, given, stored):
    assert normalise_origin(given) == stored
    assert embed_site_add(actor=editor, origin=given).origin == stored


@pytest.mark.parametrize("bad", [ATTACK, "https://*.example.go.id", "https://x.id/path"])
def test_the_page_refuses_the_attack_with_a_message(client_for, editor, bad):
    client = client_for(editor)
    page = client.post("/surveys/sites/", {"action": "add", "origin": bad, "name": "X"})
    assert page.status_code == 200
    assert "errorlist" in page.content.decode() or "error" in page.content.decode()
    assert not EmbedSite.objects.exists()


def test_the_model_refuses_a_bad_origin_too(editor):
    site = EmbedSite(origin=ATTACK, added_by=editor)
    with pytest.raises(ValidationError):
        site.full_clean()
    with pytest.raises(ValidationError):
        EmbedSite(origin="https://Upper.example", added_by=editor).full_clean()


def test_a_bad_row_written_around_the_service_never_reaches_the_headers(editor):
    """Defence in depth: a row put straight into the table (an old row, a shell) is left out of
    the frame policy and of the CORS answer."""
    survey = make_survey(editor)
    EmbedSite.objects.create(origin=ATTACK, added_by=editor)
    embed_site_add(actor=editor, origin="https://kab.example.go.id")  # also clears the cache
    response = Client().get(f"/survey/{survey.slug}/embed/")
    policy = response["Content-Security-Policy"]
    ancestors = next(d for d in policy.split(";") if d.strip().startswith("frame-ancestors"))
    assert ancestors.split() == ["frame-ancestors", "'self'", "https://kab.example.go.id"]
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert policy.count("script-src") == 1
    cors = Client().get(f"/survey/{survey.slug}/widget.json", HTTP_ORIGIN=ATTACK)
    assert "Access-Control-Allow-Origin" not in cors
    preflight = Client().options(f"/survey/{survey.slug}/vote/", HTTP_ORIGIN=ATTACK)
    assert preflight.status_code == 403
