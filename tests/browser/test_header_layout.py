"""Every role's header fits one line at 1280 px and folds into a phone menu at 390 px; no main page
scrolls sideways; each role's menu holds only pages that open for it, with one current item."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import MAIN_PAGES, VIEWPORTS, session_cookie
from tests.portal_data import populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("staf", "editor", "kadis", "admin")
# The header's one line: the brand's 32 px logo plus padding (a second row would add >= 40 px).
ONE_LINE = 64

LAYOUT = """(maxHeader) => {
  const doc = document.documentElement;
  const header = document.querySelector('.site-header');
  const row = header && header.querySelector('.header-row');
  const out = [];
  if (doc.scrollWidth > window.innerWidth + 1) out.push('page ' + doc.scrollWidth + 'px wide');
  if (header && header.getBoundingClientRect().height > maxHeader)
    out.push('header ' + Math.round(header.getBoundingClientRect().height) + 'px high');
  if (row) {
    if (row.scrollWidth > row.clientWidth + 1) out.push('header row overflows');
    for (const el of row.querySelectorAll('a, summary, select, button')) {
      const box = el.getBoundingClientRect();
      if (!box.width || getComputedStyle(el).visibility === 'hidden') continue;
      if (box.right > window.innerWidth + 1) out.push('header item out of view: ' + el.textContent.trim());
    }
  }
  return out;
}"""


@pytest.fixture
def portal(staf, staf_other, editor, kadis, admin_user):
    return populate(staf=staf, staf_other=staf_other, editor=editor, kadis=kadis, admin=admin_user)


def signed_in_page(browser, live_server, portal, role, viewport):
    context = browser.new_context(base_url=live_server.url, **VIEWPORTS[viewport])
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": session_cookie(portal.people[role]),
                "url": live_server.url,
            },
            {"name": "django_language", "value": "id", "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("role", ROLES)
def test_header_fits_and_no_page_overflows(browser, live_server, portal, role, viewport):
    page = signed_in_page(browser, live_server, portal, role, viewport)
    problems = []
    try:
        page.goto("/dashboard/")
        menu = [a.get_attribute("href") for a in page.locator("#main-nav .nav-list a").all()]
        # Each page of the menu opens for this role ("not allowed" is never a menu item).
        for href in menu:
            answer = page.request.get(href)
            if answer.status != 200:
                problems.append(f"menu item {href} answers {answer.status}")
        own = [m.path(portal) for m in MAIN_PAGES if m.role == role]
        for path in dict.fromkeys(["/dashboard/", *menu, *own]):
            response = page.goto(path)
            if response.status != 200:
                problems.append(f"{path} answers {response.status}")
                continue
            problems += [f"{path}: {p}" for p in page.evaluate(LAYOUT, ONE_LINE)]
            if ">---------<" in page.content():
                problems.append(f"{path}: an empty choice reads ---------")
            current = page.locator('#main-nav [aria-current="page"]').count()
            if current > 1:
                problems.append(f"{path}: {current} menu items marked current")
        if viewport == "phone":
            page.goto("/dashboard/")
            assert not page.locator("#main-nav").is_visible()
            page.get_by_role("button", name="Menu").click()
            expect(page.get_by_role("link", name="Dasbor")).to_be_visible()
            if page.locator("#main-nav .nav-group summary").count():
                page.locator("#main-nav .nav-group summary").click()
                assert page.locator("#main-nav .nav-group a").first.is_visible()
            assert not page.evaluate(LAYOUT, 100000)
    finally:
        page.context.close()
    assert not problems, "\n".join(problems)


def test_each_role_sees_what_it_may_open_with_one_current_item(browser, live_server, portal):
    seen = {}
    for role in ROLES:
        page = signed_in_page(browser, live_server, portal, role, "desktop")
        try:
            page.goto("/publishing/approvals/" if role == "kadis" else "/publishing/")
            seen[role] = {
                a.text_content().strip() for a in page.locator("#main-nav .nav-list a").all()
            }
            current = page.locator('#main-nav [aria-current="page"]')
            assert current.count() == 1, role
            expected = "Persetujuan" if role == "kadis" else "Publikasi"
            assert current.inner_text().strip() == expected
            # The publishing tabs too: no "Approvals" for who may not approve.
            tabs = page.locator(".sub-nav").inner_text()
            assert ("Persetujuan" in tabs) == (role == "kadis"), (role, tabs)
        finally:
            page.context.close()
    assert "Persetujuan" not in seen["editor"] and "Persetujuan" in seen["kadis"]
    assert "Kredensial" in seen["kadis"] and "Kredensial" not in seen["admin"]
    assert "Audit" in seen["admin"] and "Audit" not in seen["editor"]
    assert "Kanal" not in seen["editor"]
