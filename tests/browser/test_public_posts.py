"""A member of the public, on a phone, reads the Media Center's publications in Chromium."""

import pytest

from assets.services import folder_create
from tests.browser.test_accessibility import axe_violations
from tests.media_center.public_helpers import channels, photo, published_post
from tests.media_center.survey_helpers import make_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_opens_the_home_then_a_post_and_sees_its_photo_and_the_survey(
    phone_page, staf, editor, kadis, divisions
):
    survey = make_survey(kadis, featured=True)
    folder = folder_create(actor=editor, name="Liputan", division=divisions["PKP"])
    accounts = channels()
    # Stands for a post after its delivery: published, public, out on Facebook.
    post = published_post(
        author=staf,
        text="Festival Kayangan Api dibuka\nRibuan warga menyaksikan pembukaan festival budaya.",
        photos=[photo(staf, folder, title="Penari di panggung festival", size=(1200, 800))],
        permalinks={accounts["facebook"]: "https://www.facebook.com/MediaCenterBJN/posts/77"},
    )
    errors: list[str] = []
    phone_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page = phone_page
    page.goto("/")
    assert axe_violations(page) == []
    card = page.locator(".post-card").first
    assert card.get_by_role("heading").inner_text() == "Festival Kayangan Api dibuka"
    thumb = card.locator("img")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    card.get_by_role("link", name="Baca selengkapnya").click()
    page.wait_for_url(f"**/berita/{post.pk}-festival-kayangan-api-dibuka/")
    assert page.get_by_role("heading", level=1).inner_text() == "Festival Kayangan Api dibuka"
    picture = page.get_by_role("img", name="Penari di panggung festival")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 1200", arg=picture.element_handle()
    )
    assert picture.bounding_box()["width"] <= 390
    text = page.locator(".post-text").inner_text()
    assert text == "Ribuan warga menyaksikan pembukaan festival budaya."  # the heading once
    assert page.get_by_role("link", name="Facebook: Media Center Bojonegoro").is_visible()
    widget = page.locator(".pmc-survey")
    widget.scroll_into_view_if_needed()
    assert widget.get_by_role("heading").inner_text() == survey.question
    assert widget.get_by_role("button", name="Puas", exact=True).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []
    assert errors == []
