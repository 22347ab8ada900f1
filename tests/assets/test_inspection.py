"""The kind of a file comes from its bytes; every bad input is refused with a clear reason."""

import pytest

from assets.inspection import RefusedFile, inspect_file

from . import media


def write(tmp_path, data: bytes, name: str = "file.bin") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("maker", "kind", "mime"),
    [
        (media.jpeg, "photo", "image/jpeg"),
        (media.png, "photo", "image/png"),
        (media.webp, "photo", "image/webp"),
        (media.heic, "photo", "image/heic"),
        (media.mp4, "video", "video/mp4"),
        (media.mov, "video", "video/quicktime"),
        (media.webm, "video", "video/webm"),
        (media.mp3, "audio", "audio/mpeg"),
        (media.m4a, "audio", "audio/mp4"),
        (media.wav, "audio", "audio/wav"),
        (media.ogg, "audio", "audio/ogg"),
        (media.pdf, "document", "application/pdf"),
        (
            lambda: media.office("docx"),
            "document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            lambda: media.office("xlsx"),
            "document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            lambda: media.office("pptx"),
            "document",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
    ],
)
def test_each_accepted_format_is_recognised_from_its_bytes(tmp_path, maker, kind, mime):
    # The name says nothing: the bytes decide.
    facts = inspect_file(write(tmp_path, maker(), "tanpa-nama.dat"))
    assert (facts.kind, facts.mime_type) == (kind, mime)


def test_video_and_sound_report_their_length(tmp_path):
    video = inspect_file(write(tmp_path, media.mp4(seconds=2)))
    assert video.duration == pytest.approx(2, abs=0.3)
    assert (video.width, video.height) == (64, 48)
    sound = inspect_file(write(tmp_path, media.wav(seconds=1.5), "a.wav"))
    assert sound.duration == pytest.approx(1.5, abs=0.1)


def test_pdf_reports_its_pages(tmp_path):
    assert inspect_file(write(tmp_path, media.pdf(pages=3))).page_count == 3


def test_photo_date_comes_from_exif_and_sideways_photos_report_upright_size(tmp_path):
    from datetime import datetime

    facts = inspect_file(
        write(tmp_path, media.jpeg((64, 48), orientation=6, taken=datetime(2018, 6, 12, 9, 30)))
    )
    assert str(facts.taken_on) == "2018-06-12"
    assert (facts.width, facts.height) == (48, 64)


def _shifted_central_directory(data: bytes) -> bytes:
    """An archive whose end record points past its central directory (zipfile then seeks to a
    negative offset: found by the upload fuzzing, it used to answer 500)."""
    import struct

    data = bytearray(data)
    end = data.rfind(b"PK\x05\x06")
    offset = struct.unpack("<I", data[end + 16 : end + 20])[0]
    data[end + 16 : end + 20] = struct.pack("<I", offset + 4000)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "kosong.jpg", "empty"),
        (media.HTML, "foto.jpg", "web page"),
        (b"#!/bin/sh\nrm -rf /\n", "foto.jpg", "script"),
        (media.SVG_WITH_SCRIPT, "logo.svg", "SVG"),
        (media.SVG_WITH_SCRIPT, "logo.png", "SVG"),
        (media.pdf(javascript=True), "foto.jpg", "JavaScript"),
        (media.pdf(javascript=True), "surat.pdf", "JavaScript"),
        (media.plain_zip(), "laporan.docx", "not a Word"),
        (_shifted_central_directory(media.office("docx")), "laporan.docx", "damaged"),
        (media.png_bomb(), "peta.png", "decompression bomb"),
        (media.mp4()[:400], "video.mp4", "cannot be opened"),
        # A codec no decoder knows (found by the upload fuzzing: it used to answer 500).
        (media.mp4().replace(b"avc1", b"zzzz"), "video.mp4", "cannot be opened"),
        (media.jpeg((300, 200))[:300], "foto.jpg", "damaged"),
        (bytes(range(256)) * 8, "data.mp4", "not accepted"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path, settings, data, name, reason):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(RefusedFile) as refused:
        inspect_file(write(tmp_path, data, name))
    assert reason in str(refused.value.message)


def test_refusals_speak_indonesian_by_default(tmp_path):
    from django.utils import translation

    with translation.override("id"), pytest.raises(RefusedFile) as refused:
        inspect_file(write(tmp_path, b""))
    assert "kosong" in str(refused.value.message)
