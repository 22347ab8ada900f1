"""A published Facebook post, a budget line, an ad account with its token in the vault, and the
people of the approval chain (a Kepala Bidang per division)."""

from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.services import credential_create
from boosts import services
from boosts.models import AdAccountStatus
from publishing.models import Delivery, DeliveryStatus
from publishing.services.channels import channel_create
from publishing.services.delivery import post_release
from publishing.services.posts import post_approve, post_create, post_submit

SYSTEM_USER_TOKEN = "EAAGSystemUserRahasia0123456789abcdef"


@pytest.fixture
def kabid(make_user):
    return make_user("kabid", Role.KEPALA_BIDANG, "PKP", full_name="Bambang Sutrisno")


@pytest.fixture
def kabid_other(make_user):
    return make_user("kabid_piap", Role.KEPALA_BIDANG, "PIAP", full_name="Wahyu Hidayat")


def published(actor, kadis, channel, title="Festival Budaya", external_id="100090000000101_555"):
    post = post_submit(
        actor=actor,
        post=post_create(actor=actor, title=title, text=f"{title}.", channel_ids=[channel.pk]),
    )
    post_approve(actor=kadis, post=post)
    post_release(post_id=post.pk)
    delivery = Delivery.objects.get(post=post, channel=channel)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PUBLISHED, external_id=external_id, published_at=timezone.now()
    )
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def page(kadis, editor, divisions):
    return channel_create(
        actor=kadis,
        name="Media Center Bojonegoro",
        handle="MediaCenterBJN",
        driver="facebook",
        account_group="media_center",
        external_id="100090000000101",
        responsible_division=divisions["PKP"],
        staff=[editor],
    )


@pytest.fixture
def delivery(editor, kadis, page):
    return published(editor, kadis, page)


@pytest.fixture
def line(kadis):
    year = timezone.localdate().year
    return services.budget_line_save(
        actor=kadis,
        code="2.16.02.1.01.0001",
        name="Publikasi Media Sosial",
        ceiling=1_000_000,
        year=year,
    )


@pytest.fixture
def ad_account(kadis):
    account = services.ad_account_save(
        actor=kadis, name="Iklan Dinkominfo", account_id="act_1234567890", currency="IDR"
    )
    credential_create(
        actor=kadis,
        label="System User iklan",
        kind="oauth",
        secret={"access_token": SYSTEM_USER_TOKEN},
        target=account,
    )
    account.refresh_from_db()
    account.status = AdAccountStatus.ACTIVE
    account.issues_authorized = True
    account.save()
    return account


def fresh(user):
    """A request whose second factor was given just now."""
    user.is_verified = lambda: True
    return SimpleNamespace(user=user, session={"otp_verified_at": time.time()})


def stale(user):
    user.is_verified = lambda: True
    return SimpleNamespace(user=user, session={"otp_verified_at": time.time() - 3600})


@pytest.fixture
def make_boost(editor, delivery, line, ad_account):
    def make(actor=None, submit=True, **fields):
        start = timezone.now() + timedelta(hours=1)
        values = {
            "ad_account": ad_account, "budget_line": line, "goal": "reach",
            "budget_kind": "daily", "amount": 100_000, "start": start,
            "end": start + timedelta(days=3), "audience": "radius", "latitude": -7.15,
            "longitude": 111.88, "radius_km": 20, "reason": "Festival budaya tahunan.",
        }  # fmt: skip
        values.update(fields)
        return services.boost_create(
            actor=actor or editor,
            delivery=values.pop("delivery", delivery),
            submit=submit,
            **values,
        )

    return make


@pytest.fixture
def queued(monkeypatch):
    """The tasks the services hand to the worker (name and ids), instead of sending them."""
    sent = []

    def record(name, *args, **kwargs):
        sent.append((name, *args))

    from boosts.services import platform, requests, setup

    for module in (requests, setup, platform):
        if hasattr(module, "enqueue_on_commit"):
            monkeypatch.setattr(module, "enqueue_on_commit", record)
    monkeypatch.setattr(platform, "enqueue", record)
    return sent
