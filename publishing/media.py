"""The media of a post in the form each platform needs.

* **Photos** go as the library's ``platform`` rendition: a JPEG of at most 1080 px on the long
  edge, which every platform takes within its size limit. Instagram takes only ratios between
  4:5 and 1.91:1: a photo outside them is **refused with a clear message** (at submit time through
  :func:`publishing.checks.media_problems`, and again at delivery) rather than padded or cropped behind anyone's
  back, because cropping a government photo can cut people or text out of it; the editor crops
  it in the composer (shape and point of interest, part of what is approved) and Instagram gets
  that crop, made as a rendition of the photo (``assets.crops``), while other platforms get the
  photo whole.
* **Videos** go as they are when the platform takes their container and codecs; otherwise (a
  phone's HEVC ``.mov`` for Instagram or X) the worker transcodes them once with PyAV to H.264/AAC
  in MP4. The result is kept as the video's ``platform`` rendition, so every channel and every
  later try uses the same file.
* **Instagram's Graph API** fetches media itself: each item carries a signed, expiring address of
  the portal (``ASSET_PUBLIC_BASE_URL``) or of the object store (``assets.services.asset_public_url``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assets.crops import Crop, CropError, crop_rendition
from assets.models import Asset, Rendition
from assets.services import asset_public_url

from .checks import takes_only_some_shapes
from .drivers.types import Driver, MediaItem, MediaKind
from .models import Channel, Post

# Containers and codecs every platform takes for video: MP4 with H.264 (and AAC sound, or none).
SAFE_VIDEO_CODECS = {"h264"}
SAFE_AUDIO_CODECS = {"aac", None}
# Drivers take only those when their facts say ``strict_video``; a driver whose facts say
# ``media_by_url`` has the platform fetch media by address rather than receiving the bytes.
VIDEO_EDGE = 1920


class MediaProblem(Exception):
    """A media item cannot go to a channel; the message says why, in words a person understands."""


# --- what the worker sends ---------------------------------------------------------------------


def media_for(post: Post, channel: Channel, driver: Driver) -> tuple[MediaItem, ...]:
    """The post's media as ``driver`` needs them, once the checks found nothing the platform
    refuses (``publishing.checks.delivery_problem``); ``MediaProblem`` when one cannot be
    prepared (a rendition missing, a video that cannot be read or converted)."""
    items = []
    uses = post.media.select_related("asset").prefetch_related("asset__renditions")
    for use in uses:
        asset = use.asset
        crop = use.crop if takes_only_some_shapes(driver.limits) else None
        if asset.kind == Asset.Kind.PHOTO and crop is not None:
            items.append(_cropped_photo(asset, crop, driver, alt_text=use.alt_text))
        elif asset.kind == Asset.Kind.PHOTO:
            items.append(_photo(asset, driver, alt_text=use.alt_text))
        else:
            items.append(_video(asset, driver, alt_text=use.alt_text))
    return tuple(items)


def _stored_item(name: str, **fields) -> MediaItem:
    if isinstance(default_storage, FileSystemStorage):
        return MediaItem(path=Path(default_storage.path(name)), **fields)
    return MediaItem(opener=lambda: default_storage.open(name, "rb"), **fields)


def _url_for(asset: Asset, rendition: str | None, driver: Driver) -> str:
    url = asset_public_url(asset, rendition, absolute=True)
    if url.startswith(("http://", "https://")):
        return url
    if driver.facts.media_by_url:
        raise MediaProblem(
            _(
                "%(platform)s fetches media from the portal by address, but the portal's public "
                "address (ASSET_PUBLIC_BASE_URL) is not set."
            )
            % {"platform": driver.platform_label}
        )
    return ""


def _photo(asset: Asset, driver: Driver, *, alt_text: str) -> MediaItem:
    rendition = asset.rendition("platform")
    if rendition is None and asset.mime_type != "image/jpeg":
        raise MediaProblem(
            _("“%(title)s” has no picture made for the platforms yet.") % {"title": asset.title}
        )
    name = rendition.file.name if rendition else asset.file.name
    return _stored_item(
        name,
        kind=MediaKind.IMAGE,
        mime_type="image/jpeg",
        url=_url_for(asset, "platform" if rendition else None, driver),
        width=rendition.width if rendition else asset.width,
        height=rendition.height if rendition else asset.height,
        size=rendition.size if rendition else asset.size,
        alt_text=alt_text,
        filename=f"{asset.pk}.jpg",
    )


def _cropped_photo(asset: Asset, crop: Crop, driver: Driver, *, alt_text: str) -> MediaItem:
    """The photo's crop for Instagram: made again from the original if it is gone."""
    try:
        rendition = crop_rendition(asset, crop)
    except CropError as exc:
        raise MediaProblem(str(exc)) from None
    asset = Asset.objects.prefetch_related("renditions").get(pk=asset.pk)
    return _stored_item(
        rendition.file.name,
        kind=MediaKind.IMAGE,
        mime_type="image/jpeg",
        url=_url_for(asset, rendition.name, driver),
        width=rendition.width,
        height=rendition.height,
        size=rendition.size,
        alt_text=alt_text,
        filename=f"{asset.pk}.jpg",
    )


def _video(asset: Asset, driver: Driver, *, alt_text: str) -> MediaItem:
    platform_copy = asset.rendition("platform")
    if platform_copy is None and _needs_transcode(asset, driver):
        platform_copy = video_platform_rendition(asset)
    if platform_copy is not None:
        name, mime, rendition = platform_copy.file.name, "video/mp4", "platform"
        width, height, size = platform_copy.width, platform_copy.height, platform_copy.size
    else:
        name, mime, rendition = asset.file.name, asset.mime_type, None
        width, height, size = asset.width, asset.height, asset.size
    try:
        url = _url_for(asset, rendition, driver)
    except MediaProblem:
        url = ""  # videos go to every platform as bytes: the address is only a fallback
    return _stored_item(
        name,
        kind=MediaKind.VIDEO,
        mime_type=mime,
        url=url,
        width=width,
        height=height,
        duration=asset.duration,
        size=size,
        alt_text=alt_text,
        filename=f"{asset.pk}{'.mp4' if mime == 'video/mp4' else Path(name).suffix}",
    )


@contextmanager
def _local(name: str):
    if isinstance(default_storage, FileSystemStorage):
        yield default_storage.path(name)
        return
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix) as handle:
        with default_storage.open(name, "rb") as source:
            shutil.copyfileobj(source, handle, 1024 * 1024)
        handle.flush()
        yield handle.name


def video_codecs(path: str) -> tuple[str, str | None, str | None]:
    """(container, video codec, audio codec) of a video file."""
    import av

    with av.open(path) as container:
        video = container.streams.video[0].codec_context.name if container.streams.video else None
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
        return container.format.name, video, audio


def _needs_transcode(asset: Asset, driver: Driver) -> bool:
    if asset.mime_type not in driver.limits.video_types:
        return True
    if not driver.facts.strict_video:
        return False
    try:
        with _local(asset.file.name) as path:
            formats, video, audio = video_codecs(path)
    except Exception as exc:  # unreadable here means unreadable for the platform too
        raise MediaProblem(
            _("“%(title)s” cannot be read as a video (%(reason)s).")
            % {"title": asset.title, "reason": exc.__class__.__name__}
        ) from None
    return not (
        asset.mime_type == "video/mp4"
        and "mp4" in formats.split(",")
        and video in SAFE_VIDEO_CODECS
        and audio in SAFE_AUDIO_CODECS
    )


def video_platform_rendition(asset: Asset) -> Rendition:
    """Transcode a video to H.264/AAC in MP4 (once; kept as its ``platform`` rendition)."""
    existing = Rendition.objects.filter(asset=asset, name="platform").first()
    if existing is not None:
        return existing
    folder = tempfile.mkdtemp(prefix="portal-transcode-")
    try:
        target = os.path.join(folder, "platform.mp4")
        try:
            with _local(asset.file.name) as source:
                width, height = transcode_to_mp4(source, target)
        except Exception as exc:
            raise MediaProblem(
                _("“%(title)s” could not be converted for the platform (%(reason)s).")
                % {"title": asset.title, "reason": exc.__class__.__name__}
            ) from None
        rendition = Rendition(
            asset=asset, name="platform", width=width, height=height, size=os.path.getsize(target)
        )
        with open(target, "rb") as handle:
            rendition.file.save("platform.mp4", File(handle), save=False)
        try:
            with transaction.atomic():
                rendition.save()
        except IntegrityError:
            # Another delivery of the same video made it meanwhile: use theirs.
            default_storage.delete(rendition.file.name)
            return Rendition.objects.get(asset=asset, name="platform")
        return rendition
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def transcode_to_mp4(source: str, target: str) -> tuple[int, int]:
    """Re-encode ``source`` as H.264 (yuv420p, at most 1920 px) with AAC sound in MP4."""
    import av

    with av.open(source) as inp, av.open(target, "w", format="mp4") as out:
        in_video = inp.streams.video[0]
        in_audio = inp.streams.audio[0] if inp.streams.audio else None
        rate = in_video.average_rate or Fraction(30)
        width, height = in_video.codec_context.width, in_video.codec_context.height
        scale = min(1.0, VIDEO_EDGE / max(width, height))
        width, height = int(width * scale) // 2 * 2, int(height * scale) // 2 * 2
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": "23", "preset": "veryfast", "movflags": "+faststart"}
        audio = None
        if in_audio is not None:
            audio = out.add_stream("aac", rate=in_audio.codec_context.sample_rate or 44100)
        streams = [in_video] + ([in_audio] if in_audio is not None else [])
        for packet in inp.demux(*streams):
            for frame in packet.decode():
                if packet.stream.type == "video":
                    frame = frame.reformat(width=width, height=height, format="yuv420p")
                    frame.pts = None
                    out.mux(video.encode(frame))
                elif audio is not None:
                    frame.pts = None
                    out.mux(audio.encode(frame))
        out.mux(video.encode())
        if audio is not None:
            out.mux(audio.encode())
    return width, height
