"""The workflow of a post (publishing.services.posts): who may do what, what is refused, and what
each step leaves on the post's timeline."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import AuditEvent
from assets.models import Asset
from assets.services import folder_create
from publishing import selectors
from publishing.models import Post, PostStatus
from publishing.services.posts import (
    post_approve,
    post_approve_many,
    post_create,
    post_delete,
    post_reject,
    post_reschedule,
    post_return,
    post_submit,
    post_update,
)
from tests.assets import media
from tests.conftest import wait_for
from tests.publishing.delivery_fixtures import MEDIA_CENTER, make_channels, photo_asset
from tests.publishing.workflow_fixtures import later

pytestmark = pytest.mark.django_db


def actions(post: Post) -> list[str]:
    return [event.action for event in selectors.post_timeline(post)]


def draft(author, channels, assets=(), **fields) -> Post:
    fields.setdefault("text", "Rapat koordinasi penanganan banjir di aula kantor bupati.")
    return post_create(
        actor=author,
        channel_ids=[c.pk for c in channels],
        asset_ids=[a.pk for a in assets],
        **fields,
    )


@pytest.fixture
def three(channels):
    return [channels["facebook"], channels["x"], channels["instagram"]]


# --- who may ------------------------------------------------------------------------------------


def test_staf_drafts_but_cannot_submit(staf, three, photo):
    post = draft(staf, three, [photo])
    assert post.status == PostStatus.DRAFT
    with pytest.raises(PermissionDenied):
        post_submit(actor=staf, post=post)
    assert Post.objects.get(pk=post.pk).status == PostStatus.DRAFT


def test_named_staff_submit_for_their_channel(staf, channels, photo):
    channels["facebook"].staff.add(staf)
    post = draft(staf, [channels["facebook"]], [photo])
    assert post_submit(actor=staf, post=post).status == PostStatus.SUBMITTED


def test_nobody_drafts_for_a_channel_of_another_division(staf_other, make_user, channels):
    with pytest.raises(ValidationError) as refused:
        draft(staf_other, [channels["facebook"]])
    assert "Media Center Bojonegoro" in str(refused.value)
    editor_piap = make_user("editor_piap", "Editor", "PIAP")
    with pytest.raises(ValidationError):
        draft(editor_piap, [channels["x"]])


def test_an_editor_of_another_division_cannot_submit_a_post_with_one_of_its_channels(
    editor, make_user, channels, photo
):
    # The post is the PKP editor's; the PIAP editor adds nothing but tries to submit it.
    post = draft(editor, [channels["x"]], [photo])
    editor_piap = make_user("editor_piap", "Editor", "PIAP")
    with pytest.raises(PermissionDenied):
        post_submit(actor=editor_piap, post=post)
    # And a post for the PIAP channel (drafted by the Kepala Dinas) is refused to the PKP editor.
    other = draft(editor_piap, [channels["pemkab_x"]])
    with pytest.raises(PermissionDenied):
        post_submit(actor=editor, post=other)


def test_only_who_may_approve_every_channel_approves(editor, staf, kadis, admin_user, three, photo):
    post = draft(editor, three, [photo], scheduled_at=later())
    post_submit(actor=editor, post=post)
    for person in (staf, editor, admin_user):
        with pytest.raises(PermissionDenied):
            post_approve(actor=person, post=post)
    # Approve rights on one of the three channels are not enough.
    assign_perm("publishing.approve_channel", editor, three[0])
    with pytest.raises(PermissionDenied):
        post_approve(actor=editor, post=post)
    assert Post.objects.get(pk=post.pk).status == PostStatus.SUBMITTED
    assert post_approve(actor=kadis, post=post).status == PostStatus.SCHEDULED


def test_approve_rights_on_every_channel_granted_one_by_one_suffice(
    editor, make_user, three, photo
):
    deputy = make_user("sekretaris", "Editor", "E-Gov")
    for channel in three:
        assign_perm("publishing.approve_channel", deputy, channel)
    post = draft(editor, three, [photo], scheduled_at=later())
    post_submit(actor=editor, post=post)
    assert post_approve(actor=deputy, post=post).approved_by == deputy


# --- what is refused ----------------------------------------------------------------------------


def test_too_long_for_x_is_refused_unless_it_becomes_a_thread(editor, channels):
    text = "Informasi layanan publik Kabupaten Bojonegoro. " * 7  # 329 characters
    post = draft(editor, [channels["x"]], text=text)
    with pytest.raises(ValidationError) as refused:
        post_submit(actor=editor, post=post)
    assert "329" in str(refused.value) and "280" in str(refused.value)
    post_update(actor=editor, post=post, thread=True)
    assert post_submit(actor=editor, post=post).status == PostStatus.SUBMITTED


def test_a_link_counts_23_on_x(editor, channels):
    link = "https://mediacenter.bojonegorokab.go.id/berita/" + "a" * 200
    post = draft(editor, [channels["x"]], text="a" * 250 + " " + link)  # 250 + 1 + 23 = 274
    assert post_submit(actor=editor, post=post).status == PostStatus.SUBMITTED


def test_a_variant_for_x_is_what_x_counts(editor, channels, photo):
    long_text = "Kegiatan pelayanan administrasi kependudukan keliling di desa. " * 6
    post = draft(
        editor,
        [channels["x"], channels["facebook"]],
        [photo],
        text=long_text,
        variants={"x": "Layanan adminduk keliling hari ini."},
    )
    assert post_submit(actor=editor, post=post).status == PostStatus.SUBMITTED


def test_instagram_needs_media_and_takes_at_most_ten(editor, channels, make_asset):
    post = draft(editor, [channels["instagram"]])
    with pytest.raises(ValidationError) as refused:
        post_submit(actor=editor, post=post)
    assert "Instagram" in str(refused.value)
    eleven = [make_asset(f"foto-{i}.jpg") for i in range(11)]
    post_update(actor=editor, post=post, asset_ids=[a.pk for a in eleven])
    with pytest.raises(ValidationError):
        post_submit(actor=editor, post=post)
    post_update(actor=editor, post=post, asset_ids=[a.pk for a in eleven[:10]])
    assert post_submit(actor=editor, post=post).status == PostStatus.SUBMITTED


def test_instagram_refuses_a_photo_too_tall(editor, channels, make_asset):
    tall = make_asset("tall.jpg", media.jpeg((400, 1000)))
    post = draft(editor, [channels["instagram"]], [tall])
    with pytest.raises(ValidationError) as refused:
        post_submit(actor=editor, post=post)
    assert "4:5" in str(refused.value)


def test_an_asset_still_processing_or_failed_is_refused(editor, channels, make_asset):
    processing = make_asset("baru.jpg", render=False)
    assert processing.status == Asset.Status.PROCESSING
    post = draft(editor, [channels["facebook"]], [processing])
    with pytest.raises(ValidationError) as refused:
        post_submit(actor=editor, post=post)
    assert processing.title in str(refused.value)
    Asset.objects.filter(pk=processing.pk).update(status=Asset.Status.FAILED)
    with pytest.raises(ValidationError):
        post_submit(actor=editor, post=post)


def test_a_schedule_in_the_past_is_refused(editor, channels, photo):
    post = draft(editor, [channels["facebook"]], [photo], scheduled_at=later(-1))
    with pytest.raises(ValidationError):
        post_submit(actor=editor, post=post)


def test_a_channel_without_a_responsible_division_is_refused(editor, kadis, channels, photo):
    post = draft(editor, [channels["facebook"]], [photo])
    channels["facebook"].responsible_division = None
    channels["facebook"].save()
    with pytest.raises(ValidationError) as refused:
        post_submit(actor=editor, post=post)
    assert channels["facebook"].name in str(refused.value)


def test_a_restricted_folders_asset_cannot_be_attached_by_who_cannot_see_it(
    editor, staf_other, kadis, channels, make_asset
):
    secret_folder = folder_create(
        actor=None, name="Arsip PIAP", division=staf_other.division, restricted=True
    )
    secret = make_asset("rahasia.jpg", user=staf_other, into=secret_folder)
    with pytest.raises(ValidationError) as refused:
        draft(editor, [channels["facebook"]], [secret])
    assert str(secret.pk) in str(refused.value)
    post = draft(kadis, [channels["facebook"]])
    with pytest.raises(ValidationError):
        post_update(actor=editor, post=post, asset_ids=[secret.pk])
    assert draft(kadis, [channels["facebook"]], [secret]).media.count() == 1


def test_reject_needs_a_comment_and_return_sends_it_back(editor, kadis, three, photo):
    post = draft(editor, three, [photo], scheduled_at=later())
    post_submit(actor=editor, post=post)
    with pytest.raises(ValidationError):
        post_reject(actor=kadis, post=post, comment="  ")
    post_return(actor=kadis, post=post, comment="Tambahkan lokasi kegiatan.")
    post = Post.objects.get(pk=post.pk)
    assert (post.status, post.review_comment) == (PostStatus.RETURNED, "Tambahkan lokasi kegiatan.")
    post_update(actor=editor, post=post, text=post.text + " Lokasi: aula kantor bupati.")
    post_submit(actor=editor, post=post)
    post_reject(actor=kadis, post=post, comment="Bukan untuk akun resmi.")
    assert Post.objects.get(pk=post.pk).status == PostStatus.REJECTED
    assert actions(post) == [
        "post.create",
        "post.submit",
        "post.return",
        "post.update",
        "post.submit",
        "post.reject",
    ]


# --- approval ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.e2e
@pytest.mark.usefixtures("delivery_worker", "use_queue")
def test_a_double_clicked_approve_publishes_once_on_each_channel(
    simulator, editor, kadis, divisions, client_for
):
    """Two approve requests of one session at the same moment (a double click): one approval,
    one set of deliveries sent by the real worker, one post on each account of the simulator."""
    live = make_channels(kadis, divisions["PKP"])
    photo = photo_asset(editor, divisions["PKP"])
    post = draft(editor, live.values(), [photo], text="Pasar murah di alun-alun Bojonegoro.")
    post_submit(actor=editor, post=post)
    first = client_for(kadis)
    second = Client()
    second.cookies = first.cookies  # the same browser, clicked twice
    clicks = threading.Barrier(2)
    answers: list[int] = []

    def click(client: Client) -> None:
        try:
            clicks.wait(timeout=10)
            answers.append(client.post(f"/publishing/posts/{post.pk}/approve/").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [302, 302]
    done = wait_for(
        lambda: (p := Post.objects.get(pk=post.pk)).status == PostStatus.PUBLISHED and p,
        timeout=60,
        message="the post was not published",
    )
    assert done.deliveries.count() == 3
    assert actions(post).count("post.approve") == 1
    assert actions(post).count("post.release") == 1
    for _driver, platform, handle, _id in MEDIA_CENTER:
        posts = [p for p in simulator.posts(platform, handle) if p["parent"] is None]
        assert [p["text"][:20] for p in posts] == ["Pasar murah di alun-"], (platform, posts)


def test_approve_many_approves_what_it_may_and_says_why_not_for_the_rest(
    editor, kadis, three, photo
):
    ready = [draft(editor, three, [photo], scheduled_at=later(3 + i)) for i in range(3)]
    for post in ready:
        post_submit(actor=editor, post=post)
    unsubmitted = draft(editor, three, [photo])
    approved, refused = post_approve_many(
        actor=kadis, post_ids=[p.pk for p in ready] + [unsubmitted.pk, 999_999]
    )
    assert {p.pk for p in approved} == {p.pk for p in ready}
    assert set(refused) == {unsubmitted.pk, 999_999}
    assert Post.objects.filter(status=PostStatus.SCHEDULED).count() == 3


def test_editing_approved_content_or_its_time_returns_it_to_approval(editor, kadis, three, photo):
    post = draft(editor, three, [photo], scheduled_at=later(5))
    post_submit(actor=editor, post=post)
    post_approve(actor=kadis, post=post)
    # The working title is the office's own: changing it keeps the approval.
    kept = post_update(actor=editor, post=post, title="Banjir")
    assert kept.status == PostStatus.SCHEDULED and kept.content_version == 1
    # The time is part of what was approved: moving the post asks for approval again.
    moved = post_reschedule(actor=editor, post=post, scheduled_at=later(24))
    assert moved.status == PostStatus.SUBMITTED and moved.approved_by is None
    assert moved.content_version == 2 and moved.approved_version == 1
    assert post_approve(actor=kadis, post=post).approved_version == 2
    changed = post_update(actor=editor, post=post, text="Teks baru tentang banjir.")
    assert changed.status == PostStatus.SUBMITTED
    assert changed.content_version == 3 and changed.approved_version == 2
    assert changed.approved_by is None
    # The Kepala Dinas approves the new version.
    assert post_approve(actor=kadis, post=post).approved_version == 3
    assert actions(post)[-5:] == [
        "post.update", "post.reschedule", "post.approve", "post.update", "post.approve"
    ]  # fmt: skip


def test_rescheduling_refuses_the_past_and_who_may_not_change(
    editor, staf_other, kadis, three, photo
):
    post = draft(editor, three, [photo], scheduled_at=later(5))
    with pytest.raises(ValidationError):
        post_reschedule(actor=editor, post=post, scheduled_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(PermissionDenied):
        post_reschedule(actor=staf_other, post=post, scheduled_at=later(6))


def test_a_draft_or_scheduled_post_is_deleted_and_the_log_keeps_it(editor, kadis, three, photo):
    post = draft(editor, three, [photo], scheduled_at=later(5))
    post_submit(actor=editor, post=post)
    post_approve(actor=kadis, post=post)
    pk = post.pk
    post_delete(actor=editor, post=post)
    assert not Post.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(object_type="publishing.post", object_id=str(pk),
                                     action="post.delete").exists()  # fmt: skip


def test_a_post_being_sent_cannot_change(editor, kadis, three, photo):
    post = draft(editor, three, [photo])
    Post.objects.filter(pk=post.pk).update(status=PostStatus.PUBLISHING)
    for call in (
        lambda: post_update(actor=editor, post=post, text="x"),
        lambda: post_reschedule(actor=editor, post=post, scheduled_at=later()),
        lambda: post_delete(actor=editor, post=post),
    ):
        with pytest.raises(ValidationError):
            call()


def test_the_approval_queue_lists_what_the_person_may_approve(editor, kadis, make_user, channels,
                                                              photo):  # fmt: skip
    mine = draft(editor, [channels["facebook"]], [photo], scheduled_at=later())
    post_submit(actor=editor, post=mine)
    deputy = make_user("sekretaris", "Editor", "E-Gov")
    assign_perm("publishing.approve_channel", deputy, channels["x"])
    assert [p.pk for p in selectors.approval_queue(user=kadis)] == [mine.pk]
    assert selectors.approval_queue(user=deputy) == []
    assert selectors.approval_queue(user=editor) == []
    assert selectors.approval_count(user=kadis) == 1
