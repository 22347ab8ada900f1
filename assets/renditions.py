"""Renditions: smaller pictures made from an original, in one pass over its pixels.

Photos are decoded once, at the smallest JPEG scale that still covers the largest rendition
(Pillow's ``draft()``, libjpeg's DCT scaling), turned upright from their EXIF orientation, and
each smaller size is derived from the one above it. A video gives a poster frame (PyAV), a PDF its
first page (pypdfium2). Functions here take and return plain values; storing them is the
service's job.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from fractions import Fraction
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


# --- crops for a platform that takes only some shapes ----------------------------------------

# Instagram's three shapes: portrait 4:5, square 1:1 and landscape 1.91:1 (width / height).
CROP_RATIOS = {"4x5": Fraction(4, 5), "1x1": Fraction(1, 1), "191x100": Fraction(191, 100)}
CROP_EDGE = 1080


def crop_box(size: tuple[int, int], ratio: Fraction, focus: tuple[float, float]) -> tuple[int, ...]:
    """The largest ``ratio`` box inside ``size``, centred on ``focus`` (0..1 of the width and of
    the height) as far as the picture's edges allow: (left, top, right, bottom)."""
    width, height = size
    if Fraction(width, height) > ratio:  # too wide: full height, cut the sides
        box_h = height
        rounding = math.ceil if ratio < 1 else math.floor  # stay on the shape's side of square
        box_w = min(width, max(1, rounding(height * ratio)))
    else:  # too tall: full width, cut top and bottom
        box_w = width
        box_h = min(height, max(1, math.ceil(width / ratio)))
        if Fraction(box_w, box_h) < min(ratio, 1) and box_h > 1:
            box_h -= 1  # never taller than the shape allows
    left = round(focus[0] * width - box_w / 2)
    top = round(focus[1] * height - box_h / 2)
    left = min(max(0, left), width - box_w)
    top = min(max(0, top), height - box_h)
    return left, top, left + box_w, top + box_h


def crop_size(size: tuple[int, int], ratio: Fraction, edge: int = CROP_EDGE) -> tuple[int, int]:
    """The size of the crop of a picture of ``size``: the box scaled to at most ``edge`` on its
    long side, rounded so that the shape stays inside ``ratio``'s side of square."""
    left, top, right, bottom = crop_box(size, ratio, (0.5, 0.5))
    box_w, box_h = right - left, bottom - top
    scale = min(Fraction(1), Fraction(edge, max(box_w, box_h)))
    if ratio < 1:  # portrait: the height leads, the width is rounded up (never narrower)
        out_h = max(1, math.floor(box_h * scale))
        out_w = min(out_h, max(1, math.ceil(out_h * ratio)))
    elif ratio > 1:  # landscape: the width leads, the height is rounded up (never wider)
        out_w = max(1, math.floor(box_w * scale))
        out_h = min(out_w, max(1, math.ceil(out_w / ratio)))
    else:
        out_w = out_h = max(1, math.floor(min(box_w, box_h) * scale))
    return out_w, out_h


def photo_crop(
    source: BinaryIO | str, ratio: Fraction, focus: tuple[float, float], name: str
) -> RenderedImage:
    """A JPEG of the photo cut to ``ratio`` around ``focus`` (of the upright picture), at most
    1080 px on its long side. The original is only read."""
    try:
        with Image.open(source) as image:
            if image.format in {"JPEG", "MPO"}:
                # A huge phone photo is decoded at the smallest DCT scale that still covers
                # the result on every side.
                image.draft("RGB", (CROP_EDGE * 2, CROP_EDGE * 2))
            image.load()
            upright = _flatten(ImageOps.exif_transpose(image) or image)
            box = crop_box(upright.size, ratio, focus)
            target = crop_size(upright.size, ratio)
            cut = upright.crop(box)
            if cut.size != target:
                cut = cut.resize(target, Image.Resampling.LANCZOS)
            return RenderedImage(name, _encode(cut), cut.width, cut.height)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise RenditionError(str(exc)) from exc
