"""A post's public title (judul) heads the public page, the feeds and the link previews; without
one, the heading is the text's first line, shortened at a word's end (never mid-word)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from media_center.selectors import cut_at_word, public_headline
from publishing.models import Post
from publishing.services.posts import post_create, post_update
from tests.media_center.public_helpers import published_post
from tests.publishing.workflow_fixtures import channels  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

LONG = (
    "Pemerintah Kabupaten Bojonegoro melalui Dinas Komunikasi dan Informatika menggelar "
    "sosialisasi keterbukaan informasi publik bagi seluruh kepala desa se-kabupaten pada hari ini"
)


def test_the_public_title_heads_the_page_feeds_and_previews(staf):
    post = published_post(author=staf, text=LONG + "\n\nAcara dibuka oleh Sekretaris Daerah.")
    Post.objects.filter(pk=post.pk).update(public_title="Sosialisasi keterbukaan informasi publik")
    home = Client().get("/").content.decode()
    assert "Sosialisasi keterbukaan informasi publik" in home
    page = Client().get(f"/berita/{post.pk}/", follow=True)
    html = page.content.decode()
    assert page.redirect_chain[-1][0].endswith("-sosialisasi-keterbukaan-informasi-publik/")
    assert '<meta property="og:title" content="Sosialisasi keterbukaan informasi publik">' in html
    assert '<meta name="twitter:title" content="Sosialisasi keterbukaan informasi publik">' in html
    assert "<title>Sosialisasi keterbukaan informasi publik" in html
    # The whole text is the body: nothing of it is taken for the heading.
    assert "menggelar sosialisasi keterbukaan informasi publik bagi seluruh" in html
    rss = ET.fromstring(Client().get("/berita/rss/").content)  # noqa: S314 - our own answer
    assert rss.find("channel/item/title").text == "Sosialisasi keterbukaan informasi publik"
    atom = Client().get("/berita/atom/").content.decode()
    assert "<title>Sosialisasi keterbukaan informasi publik</title>" in atom


def test_without_a_public_title_the_heading_ends_at_a_word(staf):
    heading = public_headline(LONG)
    assert heading.endswith("…") and len(heading) <= 100
    assert LONG.startswith(heading[:-1].rstrip())
    assert LONG[len(heading[:-1].rstrip())] == " ", "cut at the end of a word"
    assert cut_at_word("satu dua tiga", 100) == "satu dua tiga"
    assert cut_at_word("x" * 150, 100) == "x" * 99 + "…"


def test_the_composer_keeps_the_public_title_and_a_change_needs_approval_again(editor, channels):  # noqa: F811
    post = post_create(
        actor=editor, text="Isi", public_title="  Judul   publik ", channel_ids=[channels["x"].pk]
    )
    assert post.public_title == "Judul   publik"
    updated = post_update(actor=editor, post=post, public_title="Judul baru")
    assert updated.public_title == "Judul baru" and updated.content_version == 2
