"""1,000 native posts across 6 channels with rules in both directions: each mirrored exactly once
to each target, none echoed back.

The native posts are written straight into the simulator's feeds (as 1,000 people posting in the
apps would), in rounds of at most a third of a page per account between two polls (a platform's
recent-posts page holds 100). The mirroring runs through the services directly; each mirror is
released to the delivery engine by the sync (``post_release``: one delivery per target) and
then left on its targets as the engine's ``deliver`` task leaves it (the platform's post, and the
delivery published with its id), and the next poll of every account must recognise those as the
portal's own.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from publishing.models import Delivery, DeliveryStatus, Post, PostOrigin
from publishing.simulator import services as simulator_services
from publishing.simulator.models import Post as PlatformPost
from publishing.sync import services
from publishing.sync.models import SeenNativePost, SeenStatus, SyncRule

from .sync_fixtures import ACCOUNTS, held_queue, sync_channels  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("held_queue")]

GROUPS = [("fb", "x", "fb_pemkab"), ("x_pemkab", "fb_kominfo", "x_kominfo")]
TOTAL = 1000
ROUNDS = 5


def platform_id(account) -> str:
    if account.platform == "facebook":
        return f"{account.external_id}_{simulator_services.new_id(15)}"
    return simulator_services.new_id(19)


def publish_like_the_engine(post_ids: list[int], accounts: dict[int, object]) -> int:
    """What the engine's ``deliver`` task leaves behind for each delivery that ``post_release``
    created for the mirrors: the post on the platform and the delivery published with its id.
    (Sending for real is proven by the delivery tests and the worker test of sync; 2,000 sends
    here would prove nothing more about echoes.)"""
    deliveries = list(
        Delivery.objects.filter(post_id__in=post_ids, status=DeliveryStatus.QUEUED)
        .select_related("channel")
        .prefetch_related("post__variants")
    )
    now = timezone.now()
    for delivery in deliveries:
        account = accounts[delivery.channel_id]
        platform_post = simulator_services.record_post(
            account,
            text=delivery.post.text_for(delivery.channel.platform),
            external_id=platform_id(account),
        )
        delivery.status = DeliveryStatus.PUBLISHED
        delivery.external_id = platform_post.external_id
        delivery.published_at = now
    Delivery.objects.bulk_update(deliveries, ["status", "external_id", "published_at"])
    return len(deliveries)


def test_a_thousand_native_posts_are_mirrored_once_to_each_target_and_never_echoed(
    channels, kadis, settings
):
    settings.SYNC_POLL_OVERLAP_SECONDS = 0
    started = time.monotonic()
    group_of = {}
    for group in GROUPS:
        for key in group:
            group_of[key] = group
            channels(key)
    for key, group in group_of.items():
        rule = services.sync_rule_create(
            actor=kadis, source=channels(key), targets=[channels(k) for k in group if k != key]
        )
        SyncRule.objects.filter(pk=rule.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    accounts = {
        channels(key).pk: simulator_services.account_by_handle(ACCOUNTS[key][1], ACCOUNTS[key][2])
        for key in group_of
    }
    keys = list(group_of)
    numbering = itertools.count(1)
    per_round = TOTAL // ROUNDS
    for _round in range(ROUNDS):
        for index in range(per_round):
            key = keys[index % len(keys)]
            account = accounts[channels(key).pk]
            simulator_services.record_post(
                account,
                text=f"Kabar nomor {next(numbering)} dari {account.handle}",
                origin=PlatformPost.Origin.NATIVE,
                external_id=platform_id(account),
            )
        made: list[int] = []
        for key in keys:
            services.sync_poll_channel(channel_id=channels(key).pk)
        for key in keys:
            made += services.sync_mirror_channel(channel_id=channels(key).pk, confirm=False)
        # Released by the sync itself: one delivery per target, as for any approved post.
        assert publish_like_the_engine(made, accounts) == len(made) * 2
        # The next poll finds every mirror on its targets: the portal's own, never mirrored back.
        for key in keys:
            result = services.sync_poll_channel(channel_id=channels(key).pk)
            assert result.pending == [] and result.error == ""
        for key in keys:
            assert services.sync_mirror_channel(channel_id=channels(key).pk) == []

    mirrored = SeenNativePost.objects.filter(status=SeenStatus.MIRRORED)
    assert mirrored.count() == TOTAL
    # Exactly once to each target: one delivery per (native post, target), two targets each.
    pairs = Counter(
        (seen_id, channel_id)
        for seen_id, channel_id in Delivery.objects.filter(
            post__origin=PostOrigin.MIRROR
        ).values_list("post__mirrored_from", "channel_id")
    )
    assert len(pairs) == TOTAL * 2 and set(pairs.values()) == {1}
    for seen in mirrored.select_related("channel").prefetch_related("mirror_posts__channels")[:50]:
        targets = {c.pk for p in seen.mirror_posts.all() for c in p.channels.all()}
        source_key = next(k for k in keys if channels(k).pk == seen.channel_id)
        assert targets == {channels(k).pk for k in group_of[source_key] if k != source_key}
    # None echoed: every copy the portal published was recognised as its own.
    assert SeenNativePost.objects.filter(status=SeenStatus.OURS).count() == TOTAL * 2
    assert Post.objects.filter(origin=PostOrigin.MIRROR).count() == TOTAL
    assert not Post.objects.annotate(n=Count("mirrored_from")).filter(n__gt=1).exists()
    assert time.monotonic() - started < 120
