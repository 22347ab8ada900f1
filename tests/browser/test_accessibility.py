"""Everyone can use it: axe-core on every main page, in Indonesian and English, on a desktop and
on a phone, finds no serious or critical violation; and the forms work with the keyboard alone.

axe-core is vendored from the npm registry (``vendor/axe-core/``, MPL-2.0) and evaluated in the
page by Playwright (the portal's CSP rightly refuses an injected ``<script>``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from tests import figures
from tests.conftest import PASSWORD, login
from tests.portal_data import PortalData, populate
from tests.security.pages import _post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}


@dataclass(frozen=True)
class MainPage:
    name: str
    role: str | None  # who looks at it (None: a member of the public)
    path: Callable[[PortalData], str]


# The main pages. When a part of the portal lands, its pages join here.
MAIN_PAGES = [
    MainPage("login", None, lambda d: "/accounts/login/"),
    MainPage("dashboard", "kadis", lambda d: "/dashboard/"),
    MainPage("library grid", "staf", lambda d: "/library/"),
    MainPage("library folder", "staf", lambda d: f"/library/folders/{d.subfolder.pk}/"),
    MainPage("asset page", "staf", lambda d: f"/library/assets/{d.photo.pk}/"),
    MainPage("asset metadata", "staf", lambda d: f"/library/assets/{d.photo.pk}/edit/"),
    MainPage("upload", "staf", lambda d: "/library/upload/"),
    MainPage("trash", "editor", lambda d: "/library/trash/"),
    MainPage("storage check", "editor", lambda d: "/library/storage-check/"),
    MainPage("vault", "kadis", lambda d: "/accounts/vault/"),
    MainPage("credential", "kadis", lambda d: f"/accounts/vault/{d.credential.pk}/"),
    MainPage("guidelines", "staf", lambda d: "/guidelines/"),
    MainPage("registry", "kadis", lambda d: "/registry/"),
    MainPage("surveys", "editor", lambda d: "/surveys/"),
    MainPage("survey results", "editor", lambda d: f"/surveys/{d.survey.slug}/"),
    MainPage("channels", "kadis", lambda d: "/publishing/channels/"),
    MainPage("channel", "kadis", lambda d: f"/publishing/channels/{d.channel.pk}/"),
    MainPage("posts", "editor", lambda d: "/publishing/"),
    MainPage("composer", "editor", lambda d: f"/publishing/compose/?assets={d.photo.pk}"),
    MainPage("post page", "editor", lambda d: f"/publishing/posts/{_post(d).pk}/"),
    MainPage("approval queue", "kadis", lambda d: "/publishing/approvals/"),
    MainPage("publishing calendar", "editor", lambda d: "/publishing/calendar/"),
    MainPage("public home", None, lambda d: "/"),
    MainPage("public post", None, lambda d: _public_post_path(d)),
    MainPage("public survey", None, lambda d: f"/survey/{d.survey.slug}/"),
    MainPage("survey widget", None, lambda d: f"/survey/{d.survey.slug}/embed/"),
    MainPage("skm questionnaire", None, lambda d: f"/skm/{d.skm_period.service.slug}/"),
    MainPage("skm published results", None, lambda d: f"/skm/hasil/{d.skm_published.pk}/"),
    MainPage("skm office", "editor", lambda d: "/satisfaction/"),
    MainPage("skm period", "kadis", lambda d: f"/satisfaction/periods/{d.skm_period.pk}/"),
    MainPage(
        "skm paper entry", "editor", lambda d: f"/satisfaction/periods/{d.skm_period.pk}/paper/"
    ),
    MainPage("office profile", "kadis", lambda d: "/accounts/office/"),
]


def _public_post_path(data) -> str:
    from django.urls import reverse

    from tests.media_center.public_helpers import portal_public_posts

    post = portal_public_posts(data)[0]
    return reverse("media_center:public_post_short", kwargs={"pk": post.pk})


def session_cookie(user) -> str:
    """A signed-in session (second factor given) for the browser, made through the login page."""
    client = Client()
    login(client, user, verified=False)
    if user.has_role(Role.KEPALA_DINAS) or user.has_role(Role.ADMIN):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        session.save()
    return client.cookies["sessionid"].value


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [v for v in result if v["impact"] in BLOCKING]


@pytest.fixture
def portal(staf, staf_other, editor, kadis, admin_user) -> PortalData:
    return populate(staf=staf, staf_other=staf_other, editor=editor, kadis=kadis, admin=admin_user)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("language", ["id", "en"])
def test_main_pages_have_no_serious_accessibility_violation(
    browser, live_server, portal, language, viewport
):
    cookies = {None: None}
    for role in {page.role for page in MAIN_PAGES if page.role}:
        cookies[role] = session_cookie(portal.people[role])
    contexts = {}
    problems = []
    try:
        for main in MAIN_PAGES:
            if main.role not in contexts:
                context = browser.new_context(base_url=live_server.url, **VIEWPORTS[viewport])
                jar = [{"name": "django_language", "value": language, "url": live_server.url}]
                if cookies[main.role]:
                    jar.append(
                        {"name": "sessionid", "value": cookies[main.role], "url": live_server.url}
                    )
                context.add_cookies(jar)
                contexts[main.role] = context.new_page()
            page = contexts[main.role]
            url = main.path(portal)
            response = page.goto(url)
            assert response.status == 200, f"{main.name}: {url} answered {response.status}"
            assert page.evaluate("document.documentElement.lang") == language, main.name
            for violation in axe_violations(page):
                problems.append(
                    f"{main.name} ({url}): [{violation['impact']}] {violation['id']}: "
                    f"{violation['help']} at {violation['nodes']}"
                )
            figures.add("accessibility_pages")
    finally:
        for page in contexts.values():
            page.context.close()
    assert not problems, "\n".join(problems)


def test_axe_finds_what_it_should(page):
    """The check itself works: a page with a picture without text and no language fails it."""
    page.set_content("<html><body><main><img src='/static/img/bell.svg'></main></body></html>")
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "html-has-lang"} <= found


def test_signing_in_and_editing_an_asset_with_the_keyboard_alone(page, portal):
    """Tab, type and Enter only: no mouse, no click."""
    page.goto("/accounts/login/")
    focus_on(page, "#id_username")
    page.keyboard.type("staf")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")

    page.goto(f"/library/assets/{portal.photo.pk}/edit/")
    focus_on(page, "[name=title]")
    page.keyboard.press("Control+A")
    page.keyboard.type("Rapat koordinasi (disunting dengan papan ketik)")
    focus_on(page, "[name=location]")
    page.keyboard.press("Control+A")
    page.keyboard.type("Pendopo Kabupaten")
    focus_on(page, "form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/library/assets/{portal.photo.pk}/")
    assert "disunting dengan papan ketik" in page.content()
    assert "Pendopo Kabupaten" in page.content()


def test_answering_the_survey_with_the_keyboard_alone(page, portal):
    page.goto(f"/survey/{portal.survey.slug}/")
    focus_on(page, "button[value=puas]")
    page.keyboard.press("Enter")
    page.get_by_text("Terima kasih").first.wait_for()


def focus_on(page, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus (fails if the keyboard cannot reach it)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{selector} cannot be reached with the Tab key")
