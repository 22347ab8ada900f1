"""A login that waits for a person: Instagram meets the portal's first login of an account (held
by username and password) with a two-factor prompt; the Kepala Dinas is told, enters the code from
the account's phone on the channel's page, the worker's service completes the login from the same
device and keeps the session in the vault, and the post goes out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import vault
from accounts.models import AuditEvent, Notification
from publishing.models import AccountGroup, Delivery, DeliveryStatus, LoginWait
from publishing.seed import channel_with_credential
from publishing.services.delivery import delivery_retry, delivery_send
from publishing.services.logins import login_wait_complete
from tests.publishing.delivery_fixtures import approved_post, photo_asset
from tests.publishing.sync_fixtures import held_queue  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HANDLE = "mediacenterbojonegoro"
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _instagram(simulator, **values) -> dict:
    url = f"{simulator.base}/_login/instagram/{HANDLE}/"
    if values:
        return simulator.session.post(url, json=values, timeout=10).json()
    return simulator.session.get(url, timeout=10).json()


@pytest.fixture
def channel(simulator, kadis, divisions):
    return channel_with_credential(
        actor=kadis,
        driver="instagram_private",
        platform="instagram",
        handle=HANDLE,
        name="Media Center Bojonegoro (login)",
        account_group=AccountGroup.MEDIA_CENTER,
        division=divisions["PKP"],
        portal_handle="mediacenterbojonegoro.login",
    )


@pytest.mark.usefixtures("held_queue")
def test_the_head_answers_the_two_factor_prompt_and_the_post_goes_out(
    simulator, channel, kadis, editor, admin_user, divisions, client_for
):
    _instagram(simulator, first_login="two_factor", two_factor_seed=SEED, forget_devices=True)
    photo = photo_asset(editor, divisions["PKP"], size=(1080, 1080))
    post = approved_post(
        editor=editor, kadis=kadis, channels=[channel], text="Menunggu kode.", assets=[photo]
    )
    delivery = delivery_send(delivery_id=Delivery.objects.get(post=post).pk)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error_code == "challenge_required"
    wait = LoginWait.objects.get(channel=channel)
    assert wait.waiting_for == "two_factor"
    assert "uuids" in vault.decrypt(wait.device_ciphertext)
    told = Notification.objects.filter(kind="channel.login_wait", recipient=kadis)
    assert told.count() == 1 and told.get().url.endswith(f"/{channel.pk}/login-code/")

    page = reverse("channels:channel_login_code", args=[channel.pk])
    head = client_for(kadis)
    for outsider in (client_for(editor), client_for(admin_user)):
        assert outsider.get(page).status_code in (403, 404)
        assert outsider.post(page, {"code": "123456"}).status_code in (403, 404)
    assert 'autocomplete="one-time-code"' in head.get(page).content.decode()
    detail = head.get(reverse("channels:channel_detail", args=[channel.pk])).content.decode()
    assert page in detail
    for bad in ("", "12ab56", "12345", "1234567890"):
        assert head.post(page, {"code": bad}).status_code == 400
    wait.refresh_from_db()
    assert wait.code_ciphertext == ""

    code = _instagram(simulator)["code"]
    answer = head.post(page, {"code": code})
    assert answer.status_code == 302, (code, answer.content.decode()[-3000:])
    wait.refresh_from_db()
    assert wait.code_ciphertext and code not in wait.code_ciphertext
    recorded = AuditEvent.objects.filter(action="channel.login_code").get()
    assert code not in str(recorded.details)

    assert login_wait_complete(channel_id=channel.pk)  # what the worker's task runs
    assert not LoginWait.objects.filter(channel=channel).exists()
    session = vault.decrypt(
        channel.credential.__class__.objects.get(pk=channel.credential_id).ciphertext
    )
    assert session["session"]["authorization_data"]["sessionid"]

    delivery_retry(actor=editor, delivery_id=delivery.pk)
    delivery = delivery_send(delivery_id=delivery.pk)
    assert delivery.status == DeliveryStatus.PUBLISHED, delivery.last_error
    assert [p["text"] for p in simulator.posts("instagram", HANDLE)] == ["Menunggu kode."]


@pytest.mark.usefixtures("held_queue")
def test_a_wrong_code_keeps_the_wait_and_says_why(simulator, channel, kadis, editor, divisions):
    _instagram(simulator, first_login="two_factor", two_factor_seed=SEED, forget_devices=True)
    photo = photo_asset(editor, divisions["PKP"], size=(1080, 1080))
    post = approved_post(editor=editor, kadis=kadis, channels=[channel], text="x", assets=[photo])
    delivery_send(delivery_id=Delivery.objects.get(post=post).pk)
    from publishing.services.logins import login_code_submit

    right = _instagram(simulator)["code"]
    wrong = "000000" if right != "000000" else "111111"
    login_code_submit(actor=kadis, channel=channel, code=wrong)
    assert not login_wait_complete(channel_id=channel.pk)
    wait = LoginWait.objects.get(channel=channel)
    assert wait.waiting_for == "two_factor" and wait.code_ciphertext == ""
    assert "kode" in wait.message.lower() or "code" in wait.message.lower()
    assert Notification.objects.filter(kind="channel.login_wait").count() == 1
    with pytest.raises(Exception):  # noqa: B017 - only the Head answers
        login_code_submit(actor=editor, channel=channel, code=right)
