"""Instagram Graph's limits, told once (the driver's ``validate``, which the composer's checks
use) and refused alike by the strict simulator; the container polling's pace; media Instagram
cannot fetch, with the simulator playing the public internet or not."""

from __future__ import annotations

import itertools

import pytest

from publishing.addresses import address_problem, media_base_problems
from publishing.drivers.errors import PermanentError, RetryableError
from publishing.drivers.instagram_graph import (
    POLL_LIMIT,
    caption_problems,
    hashtags,
    mentions,
)
from publishing.drivers.registry import get_driver
from publishing.drivers.types import MediaItem, MediaKind, PostPayload

ACCOUNT = "mediacenterbojonegoro"


def served(file_server, name, kind=MediaKind.IMAGE, mime="image/jpeg", **extra):
    return MediaItem(kind=kind, mime_type=mime, url=f"{file_server}/{name}", **extra)


def test_hashtags_are_counted_not_hash_characters():
    text = "Rapat #banjir ## C# a#b #123 #2024banjir &#39; #Bojonegoro_Kab #kab#kota"
    assert hashtags(text) == ["#banjir", "#2024banjir", "#Bojonegoro_Kab", "#kab"]
    assert mentions("@pemkab, humas@bojonegorokab.go.id @kominfo.bjn. @_x") == [
        "@pemkab",
        "@kominfo.bjn",
        "@_x",
    ]


def test_thirty_hashtags_pass_thirty_one_do_not_and_many_hash_signs_are_fine():
    thirty = " ".join(f"#tag{i}" for i in range(30))
    assert caption_problems(thirty) == []
    assert caption_problems(thirty + " #satu_lagi") != []
    # Forty "#" that are not hashtags: the old count of "#" characters refused this.
    assert caption_problems("Nomor ## " * 20 + "C# F#") == []
    assert caption_problems("@a " * 20) == []
    assert len(caption_problems(" ".join(f"@akun{i}" for i in range(21)))) == 1
    assert len(caption_problems("x" * 2201)) == 1
    assert caption_problems("x" * 2200) == []


@pytest.mark.django_db
def test_composer_check_says_the_same_as_the_driver(channels, make_asset):
    from publishing.checks import check_post_content

    text = " ".join(f"#tag{i}" for i in range(31))
    report = check_post_content(
        text=text, assets=[make_asset("foto.jpg")], channels=[channels["instagram"]]
    )
    problems = report.channels[0].problems
    assert problems == caption_problems(text)


def test_video_limits_per_kind():
    ig = get_driver("instagram_graph")
    reel = MediaItem(kind=MediaKind.VIDEO, mime_type="video/mp4", url="https://x.test/v.mp4")

    def problems(*items):
        return ig.validate(PostPayload(text="t", media=items))

    ten_minutes = MediaItem(**{**reel.__dict__, "duration": 600.0})
    assert problems(ten_minutes) == []  # a reel of 10 minutes
    photo = MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", url="https://x.test/p.jpg")
    assert len(problems(photo, ten_minutes)) == 1  # the same in a carousel: 60 s at most
    assert len(problems(MediaItem(**{**reel.__dict__, "duration": 2.0}))) == 1
    assert len(problems(MediaItem(**{**reel.__dict__, "duration": 16 * 60.0}))) == 1
    big = MediaItem(**{**reel.__dict__, "duration": 30.0, "size": 150 * 1024 * 1024})
    assert problems(big) == []  # a reel takes 300 MB
    assert len(problems(photo, big)) == 1  # a carousel video 100 MB


def test_the_simulator_refuses_what_the_driver_refuses(simulator, file_server):
    """The driver's own check bypassed: the simulator refuses the same captions and videos."""
    from facebook_business.adobjects.iguser import IGUser

    from publishing.drivers._graph import graph_api

    credential = simulator.credential("instagram", ACCOUNT)
    user = IGUser(credential["ig_user_id"], api=graph_api(credential, platform="instagram"))
    from facebook_business.exceptions import FacebookRequestError

    with pytest.raises(FacebookRequestError) as caught:
        user.create_media(
            params={
                "image_url": f"{file_server}/photo.jpg",
                "caption": " ".join(f"#t{i}" for i in range(31)),
            }
        )
    assert caught.value.api_error_subcode() == 2207010
    ok = user.create_media(
        params={"image_url": f"{file_server}/photo.jpg", "caption": "##" * 40 + " C#"}
    )
    assert ok["id"]
    with pytest.raises(FacebookRequestError) as caught:
        user.create_media(params={"media_type": "REELS", "video_url": f"{file_server}/short.mp4"})
    assert caught.value.api_error_subcode() == 2207026
    with pytest.raises(FacebookRequestError) as caught:
        user.create_media(
            params={
                "media_type": "VIDEO",
                "is_carousel_item": True,
                "video_url": f"{file_server}/long.mp4",
            }
        )
    assert caught.value.api_error_subcode() == 2207026
    assert simulator.posts("instagram", ACCOUNT) == []


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_container_polling_backs_off_up_to_meta_s_five_minutes(simulator, file_server):
    clock = FakeClock()
    ig = get_driver("instagram_graph")
    ig.clock, ig.sleep = clock, clock.sleep
    video = served(file_server, "clip.mp4", MediaKind.VIDEO, "video/mp4")
    # The fake clock runs while the simulator's real one stands still: the container stays
    # IN_PROGRESS, and the driver gives up after 5 minutes of (fake) waiting.
    with pytest.raises(RetryableError):
        ig.publish(
            PostPayload(text="Reels", media=(video,)), simulator.credential("instagram", ACCOUNT)
        )
    assert clock.sleeps[0] == 3.0
    # Each pause at least as long as the one before (the last one only fills up to the limit).
    growing = clock.sleeps[:-1]
    assert all(b >= a for a, b in itertools.pairwise(growing)), clock.sleeps
    assert max(clock.sleeps) == 60.0
    assert sum(clock.sleeps) == pytest.approx(POLL_LIMIT)
    assert len(clock.sleeps) <= 12  # not one look a second
    assert simulator.posts("instagram", ACCOUNT) == []


def test_unreachable_media_is_a_permanent_error_naming_the_address(
    simulator, settings, file_server
):
    settings.SIMULATOR_PUBLIC_INTERNET = True
    ig = get_driver("instagram_graph")
    with pytest.raises(PermanentError) as caught:
        ig.publish(
            PostPayload(text="Foto", media=(served(file_server, "photo.jpg"),)),
            simulator.credential("instagram", ACCOUNT),
        )
    assert caught.value.code == "media_unreachable"
    assert not caught.value.retryable
    assert file_server.split("//")[1] in str(caught.value.user_message)
    assert "2207052" in str(caught.value.platform_code)
    # The same address, the simulator not playing the internet (the local demo): it goes.
    settings.SIMULATOR_PUBLIC_INTERNET = False
    result = ig.publish(
        PostPayload(text="Foto", media=(served(file_server, "photo.jpg"),)),
        simulator.credential("instagram", ACCOUNT),
    )
    assert result.external_id


def test_against_the_real_instagram_a_private_address_is_refused_before_any_call(settings):
    settings.SOCIAL_API_BASE = ""
    ig = get_driver("instagram_graph")
    item = MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", url="http://10.1.2.3/p.jpg")
    assert any("10.1.2.3" in p for p in ig.validate(PostPayload(text="t", media=(item,))))
    public = MediaItem(**{**item.__dict__, "url": "https://157.240.1.35/p.jpg"})
    assert ig.validate(PostPayload(text="t", media=(public,))) == []


@pytest.mark.parametrize(
    "url,bad",
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://192.168.1.20", True),
        ("http://[::1]:8000", True),
        ("http://portal", True),
        ("http://minio:9000", True),
        ("http://100.64.0.5", True),
        ("", True),
        ("ftp://portal.example.org", True),
        ("https://portal.bojonegorokab.go.id", False),
        ("https://157.240.1.35", False),
    ],
)
def test_address_problem(url, bad):
    assert bool(address_problem(url)) is bad


def test_system_check_and_healthz_say_what_is_wrong(settings, client, db):
    from django.core import checks

    settings.MEDIA_ADDRESS_CHECK = True
    settings.ASSET_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    found = [m for m in checks.run_checks(tags=["platforms"]) if m.id == "publishing.W001"]
    assert len(found) == 1 and "ASSET_PUBLIC_BASE_URL" in found[0].msg
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["media_address"] == "unreachable"
    assert "127.0.0.1" in health.json()["problems"][0]
    settings.ASSET_PUBLIC_BASE_URL = "https://157.240.1.35"
    settings.STORAGE_BACKEND = "s3"
    settings.AWS_S3_ENDPOINT_URL = "http://minio:9000"
    assert any("S3" in p for p in media_base_problems(resolve=False))
    settings.MEDIA_ADDRESS_CHECK = False
    assert client.get("/healthz").json()["status"] == "ok"
