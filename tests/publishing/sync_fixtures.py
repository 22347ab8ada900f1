"""Channels of the office wired to the simulator's demo accounts, each with its credential in the
vault, for the sync tests (made through the services, as the Kepala Dinas would)."""

from __future__ import annotations

import pytest

from accounts.services import credential_create
from publishing.models import AccountGroup, Channel
from publishing.simulator.services import account_by_handle

# key: (driver, simulator platform, handle)
ACCOUNTS = {
    "fb": ("facebook", "facebook", "MediaCenterBJN"),
    "fb_pemkab": ("facebook", "facebook", "PemkabBojonegoro"),
    "fb_kominfo": ("facebook", "facebook", "DiskominfoBojonegoro"),
    "x": ("x", "x", "mediacenterBJN"),
    "x_pemkab": ("x", "x", "PemkabBojonegoro"),
    "x_kominfo": ("x", "x", "KominfoBjn"),
    "ig": ("instagram_graph", "instagram", "mediacenterbojonegoro"),
}


def connect(simulator, kadis, division, key: str) -> Channel:
    """One channel, its credential stored in the vault."""
    from publishing.services.channels import channel_create

    driver, platform, handle = ACCOUNTS[key]
    demo = simulator.credential(platform, handle, driver=driver)
    secret = {"access_token": demo["access_token"]}
    if demo.get("refresh_token"):
        secret["refresh_token"] = demo["refresh_token"]
    account = account_by_handle(platform, handle)
    channel = channel_create(
        actor=kadis,
        name=f"{account.name} ({platform})",
        handle=handle,
        driver=driver,
        account_group=AccountGroup.MEDIA_CENTER,
        external_id=account.external_id,
        responsible_division=division,
    )
    credential_create(
        actor=kadis, label=f"{handle} {platform}", kind="oauth", secret=secret, target=channel
    )
    channel.refresh_from_db()
    return channel


@pytest.fixture(name="channels")
def sync_channels(simulator, kadis, divisions):
    made: dict[str, Channel] = {}

    def get(key: str) -> Channel:
        if key not in made:
            made[key] = connect(simulator, kadis, divisions["PKP"], key)
        return made[key]

    return get


def deliver_now(post) -> list:
    """Send an approved mirror to its channels through the real drivers and record each delivery
    with the platform's id, as the delivery engine does (``post_release`` plus its tasks)."""
    from django.utils import timezone

    from publishing.drivers.base import PostPayload
    from publishing.models import Delivery, DeliveryStatus
    from publishing.sync.platform import call_channel

    deliveries = []
    for channel in post.channels.all():
        payload = PostPayload(text=post.text_for(channel.platform))
        result = call_channel(
            channel,
            lambda driver, credential, payload=payload: driver.publish(payload, credential),
            used_by="test",
        )
        deliveries.append(
            Delivery.objects.create(
                post=post,
                channel=channel,
                status=DeliveryStatus.PUBLISHED,
                external_id=result.external_id,
                permalink=result.permalink,
                published_at=timezone.now(),
            )
        )
    return deliveries
