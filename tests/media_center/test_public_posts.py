"""The public posts: the home page, each post at its permanent address, their pictures, the
RSS and Atom feeds; what shows, and everything that must not (drafts, posts not yet out, posts
not marked public, restricted folders' photos, staff names not chosen)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from assets.services import asset_trash, folder_create, folder_set_restricted
from publishing.models import Post, PostStatus
from tests.media_center.public_helpers import channels, photo, published_post, video
from tests.media_center.survey_helpers import make_survey

pytestmark = pytest.mark.django_db

TEXT = (
    "Bupati meninjau lokasi banjir di Kecamatan Kanor\n\n"
    "Bupati bersama BPBD meninjau tanggul yang jebol dan menyerahkan bantuan kepada warga. "
    "Informasi lengkap: https://bpbd.example.go.id/banjir"
)


def xml(content: bytes | str) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - the portal's own answer, not untrusted input


class Meta(HTMLParser):
    """The <meta> and <link> tags of a page's head."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "meta":
            key = values.get("property") or values.get("name")
            if key:
                self.meta[key] = values.get("content", "")
        if tag == "link":
            self.links.append(values)


@pytest.fixture
def folder(editor, divisions):
    return folder_create(actor=editor, name="Liputan", division=divisions["PKP"])


@pytest.fixture
def restricted(editor, divisions):
    return folder_create(
        actor=editor, name="Arsip Pimpinan", division=divisions["PKP"], restricted=True
    )


@pytest.fixture
def survey(kadis):
    return make_survey(kadis, featured=True)


@pytest.fixture
def news(staf, folder):
    """A public post with one photo, out on Facebook and X."""
    accounts = channels()
    return published_post(
        author=staf,
        title="Kerja: liputan banjir (internal)",
        text=TEXT,
        photos=[photo(staf, folder, title="Bupati di tanggul")],
        published_at=datetime(2026, 11, 3, 2, 30, tzinfo=UTC),  # 09.30 WIB
        permalinks={
            accounts["facebook"]: "https://www.facebook.com/MediaCenterBJN/posts/1001",
            accounts["x"]: "https://x.com/mediacenterBJN/status/2002",
        },
    )


def test_the_home_page_lists_public_posts_with_photo_date_and_excerpt(news, survey):
    page = Client().get("/").content.decode()
    assert "Bupati meninjau lokasi banjir di Kecamatan Kanor" in page
    assert "Bupati bersama BPBD meninjau tanggul" in page
    assert '<time datetime="2026-11-03T09:30:00+07:00">3 Nov. 2026</time>' in page  # WIB
    assert "Baca selengkapnya" in page
    assert f'href="/berita/{news.pk}-bupati-meninjau-lokasi-banjir-di-kecamatan-kanor/"' in page
    assert re.search(rf'<img src="/berita/{news.pk}/foto/\d+/thumb\.jpg"', page)
    assert "liputan banjir (internal)" not in page  # the working title is the office's own
    assert survey.question in page  # the survey at the foot
    assert 'type="application/rss+xml"' in page and 'type="application/atom+xml"' in page


def _main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def test_only_posts_marked_public_and_out_show(staf, folder):
    shown = published_post(author=staf, text="Terbit dan publik")
    published_post(
        author=staf, text="Terbit sebagian dan publik", status=PostStatus.PARTLY_PUBLISHED
    )
    hidden = [
        published_post(author=staf, text="Draf rahasia", status=PostStatus.DRAFT),
        published_post(author=staf, text="Menunggu persetujuan", status=PostStatus.SUBMITTED),
        published_post(author=staf, text="Disetujui belum terbit", status=PostStatus.APPROVED),
        published_post(author=staf, text="Dijadwalkan nanti", status=PostStatus.SCHEDULED),
        published_post(author=staf, text="Sedang dikirim", status=PostStatus.PUBLISHING),
        published_post(author=staf, text="Gagal terkirim", status=PostStatus.FAILED),
        published_post(author=staf, text="Ditolak pimpinan", status=PostStatus.REJECTED),
        published_post(author=staf, text="Terbit tapi tidak publik", is_public=False),
        published_post(
            author=staf,
            text="Waktu terbit di masa depan",
            published_at=timezone.now() + timedelta(days=1),
        ),
    ]
    page = Client().get("/").content.decode()
    assert "Terbit dan publik" in page and "Terbit sebagian dan publik" in page
    missing = _main(Client().get("/berita/999999/"))
    for post in hidden:
        assert post.text not in page
        assert f"/berita/{post.pk}" not in page
        assert Client().get(f"/berita/{post.pk}-x/").status_code == 404
        response = Client().get(f"/berita/{post.pk}/")
        assert response.status_code == 404
        assert _main(response) == missing  # private or never there: the same answer
    assert Client().get(f"/berita/{shown.pk}/").status_code == 301


def test_the_post_page_has_photo_text_date_links_and_survey(news, survey):
    response = Client().get(news_url(news))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Bupati meninjau lokasi banjir di Kecamatan Kanor</h1>" in page
    assert "3 Nov. 2026 09.30 WIB" in page
    assert re.search(
        rf'<img src="/berita/{news.pk}/foto/\d+/preview\.jpg" alt="Bupati di tanggul"', page
    )
    assert 'href="https://bpbd.example.go.id/banjir" rel="nofollow"' in page
    assert "Juga di" in page
    assert 'href="https://www.facebook.com/MediaCenterBJN/posts/1001"' in page
    assert 'href="https://x.com/mediacenterBJN/status/2002"' in page
    assert "Facebook: Media Center Bojonegoro" in page
    assert survey.question in page and ">Sangat Puas</button>" in page
    assert news.author.full_name not in page  # the author did not choose to be named
    assert "liputan banjir (internal)" not in page


def news_url(post) -> str:
    return f"/berita/{post.pk}-bupati-meninjau-lokasi-banjir-di-kecamatan-kanor/"


@pytest.fixture
def public_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "mediacenter.example.go.id"]
    return "mediacenter.example.go.id"


def test_the_post_page_has_open_graph_and_twitter_tags(news, public_host):
    page = Client().get(news_url(news), HTTP_HOST="mediacenter.example.go.id").content.decode()
    tags = Meta(page)
    canonical = f"http://mediacenter.example.go.id{news_url(news)}"
    assert tags.meta["og:type"] == "article"
    assert tags.meta["og:title"] == "Bupati meninjau lokasi banjir di Kecamatan Kanor"
    assert tags.meta["og:description"].startswith("Bupati bersama BPBD meninjau tanggul")
    assert tags.meta["og:url"] == canonical
    assert {"rel": "canonical", "href": canonical} in tags.links
    image = tags.meta["og:image"]
    assert re.fullmatch(
        rf"http://mediacenter\.example\.go\.id/berita/{news.pk}/foto/\d+/preview\.jpg", image
    )
    assert tags.meta["og:image:width"] == "800" and tags.meta["og:image:height"] == "600"
    assert tags.meta["twitter:card"] == "summary_large_image"
    assert tags.meta["twitter:image"] == image
    assert tags.meta["twitter:title"] == tags.meta["og:title"]
    picture = Client().get(image.removeprefix("http://mediacenter.example.go.id"))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert b"".join(picture.streaming_content)[:2] == b"\xff\xd8"


def test_the_author_is_named_only_when_chosen(staf, editor):
    chosen = published_post(author=editor, text="Dengan nama penulis", show_author=True)
    page = Client().get(f"/berita/{chosen.pk}-dengan-nama-penulis/").content.decode()
    assert f"oleh {editor.full_name}" in page
    anonymous = published_post(author=staf, text="Tanpa nama penulis")
    page = Client().get(f"/berita/{anonymous.pk}-tanpa-nama-penulis/").content.decode()
    assert staf.full_name not in page and "oleh " not in page


def test_a_changed_or_missing_slug_redirects_for_good_to_the_canonical_address(news):
    for wrong in (
        f"/berita/{news.pk}/",
        f"/berita/{news.pk}-judul-lama/",
        f"/berita/{news.pk}-Café/",
    ):
        response = Client().get(wrong)
        assert response.status_code == 301, wrong
        assert response["Location"] == news_url(news)


def test_unknown_addresses_are_not_found(news, survey):
    for url in (
        "/berita/999999/",
        "/berita/999999-apa-saja/",
        "/berita/abc/",
        "/?page=99",
        "/?page=x",
    ):
        response = Client().get(url)
        assert response.status_code == 404, url
    page = response.content.decode()
    assert "Halaman tidak ditemukan" in page and "pmc-survey" in page  # the public layout


# --- pictures -----------------------------------------------------------------------------------


def _picture_urls(page: str) -> list[str]:
    return re.findall(r'src="(/berita/\d+/foto/\d+/\w+\.jpg)"', page)


def test_pictures_have_a_stable_cacheable_address(news):
    url = _picture_urls(Client().get(news_url(news)).content.decode())[0]
    first = Client().get(url)
    assert first.status_code == 200
    assert "public" in first["Cache-Control"] and "max-age=3600" in first["Cache-Control"]
    assert "Set-Cookie" not in first and "Cookie" not in first.get("Vary", "")
    again = Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert url in Client().get(news_url(news)).content.decode()  # the same address next time


def test_a_restricted_folders_photo_is_never_shown_or_served(staf, editor, folder, restricted):
    secret = photo(editor, restricted, title="Dokumen pimpinan")
    open_photo = photo(staf, folder, title="Foto terbuka")
    post = published_post(author=staf, text="Dengan foto terbatas", photos=[secret, open_photo])
    page = Client().get(f"/berita/{post.pk}-dengan-foto-terbatas/").content.decode()
    assert f"/foto/{secret.pk}/" not in page and "Dokumen pimpinan" not in page
    assert f"/foto/{open_photo.pk}/preview.jpg" in page
    for name in ("thumb", "preview", "platform"):
        assert Client().get(f"/berita/{post.pk}/foto/{secret.pk}/{name}.jpg").status_code == 404
    home = Client().get("/").content.decode()
    assert f"/foto/{secret.pk}/" not in home
    feed = Client().get("/berita/rss/").content.decode()
    assert f"/foto/{secret.pk}/" not in feed


def test_restricting_the_folder_or_making_the_post_private_takes_the_pictures_off(
    editor, folder, news
):
    attached = news.media.first().asset
    url = f"/berita/{news.pk}/foto/{attached.pk}/preview.jpg"
    assert Client().get(url).status_code == 200
    folder_set_restricted(actor=editor, folder=folder, restricted=True)
    assert Client().get(url).status_code == 404
    assert "/foto/" not in Client().get(news_url(news)).content.decode()
    folder_set_restricted(actor=editor, folder=folder, restricted=False)
    assert Client().get(url).status_code == 200
    Post.objects.filter(pk=news.pk).update(is_public=False)  # the author unticks "public"
    assert Client().get(url).status_code == 404
    assert Client().get(news_url(news)).status_code == 404


def test_the_picture_address_serves_nothing_but_a_public_posts_own_photos(staf, folder, news):
    other = photo(staf, folder, title="Tidak dilampirkan")
    private = published_post(author=staf, text="Draf", status=PostStatus.DRAFT, photos=[other])
    attached = news.media.first().asset
    ok = f"/berita/{news.pk}/foto/{attached.pk}/thumb.jpg"
    assert Client().get(ok).status_code == 200
    for url in (
        f"/berita/{news.pk}/foto/{other.pk}/thumb.jpg",  # not attached to this post
        f"/berita/{private.pk}/foto/{other.pk}/thumb.jpg",  # attached to a draft
        f"/berita/{news.pk}/foto/{attached.pk}/original.jpg",  # never the original
        f"/berita/{news.pk}/foto/{attached.pk}/poster.jpg",  # a photo has no poster
        f"/berita/999999/foto/{attached.pk}/thumb.jpg",
    ):
        assert Client().get(url).status_code == 404, url
    asset_trash(actor=staf, asset=attached)
    assert Client().get(ok).status_code == 404
    assert "/foto/" not in Client().get(news_url(news)).content.decode()


def test_a_post_of_pictures_alone_is_headed_by_the_first_pictures_description(staf, folder):
    post = published_post(author=staf, text="", photos=[photo(staf, folder, title="Upacara HUT")])
    response = Client().get(f"/berita/{post.pk}/")
    assert response["Location"] == f"/berita/{post.pk}-upacara-hut/"
    page = Client().get(response["Location"]).content.decode()
    assert "<h1>Upacara HUT</h1>" in page
    assert Client().head(response["Location"]).status_code == 200


def test_a_video_shows_its_poster_frame(staf, folder):
    clip = video(staf, folder)
    post = published_post(author=staf, text="Video kegiatan", photos=[clip])
    page = Client().get(f"/berita/{post.pk}-video-kegiatan/").content.decode()
    assert f'src="/berita/{post.pk}/foto/{clip.pk}/poster.jpg"' in page
    assert Client().get(f"/berita/{post.pk}/foto/{clip.pk}/poster.jpg").status_code == 200
    assert "Video" in Client().get("/").content.decode()


def test_pictures_are_served_from_object_storage_too(s3_storage, staf, editor, divisions):
    folder = folder_create(actor=editor, name="Liputan S3", division=divisions["PKP"])
    post = published_post(author=staf, text="Di penyimpanan objek", photos=[photo(staf, folder)])
    url = _picture_urls(Client().get(f"/berita/{post.pk}-di-penyimpanan-objek/").content.decode())[
        0
    ]
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


# --- text that could be code --------------------------------------------------------------------


def test_html_in_a_post_is_shown_as_text(staf):
    post = published_post(author=staf, text='<script>alert("x")</script> Judul\n<b>tebal</b>')
    page = Client().get(f"/berita/{post.pk}/", follow=True).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<b>tebal</b>" not in page
    feed = Client().get("/berita/rss/").content.decode()
    root = xml(feed)
    assert root.findtext("channel/item/title") == '<script>alert("x")</script> Judul'  # text
    description = root.findtext("channel/item/description")
    assert "<b>" not in description and "&lt;b&gt;tebal&lt;/b&gt;" in description


# --- feeds --------------------------------------------------------------------------------------


def test_the_rss_feed_lists_public_posts_with_an_enclosure(news, staf, public_host):
    published_post(author=staf, text="Draf yang tidak boleh tampil", status=PostStatus.DRAFT)
    response = Client().get("/berita/rss/", HTTP_HOST="mediacenter.example.go.id")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = xml(response.content).find("channel")
    assert channel.findtext("title") == "Media Center · Dinas Komunikasi dan Informatika"
    assert channel.findtext("language") == "id"
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == [
        "Bupati meninjau lokasi banjir di Kecamatan Kanor"
    ]
    item = items[0]
    assert item.findtext("link") == f"http://mediacenter.example.go.id{news_url(news)}"
    assert item.findtext("pubDate") == "Tue, 03 Nov 2026 02:30:00 +0000"
    enclosure = item.find("enclosure")
    assert enclosure.get("type") == "image/jpeg"
    assert int(enclosure.get("length")) > 0
    url = enclosure.get("url")
    assert url.startswith(f"http://mediacenter.example.go.id/berita/{news.pk}/foto/")
    assert item.find("author") is None  # no staff name unless chosen
    picture = Client().get(url.removeprefix("http://mediacenter.example.go.id"))
    assert picture.status_code == 200
    assert int(picture["Content-Length"]) == int(enclosure.get("length"))


def test_the_atom_feed_lists_public_posts_with_an_enclosure(news, editor):
    named = published_post(author=editor, text="Dengan nama", show_author=True)
    response = Client().get("/berita/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = xml(response.content)
    entries = feed.findall("a:entry", ns)
    assert [e.findtext("a:title", namespaces=ns) for e in entries] == [
        "Dengan nama",
        "Bupati meninjau lokasi banjir di Kecamatan Kanor",
    ]
    assert entries[0].findtext("a:author/a:name", namespaces=ns) == editor.full_name
    assert entries[1].find("a:author", ns) is None
    links = {link.get("rel"): link for link in entries[1].findall("a:link", ns)}
    assert links["alternate"].get("href") == f"http://testserver{news_url(news)}"
    assert links["enclosure"].get("type") == "image/jpeg"
    assert f"/berita/{named.pk}-dengan-nama/" in response.content.decode()


# --- language and cost --------------------------------------------------------------------------


def test_indonesian_by_default_and_english_through_the_switch(news):
    page = Client().get(news_url(news)).content.decode()
    assert 'lang="id"' in page and "Semua publikasi" in page and "Juga di" in page
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    home = client.get("/").content.decode()
    assert "Read more" in home and "Latest publications" in home and "Nov. 3, 2026" in home
    page = client.get(news_url(news)).content.decode()
    assert 'lang="en"' in page and "All publications" in page and "Also on" in page
    assert "Baca selengkapnya" not in home


# Measured: the home page and a post page cost 6 queries each (4 for the posts, their photos and
# links; 2 for the survey widget), the feeds 3, whatever the number of posts and photos.
QUERIES_HOME = 6
QUERIES_POST = 6
QUERIES_FEED = 3


@pytest.mark.parametrize("count", [1, 12])
def test_pages_cost_a_fixed_number_of_queries(
    count, staf, folder, survey, django_assert_max_num_queries
):
    accounts = channels()
    for n in range(count):
        post = published_post(
            author=staf,
            text=f"Berita nomor {n}",
            show_author=True,
            photos=[photo(staf, folder), photo(staf, folder)],
            permalinks={
                accounts["facebook"]: f"https://www.facebook.com/MediaCenterBJN/posts/{n}",
                accounts["x"]: f"https://x.com/mediacenterBJN/status/{n}",
            },
        )
    client = Client()
    client.get("/")  # the voter cookie and the cached widget survey, as for a returning visitor
    with django_assert_max_num_queries(QUERIES_HOME):
        page = client.get("/").content.decode()
    assert page.count('class="card post-card"') == min(count, 10)
    if count > 10:
        with django_assert_max_num_queries(QUERIES_HOME):
            assert client.get("/?page=2").content.decode().count('class="card post-card"') == 2
    with django_assert_max_num_queries(QUERIES_POST):
        page = client.get(f"/berita/{post.pk}-berita-nomor-{count - 1}/").content.decode()
    assert page.count('class="post-photo"') == 2
    with django_assert_max_num_queries(QUERIES_FEED):
        assert client.get("/berita/rss/").content.count(b"<item>") == count
