"""What the Kepala Dinas approved is what goes out.

Before, an Editor could tick "show on the public pages" on an approved post (the composer, the
API) and it stayed approved: the post appeared on the public pages without anyone approving that.
Now every change of what the public or a platform sees, its time included, sends an approved or
scheduled post back to approval, recorded in the audit log; a post being sent cannot change.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from publishing.models import Post, PostStatus
from publishing.services.posts import (
    post_approve,
    post_create,
    post_reschedule,
    post_submit,
    post_update,
)
from tests.publishing.workflow_fixtures import (  # noqa: F401 - fixtures
    channels,
    later,
    library_folder,
    make_asset,
    photo,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(editor, kadis, channels, photo) -> Post:  # noqa: F811 - fixtures
    post = post_create(
        actor=editor,
        text="Rapat koordinasi penanganan banjir di aula kantor bupati.",
        channel_ids=[channels["facebook"].pk],
        asset_ids=[photo.pk],
        scheduled_at=later(5),
    )
    post_submit(actor=editor, post=post)
    post = post_approve(actor=kadis, post=post)
    assert post.status == PostStatus.SCHEDULED
    return post


def _last_update(post: Post) -> dict:
    event = (
        AuditEvent.objects.filter(object_type="publishing.post", object_id=str(post.pk))
        .exclude(action="post.approve")
        .latest("id")
    )
    return event.details


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"is_public": True}, "is_public"),
        ({"text": "Teks lain."}, "text"),
        ({"link": "https://example.go.id/x"}, "link"),
        ({"first_comment": "Komentar"}, "first_comment"),
        ({"thread": True}, "thread"),
        ({"variants": {"facebook": "Khusus Facebook"}}, "variants"),
        ({"asset_ids": []}, "media"),
        ({"scheduled_at": "later"}, "scheduled_at"),
    ],
)
def test_each_public_change_sends_an_approved_post_back(editor, approved, change, field):
    if change.get("scheduled_at") == "later":
        change = {"scheduled_at": later(30)}
    post = post_update(actor=editor, post=approved, **change)
    assert post.status == PostStatus.SUBMITTED
    assert post.approved_by is None and post.content_version == 2
    details = _last_update(post)
    assert details["back_to_approval"] is True and field in details["changed"]


def test_the_working_title_alone_keeps_the_approval(editor, kadis, approved):
    post = post_update(actor=editor, post=approved, title="Judul kerja baru")
    assert post.status == PostStatus.SCHEDULED and post.approved_by == kadis
    assert post.content_version == 1


def test_rescheduling_an_approved_post_asks_for_approval_again(editor, kadis, approved):
    post = post_reschedule(actor=editor, post=approved, scheduled_at=later(48))
    assert post.status == PostStatus.SUBMITTED and post.approved_by is None
    assert _last_update(post)["back_to_approval"] is True
    assert post_approve(actor=kadis, post=post).status == PostStatus.SCHEDULED


def test_the_composer_cannot_make_an_approved_post_public(client_for, editor, approved):
    client = client_for(editor)
    form = {
        "text": approved.text,
        "channels": [c.pk for c in approved.channels.all()],
        "assets": [m.asset_id for m in approved.media.all()],
        "scheduled_at": timezone.localtime(approved.scheduled_at).strftime("%Y-%m-%dT%H:%M"),
        "is_public": "on",
    }
    client.post(f"/publishing/posts/{approved.pk}/edit/", form)
    post = Post.objects.get(pk=approved.pk)
    assert post.is_public is True
    assert post.status == PostStatus.SUBMITTED and post.approved_version == 1


def test_the_api_cannot_make_an_approved_post_public(client_for, editor, approved):
    client = client_for(editor)
    answer = client.patch(
        f"/api/v1/posts/{approved.pk}/",
        json.dumps({"is_public": True}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == PostStatus.SUBMITTED
    post = Post.objects.get(pk=approved.pk)
    assert post.status == PostStatus.SUBMITTED and post.approved_by is None


def test_a_post_being_sent_refuses_any_change(editor, approved):
    Post.objects.filter(pk=approved.pk).update(status=PostStatus.PUBLISHING)
    with pytest.raises(ValidationError):
        post_update(actor=editor, post=approved, is_public=True)
    with pytest.raises(ValidationError):
        post_reschedule(actor=editor, post=approved, scheduled_at=later(9))
    assert Post.objects.get(pk=approved.pk).is_public is False
