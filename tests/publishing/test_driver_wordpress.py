"""The website driver against the simulator's WordPress site, over real HTTP with requests:
publishing with media, category and tags, draft or published, the look-up after an uncertain
try, deleting, reading the site's listing, checking the login, and each refusal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from publishing.drivers.errors import PermanentError, RateLimited, TokenExpired, UncertainSend
from publishing.drivers.facts import AccountFacts
from publishing.drivers.registry import driver_class, get_driver
from publishing.drivers.types import HealthState, MediaItem, MediaKind, PostPayload
from publishing.simulator import services as sim
from publishing.simulator import wordpress_api
from publishing.simulator.models import Account, Media, Post, Term

SITE = "mediacenter.bojonegorokab.go.id"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(simulator) -> Account:
    wordpress_api.seed_sites()
    return Account.objects.get(platform="website", handle=SITE)


def _credential(status: str = "draft", category: str = "berita") -> dict:
    secret = wordpress_api.demo_credential(SITE)
    account = AccountFacts(handle=SITE, options={"status": status, "category": category})
    return driver_class("wordpress").credential_from(secret, account)


def _photo(media_dir, name="photo.jpg", alt="Bupati membuka festival") -> MediaItem:
    return MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", path=media_dir / name,
                     alt_text=alt)  # fmt: skip


def _payload(text="Festival Budaya Bojonegoro dibuka. #Bojonegoro #Budaya", **extra) -> PostPayload:
    extra.setdefault("idempotency_key", str(uuid.uuid4()))
    extra.setdefault("not_before", datetime.now(UTC))
    return PostPayload(text=text, **extra)


def _site_posts(site):
    return list(Post.objects.filter(account=site).exclude(kind="comment"))


def test_a_draft_with_photos_category_and_tags(site, media_dir):
    driver = get_driver("wordpress")
    payload = _payload(
        title="Festival Budaya 2026",
        media=(_photo(media_dir), _photo(media_dir, "photo2.jpg", "Tari tradisional")),
        link="https://bojonegorokab.go.id/festival",
    )
    result = driver.publish(payload, _credential())
    [post] = _site_posts(site)
    assert result.external_id == post.external_id
    assert post.extra["status"] == "draft" and post.extra["title"] == "Festival Budaya 2026"
    assert result.permalink == f"https://{SITE}/?p={post.external_id}"  # a draft has no address
    assert post.extra["slug"].startswith("festival-budaya-2026-")
    assert payload.idempotency_key.replace("-", "")[:12] in post.extra["slug"]
    berita = Term.objects.get(account=site, taxonomy="category", slug="berita")
    assert post.extra["categories"] == [berita.pk]
    tags = Term.objects.filter(account=site, taxonomy="post_tag")
    assert sorted(t.name for t in tags) == ["Bojonegoro", "Budaya"]
    assert sorted(post.extra["tags"]) == sorted(t.pk for t in tags)
    media = list(Media.objects.filter(account=site).order_by("pk"))
    assert len(media) == 2 and post.extra["featured_media"] == media[0].pk
    content = post.extra["content"]
    # The featured photo is not repeated in the text; the second follows it with its alt text.
    assert content.count("<img") == 1 and 'alt="Tari tradisional"' in content
    assert '<a href="https://bojonegorokab.go.id/festival">' in content
    assert "#Bojonegoro" in content
    assert result.extra_ids == tuple(str(m.pk) for m in media)


def test_published_as_the_channel_says_with_the_first_line_as_title(site):
    result = get_driver("wordpress").publish(
        _payload(text="Jadwal vaksinasi pekan ini\n\nSenin di Puskesmas Kota."),
        _credential(status="publish", category=""),
    )
    [post] = _site_posts(site)
    assert post.extra["status"] == "publish"
    assert post.extra["title"] == "Jadwal vaksinasi pekan ini"
    assert result.permalink == f"https://{SITE}/{post.extra['slug']}/"
    assert "<p>Senin di Puskesmas Kota.</p>" in post.extra["content"]


def test_text_is_escaped_not_run_as_markup(site):
    get_driver("wordpress").publish(
        _payload(text='Awas <script>alert(1)</script> & "kutip"'), _credential()
    )
    [post] = _site_posts(site)
    assert "<script>" not in post.extra["content"]
    assert "&lt;script&gt;" in post.extra["content"]


def test_an_uncertain_try_is_looked_up_by_its_slug_not_sent_twice(simulator, site, media_dir):
    driver = get_driver("wordpress")
    payload = _payload(media=(_photo(media_dir),))
    credential = _credential()
    simulator.fault("website", SITE, mode="accept_then_fail", scope="publish", remaining=1)
    with pytest.raises(UncertainSend):
        driver.publish(payload, credential)
    found = driver.find_existing(payload, credential)  # a draft: found with status=any
    [post] = _site_posts(site)
    assert found is not None and found.found_existing and found.external_id == post.external_id
    # Another delivery's post is not taken for this one.
    assert driver.find_existing(_payload(), credential) is None


def test_a_role_too_low_is_refused_and_leaves_nothing_behind(site, media_dir):
    site.extra = {**site.extra, "role": "contributor"}  # may write drafts; not upload, publish
    site.save()
    driver = get_driver("wordpress")
    for payload, status in (
        (_payload(media=(_photo(media_dir),)), "draft"),
        (_payload(), "publish"),
    ):
        with pytest.raises(PermanentError) as refused:
            driver.publish(payload, _credential(status=status, category=""))
        assert refused.value.code == "forbidden"
    assert not Media.objects.filter(account=site).exists() and not _site_posts(site)
    driver.publish(_payload(text="Draf tanpa tagar"), _credential(category=""))
    assert [p.extra["status"] for p in _site_posts(site)] == ["draft"]


def test_an_unknown_category_is_refused_before_anything_is_uploaded(site, media_dir):
    with pytest.raises(PermanentError) as refused:
        get_driver("wordpress").publish(
            _payload(media=(_photo(media_dir),)), _credential(category="tidak-ada")
        )
    assert "tidak-ada" in str(refused.value)
    assert not Media.objects.filter(account=site).exists() and not _site_posts(site)


def test_a_failed_post_removes_the_media_it_uploaded(simulator, site, media_dir):
    simulator.fault("website", SITE, mode="rate_limit", scope="publish", remaining=1,
                    retry_after=42)  # fmt: skip
    with pytest.raises(RateLimited) as limited:
        get_driver("wordpress").publish(_payload(media=(_photo(media_dir),)), _credential())
    assert limited.value.retry_after == 42
    assert not Media.objects.filter(account=site).exists() and not _site_posts(site)


def test_a_login_that_may_not_add_tags_posts_without_them_and_says_so(site):
    site.extra = {**site.extra, "role": "author"}
    site.save()
    result = get_driver("wordpress").publish(_payload(), _credential(status="publish"))
    [post] = _site_posts(site)
    assert post.extra["tags"] == [] and post.extra["status"] == "publish"
    assert any("#Bojonegoro" in warning for warning in result.warnings)


def test_a_wrong_application_password_is_said_plainly_and_never_shown(site):
    credential = {**_credential(), "password": "abcd efgh ijkl mnop qrst uvwx"}
    with pytest.raises(TokenExpired) as refused:
        get_driver("wordpress").publish(_payload(), credential)
    error = refused.value
    assert error.platform_code == "incorrect_password" and error.http_status == 401
    assert "kata sandi aplikasi" in str(error)
    for text in (str(error), error.excerpt, error.platform_message):
        assert "abcd efgh" not in text
    health = get_driver("wordpress").check_credential(credential)
    assert health.state == HealthState.EXPIRED


def test_the_login_check_names_what_the_role_lacks(site):
    driver = get_driver("wordpress")
    health = driver.check_credential(_credential())
    assert health.state == HealthState.VALID and health.missing == ()
    site.extra = {**site.extra, "role": "contributor"}
    site.save()
    health = driver.check_credential(_credential())
    assert health.state == HealthState.VALID
    assert {name for name, _blocks in health.missing} == {
        "publish_posts", "upload_files", "manage_categories"
    }  # fmt: skip


def test_delete_moves_to_the_trash_once_and_again_is_no_error(site):
    driver = get_driver("wordpress")
    credential = _credential(status="publish")
    result = driver.publish(_payload(), credential)
    driver.delete(result.external_id, credential)
    [post] = _site_posts(site)
    assert post.extra["status"] == "trash" and post.deleted_at is None  # restorable
    driver.delete(result.external_id, credential)  # 410 already trashed: nothing to do
    assert driver.fetch_recent(credential, None) == []


def test_reading_the_site_follows_its_pages_and_stops_at_since(site):
    now = datetime.now(UTC)
    for number in range(120):
        made = sim.record_post(site, text=f"Berita {number}", external_id=str(5000 + number),
                               origin=Post.Origin.NATIVE,
                               extra={"title": f"Berita {number}", "status": "publish",
                                      "slug": f"berita-{number}"})  # fmt: skip
        Post.objects.filter(pk=made.pk).update(created_at=now - timedelta(hours=120 - number))
    driver = get_driver("wordpress")
    credential = _credential()
    first = driver.fetch_page(credential, None)
    assert len(first.posts) == 50 and first.cursor == "2"
    assert first.posts[0].text.startswith("Berita 119")
    everything = driver.fetch_recent(credential, None)
    assert len(everything) == 120 and len({p.external_id for p in everything}) == 120
    recent = driver.fetch_recent(credential, now - timedelta(hours=10, minutes=30))
    assert [p.text.split("\n")[0] for p in recent][:2] == ["Berita 119", "Berita 118"]
    assert len(recent) == 10
    assert all(p.permalink.startswith(f"https://{SITE}/berita-") for p in recent)


def test_a_site_without_the_rest_api_is_named_as_such(simulator):
    wordpress_api.seed_sites()
    credential = {**_credential(), "site": "bukan-wordpress.bojonegorokab.go.id"}
    with pytest.raises(PermanentError) as refused:
        get_driver("wordpress").publish(_payload(), credential)
    assert refused.value.code == "not_wordpress"


def test_a_site_in_a_folder_and_a_typed_scheme_are_the_same_site(site):
    credential = {**_credential(), "site": f"https://{SITE}/"}
    get_driver("wordpress").publish(_payload(), credential)
    assert len(_site_posts(site)) == 1


def test_what_a_website_cannot_take_is_said_before_sending():
    driver = get_driver("wordpress")
    from publishing.drivers.types import Repost, RepostKind

    problems = driver.validate(
        PostPayload(text="", repost=Repost(kind=RepostKind.SHARE, external_id="1"))
    )
    assert len(problems) == 2
    problems = driver.validate(
        PostPayload(text="x", media=(MediaItem(kind=MediaKind.VIDEO, mime_type="video/quicktime"),))
    )
    assert problems == ["Situs web tidak menerima berkas berjenis video/quicktime."]


def test_a_title_is_sent_as_text_and_an_address_anchor_is_not_a_tag(site):
    get_driver("wordpress").publish(
        _payload(
            title="Tarif <b>baru</b> & jadwal",
            text="Lihat https://bojonegorokab.go.id/layanan#jadwal untuk #Layanan publik.",
        ),
        _credential(),
    )
    [post] = _site_posts(site)
    assert post.extra["title"] == "Tarif &lt;b&gt;baru&lt;/b&gt; &amp; jadwal"
    tags = Term.objects.filter(account=site, taxonomy="post_tag")
    assert [t.name for t in tags] == ["Layanan"]


def test_insights_count_the_sites_comments_and_say_why_there_are_no_visits(site):
    from datetime import date

    from publishing.drivers.insights import fetch_account_insights, fetch_post_insights

    driver = get_driver("wordpress")
    credential = _credential(status="publish")
    result = driver.publish(_payload(), credential)
    made = Post.objects.get(account=site, external_id=result.external_id)
    for number in range(3):
        sim.record_post(site, text=f"Komentar {number}", kind="comment", parent=made,
                        external_id=str(9000 + number))  # fmt: skip
    readings = {r.key: r for r in fetch_post_insights(driver, credential, result.external_id)}
    assert readings["comments"].value == 3
    assert readings["views"].value is None and "Site Kit" in str(readings["views"].reason)
    account = fetch_account_insights(driver, credential, date.today())
    assert all(r.value is None and "WordPress" in str(r.reason) for r in account)
