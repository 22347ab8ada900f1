"""What the workflow tells people: the approvers hear of a post waiting for them, the author of a
post rejected or sent back, with the reviewer's comment (in the portal, in their language, and by
email)."""

from __future__ import annotations

import pytest
from django.core import mail
from guardian.shortcuts import assign_perm

from accounts.models import Notification
from publishing.services.posts import post_create, post_reject, post_return, post_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(editor, channels, photo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = post_create(
            actor=editor,
            title="Rapat banjir",
            text="Rapat koordinasi penanganan banjir di aula kantor bupati.",
            channel_ids=[channels["facebook"].pk, channels["x"].pk, channels["instagram"].pk],
            asset_ids=[photo.pk],
        )
        return post_submit(actor=editor, post=post)


def notifications_page(client) -> str:
    return client.get("/accounts/notifications/").content.decode()


def test_the_kepala_dinas_hears_of_a_post_waiting_for_approval(
    submitted, kadis, editor, staf, client_for
):
    note = Notification.objects.get(recipient=kadis, kind="post.submitted")
    assert note.url == "/publishing/approvals/"
    page = notifications_page(client_for(kadis))
    assert "Rina Wulandari mengajukan publikasi “Rapat banjir”" in page
    # By email too, once; the author and other staff hear nothing of their own submission.
    assert [m.to for m in mail.outbox] == [[kadis.email]]
    assert not Notification.objects.filter(recipient__in=[editor, staf]).exists()


def test_whoever_may_approve_every_channel_is_told_too(editor, make_user, channels, photo, kadis):
    deputy = make_user("sekretaris", "Editor", "E-Gov")
    partial = make_user("kasubag", "Editor", "E-Gov")
    for channel in (channels["facebook"], channels["x"]):
        assign_perm("publishing.approve_channel", deputy, channel)
    assign_perm("publishing.approve_channel", partial, channels["x"])
    post = post_create(
        actor=editor,
        text="Pelayanan KTP keliling di Kecamatan Dander.",
        channel_ids=[channels["facebook"].pk, channels["x"].pk],
    )
    post_submit(actor=editor, post=post)
    told = set(
        Notification.objects.filter(kind="post.submitted").values_list("recipient", flat=True)
    )
    # Approve rights on one channel of two would not let them approve: they are not told.
    assert told == {kadis.pk, deputy.pk}


def test_the_author_is_told_of_a_rejection_with_the_comment(
    submitted, kadis, editor, client_for, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_reject(actor=kadis, post=submitted, comment="Fotonya bukan dari kegiatan ini.")
    note = Notification.objects.get(recipient=editor, kind="post.rejected")
    assert note.url == f"/publishing/posts/{submitted.pk}/"
    page = notifications_page(client_for(editor))
    assert "Ahmad Hidayat menolak publikasi Anda “Rapat banjir”" in page
    assert "Fotonya bukan dari kegiatan ini." in page
    assert [m.to for m in mail.outbox] == [[editor.email]]
    assert "Fotonya bukan dari kegiatan ini." in mail.outbox[0].body


def test_the_author_is_told_of_a_return_each_time_with_the_comment(
    submitted, kadis, editor, client_for
):
    post_return(actor=kadis, post=submitted, comment="Tambahkan jam acara.")
    post_submit(actor=editor, post=submitted)
    post_return(actor=kadis, post=submitted, comment="Sebutkan tempatnya.")
    notes = Notification.objects.filter(recipient=editor, kind="post.returned")
    assert notes.count() == 2
    page = notifications_page(client_for(editor))
    assert "Tambahkan jam acara." in page and "Sebutkan tempatnya." in page
    assert "mengembalikan publikasi Anda “Rapat banjir” untuk diperbaiki" in page
    # Each submission is news again for the Kepala Dinas.
    assert Notification.objects.filter(recipient=kadis, kind="post.submitted").count() == 2


def test_in_english_for_who_reads_in_english(submitted, kadis, editor, client_for):
    post_return(actor=kadis, post=submitted)
    client = client_for(editor)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = notifications_page(client)
    assert "Ahmad Hidayat sent your post “Rapat banjir” back for changes: —" in page
