"""Every event the portal records reads in words (Indonesian and English), links to what it is
about when the reader may open it, and automatic work is done by "Sistem"."""

import re
from pathlib import Path

import pytest
from django.utils import translation

from accounts.events import EVENT_LABELS, event_label
from accounts.services import audit_record
from publishing.services.posts import post_create, post_submit
from tests.publishing.workflow_fixtures import later

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "assets", "publishing", "media_center")


@pytest.fixture
def submitted(editor, channels, photo):
    post = post_create(
        actor=editor,
        text="Rapat koordinasi penanganan banjir.",
        channel_ids=[channels["facebook"].pk, channels["x"].pk],
        asset_ids=[photo.pk],
        scheduled_at=later(3),
    )
    return post_submit(actor=editor, post=post)


def recorded_actions() -> set[str]:
    """Every action the code can record: the literal ones on a line that names the action
    (``action="folder.restrict" if restricted else "folder.open"``), and the post's final states
    (``action=f"post.{post.status}"``)."""
    found = {"post.published", "post.partly_published", "post.failed"}
    quoted = re.compile(r'"([a-z_]+\.[a-z_]+)"')
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "events.py":
                continue
            for line in path.read_text().splitlines():
                if re.search(r"\baction\s*=", line):
                    found.update(quoted.findall(line))
    return found


def test_every_recorded_action_has_a_label_in_both_languages():
    actions = recorded_actions()
    assert {"delivery.published", "credential.use", "post.release"} <= actions
    missing = sorted(a for a in actions if a not in EVENT_LABELS)
    assert not missing, missing
    for action in EVENT_LABELS:
        with translation.override("en"):
            english = event_label(action)
        with translation.override("id"):
            indonesian = event_label(action)
        assert english and "." not in english, action
        assert indonesian != english or english in {"Online"}, (action, english)


def test_the_audit_list_names_the_system_and_links_the_post(
    client_for, kadis, admin_user, submitted
):
    audit_record(actor=None, action="delivery.published", target=submitted,
                 details={"delivery": 1, "channel": "Facebook Page · MediaCenterBJN"})  # fmt: skip
    page = client_for(kadis).get("/accounts/audit/").content.decode()
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "delivery.published" not in rows and "Terbit" in rows
    assert ">Sistem<" in rows
    assert f'href="/publishing/posts/{submitted.pk}/"' in rows
    # The Admin reads the log but may not open the vault: no link that would answer "not
    # allowed".
    credential = audit_record(actor=None, action="credential.use", target=kadis)
    credential.object_type, credential.object_id = "accounts.credential", "1"
    from accounts.events import event_link

    assert event_link(credential, kadis) == "/accounts/vault/1/"
    assert event_link(credential, admin_user) is None


def test_the_post_timeline_reads_in_words(client_for, editor, submitted):
    audit_record(actor=None, action="post.release", target=submitted, details={"deliveries": 1})
    audit_record(actor=None, action="delivery.published", target=submitted,
                 details={"delivery": 1, "channel": "X · @mediacenterBJN",
                          "permalink": "https://x.com/mediacenterBJN/status/1"})  # fmt: skip
    page = client_for(editor).get(f"/publishing/posts/{submitted.pk}/").content.decode()
    timeline = page.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "delivery.published" not in timeline and "post.release" not in timeline
    assert "Dikirim ke platform" in timeline or "platform" in timeline
    assert "X · @mediacenterBJN" in timeline
    assert 'href="https://x.com/mediacenterBJN/status/1"' in timeline
    assert "Sistem" in timeline and "portal" not in timeline.lower().replace("portal media", "")
