"""Account sync through the real client libraries against the simulator: rules, polling,
mirroring once, faults, deletions, unsupported media, overlapping polls, partner reposts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset
from publishing.drivers.registry import get_driver
from publishing.drivers.types import RepostKind
from publishing.models import Delivery, DeliveryStatus, Post, PostOrigin, PostStatus
from publishing.sync import selectors, services
from publishing.sync.models import (
    PollState,
    RepostSuggestion,
    SeenNativePost,
    SeenStatus,
    SuggestionStatus,
)
from publishing.sync.services import TargetSpec
from tests.conftest import run_at_once

from .sync_fixtures import held_queue, send_deliveries, sync_channels  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("held_queue")]


def poll_and_mirror(channel) -> list[Post]:
    services.sync_poll_channel(channel_id=channel.pk)
    ids = services.sync_mirror_channel(channel_id=channel.pk)
    return list(Post.objects.filter(pk__in=ids))


def back_date(rule) -> None:
    """Rules mirror only what is posted after they are set (``active_since``); these tests are
    about other things, so the rule is made a minute older."""
    earlier = timezone.now() - timedelta(minutes=1)
    type(rule).objects.filter(pk=rule.pk).update(created_at=earlier, active_since=earlier)


def test_a_rule_from_a_channel_to_itself_is_refused(channels, kadis, editor, make_user):
    fb, x = channels("fb"), channels("x")
    with pytest.raises(ValidationError, match="dirinya sendiri"):  # cannot mirror to itself
        services.sync_rule_create(actor=kadis, source=fb, targets=[x, fb])
    with pytest.raises(ValidationError):
        services.sync_rule_create(actor=kadis, source=fb, targets=[])
    # An Editor of another division may not set a rule on these channels.
    outsider = make_user("editor_piap", "Editor", "PIAP")
    with pytest.raises(PermissionDenied):
        services.sync_rule_create(actor=outsider, source=fb, targets=[x])
    rule = services.sync_rule_create(actor=editor, source=fb, targets=[x])
    assert list(rule.targets.all()) == [x]


def test_a_native_post_is_mirrored_once_with_its_transform(channels, kadis, simulator):
    fb, x = channels("fb"), channels("x")
    rule = services.sync_rule_create(
        actor=kadis,
        source=fb,
        targets=[TargetSpec(channel=x, add_hashtag="Bojonegoro", link_back=True)],
    )
    back_date(rule)
    native = simulator.native("facebook", "MediaCenterBJN", "Pelayanan KTP keliling hari ini")
    mirrors = poll_and_mirror(fb)
    assert len(mirrors) == 1
    mirror = mirrors[0]
    assert mirror.origin == PostOrigin.MIRROR
    # Approved at once (the rule does not ask for approval) and released to the delivery engine.
    assert mirror.status == PostStatus.PUBLISHING
    assert list(mirror.channels.all()) == [x]
    (delivery,) = mirror.deliveries.all()
    assert delivery.channel == x and delivery.status == DeliveryStatus.QUEUED
    assert mirror.text.startswith("Pelayanan KTP keliling hari ini\n\n#Bojonegoro\n\n")
    assert native["external_id"] in mirror.text  # the link back to the source post
    seen = SeenNativePost.objects.get(channel=fb, external_id=native["external_id"])
    assert seen.status == SeenStatus.MIRRORED
    assert selectors.origin_of(mirror)["seen"] == seen
    # A re-poll, and a restart that forgets the cursor, mirror nothing again.
    assert poll_and_mirror(fb) == []
    PollState.objects.filter(channel=fb).update(cursor=None)
    assert poll_and_mirror(fb) == []
    assert Post.objects.filter(origin=PostOrigin.MIRROR).count() == 1
    (sent,) = send_deliveries(mirror)
    assert sent.status == DeliveryStatus.PUBLISHED
    (on_x,) = simulator.posts("x", "mediacenterBJN")
    assert on_x["external_id"] == sent.external_id and "#Bojonegoro" in on_x["text"]
    mirror.refresh_from_db()
    assert mirror.status == PostStatus.PUBLISHED
    assert Delivery.objects.count() == 1


def test_a_cycle_of_three_rules_mirrors_each_post_once(channels, kadis, simulator):
    a, b, c = channels("fb"), channels("x"), channels("fb_pemkab")
    for source, target in ((a, b), (b, c), (c, a)):
        back_date(services.sync_rule_create(actor=kadis, source=source, targets=[target]))
    simulator.native("facebook", "MediaCenterBJN", "Festival Kayangan Api dibuka")
    (first,) = poll_and_mirror(a)
    (sent,) = send_deliveries(first)  # now on b, published by the portal
    assert sent.status == DeliveryStatus.PUBLISHED
    assert poll_and_mirror(b) == []  # recognised as the portal's own post: no echo to c
    assert poll_and_mirror(c) == []
    assert poll_and_mirror(a) == []
    assert Post.objects.filter(origin=PostOrigin.MIRROR).count() == 1
    assert SeenNativePost.objects.get(channel=b).status == SeenStatus.OURS
    assert [p["text"] for p in simulator.posts("facebook", "PemkabBojonegoro")] == []


@pytest.mark.parametrize("mode", ["rate_limit", "server_error"])
def test_a_failing_poll_backs_off_and_misses_nothing(channels, kadis, simulator, mode):
    x, fb = channels("x"), channels("fb")
    back_date(services.sync_rule_create(actor=kadis, source=x, targets=[fb]))
    simulator.native("x", "mediacenterBJN", "Sebelum gangguan")
    assert len(poll_and_mirror(x)) == 1
    cursor = PollState.objects.get(channel=x).cursor
    simulator.fault("x", "mediacenterBJN", mode=mode, scope="read", remaining=2, retry_after=120)
    simulator.native("x", "mediacenterBJN", "Saat gangguan")
    result = services.sync_poll_channel(channel_id=x.pk)
    assert result.error
    state = PollState.objects.get(channel=x)
    assert state.failures == 1 and state.cursor == cursor and state.last_error
    assert state.next_poll_at > timezone.now() + timedelta(seconds=100)
    assert x.pk not in selectors.source_channels_due()
    assert services.sync_poll_channel(channel_id=x.pk).error
    assert PollState.objects.get(channel=x).failures == 2
    # The platform recovers: the post made during the outage is mirrored, once.
    mirrors = poll_and_mirror(x)
    assert [m.text for m in mirrors] == ["Saat gangguan"]
    state = PollState.objects.get(channel=x)
    assert state.failures == 0 and state.last_error == "" and state.cursor >= cursor


def test_a_native_post_deleted_before_it_was_mirrored_is_not_mirrored(channels, kadis, simulator):
    fb, x = channels("fb"), channels("x")
    back_date(services.sync_rule_create(actor=kadis, source=fb, targets=[x]))
    native = simulator.native("facebook", "MediaCenterBJN", "Pengumuman yang salah ketik")
    assert services.sync_poll_channel(channel_id=fb.pk).pending
    # Deleted in the app before the mirroring task ran.
    get_driver("facebook").delete(
        native["external_id"], simulator.credential("facebook", "MediaCenterBJN")
    )
    assert services.sync_mirror_channel(channel_id=fb.pk) == []
    seen = SeenNativePost.objects.get(external_id=native["external_id"])
    assert seen.status == SeenStatus.GONE
    assert not Post.objects.filter(origin=PostOrigin.MIRROR).exists()
    assert simulator.posts("x", "mediacenterBJN") == []


def test_unsupported_media_fails_for_that_target_and_the_others_go(
    channels, kadis, simulator, media_dir
):
    x, fb, ig = channels("x"), channels("fb"), channels("ig")
    back_date(services.sync_rule_create(actor=kadis, source=x, targets=[fb, ig]))
    with (media_dir / "graphic.png").open("rb") as png:
        simulator.native("x", "mediacenterBJN", "Infografis APBD 2026", {"media": png})
    (mirror,) = poll_and_mirror(x)
    assert list(mirror.channels.all()) == [fb]
    seen = SeenNativePost.objects.get(channel=x)
    assert seen.status == SeenStatus.MIRRORED
    assert "image/png" in seen.problems[str(ig.pk)]  # Instagram takes JPEG only
    asset = mirror.media.get().asset
    assert asset.mime_type == "image/png" and asset.credit == x.name
    local = timezone.localtime(seen.created_at)
    assert asset.folder.name == f"{local.month:02d}"
    assert asset.folder.parent.parent.parent.name == "Sinkronisasi"
    # Downloaded once: a second rule on the same post's media finds the same asset.
    assert Asset.objects.count() == 1
    problems = list(selectors.seen_problems())
    assert problems == [seen]


def test_two_overlapping_polls_mirror_a_post_once(channels, kadis, simulator):
    fb, x = channels("fb"), channels("x")
    back_date(services.sync_rule_create(actor=kadis, source=fb, targets=[x]))
    simulator.native("facebook", "MediaCenterBJN", "Rapat koordinasi")
    made: list[int] = []

    def poll_and_mirror() -> None:
        services.sync_poll_channel(channel_id=fb.pk)
        made.extend(services.sync_mirror_channel(channel_id=fb.pk))

    run_at_once(poll_and_mirror)
    assert len(made) == 1
    assert Post.objects.filter(origin=PostOrigin.MIRROR).count() == 1
    assert SeenNativePost.objects.count() == 1


def test_rules_that_ask_remove_the_mirrors_of_a_deleted_source_post(channels, kadis, simulator):
    fb, x = channels("fb"), channels("x")
    back_date(
        services.sync_rule_create(actor=kadis, source=fb, targets=[x], propagate_deletions=True)
    )
    native = simulator.native("facebook", "MediaCenterBJN", "Info banjir sementara")
    (mirror,) = poll_and_mirror(fb)
    (delivery,) = send_deliveries(mirror)
    assert [p["external_id"] for p in simulator.posts("x", "mediacenterBJN")] == [
        delivery.external_id
    ]
    get_driver("facebook").delete(
        native["external_id"], simulator.credential("facebook", "MediaCenterBJN")
    )
    assert services.sync_poll_channel(channel_id=fb.pk).deleted == 1
    seen = SeenNativePost.objects.get(external_id=native["external_id"])
    assert seen.status == SeenStatus.DELETED
    assert services.sync_delete_mirrors(seen_id=seen.pk) == 1
    assert simulator.posts("x", "mediacenterBJN") == []


def test_without_the_rule_asking_a_deletion_is_not_propagated(channels, kadis, simulator):
    fb, x = channels("fb"), channels("x")
    back_date(services.sync_rule_create(actor=kadis, source=fb, targets=[x]))
    native = simulator.native("facebook", "MediaCenterBJN", "Tetap ada")
    (mirror,) = poll_and_mirror(fb)
    send_deliveries(mirror)
    get_driver("facebook").delete(
        native["external_id"], simulator.credential("facebook", "MediaCenterBJN")
    )
    assert services.sync_poll_channel(channel_id=fb.pk).deleted == 0
    assert len(simulator.posts("x", "mediacenterBJN")) == 1


def test_partner_posts_become_suggestions_and_an_accepted_one_waits_for_approval(
    channels, kadis, editor, simulator
):
    x, fb = channels("x"), channels("fb")
    from publishing.simulator.services import account_by_handle

    regent = account_by_handle("x", "PemkabBjn")
    partner = services.partner_account_create(
        actor=kadis,
        platform="x",
        handle="PemkabBjn",
        external_id=regent.external_id,
        name="Pemkab Bojonegoro",
        kind="office",
        via_channel=x,
    )
    type(partner).objects.filter(pk=partner.pk).update(
        created_at=timezone.now() - timedelta(minutes=1)
    )
    native = simulator.native("x", "PemkabBjn", "Bupati meresmikan jembatan baru")
    assert services.partner_poll(partner_id=partner.pk).new == 1
    assert services.partner_poll(partner_id=partner.pk).new == 0  # remembered
    (suggestion,) = selectors.repost_suggestions_for(editor)
    assert suggestion.external_id == native["external_id"]
    assert suggestion.permalink.endswith(native["external_id"])
    post = services.repost_suggestion_accept(
        actor=editor, suggestion=suggestion, channels=[x, fb], comment="Selamat!"
    )
    assert post.origin == PostOrigin.REPOST and post.status == PostStatus.SUBMITTED
    assert "Pemkab Bojonegoro" in post.text and suggestion.permalink in post.text
    assert post.text_for("x") == "Selamat!"  # quoted natively on X
    repost = selectors.repost_for(post=post, channel=x)
    assert repost.kind == RepostKind.QUOTE and repost.external_id == native["external_id"]
    assert selectors.repost_for(post=post, channel=fb) is None  # credit and link on Facebook
    # The quote goes out through the X driver as a native quote.
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED and suggestion.decided_by == editor
    with pytest.raises(ValidationError):
        services.repost_suggestion_dismiss(actor=editor, suggestion=suggestion)
    second = RepostSuggestion.objects.create(
        partner=partner, external_id="1", text="x", posted_at=timezone.now()
    )
    services.repost_suggestion_dismiss(actor=editor, suggestion=second)
    assert list(selectors.repost_suggestions_for(editor)) == []


def test_a_mirror_s_page_says_where_it_came_from_and_links_its_copies(
    channels, kadis, editor, simulator, client_for
):
    fb, x, other = channels("fb"), channels("x"), channels("fb_pemkab")
    back_date(services.sync_rule_create(actor=kadis, source=fb, targets=[x]))
    back_date(
        services.sync_rule_create(actor=kadis, source=fb, targets=[other], needs_approval=True)
    )
    native = simulator.native("facebook", "MediaCenterBJN", "Pasar murah di alun-alun")
    poll_and_mirror(fb)
    to_x = Post.objects.get(origin=PostOrigin.MIRROR, channels=x)
    to_other = Post.objects.get(origin=PostOrigin.MIRROR, channels=other)  # waits for approval
    page = client_for(editor).get(reverse("publishing:post_detail", args=[to_x.pk]))
    html = page.content.decode()
    assert f"Disalin dari kiriman {fb}" in html  # mirrored from a post of the Facebook Page
    seen = SeenNativePost.objects.get(external_id=native["external_id"])
    assert seen.permalink and f'href="{seen.permalink}"' in html
    assert reverse("publishing:post_detail", args=[to_other.pk]) in html  # the other copy
    assert "Kiriman ini" in html  # this post, among the copies
    assert reverse("sync:index") in html  # the publishing navigation leads to sync


def test_polls_every_few_minutes_record_their_use_of_the_credential_once_an_hour(
    channels, kadis, simulator
):
    from accounts.models import AuditEvent, Credential

    fb, x = channels("fb"), channels("x")
    back_date(services.sync_rule_create(actor=kadis, source=fb, targets=[x]))

    def uses() -> int:
        return AuditEvent.objects.filter(
            action="credential.use", object_id=str(fb.credential_id)
        ).count()

    before = uses()
    for _poll in range(3):
        assert services.sync_poll_channel(channel_id=fb.pk).error == ""
    assert uses() == before + 1
    an_hour_ago = timezone.now() - timedelta(hours=1, minutes=1)
    Credential.objects.filter(pk=fb.credential_id).update(last_used_at=an_hour_ago)
    services.sync_poll_channel(channel_id=fb.pk)
    assert uses() == before + 2
    credential = Credential.objects.get(pk=fb.credential_id)
    assert credential.last_used_by == f"sync:{fb.pk}" and credential.last_used_at > an_hour_ago
