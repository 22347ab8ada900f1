"""The survey widget in Chromium: on the public page, and embedded in another site."""

import functools
import http.server
import threading

import pytest

from media_center.models import Vote
from media_center.services import embed_site_add, vote_cast
from tests.media_center.survey_helpers import make_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def survey(kadis):
    survey = make_survey(kadis, featured=True)
    for number, answer in enumerate(["sangat_puas", "sangat_puas", "tidak_puas"]):
        vote_cast(survey=survey, answer=answer, client=f"c{number}", voter_id=f"v{number:020d}")
    return survey


@pytest.fixture
def other_site(tmp_path):
    """A plain static site on another origin (a second local port), like a village's website."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return errors


def test_a_visitor_votes_puas_and_sees_the_percentages_update(phone_page, survey):
    page = phone_page
    errors = _csp_errors(page)
    page.goto("/")
    widget = page.locator(".pmc-survey")
    widget.scroll_into_view_if_needed()
    assert widget.get_by_role("heading").inner_text() == survey.question
    assert not widget.locator(".pmc-results").is_visible()  # results come after the answer
    widget.get_by_role("button", name="Puas", exact=True).click()
    summary = widget.locator(".pmc-summary")
    summary.wait_for()
    assert summary.inner_text() == "Sangat Puas 50 % | Puas 25 % | Cukup Puas 0 % | Tidak Puas 25 %"
    assert widget.locator(".pmc-total").inner_text() == "4 jawaban"
    assert "Terima kasih" in widget.locator(".pmc-status").inner_text()
    assert page.url.endswith("/")  # no page load: the widget updated in place
    assert Vote.objects.filter(answer="puas").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # After a reload the widget remembers the vote and shows the results, not the buttons.
    page.reload()
    assert page.locator(".pmc-survey .pmc-summary").is_visible()
    assert page.get_by_role("button", name="Puas", exact=True).count() == 0
    assert errors == []


def test_the_embed_snippet_works_on_another_origin(page, live_server, survey, kadis, other_site):
    folder, origin = other_site
    script = f'<script src="{live_server.url}/survey/{survey.slug}/embed.js" async></script>'
    iframe = f'<iframe src="{live_server.url}/survey/{survey.slug}/embed/" title="Survei" width="100%" height="330"></iframe>'
    (folder / "script.html").write_text(
        f'<!doctype html><html lang="id"><body><h1>Situs Desa</h1>{script}</body></html>'
    )
    (folder / "frame.html").write_text(
        f'<!doctype html><html lang="id"><body><h1>Situs Desa</h1>{iframe}</body></html>'
    )

    # Not on the list yet: the script only offers a link, the frame is refused by the browser.
    page.goto(f"{origin}/script.html")
    page.get_by_role("link", name="Isi survei kepuasan").wait_for()
    assert page.get_by_role("button", name="Puas", exact=True).count() == 0

    embed_site_add(actor=kadis, origin=origin)

    page.goto(f"{origin}/script.html")
    host = page.locator(".pmc-survey-embed")
    host.get_by_role("heading", name=survey.question).wait_for()  # drawn in the shadow DOM
    assert page.evaluate("document.querySelector('.pmc-survey-embed').shadowRoot !== null")
    host.get_by_role("button", name="Puas", exact=True).click()
    summary = host.locator(".pmc-summary")
    summary.wait_for()
    assert summary.inner_text() == "Sangat Puas 50 % | Puas 25 % | Cukup Puas 0 % | Tidak Puas 25 %"
    vote = Vote.objects.get(answer="puas")
    assert vote.site == origin

    # The same person in the frame is recognised (here by address and browser: the frame is
    # cross-site, so the browser keeps its Lax cookie back) and politely told so.
    page.goto(f"{origin}/frame.html")
    frame = page.frame_locator("iframe")
    frame.get_by_role("heading", name=survey.question).wait_for()
    frame.get_by_role("button", name="Sangat Puas").click()
    frame.locator(".pmc-status").wait_for()
    assert "sudah menjawab" in frame.locator(".pmc-status").inner_text()
    assert Vote.objects.count() == 4

    # Someone else, with another browser, votes in the frame.
    other = page.context.browser.new_context(user_agent="Mozilla/5.0 (iPhone) Safari/605")
    try:
        neighbour = other.new_page()
        neighbour.goto(f"{origin}/frame.html")
        frame = neighbour.frame_locator("iframe")
        frame.get_by_role("button", name="Sangat Puas").click()
        frame.locator(".pmc-summary").wait_for()
        assert "Sangat Puas 60 %" in frame.locator(".pmc-summary").inner_text()
    finally:
        other.close()
    assert Vote.objects.count() == 5
