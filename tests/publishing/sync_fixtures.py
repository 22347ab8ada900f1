"""Channels of the office wired to the simulator's demo accounts, each with its credential in the
vault, for the sync tests (made through the services, as the Kepala Dinas would)."""

from __future__ import annotations

import uuid

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
    "x_pemkab": ("x", "x", "PemkabBjn"),
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


@pytest.fixture
def held_queue():
    """The test's tasks (a released mirror's ``deliver``, the poll's ``sync_mirror_channel``) wait
    in a queue of their own that no worker reads: the session's worker, if one is running, does
    not race the test, which runs the services itself. The queue is emptied afterwards."""
    from config.celery import app

    name = f"held-{uuid.uuid4().hex[:8]}"
    before = app.conf.task_default_queue
    app.conf.task_default_queue = name
    yield name
    app.conf.task_default_queue = before
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(name)


def send_deliveries(post) -> list:
    """Send each delivery ``post_release`` made for ``post``, through the delivery engine's own
    service (what its ``deliver`` task runs), here in the test's process."""
    from publishing.models import Delivery
    from publishing.services.delivery import delivery_send

    ids = Delivery.objects.filter(post=post).order_by("id").values_list("id", flat=True)
    return [delivery_send(delivery_id=delivery_id) for delivery_id in ids]
