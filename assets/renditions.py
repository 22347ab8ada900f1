"""Renditions: smaller pictures made from an original, in one pass over its pixels.

Photos are decoded once, at the smallest JPEG scale that still covers the largest rendition
(Pillow's ``draft()``, libjpeg's DCT scaling), turned upright from their EXIF orientation, and
each smaller size is derived from the one above it. A video gives a poster frame (PyAV), a PDF its
first page (pypdfium2). Functions here take and return plain values; storing them is the
service's job.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps

from . import inspection  # noqa: F401  (registers the HEIF opener)

# Long edge in pixels, largest first: each is made from the one before it.
PHOTO_SIZES = [("preview", 1600), ("platform", 1080), ("thumb", 400)]
JPEG_QUALITY = 82


@dataclass
class RenderedImage:
    name: str
    content: bytes
    width: int
    height: int


class RenditionError(Exception):
    """The original could not be turned into pictures; the message says why."""


def _fit(size: tuple[int, int], edge: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG output: transparency goes onto white, palettes and 16-bit are converted."""
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def sized_set(image: Image.Image, sizes: list[tuple[str, int]]) -> list[RenderedImage]:
    """Each named size from ``image`` (already upright and RGB), each from the larger one."""
    results = []
    current = image
    for name, edge in sizes:
        target = _fit(current.size, edge)
        if target != current.size:
            # reduce() first (box filter by an integer factor), then a short Lanczos step: the
            # same look as a full Lanczos resize at a fraction of the work.
            factor = min(current.width // target[0], current.height // target[1])
            if factor >= 2:
                current = current.reduce(factor)
            current = current.resize(target, Image.Resampling.LANCZOS)
        results.append(RenderedImage(name, _encode(current), current.width, current.height))
    return results


def photo_renditions(source: BinaryIO | str) -> list[RenderedImage]:
    """Preview (1600 px), platform (1080 px) and thumbnail (400 px) of a photo."""
    try:
        with Image.open(source) as image:
            largest = PHOTO_SIZES[0][1]
            if image.format in {"JPEG", "MPO"}:
                # The smallest DCT scale whose picture still covers the largest rendition.
                image.draft("RGB", _fit(image.size, largest))
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            upright = _flatten(upright)
            return sized_set(upright, PHOTO_SIZES)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise RenditionError(str(exc)) from exc


def video_poster(path: str) -> list[RenderedImage]:
    """A poster frame (a tenth into the video, at most ten seconds in) and its thumbnail."""
    import av

    try:
        with av.open(path, metadata_errors="ignore") as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if container.duration:
                moment = min(container.duration * 0.1, 10 * 1_000_000)
                container.seek(int(moment), any_frame=False, backward=True)
            frame = next(container.decode(stream), None)
            if frame is None:
                raise RenditionError("the video has no picture that can be decoded")
            image = frame.to_image()
    except (av.error.FFmpegError, IndexError, OSError) as exc:
        raise RenditionError(getattr(exc, "strerror", None) or str(exc)) from exc
    return sized_set(image.convert("RGB"), [("poster", 1600), ("thumb", 400)])


def pdf_first_page(path: str) -> list[RenderedImage]:
    """The first page of a PDF as a preview (1600 px) and a thumbnail."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(path)
        try:
            page = document[0]
            width, height = page.get_size()
            scale = min(4.0, 1600 / max(width, height, 1))
            bitmap = page.render(scale=scale)
            image = bitmap.to_pil().convert("RGB")
            page.close()
        finally:
            document.close()
    except pdfium.PdfiumError as exc:
        raise RenditionError(str(exc)) from exc
    return sized_set(image, [("preview", 1600), ("thumb", 400)])
