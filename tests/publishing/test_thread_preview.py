"""With "split into a thread on X" ticked, the composer's preview shows the thread as the X
driver will post it: part by part, each with its count, and no "400 of 280" in red."""

import re
from html import unescape

import pytest

from publishing.drivers.types import PostPayload
from publishing.drivers.x import XDriver

pytestmark = pytest.mark.django_db

TEXT = " ".join(
    f"Kalimat ke-{n} tentang pelayanan publik di Kabupaten Bojonegoro yang terus ditingkatkan."
    for n in range(1, 8)
)


def preview(client, channel, thread: bool) -> str:
    data = {"text": TEXT, "channels": [channel.pk]}
    if thread:
        data["thread"] = "on"
    return client.post("/publishing/compose/checks/", data).content.decode()


def test_the_preview_shows_each_part_of_the_thread_as_the_driver_splits_it(
    client_for, editor, channels
):
    client = client_for(editor)
    html = preview(client, channels["x"], thread=True)
    parts = [
        unescape(re.sub(r"<br>", "\n", body)).strip()
        for body in re.findall(
            r'<li class="preview-part">\s*<div class="preview-text">(.*?)</div>', html, re.S
        )
    ]
    expected = XDriver().posts_for(PostPayload(text=TEXT, thread=True))
    assert len(expected) > 1 and parts == expected
    counts = re.findall(r'<p class="preview-count( over)?">(\d+) dari 280', html)
    assert len(counts) == len(expected)
    assert all(not over and int(n) <= 280 for over, n in counts), counts
    assert "bagian" in html  # "Dikirim sebagai utas 3 bagian"
    assert 'class="preview-count over"' not in html


def test_without_the_thread_the_length_is_one_post_over_the_limit(client_for, editor, channels):
    html = preview(client_for(editor), channels["x"], thread=False)
    assert "preview-part" not in html
    assert 'class="preview-count over"' in html
