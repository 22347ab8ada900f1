"""Tiny media files made on the spot for the tests: no binary fixture comes from outside."""

from __future__ import annotations

import io
import math
import struct
import wave
import zipfile
from datetime import datetime

from PIL import Image, ImageDraw


def jpeg(
    size: tuple[int, int] = (64, 48),
    *,
    color: tuple[int, int, int] = (200, 40, 40),
    orientation: int | None = None,
    taken: datetime | None = None,
    quality: int = 85,
) -> bytes:
    """A JPEG with a diagonal mark (so orientation is visible) and optional EXIF."""
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, size[0] // 4, size[1] // 4], fill=(255, 255, 255))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30), color=(20, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def webp(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, "WEBP")
    return out.getvalue()


def heic(size: tuple[int, int] = (64, 48)) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, (120, 60, 200)).save(out, "HEIF")
    return out.getvalue()


def png_bomb() -> bytes:
    """A small PNG whose header claims far more pixels than Pillow's safety limit allows."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def _av_video(container: str, codec: str, *, seconds: float = 1.0, size=(64, 48), fps: int = 10):
    import av

    out = io.BytesIO()
    with av.open(out, "w", format=container) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for index in range(max(1, int(seconds * fps))):
            image = Image.new("RGB", size, ((index * 25) % 255, 90, 160))
            ImageDraw.Draw(image).rectangle([0, 0, size[0] // 2, size[1] // 2], fill=(250, 250, 0))
            frame = av.VideoFrame.from_image(image)
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return out.getvalue()


def mp4(seconds: float = 1.0) -> bytes:
    return _av_video("mp4", "libx264", seconds=seconds)


def mov(seconds: float = 1.0) -> bytes:
    return _av_video("mov", "libx264", seconds=seconds)


def webm(seconds: float = 1.0) -> bytes:
    return _av_video("webm", "libvpx", seconds=seconds)


def _av_audio(container: str, codec: str, *, seconds: float = 1.0, rate: int = 44100) -> bytes:
    import av

    out = io.BytesIO()
    with av.open(out, "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate)
        stream.layout = "mono"
        encoder_format = stream.codec_context.format.name
        total = int(seconds * rate)
        frame_size = stream.codec_context.frame_size or 1024
        pts = 0
        while pts < total:
            count = min(frame_size, total - pts)
            values = [0.3 * math.sin(2 * math.pi * 440 * (pts + i) / rate) for i in range(count)]
            if encoder_format.startswith("s16"):
                data = struct.pack(f"<{count}h", *(int(v * 32767) for v in values))
            else:
                data = struct.pack(f"<{count}f", *values)
            frame = av.AudioFrame(format=encoder_format, layout="mono", samples=count)
            frame.planes[0].update(data)
            frame.sample_rate = rate
            frame.pts = pts
            pts += count
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return out.getvalue()


def mp3(seconds: float = 1.0) -> bytes:
    return _av_audio("mp3", "libmp3lame", seconds=seconds)


def m4a(seconds: float = 1.0) -> bytes:
    return _av_audio("ipod", "aac", seconds=seconds)


def ogg(seconds: float = 1.0) -> bytes:
    return _av_audio("ogg", "libopus", seconds=seconds, rate=48000)


def wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(seconds * rate))
        )
        handle.writeframes(frames)
    return out.getvalue()


def pdf(pages: int = 2, *, javascript: bool = False) -> bytes:
    """A small PDF written by hand (so that a JavaScript action can be put in on purpose)."""
    objects = []
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    catalog = "<< /Type /Catalog /Pages 2 0 R"
    if javascript:
        catalog += f" /OpenAction {3 + pages} 0 R"
    catalog += " >>"
    objects.append(catalog)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>")
    for _ in range(pages):
        objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>")
    if javascript:
        objects.append("<< /Type /Action /S /JavaScript /JS (app.alert\\('hi'\\);) >>")
    body = b"%PDF-1.4\n"
    offsets = []
    for number, text in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n{text}\nendobj\n".encode()
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        body += f"{offset:010d} 00000 n \n".encode()
    body += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return body


_CONTENT_TYPES = {
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}


def office(kind: str = "docx") -> bytes:
    part, content_type = _CONTENT_TYPES[kind]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>',
        )
        archive.writestr(part, "<root/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not an office file")
    return out.getvalue()


HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
