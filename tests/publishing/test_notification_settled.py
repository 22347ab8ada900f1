"""A "waiting for approval" notification stops being new once the post is approved, returned or
rejected: the bell no longer counts it for anyone it was sent to."""

from __future__ import annotations

import pytest

from accounts.models import Notification
from accounts.selectors import unread_notification_count
from publishing.services.posts import (
    post_approve,
    post_create,
    post_reject,
    post_submit,
)

pytestmark = pytest.mark.django_db


def submit(editor, channels, photo):
    post = post_create(
        actor=editor,
        text="Rapat koordinasi penanganan banjir di aula kantor bupati.",
        channel_ids=[channels["facebook"].pk, channels["x"].pk],
        asset_ids=[photo.pk],
    )
    return post_submit(actor=editor, post=post)


def test_approval_settles_the_approvers_notification(editor, kadis, channels, photo):
    post = submit(editor, channels, photo)
    assert unread_notification_count(kadis) == 1
    post_approve(actor=kadis, post=post)
    assert unread_notification_count(kadis) == 0
    # The notifications page marks "Baru" (new) only what is unread.
    assert Notification.objects.get(recipient=kadis).read_at is not None


def test_a_rejection_settles_it_too_and_only_for_that_post(editor, kadis, channels, photo):
    first = submit(editor, channels, photo)
    second = post_create(actor=editor, text="Lain", channel_ids=[channels["facebook"].pk])
    post_submit(actor=editor, post=second)
    post_reject(actor=kadis, post=first, comment="Foto kurang jelas.")
    unread = Notification.objects.filter(recipient=kadis, read_at__isnull=True)
    assert [n.key.split(":")[1] for n in unread] == [str(second.pk)]
