"""Media in each platform's form: a phone's HEVC ``.mov`` goes to Instagram as H.264/AAC MP4
(transcoded once by the worker), and what a platform would refuse is said at submit time."""

from __future__ import annotations

import io
import uuid

import pytest
import requests
from django.core.exceptions import ValidationError

from assets.models import Asset, Rendition
from assets.services import asset_create_from_file, asset_render, folder_create
from publishing.checks import media_problems
from publishing.media import video_codecs
from publishing.models import PostStatus
from publishing.services.posts import post_create, post_submit
from tests.conftest import wait_for
from tests.publishing.delivery_fixtures import approved_post, make_channels, photo_asset
from tests.publishing.sync_fixtures import held_queue  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True)]

FINISHED = (PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED, PostStatus.FAILED)


@pytest.fixture
def channels(simulator, kadis, divisions):
    return make_channels(kadis, divisions["PKP"])


def _hevc_mov(path, *, size=(96, 96), frames=35) -> None:
    """What a phone records: HEVC video and AAC sound in a QuickTime ``.mov`` (3.5 seconds:
    Instagram takes reels of 3 seconds or more)."""
    import av
    from PIL import Image

    with av.open(str(path), "w", format="mov") as container:
        video = container.add_stream("libx265", rate=10)
        video.width, video.height, video.pix_fmt = *size, "yuv420p"
        video.options = {"preset": "ultrafast", "x265-params": "log-level=error"}
        audio = container.add_stream("aac", rate=44100)
        for index in range(frames):
            picture = Image.new("RGB", size, (index * 25 % 255, 90, 160))
            container.mux(video.encode(av.VideoFrame.from_image(picture)))
        for _ in range(frames):
            frame = av.AudioFrame(format="fltp", layout="mono", samples=4410)
            frame.planes[0].update(bytes(frame.planes[0].buffer_size))  # as long as the video
            frame.sample_rate = 44100
            container.mux(audio.encode(frame))
        container.mux(video.encode())
        container.mux(audio.encode())


def _upload(editor, division, path, name) -> Asset:
    folder = folder_create(actor=editor, name=f"Video {uuid.uuid4().hex[:6]}", division=division)
    with open(path, "rb") as handle:
        asset = asset_create_from_file(
            actor=editor, folder=folder, fileobj=io.BytesIO(handle.read()), filename=name
        )
    asset_render(asset_id=asset.pk)
    return Asset.objects.get(pk=asset.pk)


@pytest.mark.e2e
@pytest.mark.usefixtures("use_queue")
def test_phone_hevc_mov_reaches_instagram_as_h264_mp4_transcoded_once(
    simulator, channels, editor, kadis, divisions, tmp_path
):
    _hevc_mov(tmp_path / "IMG_0042.MOV")
    video = _upload(editor, divisions["PKP"], tmp_path / "IMG_0042.MOV", "IMG_0042.MOV")
    assert video.kind == Asset.Kind.VIDEO and video.status == Asset.Status.READY
    assert video_codecs(video.file.path)[1] == "hevc"
    posts = [
        approved_post(
            editor=editor,
            kadis=kadis,
            channels=[channels["instagram_graph"]],
            text=f"Video dari ponsel {n}.",
            assets=[video],
        )
        for n in range(2)
    ]
    for post in posts:
        wait_for(lambda post=post: post.__class__.objects.get(pk=post.pk).status in FINISHED, 60)
        post.refresh_from_db()
        assert post.status == PostStatus.PUBLISHED, post.deliveries.get().last_error
    received = simulator.posts("instagram", "mediacenterbojonegoro")
    assert len(received) == 2
    # One conversion, kept as the video's platform copy and used by both deliveries.
    platform_copy = Rendition.objects.get(asset=video, name="platform")
    for post in received:
        (media,) = post["media"]
        assert media["kind"] == "video" and media["mime_type"] == "video/mp4"
        assert media["size"] == platform_copy.size
    body = requests.get(received[0]["media"][0]["url"], timeout=10).content
    (tmp_path / "received.mp4").write_bytes(body)
    container, video_codec, audio_codec = video_codecs(str(tmp_path / "received.mp4"))
    assert "mp4" in container.split(",")
    assert (video_codec, audio_codec) == ("h264", "aac")


def test_instagram_photo_outside_its_ratios_is_refused_at_submit(channels, editor, divisions):
    tall = photo_asset(editor, divisions["PKP"], size=(900, 1300), name="poster.jpg")  # 0.69:1
    post = post_create(
        actor=editor,
        text="Poster kegiatan.",
        asset_ids=[tall.pk],
        channel_ids=[channels["instagram_graph"].pk, channels["facebook"].pk],
    )
    problems = media_problems(post)
    assert len(problems) == 1 and "4:5" in problems[0] and "poster" in problems[0]
    with pytest.raises(ValidationError) as refused:
        post_submit(actor=editor, post=post)
    assert any("4:5" in message for message in refused.value.messages)
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    # For Facebook alone the same photo is fine.
    other = post_create(
        actor=editor, text="Poster.", asset_ids=[tall.pk], channel_ids=[channels["facebook"].pk]
    )
    assert media_problems(other) == []
    assert post_submit(actor=editor, post=other).status == PostStatus.SUBMITTED


@pytest.mark.usefixtures("held_queue")  # no worker renders the photo while the test looks at it
def test_asset_still_processing_is_refused_at_submit(channels, editor, divisions):
    from PIL import Image

    folder = folder_create(actor=editor, name="Unggahan baru", division=divisions["PKP"])
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1000), (30, 120, 200)).save(buffer, "JPEG")
    waiting = asset_create_from_file(
        actor=editor, folder=folder, fileobj=io.BytesIO(buffer.getvalue()), filename="baru.jpg"
    )
    assert waiting.status == Asset.Status.PROCESSING
    for asset, words in ((waiting, "masih diproses"),):
        post = post_create(
            actor=editor,
            text="Foto kegiatan.",
            asset_ids=[asset.pk],
            channel_ids=[channels["facebook"].pk],
        )
        problems = media_problems(post)
        assert len(problems) == 1 and asset.title in problems[0]
        with pytest.raises(ValidationError) as refused:
            post_submit(actor=editor, post=post)
        assert any(words in message for message in refused.value.messages), refused.value
