"""Logins renewed by the worker: Instagram held by username and password (instagrapi) logs in
once from the vault's login and keeps the session there (the next delivery uses it without a
login); an expired X access token is renewed once with its refresh token."""

from __future__ import annotations

import pytest

from accounts import vault
from publishing.models import AccountGroup, PostStatus
from publishing.seed import channel_with_credential
from tests.conftest import wait_for
from tests.publishing.delivery_fixtures import approved_post, photo_asset

pytestmark = [pytest.mark.django_db(transaction=True)]

FINISHED = (PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED, PostStatus.FAILED)


def _logins(simulator) -> int:
    return sum(
        1
        for r in simulator.log(platform="instagram")["requests"]
        if r["path"].rstrip("/").endswith("accounts/login")
    )


@pytest.mark.e2e
@pytest.mark.usefixtures("use_queue")
def test_the_worker_logs_in_once_and_keeps_the_session_in_the_vault(
    simulator, editor, kadis, divisions
):
    channel = channel_with_credential(
        actor=kadis,
        driver="instagram_private",
        platform="instagram",
        handle="mediacenterbojonegoro",
        name="Media Center Bojonegoro (login)",
        account_group=AccountGroup.MEDIA_CENTER,
        division=divisions["PKP"],
        portal_handle="mediacenterbojonegoro.login",
    )
    assert not vault.decrypt(channel.credential.ciphertext).get("session")
    photo = photo_asset(editor, divisions["PKP"], size=(1080, 1080))
    before = _logins(simulator)
    for number in range(2):
        post = approved_post(
            editor=editor,
            kadis=kadis,
            channels=[channel],
            text=f"Kegiatan hari ini {number}.",
            assets=[photo],
        )
        wait_for(lambda post=post: post.__class__.objects.get(pk=post.pk).status in FINISHED, 60)
        post.refresh_from_db()
        assert post.status == PostStatus.PUBLISHED, post.deliveries.get().last_error
    assert len(simulator.posts("instagram", "mediacenterbojonegoro")) == 2
    assert _logins(simulator) - before == 1  # the second delivery used the kept session
    channel.credential.refresh_from_db()
    session = vault.decrypt(channel.credential.ciphertext).get("session")
    assert session and session.get("authorization_data")
    assert "mediacenterbojonegoro" not in channel.credential.ciphertext  # stored encrypted only


@pytest.mark.e2e
@pytest.mark.usefixtures("use_queue")
def test_an_expired_x_token_is_renewed_by_the_worker_and_the_post_goes_out(
    simulator, editor, kadis, divisions
):
    """X access tokens last two hours: the worker spends the refresh token once (the simulator's
    token endpoint), keeps the new pair in the vault, and publishes. On the embedded database the
    refresh must not hold the database while the platform answers."""
    from django.utils import timezone

    from accounts.models import Credential

    channel = channel_with_credential(
        actor=kadis,
        driver="x",
        platform="x",
        handle="mediacenterBJN",
        name="Media Center BJN",
        account_group=AccountGroup.MEDIA_CENTER,
        division=divisions["PKP"],
    )
    simulator.fault("x", "mediacenterBJN", mode="expire_tokens")
    Credential.objects.filter(pk=channel.credential_id).update(expires_at=timezone.now())
    before = vault.decrypt(channel.credential.ciphertext)
    post = approved_post(editor=editor, kadis=kadis, channels=[channel], text="Token diperbarui.")
    wait_for(lambda: post.__class__.objects.get(pk=post.pk).status in FINISHED, 60)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED, post.deliveries.get().last_error
    after = vault.decrypt(Credential.objects.get(pk=channel.credential_id).ciphertext)
    assert after["refresh_token"] != before["refresh_token"]
    assert after["access_token"] != before["access_token"]
    assert len(simulator.posts("x", "mediacenterBJN")) == 1
