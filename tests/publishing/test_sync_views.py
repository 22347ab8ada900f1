"""Sync pages and API: who may see, set, change and remove rules; the repost queue."""

from __future__ import annotations

import pytest
from django.utils import timezone

from publishing.models import AccountGroup, DriverName, Post, PostOrigin, PostStatus
from publishing.services.channels import channel_create
from publishing.sync.models import PartnerAccount, RepostSuggestion, SyncRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def fb(kadis, divisions):
    return channel_create(
        actor=kadis,
        name="Media Center FB",
        handle="MediaCenterBJN",
        driver=DriverName.FACEBOOK,
        account_group=AccountGroup.MEDIA_CENTER,
        external_id="100090000000101",
        responsible_division=divisions["PKP"],
    )


@pytest.fixture
def x(kadis, divisions):
    return channel_create(
        actor=kadis,
        name="Media Center X",
        handle="mediacenterBJN",
        driver=DriverName.X,
        account_group=AccountGroup.MEDIA_CENTER,
        external_id="1500000000000000101",
        responsible_division=divisions["PKP"],
    )


@pytest.fixture
def suggestion(fb, x, kadis):
    from publishing.sync.services import partner_account_create

    partner = partner_account_create(
        actor=kadis,
        platform="x",
        handle="@BupatiBjn",
        external_id="1500000000000000999",
        name="Bupati Bojonegoro",
        kind="regent",
        via_channel=x,
    )
    return RepostSuggestion.objects.create(
        partner=partner,
        external_id="1800000000000000001",
        text="Selamat Hari Jadi Bojonegoro",
        permalink="https://x.com/BupatiBjn/status/1800000000000000001",
        posted_at=timezone.now(),
    )


def test_every_member_of_staff_sees_the_sync_page_only_editors_set_rules(
    client_for, staf, editor, fb, x
):
    assert client_for(staf).get("/publishing/sync/").status_code == 200
    assert client_for(staf).get("/publishing/sync/rules/new/").status_code == 403
    client = client_for(editor)
    page = client.get("/publishing/sync/rules/new/")
    assert page.status_code == 200
    refused = client.post(
        "/publishing/sync/rules/new/",
        {"source": fb.pk, "targets": [fb.pk, x.pk], "kinds": "all", "enabled": "on"},
    )
    assert refused.status_code == 200 and "dirinya sendiri" in refused.content.decode()
    done = client.post(
        "/publishing/sync/rules/new/",
        {"source": fb.pk, "targets": [x.pk], "kinds": "with_media",
         f"add_hashtag_{x.pk}": "Bojonegoro", "enabled": "on"},
    )  # fmt: skip
    assert done.status_code == 302
    rule = SyncRule.objects.get()
    assert rule.kinds == "with_media" and rule.target_links.get().add_hashtag == "Bojonegoro"
    page = client.get("/publishing/sync/")
    assert "Media Center X" in page.content.decode()


@pytest.fixture
def fb_pemkab(kadis, divisions):
    return channel_create(
        actor=kadis,
        name="Pemkab FB",
        handle="PemkabBojonegoro",
        driver=DriverName.FACEBOOK,
        account_group=AccountGroup.MEDIA_CENTER,
        external_id="100090000000102",
        responsible_division=divisions["PKP"],
    )


def test_the_rule_page_sets_a_text_transform_per_target(client_for, kadis, fb, x, fb_pemkab):
    client = client_for(kadis)
    page = client.get("/publishing/sync/rules/new/").content.decode()
    # One set of transforms per channel; shortening is offered for X only.
    assert f'name="add_hashtag_{x.pk}"' in page and f'name="add_hashtag_{fb_pemkab.pk}"' in page
    assert f'name="shorten_for_x_{x.pk}"' in page
    assert f'name="shorten_for_x_{fb_pemkab.pk}"' not in page
    assert "Tambahkan tagar" in page  # translated
    done = client.post(
        "/publishing/sync/rules/new/",
        {"source": fb.pk, "targets": [x.pk, fb_pemkab.pk], "kinds": "all", "enabled": "on",
         f"add_hashtag_{x.pk}": "#BojonegoroMatoh", f"shorten_for_x_{x.pk}": "on",
         f"add_hashtag_{fb_pemkab.pk}": "#PemkabBjn", f"link_back_{fb_pemkab.pk}": "on",
         # A transform of a channel that is not a target is not kept.
         f"add_hashtag_{fb.pk}": "#Diabaikan"},
    )  # fmt: skip
    assert done.status_code == 302, done.content.decode()
    rule = SyncRule.objects.get()
    links = {link.channel_id: link for link in rule.target_links.all()}
    assert set(links) == {x.pk, fb_pemkab.pk}
    assert (links[x.pk].add_hashtag, links[x.pk].link_back, links[x.pk].shorten_for_x) == (
        "#BojonegoroMatoh", False, True,
    )  # fmt: skip
    assert (links[fb_pemkab.pk].add_hashtag, links[fb_pemkab.pk].link_back) == ("#PemkabBjn", True)
    # The rule's page shows each target's own transform, and a change keeps the other's.
    edit = client.get(f"/publishing/sync/rules/{rule.pk}/").content.decode()
    assert 'value="#BojonegoroMatoh"' in edit and 'value="#PemkabBjn"' in edit
    changed = client.post(
        f"/publishing/sync/rules/{rule.pk}/",
        {"targets": [x.pk, fb_pemkab.pk], "kinds": "all", "enabled": "on",
         f"add_hashtag_{x.pk}": "#Baru", f"shorten_for_x_{x.pk}": "on",
         f"add_hashtag_{fb_pemkab.pk}": "#PemkabBjn", f"link_back_{fb_pemkab.pk}": "on"},
    )  # fmt: skip
    assert changed.status_code == 302, changed.content.decode()
    links = {link.channel_id: link for link in rule.target_links.all()}
    assert links[x.pk].add_hashtag == "#Baru" and links[fb_pemkab.pk].add_hashtag == "#PemkabBjn"
    # A hashtag too long for its target is refused on that target's own field.
    refused = client.post(
        f"/publishing/sync/rules/{rule.pk}/",
        {"targets": [x.pk], "kinds": "all", f"add_hashtag_{x.pk}": "#" + "a" * 120},
    )
    assert refused.status_code == 200 and "field-error" in refused.content.decode()


def test_the_api_sets_changes_and_removes_rules_with_the_same_checks(
    client_for, kadis, editor, make_user, fb, x
):
    api = client_for(kadis)
    refused = api.post(
        "/api/v1/sync-rules/",
        {"source": fb.pk, "targets": [{"channel": fb.pk}]},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "targets" in refused.json()
    made = api.post(
        "/api/v1/sync-rules/",
        {"source": fb.pk, "targets": [{"channel": x.pk, "shorten_for_x": True}]},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    rule_id = made.json()["id"]
    assert made.json()["targets"] == [
        {"channel": x.pk, "add_hashtag": "", "link_back": False, "shorten_for_x": True}
    ]
    outsider = client_for(make_user("editor_piap", "Editor", "PIAP"))
    assert outsider.get("/api/v1/sync-rules/").json()["count"] == 1
    assert (
        outsider.patch(
            f"/api/v1/sync-rules/{rule_id}/", {"enabled": False}, content_type="application/json"
        ).status_code
        == 403
    )
    changed = client_for(editor).patch(
        f"/api/v1/sync-rules/{rule_id}/", {"enabled": False}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    # Switched on again: what was posted while it was off is history.
    before = made.json()["active_since"]
    again = client_for(editor).patch(
        f"/api/v1/sync-rules/{rule_id}/", {"enabled": True}, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["active_since"] > before
    assert outsider.delete(f"/api/v1/sync-rules/{rule_id}/").status_code == 403
    assert client_for(editor).delete(f"/api/v1/sync-rules/{rule_id}/").status_code == 204
    assert not SyncRule.objects.exists()


def test_the_repost_queue_accepts_into_approval_and_dismisses(
    client_for, editor, staf, suggestion, fb, x
):
    assert client_for(staf).get("/publishing/sync/reposts/").status_code == 403
    assert client_for(staf).get("/api/v1/repost-suggestions/").json()["count"] == 0
    client = client_for(editor)
    page = client.get("/publishing/sync/reposts/")
    assert page.status_code == 200 and "Selamat Hari Jadi Bojonegoro" in page.content.decode()
    listed = client.get("/api/v1/repost-suggestions/").json()
    assert [s["id"] for s in listed["results"]] == [suggestion.pk]
    accepted = client.post(
        f"/api/v1/repost-suggestions/{suggestion.pk}/accept/",
        {"channels": [x.pk, fb.pk], "comment": "Dirgahayu!"},
        content_type="application/json",
    )
    assert accepted.status_code == 201, accepted.content
    post = Post.objects.get(pk=accepted.json()["post"])
    assert post.origin == PostOrigin.REPOST and post.status == PostStatus.SUBMITTED
    assert set(post.channels.all()) == {x, fb}
    again = client.post(f"/api/v1/repost-suggestions/{suggestion.pk}/dismiss/")
    assert again.status_code == 400
    other = RepostSuggestion.objects.create(
        partner=PartnerAccount.objects.get(), external_id="2", text="Info", posted_at=timezone.now()
    )
    response = client.post(f"/publishing/sync/reposts/{other.pk}/dismiss/")
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == "dismissed" and other.decided_by == editor
