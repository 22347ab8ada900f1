"""Every page of the portal, as every role: strict CSP without inline code, the other security
headers, and frames allowed only for the survey widget on the listed sites."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import figures
from tests.portal_data import EMBED_ORIGIN

from .pages import csp_directives, inline_code, missing_arguments, portal_urls

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staf", "staf_other", "editor", "kadis", "admin"]
FRAMABLE = {"media_center:survey_embed"}


def test_every_address_with_arguments_has_examples():
    """A new page whose address names an object must give example arguments in pages.py."""
    assert not missing_arguments(), (
        "add example arguments to tests/security/pages.py URL_ARGUMENTS for: "
        + ", ".join(missing_arguments())
    )


def check_headers(name: str, url: str, response) -> list[str]:
    problems = []
    where = f"{url} ({response.status_code})"
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options is not nosniff")
    if response.get("Referrer-Policy") != "same-origin":
        problems.append(f"{where}: Referrer-Policy is {response.get('Referrer-Policy')!r}")
    if response.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append(f"{where}: Cross-Origin-Opener-Policy is not same-origin")
    policy = response.get("Permissions-Policy", "")
    if not all(f"{feature}=()" in policy for feature in ("camera", "microphone", "geolocation")):
        problems.append(f"{where}: Permissions-Policy is {policy!r}")
    html = response.get("Content-Type", "").startswith("text/html")
    csp = response.get("Content-Security-Policy")
    if csp is None:
        if html:
            problems.append(f"{where}: no Content-Security-Policy")
        return problems
    directives = csp_directives(csp)
    scripts = directives.get("script-src", directives.get("default-src", []))
    if "sandbox" not in directives:
        for word in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
            if word in scripts:
                problems.append(f"{where}: script-src allows {word}")
        if directives.get("object-src") != ["'none'"]:
            problems.append(f"{where}: object-src is not 'none'")
        if "'unsafe-inline'" in directives.get("style-src", []):
            problems.append(f"{where}: style-src allows 'unsafe-inline'")
    ancestors = directives.get("frame-ancestors")
    if name in FRAMABLE and response.status_code == 200:
        if ancestors != ["'self'", EMBED_ORIGIN]:
            problems.append(f"{where}: the widget may be framed by {ancestors}")
        if "X-Frame-Options" in response:
            problems.append(f"{where}: the widget carries X-Frame-Options")
    elif html:
        if ancestors != ["'none'"]:
            problems.append(f"{where}: frame-ancestors is {ancestors}")
        if response.get("X-Frame-Options") != "DENY":
            problems.append(f"{where}: X-Frame-Options is {response.get('X-Frame-Options')!r}")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_strict_headers_and_no_inline_code(role, portal, client_for):
    client = Client() if role == "anonymous" else client_for(portal.people[role])
    problems: list[str] = []
    urls = portal_urls(portal)
    for name, url in urls:
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"{url}: answered {response.status_code}")
        problems += check_headers(name, url, response)
        if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
            problems += [f"{url}: {finding}" for finding in inline_code(response.content.decode())]
    figures.add("pages", len(urls))
    if role == "anonymous":
        figures.add("page_addresses", len(urls))
    assert not problems, "\n".join(problems)


def test_the_widget_frame_follows_the_list_of_sites(
    portal, editor, django_capture_on_commit_callbacks
):
    from media_center.services import embed_site_remove

    url = f"/survey/{portal.survey.slug}/embed/"
    assert Client().get(url)["Content-Security-Policy"].count(EMBED_ORIGIN) == 1
    with django_capture_on_commit_callbacks(execute=True):
        embed_site_remove(actor=editor, site=portal.embed_site)
    policy = csp_directives(Client().get(url)["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'self'"]


def test_the_inline_code_finder_sees_what_the_policy_would_block():
    html = (
        '<p style="color:red">a</p><script>alert(1)</script>'
        '<script type="application/json" id="d">{"a": 1}</script><script src="/static/x.js"></script>'
        '<a href="javascript:void(0)" onclick="go()">b</a><button hx-on:click="x()">c</button>'
        '<script src="https://cdn.example.com/lib.js"></script><style>p{}</style>'
    )
    found = {finding.what for finding in inline_code(html)}
    assert found == {
        "style attribute",
        "inline <script>",
        "javascript: address in href",
        "inline event handler onclick=",
        "htmx handler hx-on:click (evaluated code)",
        "script from another site",
        "inline <style> block",
    }


def test_the_admin_pages_follow_the_same_rules(portal, client_for, admin_user):
    """The Django admin (people, divisions, themes) as the Admin uses it."""
    from django.contrib import admin
    from django.urls import reverse

    client = client_for(admin_user)
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{prefix}_change", args=[first.pk]))
    problems = []
    for url in urls:
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"{url}: answered {response.status_code}")
        problems += check_headers("admin", url, response)
        if response.status_code == 200:
            problems += [f"{url}: {finding}" for finding in inline_code(response.content.decode())]
    figures.add("pages", len(urls))
    assert not problems, "\n".join(problems)


def test_production_redirects_to_https_and_sends_hsts(tmp_path):
    """With the production settings (DEBUG off), in a fresh process as the portal starts."""
    from tests.config.test_settings import PRODUCTION, run_django

    code = (
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='portal.example.go.id')\n"
        "plain = client.get('/api/schema/')\n"
        "secure = client.get('/api/schema/', secure=True)\n"
        "print(plain.status_code, plain['Location'])\n"
        "print(secure['Strict-Transport-Security'])\n"
        "print(secure['X-Content-Type-Options'], secure['Referrer-Policy'])\n"
        "print(secure['Cross-Origin-Opener-Policy'], secure['Permissions-Policy'])\n"
    )
    result = run_django(code, PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    redirect, hsts, basics, opener = result.stdout.strip().splitlines()
    assert redirect == "301 https://portal.example.go.id/api/schema/"
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert basics == "nosniff same-origin"
    assert opener.startswith("same-origin camera=()")
