"""One Indonesian word for a post: "publikasi". "Unggah"/"unggahan" means uploading a file to the
library and nothing else (a user met "Unggah" as the post list's column and "Unggahan" as a post
next to "Unggah" as upload)."""

import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
# Apps whose words are about posts, channels and the portal (the library's own file speaks of
# uploads, where "unggahan" is the right word).
POST_CATALOGUES = [
    ROOT / "publishing/locale/id/LC_MESSAGES/django.po",
    ROOT / "media_center/locale/id/LC_MESSAGES/django.po",
    ROOT / "accounts/locale/id/LC_MESSAGES/django.po",
]


@pytest.mark.parametrize("path", POST_CATALOGUES, ids=lambda p: p.parts[-4])
def test_posts_are_never_called_unggahan(path):
    offending = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("msgstr") and re.search(r"\bunggah", line, re.IGNORECASE)
    ]
    assert not offending, offending


def test_the_post_words_agree():
    with translation.override("id"):
        assert translation.pgettext("noun", "Post") == "Publikasi"
        assert translation.gettext("Posts") == "Publikasi"
        assert translation.gettext("New post") == "Publikasi baru"
        assert translation.gettext("Upload") == "Unggah"


def test_the_admin_speaks_as_the_portal(client_for, admin_user):
    page = client_for(admin_user).get("/admin/").content.decode()
    assert "Portal Media Center · administrasi" in page
    assert "Django administration" not in page and "Administrasi Django" not in page
