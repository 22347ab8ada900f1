"""The attack of the anonymous HTML file, in a real browser: a signed-in Kepala Dinas opens the
simulator's media address of a page that would read his profile and mint an API token. The
upload is refused now (tests/security/test_simulator_lockdown.py); this checks the second
wall: media kept before the checks, or bytes that lie about their type, never run as a page on
the portal's origin (nosniff, the stored type or a download, a sandboxing CSP)."""

import pytest
from django.core.files.base import ContentFile
from rest_framework.authtoken.models import Token

from publishing.simulator import services
from publishing.simulator.models import Account, Media
from tests.browser.test_publishing import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# As the attacker did it: the script as one file (``script-src 'self'`` lets a same-origin
# script through), the page that loads it as another.
SCRIPT = (
    b"fetch('/accounts/profile/').then(r => r.text()).then(t => {"
    b'const c = t.match(/csrfmiddlewaretoken" value="([^"]+)/)[1];'
    b"return fetch('/accounts/profile/', {method: 'POST', body: new URLSearchParams("
    b"{csrfmiddlewaretoken: c, action: 'create_token'})});"
    b"}).then(() => { document.title = 'minted'; });"
)


def _kept(mime: str, data: bytes, name: str) -> Media:
    services.seed_accounts()
    account = Account.objects.get(platform="facebook", handle="MediaCenterBJN")
    media = Media(account=account, kind="image", mime_type=mime, size=len(data))
    media.file.save(name, ContentFile(data), save=False)
    media.save()
    return media


@pytest.mark.parametrize("mime", ["text/html", "image/jpeg"])
def test_a_page_among_the_media_runs_nothing_for_the_kepala_dinas(page, kadis, mime):
    sign_in(page, kadis, second_factor=True)
    script = _kept("application/javascript", SCRIPT, "skrip.js")
    html = f"<!doctype html><h1 id=owned>owned</h1><script src=/simulator/_media/{script.pk}>"
    media = _kept(mime, html.encode() + b"</script>", "halaman.html")
    try:
        page.goto(f"/simulator/_media/{media.pk}")
    except Exception as error:  # a download, not a page: the browser stops the navigation
        assert "Download is starting" in str(error)
    else:
        page.wait_for_timeout(2000)
        assert page.title() != "minted"
        assert page.locator("#owned").count() == 0
    assert not Token.objects.filter(user=kadis).exists()
