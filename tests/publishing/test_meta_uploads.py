"""Media Meta takes as bytes: Facebook photos as the ``source`` file part, Facebook videos through
the Pages video upload (start, transfer, finish) and Instagram videos through the resumable
upload to rupload, so that with the simulator playing the public internet (private addresses out
of reach) only Instagram photos still need the portal's public address."""

from __future__ import annotations

import pytest
import requests

from publishing.drivers.registry import get_driver
from publishing.drivers.types import MediaItem, MediaKind, PostPayload
from publishing.simulator import graph_api

PAGE, IG = "MediaCenterBJN", "mediacenterbojonegoro"


@pytest.fixture
def internet(settings):
    """The simulator plays the public internet: the test file server (127.0.0.1) is out of
    reach, as the portal on a private address would be from Meta's servers."""
    settings.SIMULATOR_PUBLIC_INTERNET = True


def _requests(simulator, account):
    return [
        (r["method"], r["path"], r["status"]) for r in simulator.log(account=account)["requests"]
    ]


def test_facebook_photo_and_album_go_as_bytes(simulator, internet, media_dir, file_server):
    fb = get_driver("facebook")
    credential = simulator.credential("facebook", PAGE)
    photo = MediaItem(
        kind=MediaKind.IMAGE, mime_type="image/jpeg", path=media_dir / "photo.jpg",
        url=f"{file_server}/photo.jpg",  # unreachable: not used
    )  # fmt: skip
    one = fb.publish(PostPayload(text="Satu foto", media=(photo,)), credential)
    two = fb.publish(PostPayload(text="Dua foto", media=(photo, photo)), credential)
    posts = {p["external_id"]: p for p in simulator.posts("facebook", PAGE)}
    assert len(posts[one.external_id]["media"]) == 1
    assert len(posts[two.external_id]["media"]) == 2


def test_facebook_video_is_uploaded_in_phases_and_its_post_id_is_kept(
    simulator, internet, media_dir, file_server, monkeypatch
):
    monkeypatch.setattr(graph_api, "VIDEO_CHUNK_BYTES", 4096)  # several transfers
    fb = get_driver("facebook")
    credential = simulator.credential("facebook", PAGE)
    clip = media_dir / "clip.mp4"
    video = MediaItem(
        kind=MediaKind.VIDEO, mime_type="video/mp4", path=clip, url=f"{file_server}/clip.mp4"
    )
    result = fb.publish(PostPayload(text="Video kegiatan", media=(video,)), credential)
    # The result is the Page post (page-id_post-id), not the video object.
    assert result.external_id.startswith("100090000000101_")
    posts = simulator.posts("facebook", PAGE)
    assert [p["external_id"] for p in posts] == [result.external_id]
    assert posts[0]["media"][0]["size"] == clip.stat().st_size
    calls = [r for r in _requests(simulator, PAGE) if r[0] == "POST" and r[1].endswith("/videos")]
    transfers = -(-clip.stat().st_size // 4096)
    assert len(calls) == 1 + transfers + 1  # start, transfers, finish
    assert all(status == 200 for _m, _p, status in calls)


def test_instagram_reel_goes_through_the_resumable_upload(
    simulator, internet, media_dir, file_server
):
    ig = get_driver("instagram_graph")
    ig.poll_interval = 0.5
    credential = simulator.credential("instagram", IG)
    video = MediaItem(
        kind=MediaKind.VIDEO, mime_type="video/mp4", path=media_dir / "clip.mp4",
        url=f"{file_server}/clip.mp4", duration=3.5,
    )  # fmt: skip
    result = ig.publish(PostPayload(text="Reels kegiatan", media=(video,)), credential)
    posts = simulator.posts("instagram", IG)
    assert [p["external_id"] for p in posts] == [result.external_id]
    assert posts[0]["media"][0]["mime_type"] == "video/mp4"
    paths = [path for method, path, status in _requests(simulator, IG) if method == "POST"]
    assert any("/rupload/ig-api-upload/" in path for path in paths)


def test_instagram_photo_still_needs_a_public_address(simulator, internet, media_dir, file_server):
    from publishing.drivers.errors import PermanentError

    ig = get_driver("instagram_graph")
    photo = MediaItem(
        kind=MediaKind.IMAGE, mime_type="image/jpeg", path=media_dir / "photo.jpg",
        url=f"{file_server}/photo.jpg",
    )  # fmt: skip
    with pytest.raises(PermanentError) as caught:
        ig.publish(PostPayload(text="Foto", media=(photo,)), simulator.credential("instagram", IG))
    assert caught.value.code == "media_unreachable"


def test_rupload_refuses_a_wrong_token_and_a_wrong_size(simulator, media_dir):
    base = f"{simulator.base}/facebook/rupload/ig-api-upload/v26.0/123"
    body = (media_dir / "clip.mp4").read_bytes()
    answer = requests.post(
        base, data=body, headers={"Authorization": "OAuth nope", "offset": "0"}, timeout=10
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 190


@pytest.mark.django_db
def test_an_instagram_video_does_not_need_the_public_address(settings, make_asset):
    """Without ASSET_PUBLIC_BASE_URL a video still goes (as bytes); a photo cannot."""
    from publishing import media
    from tests.assets import media as files

    settings.ASSET_PUBLIC_BASE_URL = ""
    driver = get_driver("instagram_graph")
    clip = make_asset("klip.mp4", data=files.mp4(seconds=3.5))
    item = media._video(clip, driver, alt_text="")
    assert item.url == "" and (item.path is not None or item.opener is not None)
    photo = make_asset("foto.jpg")
    with pytest.raises(media.MediaProblem):
        media._photo(photo, driver, alt_text="")
