"""Uploads fuzzed with Hypothesis: random bytes, real file headers with damaged bodies, and
random file names, through the API and through the upload form. No answer is a server error,
and a refused upload leaves nothing behind: no asset, no file in storage, no staging file."""

from __future__ import annotations

import functools
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assets.models import Asset
from tests import figures
from tests.assets import media

from .test_storage import library_files, staging_files

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 300


@functools.cache
def real_files() -> dict[str, bytes]:
    """One small file of every accepted kind, and a few that must be refused."""
    return {
        "jpg": media.jpeg((24, 18)),
        "png": media.png((20, 10)),
        "webp": media.webp((20, 10)),
        "pdf": media.pdf(1),
        "mp4": media.mp4(0.2),
        "webm": media.webm(0.2),
        "wav": media.wav(0.05),
        "mp3": media.mp3(0.1),
        "docx": media.office("docx"),
        "zip": media.plain_zip(),
        "svg": media.SVG_WITH_SCRIPT,
        "html": media.HTML,
    }


@st.composite
def damaged(draw) -> bytes:
    """A real file's first bytes (so it is taken for what it claims) with a damaged body."""
    data = bytearray(real_files()[draw(st.sampled_from(sorted(real_files())))])
    how = draw(st.sampled_from(["truncate", "flip", "splice", "append", "as_is"]))
    keep = min(len(data), draw(st.integers(4, 64)))
    if how == "truncate":
        return bytes(data[: draw(st.integers(keep, len(data)))])
    if how == "flip":
        rng = random.Random(draw(st.integers(0, 2**32)))
        for _ in range(draw(st.integers(1, 40))):
            position = rng.randrange(keep, len(data)) if len(data) > keep else keep - 1
            data[position] = rng.randrange(256)
        return bytes(data)
    if how == "splice":
        start = draw(st.integers(keep, len(data)))
        return bytes(data[:start]) + draw(st.binary(max_size=512)) + bytes(data[start:])
    if how == "append":
        return bytes(data) + draw(st.binary(min_size=1, max_size=512))
    return bytes(data)


contents = st.one_of(st.binary(max_size=2048), damaged())
extensions = st.sampled_from(
    ["", ".jpg", ".JPG", ".png", ".pdf", ".mp4", ".docx", ".php", ".svg", ".html", ".jpg.exe"]
)
names = st.builds(
    lambda stem, extension: stem + extension,
    st.text(
        st.characters(codec="utf-8", exclude_characters="\x00"),
        max_size=300,
    ),
    extensions,
)


def _upload(client, channel: str, folder: int, name: str, data: bytes):
    upload = SimpleUploadedFile(name or "tanpa-nama", data)
    if channel == "api":
        return client.post("/api/v1/assets/", {"folder": folder, "file": upload})
    return client.post("/library/upload/", {"folder": folder, "file": upload})


def test_fuzzed_uploads_never_break_and_leave_nothing_when_refused(portal, client_for, staf):
    client = client_for(staf)
    folder = portal.open_folder.pk
    ran = 0

    @seed(8)
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=contents, name=names, channel=st.sampled_from(["api", "form"]))
    def upload(data, name, channel):
        nonlocal ran
        ran += 1
        files, staging, rows = library_files(), staging_files(), Asset.objects.count()
        response = _upload(client, channel, folder, name, data)
        assert response.status_code < 500, (response.status_code, name, data[:40])
        created = response.status_code == 201 or (
            channel == "form"
            and response.status_code == 302
            and "/library/assets/" in response["Location"]
            and Asset.objects.count() > rows
        )
        if channel == "api":
            assert response.status_code in {201, 400, 409}, response.content[:300]
        assert staging_files() == staging
        if created:
            assert Asset.objects.count() == rows + 1
            asset = Asset.objects.order_by("-pk").first()
            assert library_files() == files | {asset.file.name}
            assert "/" not in asset.original_name and "\\" not in asset.original_name
        else:
            assert Asset.objects.count() == rows
            assert library_files() == files

    upload()
    figures.add("upload_fuzz_cases", ran)
