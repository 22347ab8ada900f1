"""The publishing pages through the test client, as each role sees them: composer (with its live
checks, picker and previews), post page, approval queue and calendar."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from publishing.models import Post, PostStatus
from publishing.services.posts import post_approve, post_create, post_submit
from tests.publishing.workflow_fixtures import later

pytestmark = pytest.mark.django_db


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def submitted(editor, channels, photo):
    post = post_create(
        actor=editor,
        text="Rapat koordinasi penanganan banjir.",
        channel_ids=[channels["facebook"].pk, channels["x"].pk, channels["instagram"].pk],
        asset_ids=[photo.pk],
        scheduled_at=later(3),
    )
    return post_submit(actor=editor, post=post)


def test_the_library_hands_its_assets_to_the_composer(client_for, editor, photo, channels):
    page = client_for(editor).get(f"/publishing/compose/?assets={photo.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'name="assets" value="{photo.pk}"' in html and "checked" in html
    # Channels grouped by account group; only those the editor may write for.
    assert "Media Center" in html and "mediacenterBJN" in html
    assert "bojonegorokab" not in html


def test_compose_save_and_submit(client_for, editor, photo, channels):
    client = client_for(editor)
    response = client.post(
        "/publishing/compose/",
        {
            "title": "Banjir",
            "text": "Rapat koordinasi penanganan banjir.",
            "variant_x": "Rapat banjir hari ini.",
            "assets": [photo.pk],
            "channels": [channels["facebook"].pk, channels["x"].pk, channels["instagram"].pk],
            "scheduled_at": local(later(5)),
            "action": "submit",
        },
    )
    post = Post.objects.get(title="Banjir")
    assert response.status_code == 302 and response.url == f"/publishing/posts/{post.pk}/"
    assert post.status == PostStatus.SUBMITTED
    assert post.text_for("x") == "Rapat banjir hari ini."
    page = client.get(response.url).content.decode()
    assert "Menunggu persetujuan" in page  # the status, in Indonesian
    assert "Diajukan untuk persetujuan" in page  # the timeline


def test_submitting_a_bad_post_keeps_it_as_a_draft_and_says_why(client_for, editor, channels):
    client = client_for(editor)
    response = client.post(
        "/publishing/compose/",
        {"text": "Tanpa foto", "channels": [channels["instagram"].pk], "action": "submit"},
        follow=True,
    )
    assert Post.objects.get().status == PostStatus.DRAFT
    assert "Instagram" in response.content.decode()


def test_live_checks_count_x_and_show_a_preview_per_channel(client_for, staf, channels, photo):
    client = client_for(staf)
    long_text = "Informasi layanan publik Kabupaten Bojonegoro. " * 7
    answer = client.post(
        "/publishing/compose/checks/",
        {"text": long_text, "channels": [channels["x"].pk, channels["instagram"].pk]},
    )
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "328" in html and "280" in html  # X's count (the form trims the last space)
    assert "Instagram" in html and f'data-channel="{channels["instagram"].pk}"' in html
    with_photo = client.post(
        "/publishing/compose/checks/",
        {"text": "Singkat.", "channels": [channels["instagram"].pk], "assets": [photo.pk]},
    ).content.decode()
    assert "<img" in with_photo and "check-problems" not in with_photo


def test_the_picker_searches_the_library(client_for, staf, make_asset):
    make_asset("pasar.jpg", title="Pasar murah Ramadan")
    make_asset("jalan.jpg", title="Perbaikan jalan desa")
    html = client_for(staf).get("/publishing/compose/assets/?q=pasar").content.decode()
    assert "Pasar murah Ramadan" in html and "Perbaikan jalan" not in html


def test_the_approval_queue_is_the_head_s(client_for, kadis, editor, staf, submitted):
    page = client_for(kadis).get("/publishing/approvals/")
    assert page.status_code == 200 and submitted.display_title in page.content.decode()
    for person in (editor, staf):
        assert client_for(person).get("/publishing/approvals/").status_code == 403


def test_approve_many_from_the_queue(client_for, kadis, submitted):
    client = client_for(kadis)
    client.post("/publishing/approvals/approve/", {"ids": [submitted.pk]})
    assert Post.objects.get(pk=submitted.pk).status == PostStatus.SCHEDULED
    assert submitted.display_title not in client.get("/publishing/approvals/").content.decode()


def test_an_editor_cannot_approve_through_the_page(client_for, editor, submitted):
    response = client_for(editor).post(f"/publishing/posts/{submitted.pk}/approve/", follow=True)
    assert Post.objects.get(pk=submitted.pk).status == PostStatus.SUBMITTED
    assert response.status_code == 403


def test_reject_from_the_post_page_needs_a_comment(client_for, kadis, submitted):
    client = client_for(kadis)
    client.post(f"/publishing/posts/{submitted.pk}/reject/", {"comment": ""})
    assert Post.objects.get(pk=submitted.pk).status == PostStatus.SUBMITTED
    client.post(f"/publishing/posts/{submitted.pk}/reject/", {"comment": "Foto kurang jelas."})
    post = Post.objects.get(pk=submitted.pk)
    assert post.status == PostStatus.REJECTED
    page = client_for(post.author).get(f"/publishing/posts/{post.pk}/").content.decode()
    assert "Foto kurang jelas." in page


def test_the_calendar_shows_scheduled_posts_and_moves_them(client_for, kadis, editor, submitted):
    post_approve(actor=kadis, post=submitted)
    client = client_for(editor)
    when = timezone.localtime(submitted.scheduled_at)
    month = client.get(f"/publishing/calendar/?date={when:%Y-%m-%d}").content.decode()
    assert f'data-post="{submitted.pk}"' in month and 'draggable="true"' in month
    week = client.get(f"/publishing/calendar/?view=week&date={when:%Y-%m-%d}").content.decode()
    assert f'data-post="{submitted.pk}"' in week
    # Drag and drop: the script posts the new moment; the new time needs a new approval.
    target = when + timedelta(days=2)
    answer = client.post(
        f"/publishing/posts/{submitted.pk}/reschedule/",
        {"scheduled_at": f"{target:%Y-%m-%dT%H:%M}"},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    post = Post.objects.get(pk=submitted.pk)
    assert post.status == PostStatus.SUBMITTED and post.approved_by is None
    assert timezone.localtime(post.scheduled_at).date() == target.date()
    # The keyboard alternative: a date field, same time of day.
    client.post(
        f"/publishing/posts/{submitted.pk}/reschedule/",
        {"date": f"{target + timedelta(days=1):%Y-%m-%d}"},
    )
    moved = timezone.localtime(Post.objects.get(pk=submitted.pk).scheduled_at)
    assert moved.date() == (target + timedelta(days=1)).date()
    assert (moved.hour, moved.minute) == (when.hour, when.minute)
    # Into the past: refused.
    refused = client.post(
        f"/publishing/posts/{submitted.pk}/reschedule/",
        {"scheduled_at": local(timezone.now() - timedelta(hours=1))},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 400


def test_the_post_page_polls_while_publishing(client_for, editor, submitted):
    Post.objects.filter(pk=submitted.pk).update(status=PostStatus.PUBLISHING)
    client = client_for(editor)
    page = client.get(f"/publishing/posts/{submitted.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    fragment = client.get(f"/publishing/posts/{submitted.pk}/progress/").content.decode()
    assert 'id="deliveries"' in fragment


def test_the_dashboard_counts_what_waits_for_approval(client_for, kadis, submitted):
    page = client_for(kadis).get("/dashboard/").content.decode()
    assert "/publishing/approvals/" in page


def test_the_pages_answer_every_role(client_for, staf, editor, kadis, submitted):
    for person in (staf, editor, kadis):
        client = client_for(person)
        for url in [
            "/publishing/",
            "/publishing/compose/",
            "/publishing/calendar/",
            f"/publishing/posts/{submitted.pk}/",
        ]:
            assert client.get(url).status_code == 200, (person, url)
        # Only the author, who may submit for its channels, or the Kepala Dinas edit it.
        edit = client.get(f"/publishing/posts/{submitted.pk}/edit/").status_code
        assert edit == (403 if person == staf else 200), person
