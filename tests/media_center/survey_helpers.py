"""Helpers for the survey tests: a member of the public with their own browser."""

from __future__ import annotations

import re

from django.test import Client

from media_center.services import survey_create

TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


def make_survey(actor, **kwargs):
    kwargs.setdefault("slug", "layanan")
    return survey_create(actor=actor, **kwargs)


class Visitor:
    """One person: a browser with its own cookies, address and user agent."""

    def __init__(
        self, address: str = "10.0.0.1", agent: str = "Mozilla/5.0 (Android 14) Chrome/131"
    ):
        self.client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)

    def open(self, slug: str) -> str:
        page = self.client.get(f"/survey/{slug}/")
        assert page.status_code == 200, page.status_code
        match = TOKEN_RE.search(page.content.decode())
        assert match, "the page offers no vote form"
        return match.group(1)

    def vote(self, slug: str, answer: str, token: str | None = None, **extra):
        token = token if token is not None else self.open(slug)
        return self.client.post(
            f"/survey/{slug}/vote/",
            {"answer": answer, "token": token},
            content_type="application/json",
            HTTP_ACCEPT="application/json",
            **extra,
        )
