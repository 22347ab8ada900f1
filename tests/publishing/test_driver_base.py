"""What every driver shares: the registry, the interface, and errors that never hold a secret."""

from __future__ import annotations

import pytest

from publishing.drivers.errors import RetryableError
from publishing.drivers.http import platform_url, redact
from publishing.drivers.registry import Platform, drivers_for, get_driver
from publishing.drivers.types import Driver, MediaItem, MediaKind, PostPayload


def test_registry_has_one_driver_per_way_of_publishing():
    assert drivers_for(Platform.INSTAGRAM) == ["instagram_graph", "instagram_private"]
    assert drivers_for(Platform.FACEBOOK) == ["facebook"] and drivers_for(Platform.X) == ["x"]
    for name in ("facebook", "instagram_graph", "instagram_private", "x"):
        assert isinstance(get_driver(name), Driver)
    with pytest.raises(LookupError):
        get_driver("myspace")


def test_addresses_go_to_the_simulator_only_when_it_is_configured(settings):
    settings.SOCIAL_API_BASE = "http://127.0.0.1:9/simulator"
    assert (
        platform_url("https://graph.facebook.com/v26.0/me")
        == "http://127.0.0.1:9/simulator/facebook/v26.0/me"
    )
    assert (
        platform_url("https://api.twitter.com/2/tweets")
        == "http://127.0.0.1:9/simulator/x/2/tweets"
    )
    assert platform_url("https://example.com/x") == "https://example.com/x"
    settings.SOCIAL_API_BASE = ""
    assert (
        platform_url("https://graph.facebook.com/v26.0/me") == "https://graph.facebook.com/v26.0/me"
    )


def test_redact_removes_the_credential_and_anything_token_like():
    text = (
        "GET /feed?access_token=EAAGsecret123&x=1 Authorization: Bearer abc.def password=hunter22"
    )
    cleaned = redact(text, {"access_token": "EAAGsecret123"})
    assert "EAAGsecret123" not in cleaned and "abc.def" not in cleaned and "hunter22" not in cleaned


@pytest.mark.parametrize(
    ("driver", "credential"),
    [
        ("facebook", {"page_id": "1", "access_token": "EAAGunreachable-token"}),
        ("x", {"access_token": "x-unreachable-token", "refresh_token": "r-token-123"}),
        ("instagram_graph", {"ig_user_id": "1", "access_token": "EAAGunreachable-token"}),
    ],
)
def test_an_unreachable_platform_is_retryable_and_the_error_holds_no_token(
    settings, driver, credential, tmp_path
):
    settings.SOCIAL_API_BASE = "http://127.0.0.1:9/simulator"  # nothing listens there
    settings.SOCIAL_API_TIMEOUT = 2
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"\xff\xd8\xff")
    media = (
        MediaItem(
            kind=MediaKind.IMAGE, mime_type="image/jpeg", path=photo, url="http://127.0.0.1:9/p.jpg"
        ),
    )
    with pytest.raises(RetryableError) as caught:
        get_driver(driver).publish(PostPayload(text="Halo", media=media), credential)
    recorded = str(caught.value.as_dict())
    assert credential["access_token"] not in recorded
    assert caught.value.platform in ("facebook", "x", "instagram")
