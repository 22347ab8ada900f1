"""Small things a new user met on the first day: a 200-character title without a space, a PDF's
first page as its thumbnail, the calendar's platform badges and its "week" (not "Minggu", which
is also Sunday)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import Asset
from publishing.models import Post, PostStatus
from tests.browser.test_header_layout import portal, signed_in_page  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = "document.documentElement.scrollWidth"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_long_unbroken_title_wraps(browser, live_server, portal, viewport):  # noqa: F811
    title = "Dokumentasi_" + "x" * 188
    Asset.objects.filter(pk=portal.photo.pk).update(title=title)
    page = signed_in_page(browser, live_server, portal, "staf", viewport)
    try:
        for path in (
            f"/library/assets/{portal.photo.pk}/",
            f"/library/assets/{portal.photo.pk}/edit/",
            f"/library/folders/{portal.photo.folder_id}/",
        ):
            page.goto(path)
            width = page.viewport_size["width"]
            assert page.evaluate(WIDE) <= width, (path, page.evaluate(WIDE))
    finally:
        page.context.close()


def test_a_documents_thumbnail_shows_the_whole_page(browser, live_server, portal):  # noqa: F811
    page = signed_in_page(browser, live_server, portal, "staf", "desktop")
    try:
        page.goto("/library/")
        fit = page.evaluate(
            """() => {
              const thumb = document.createElement('span');
              thumb.className = 'asset-thumb kind-document';
              const img = document.createElement('img');
              thumb.appendChild(img);
              document.body.appendChild(thumb);
              return getComputedStyle(img).objectFit;
            }"""
        )
        assert fit == "contain"
    finally:
        page.context.close()


def test_calendar_badges_name_the_platform_and_the_week_is_a_pekan(
    browser,
    live_server,
    portal,  # noqa: F811
):
    post = portal.other_post_waiting
    Post.objects.filter(pk=post.pk).update(
        status=PostStatus.SCHEDULED, scheduled_at=timezone.now() + timedelta(days=1)
    )
    page = signed_in_page(browser, live_server, portal, "kadis", "desktop")
    try:
        page.goto(f"/publishing/calendar/?date={timezone.localdate() + timedelta(days=1)}")
        badges = page.locator(".calendar-channels .dot")
        assert badges.count() >= 1
        for index in range(badges.count()):
            badge = badges.nth(index)
            hidden = badge.locator(".visually-hidden").text_content()
            assert any(name in hidden for name in ("Facebook", "Instagram", "X"))
            assert len(badge.locator("[aria-hidden=true]").text_content().strip()) >= 1
        assert page.get_by_role("link", name="Pekan").count() == 1
        assert "Minggu" not in page.locator(".calendar-views, .page-head").first.inner_text()
    finally:
        page.context.close()


def test_survey_results_print_each_percentage_once(browser, live_server, portal):  # noqa: F811
    page = signed_in_page(browser, live_server, portal, "editor", "desktop")
    try:
        page.goto(f"/surveys/{portal.survey.slug}/")
        bars = page.locator(".pmc-bars .pmc-pct")
        assert bars.count() == 4 and all("%" in t for t in bars.all_inner_texts())
        # The summary line stays for screen readers, not printed a second time.
        box = page.locator(".pmc-summary").bounding_box()
        assert box is None or (box["width"] <= 1 and box["height"] <= 1)
    finally:
        page.context.close()


def test_checkboxes_sit_before_their_labels(browser, live_server, portal):  # noqa: F811
    page = signed_in_page(browser, live_server, portal, "editor", "phone")
    try:
        page.goto("/publishing/compose/")
        boxes = page.locator(".channel-choice input[type=checkbox]")
        assert boxes.count() >= 2
        # Both boxes of a choice are measured in one go, so that a scroll or a late script
        # between two measurements cannot move one and not the other.
        rects = page.evaluate(
            """() => [...document.querySelectorAll('.channel-choice')].map((choice) => {
                const box = choice.querySelector('input[type=checkbox]').getBoundingClientRect();
                const text = choice.querySelector('.channel-choice-text').getBoundingClientRect();
                return {box: {x: box.x, y: box.y, width: box.width}, text: {x: text.x, y: text.y}};
            })"""
        )
        assert len(rects) == boxes.count()
        lefts, problems = set(), []
        for index, rect in enumerate(rects):
            box, text = rect["box"], rect["text"]
            lefts.add(round(box["x"]))
            if not (text["x"] > box["x"] + box["width"] - 1 and abs(text["y"] - box["y"]) < 12):
                problems.append((index, rect))
        assert len(lefts) == 1 and not problems, (lefts, problems)
        page.goto("/library/folders/new/")
        restricted = page.get_by_label("Terbatas").bounding_box()
        name = page.get_by_label("Nama").bounding_box()
        assert abs(restricted["x"] - name["x"]) < 4  # at the form's left edge, not mid-form
    finally:
        page.context.close()
