"""Reflected input: every page of the portal (the public pages and the simulator's included),
opened with hostile query parameters, never writes them back as markup or script.

The parameters are the ones pages read (search, paging, filters, ``next``, the OAuth dialogs'
``state`` and ``scope``), each holding a payload that breaks out of text, an attribute, a
``<script>`` block and a URL."""

from __future__ import annotations

import pytest
from django.test import Client

from .pages import portal_urls

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '"><svg onload=alert(1)>',
    "'><img src=x onerror=alert(2)>",
    "</script><script>alert(3)</script>",
    "javascript:alert(4)",
]
PARAMETERS = ["q", "page", "next", "status", "state", "scope", "channel", "parent", "kind", "fmt"]
NOT_WALKED = {"accounts:logout"}


def _reflections(html: str) -> list[str]:
    found = [payload for payload in PAYLOADS[:3] if payload in html]
    if 'href="javascript:' in html or 'src="javascript:' in html:
        found.append("javascript: address")
    return found


@pytest.mark.parametrize("role", ["anonymous", "editor", "kadis"])
def test_no_page_reflects_hostile_parameters(role, portal, client_for):
    client = Client() if role == "anonymous" else client_for(portal.people[role])
    problems = []
    for name, url in portal_urls(portal):
        if name in NOT_WALKED:
            continue
        for payload in PAYLOADS:
            response = client.get(url, {parameter: payload for parameter in PARAMETERS})
            if response.status_code >= 500:
                problems.append(f"{url} ({payload!r}): answered {response.status_code}")
                continue
            kind = response.get("Content-Type", "")
            if response.streaming or not kind.startswith(("text/html", "image/svg")):
                continue
            for found in _reflections(response.content.decode(errors="replace")):
                problems.append(f"{url}: reflects {found!r}")
    assert not problems, "\n".join(sorted(set(problems)))
