"""What a file really is, from its bytes: never from its name or the browser's word.

``inspect_file`` identifies the format with puremagic, then opens the file with the library that
understands it (Pillow for photos, PyAV for video and sound, mutagen for sound tags, pypdfium2 for
PDF, zipfile for Office files). A file that is not what an accepted format must be is refused
with a reason a person understands; nothing of it is kept.

A PDF is also read through with pypdf, a parser that undoes the escapes PDF allows in names and
opens compressed object streams: JavaScript anywhere, launch actions, embedded files, rich media
and XFA forms are refused, and so is a PDF that cannot be read through (locked with a password,
or damaged), since what cannot be read cannot be shown to be harmless. An Office file is refused
when its parts would unpack to an absurd size or ratio, when it holds too many parts, macros or
ActiveX controls, or loads a template or object from outside when opened.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime

import puremagic
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

try:
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a dependency; HEIC is refused without it
    pillow_heif = None

HEAD_BYTES = 64 * 1024
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
ACCEPTED = _(
    "The library takes photos (JPEG, PNG, WebP, HEIC), videos (MP4, MOV, WebM), sound "
    "(MP3, M4A, WAV, OGG) and documents (PDF, DOCX, XLSX, PPTX)."
)


class RefusedFile(Exception):
    """The file is not accepted; ``message`` says why, in words for a person."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class FileFacts:
    kind: str  # photo, video, audio, document
    mime_type: str
    extension: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    page_count: int | None = None
    taken_on: date | None = None
    title: str = ""


def _identify(head: bytes) -> str:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if stripped[:1] == b"<":
        return "svg" if b"<svg" in head[:4096].lower() else "markup"
    if stripped[:2] == b"#!":
        return "script"
    if head[:4] == b"RIFF" and head[8:12] in {b"WAVE", b"WEBP"}:
        return "wav" if head[8:12] == b"WAVE" else "webp"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[4:8] == b"ftyp":
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(len(head), 64), 4)}
        return "heif" if head[8:12] in HEIF_BRANDS or not (brands - HEIF_BRANDS) else "isobmff"
    try:
        candidates = puremagic.magic_string(head)
    except puremagic.PureError:
        candidates = []
    extensions = {c.extension.lower() for c in candidates}
    mimes = {c.mime_type.lower() for c in candidates}
    for fmt, names in (
        ("jpeg", {".jpg", ".jpeg", ".jfif", ".jpe"}),
        ("png", {".png"}),
        ("webp", {".webp"}),
        ("pdf", {".pdf"}),
        ("wav", {".wav"}),
        ("ogg", {".ogg", ".oga", ".ogv", ".opus"}),
        ("webm", {".webm", ".mkv"}),
        ("mp3", {".mp3"}),
        ("zip", {".zip", ".docx", ".xlsx", ".pptx", ".jar", ".odt"}),
        ("svg", {".svg"}),
        ("markup", {".html", ".htm", ".xml", ".xhtml"}),
    ):
        if extensions & names:
            return fmt
    if "text/html" in mimes:
        return "markup"
    return "unknown"


def inspect_file(path: str) -> FileFacts:
    """Identify and check the file at ``path``; raise ``RefusedFile`` when it is not accepted."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        raise RefusedFile(_("The file is empty (0 bytes). Choose the file again."))
    fmt = _identify(head)
    if fmt == "svg":
        raise RefusedFile(
            _(
                "SVG drawings are not accepted: they can carry scripts. Export the drawing as "
                "PNG and upload that."
            )
        )
    if fmt in {"markup", "script"}:
        raise RefusedFile(
            _(
                "This file is a web page, script or text, whatever its name says; it is not "
                "a photo, video, sound or document."
            )
        )
    if fmt in {"jpeg", "png", "webp", "heif"}:
        return _inspect_image(path, fmt)
    if fmt in {"isobmff", "webm", "ogg", "mp3", "wav"}:
        return _inspect_av(path, fmt)
    if fmt == "pdf":
        return _inspect_pdf(path)
    if fmt == "zip":
        return _inspect_office(path)
    raise RefusedFile(_("This kind of file is not accepted.") + " " + str(ACCEPTED))


# --- photos -------------------------------------------------------------------------------------

_IMAGE_MIME = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "HEIF": ("image/heic", "heic"),
}


def _parse_exif_date(value) -> date | None:
    if not value:
        return None
    text = value.decode(errors="ignore") if isinstance(value, bytes) else str(value)
    match = re.match(r"\s*(\d{4})[:\-](\d{2})[:\-](\d{2})", text)
    if not match:
        return None
    try:
        taken = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return taken if 1900 < taken.year <= date.today().year + 1 else None


def _inspect_image(path: str, fmt: str) -> FileFacts:
    if fmt == "heif" and pillow_heif is None:  # pragma: no cover
        raise RefusedFile(_("HEIC photos cannot be read on this server."))
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: both are refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.verify()
            with Image.open(path) as image:
                width, height = image.size
                pil_format = image.format
                exif = image.getexif()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RefusedFile(
            _(
                'This image claims an enormous number of pixels (a "decompression bomb"); '
                "it is refused to protect the server. Resize it below 80 megapixels."
            )
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise RefusedFile(
            _("The photo is damaged and cannot be read (%(reason)s).") % {"reason": exc}
        ) from None
    mime, extension = _IMAGE_MIME.get(pil_format or "", (None, None))
    if mime is None:
        raise RefusedFile(_("This kind of file is not accepted.") + " " + str(ACCEPTED))
    taken = _parse_exif_date(exif.get_ifd(0x8769).get(0x9003)) or _parse_exif_date(exif.get(0x0132))
    if exif.get(0x0112) in {5, 6, 7, 8}:  # stored sideways: shown the other way round
        width, height = height, width
    return FileFacts(
        kind="photo",
        mime_type=mime,
        extension=extension,
        width=width,
        height=height,
        taken_on=taken,
    )


# --- video and sound ----------------------------------------------------------------------------

_AUDIO_MIME = {
    "mp3": ("audio/mpeg", "mp3"),
    "wav": ("audio/wav", "wav"),
    "ogg": ("audio/ogg", "ogg"),
    "isobmff": ("audio/mp4", "m4a"),
    "webm": ("audio/webm", "webm"),
}


def _metadata_date(metadata: dict) -> date | None:
    for key in ("creation_time", "date", "DATE", "com.apple.quicktime.creationdate"):
        value = metadata.get(key)
        if value:
            parsed = _parse_exif_date(str(value))
            if parsed:
                return parsed
    return None


def _inspect_av(path: str, fmt: str) -> FileFacts:
    import av

    try:
        with av.open(path, metadata_errors="ignore") as container:
            video = [
                s
                for s in container.streams.video
                if not (s.disposition & av.stream.Disposition.attached_pic)
            ]
            audio = list(container.streams.audio)
            duration = container.duration / 1_000_000 if container.duration else None
            metadata = dict(container.metadata)
            width = height = None
            if any(stream.codec_context is None for stream in video[:1] + audio[:1]):
                raise ValueError("no decoder for this stream's codec")
            if video:
                width, height = video[0].codec_context.width, video[0].codec_context.height
                # A first frame must decode: a container with a broken stream is refused now.
                for _frame in container.decode(video=0):
                    break
                else:
                    raise ValueError("no picture in the video stream")
            elif audio:
                for _frame in container.decode(audio=0):
                    break
                else:
                    raise ValueError("no sound in the audio stream")
    except (av.error.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise RefusedFile(
            _("This video or sound file cannot be opened; it may be damaged (%(reason)s).")
            % {"reason": getattr(exc, "strerror", None) or exc}
        ) from None
    if video:
        if fmt == "isobmff":
            with open(path, "rb") as handle:
                brand = handle.read(12)[8:12]
            mime, extension = (
                ("video/quicktime", "mov") if brand == b"qt  " else ("video/mp4", "mp4")
            )
        elif fmt == "webm":
            mime, extension = "video/webm", "webm"
        else:
            raise RefusedFile(_("This kind of file is not accepted.") + " " + str(ACCEPTED))
        return FileFacts(
            kind="video",
            mime_type=mime,
            extension=extension,
            width=width,
            height=height,
            duration=duration,
            taken_on=_metadata_date(metadata),
            title=str(metadata.get("title", ""))[:200],
        )
    if not audio:
        raise RefusedFile(_("This file holds neither pictures nor sound."))
    mime, extension = _AUDIO_MIME[fmt]
    facts = FileFacts(
        kind="audio",
        mime_type=mime,
        extension=extension,
        duration=duration,
        taken_on=_metadata_date(metadata),
        title=str(metadata.get("title", ""))[:200],
    )
    _audio_tags(path, facts)
    return facts


def _audio_tags(path: str, facts: FileFacts) -> None:
    """Length, title and date from the sound file's own tags (mutagen)."""
    import mutagen

    try:
        tagged = mutagen.File(path, easy=True)
    except Exception:  # a tag mutagen cannot read is no reason to refuse a playable file
        return
    if tagged is None:
        return
    if getattr(tagged, "info", None) and getattr(tagged.info, "length", None):
        facts.duration = float(tagged.info.length)
    tags = tagged.tags or {}
    try:
        title = tags.get("title")
        when = tags.get("date")
    except (KeyError, ValueError, AttributeError):
        return
    if title and not facts.title:
        facts.title = str(title[0])[:200]
    if when and not facts.taken_on:
        facts.taken_on = _parse_exif_date(str(when[0]))


# --- documents ----------------------------------------------------------------------------------

# What a PDF may carry that acts when it is opened, by the PDF name that marks it. Names are
# compared after the parser has undone "#xx" escapes (``/#4Aava#53cript`` is ``/JavaScript``).
_PDF_RISKS = {
    "/JavaScript": "javascript",
    "/JS": "javascript",
    "/Launch": "launch",
    "/EmbeddedFiles": "embedded",
    "/EmbeddedFile": "embedded",
    "/EF": "embedded",
    "/FileAttachment": "embedded",
    "/GoToE": "embedded",
    "/RichMedia": "richmedia",
    "/RichMediaContent": "richmedia",
    "/RichMediaSettings": "richmedia",
    "/XFA": "xfa",
}
# The raw bytes are read too, for what the parser does not reach (an older revision of the file,
# an object outside the cross-reference table that a viewer's repair might find). Short names
# count there only when written with escapes: "/JS" occurs by chance in compressed data, an
# escaped "/J#53" does not, and long names such as "/JavaScript" never do.
_PDF_RAW_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]{1,127})")
_PDF_RAW_ALWAYS = {name for name in _PDF_RISKS if len(name) > 5}
# A PDF with more objects than this is refused rather than read for minutes.
PDF_MAX_OBJECTS = 500_000


def _pdf_risk_words() -> dict[str, str]:
    return {
        "javascript": _("JavaScript"),
        "launch": _("an action that starts a program or opens a file"),
        "embedded": _("files embedded in it"),
        "richmedia": _("rich media (Flash, video or 3D that plays inside the PDF)"),
        "xfa": _("an XFA form (a form that runs its own scripts)"),
    }


def _unescape_pdf_name(raw: bytes) -> str:
    def hex_byte(match: re.Match) -> bytes:
        return bytes([int(match[1], 16)])

    return "/" + re.sub(rb"#([0-9A-Fa-f]{2})", hex_byte, raw).decode("latin-1")


def _pdf_risks_in_bytes(path: str) -> set[str]:
    found: set[str] = set()
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            window = tail + chunk
            for match in _PDF_RAW_NAME.finditer(window):
                raw = match[1]
                name = _unescape_pdf_name(raw) if b"#" in raw else "/" + raw.decode("latin-1")
                if name in _PDF_RAW_ALWAYS or (b"#" in raw and name in _PDF_RISKS):
                    found.add(_PDF_RISKS[name])
            tail = window[-130:]
    return found


class _UnreadablePdf(Exception):
    pass


class _LockedPdf(Exception):
    pass


def _pdf_risks_parsed(path: str) -> set[str]:
    """Every object of the PDF, read with pypdf (which undoes name escapes and opens compressed
    object streams): the names that mark scripts, launch actions, embedded files, rich media
    and XFA forms, wherever they are (document, pages, annotations, form fields, name trees)."""
    from pypdf import PasswordType, PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as exc:  # an encryption pypdf cannot undo
                raise _LockedPdf from exc
            if opened == PasswordType.NOT_DECRYPTED:
                raise _LockedPdf
        stack: list = [reader.trailer]
        # Every object the cross-reference table knows, whether or not the document uses it.
        for generation, entries in reader.xref.items():
            stack.extend(IndirectObject(num, generation, reader) for num in entries)
        stack.extend(IndirectObject(num, 0, reader) for num in reader.xref_objStm)
        found: set[str] = set()
        seen: set[tuple[int, int]] = set()
        while stack:
            item = stack.pop()
            if isinstance(item, IndirectObject):
                key = (item.idnum, item.generation)
                if key in seen:
                    continue
                seen.add(key)
                if len(seen) > PDF_MAX_OBJECTS:
                    raise _UnreadablePdf("too many objects")
                item = reader.get_object(item)
            if isinstance(item, DictionaryObject):  # streams too: their dictionary is read
                for name, value in item.items():
                    if str(name) in _PDF_RISKS:
                        found.add(_PDF_RISKS[str(name)])
                    stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(item)
            elif isinstance(item, NameObject) and str(item) in _PDF_RISKS:
                found.add(_PDF_RISKS[str(item)])
    except _LockedPdf:
        raise
    # A damaged PDF fails in many ways inside pypdf (its own errors, and Python's on odd input).
    except Exception as exc:
        raise _UnreadablePdf(str(exc)) from exc
    return found


def pdf_risks(path: str) -> set[str]:
    """What in the PDF could act when it is opened: ``javascript``, ``launch``, ``embedded``,
    ``richmedia``, ``xfa``. Raises ``RefusedFile`` when the PDF cannot be read through, since
    what cannot be read cannot be shown to be harmless."""
    try:
        found = _pdf_risks_parsed(path)
    except _LockedPdf:
        raise RefusedFile(
            _(
                "This PDF is locked with a password or an encryption the portal cannot read, so "
                "it cannot be checked for scripts. Save it without protection and upload that."
            )
        ) from None
    except _UnreadablePdf:
        raise RefusedFile(
            _(
                "The inside of this PDF cannot be read through (it is damaged or built in an "
                "unusual way), so it cannot be checked for scripts. Save it again as a new PDF "
                '(for example with "Print to PDF") and upload that.'
            )
        ) from None
    return found | _pdf_risks_in_bytes(path)


def _inspect_pdf(path: str) -> FileFacts:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise RefusedFile(
            _(
                "This PDF cannot be opened; it may be damaged or locked with a password (%(reason)s)."
            )
            % {"reason": exc}
        ) from None
    try:
        page_count = len(document)
        if page_count < 1:
            raise RefusedFile(_("This PDF has no pages."))
        risks = pdf_risks(path)
        if pdfium_c.FPDFDoc_GetJavaScriptActionCount(document) > 0:
            risks.add("javascript")
        if risks:
            words = _pdf_risk_words()
            raise RefusedFile(
                _(
                    "This PDF contains %(what)s, which could act when someone opens it. Save it "
                    'again as a plain PDF (for example with "Print to PDF") and upload that.'
                )
                % {"what": ", ".join(str(words[risk]) for risk in sorted(risks))}
            )
        metadata = document.get_metadata_dict(skip_empty=True)
    finally:
        document.close()
    created = metadata.get("CreationDate", "")
    taken = _parse_exif_date(created[2:] if created.startswith("D:") else created)
    if taken is None and re.match(r"D:\d{8}", created):
        taken = _parse_exif_date(f"{created[2:6]}:{created[6:8]}:{created[8:10]}")
    return FileFacts(
        kind="document",
        mime_type="application/pdf",
        extension="pdf",
        page_count=page_count,
        taken_on=taken,
        title=metadata.get("Title", "")[:200],
    )


# Office files are ZIP archives: what they hold is bounded before anything is decompressed (the
# sizes in the archive's directory; zipfile stops at the declared size and checks the CRC).
OFFICE_MAX_ENTRIES = 5_000
OFFICE_MAX_UNCOMPRESSED = 1024 * 1024 * 1024
# Text XML deflates 10 to 30 times; a ratio past this on a sizeable file is a "zip bomb".
OFFICE_MAX_RATIO = 100
OFFICE_RATIO_FROM = 16 * 1024 * 1024
_OFFICE_ACTIVE_PARTS = re.compile(r"(^|/)(vbaproject\.bin|vbadata\.xml|activex/[^/]*\.bin)$", re.I)
# Relationships that fetch something from outside when the document opens (a remote template
# with macros, an OLE object, a frame): a hyperlink is the only outside target accepted.
_OFFICE_EXTERNAL_ACTIVE = re.compile(
    r"<Relationship\b[^>]*?\bType=\"[^\"]*/(attachedTemplate|oleObject|subDocument|frame)\""
    r"[^>]*?\bTargetMode=\"External\"|"
    r"<Relationship\b[^>]*?\bTargetMode=\"External\"[^>]*?"
    r"\bType=\"[^\"]*/(attachedTemplate|oleObject|subDocument|frame)\"",
    re.I,
)


def _office_bomb(entries: list[zipfile.ZipInfo], archive_size: int) -> str | None:
    if len(entries) > OFFICE_MAX_ENTRIES:
        return _(
            "This Office file holds %(count)d parts; an ordinary document holds far fewer."
        ) % {"count": len(entries)}
    total = sum(info.file_size for info in entries)
    limit_mb = OFFICE_MAX_UNCOMPRESSED // (1024 * 1024)
    if total > OFFICE_MAX_UNCOMPRESSED:
        return _("Unpacked, this Office file would take %(size)d MB (more than %(limit)d MB).") % {
            "size": total // (1024 * 1024),
            "limit": limit_mb,
        }
    if total > OFFICE_RATIO_FROM and total > OFFICE_MAX_RATIO * max(archive_size, 1):
        return _(
            "Unpacked, this Office file would grow %(ratio)d times (%(size)d MB from a file of "
            "%(packed)d KB), which ordinary documents never do."
        ) % {
            "ratio": total // max(archive_size, 1),
            "size": total // (1024 * 1024),
            "packed": archive_size // 1024,
        }
    return None


def _inspect_office(path: str) -> FileFacts:
    not_office = _(
        "This ZIP archive is not a Word, Excel or PowerPoint file (DOCX, XLSX, PPTX), whatever "
        "its name says."
    )
    damaged = _("This Office file is damaged.")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            bomb = _office_bomb(entries, os.path.getsize(path))
            if bomb:
                raise RefusedFile(
                    _("This Office file is refused to protect the server and its readers: %(why)s")
                    % {"why": bomb}
                )
            if any(_OFFICE_ACTIVE_PARTS.search(info.filename) for info in entries):
                raise RefusedFile(
                    _(
                        "Office files with macros or ActiveX controls are not accepted. Save it "
                        "as a normal DOCX, XLSX or PPTX."
                    )
                )
            if archive.testzip() is not None:
                raise RefusedFile(damaged)
            try:
                listing = archive.getinfo("[Content_Types].xml")
            except KeyError:
                raise RefusedFile(not_office) from None
            if listing.file_size > 1024 * 1024:  # a list of content types is a few KB
                raise RefusedFile(damaged)
            types = archive.read(listing).decode("utf-8", errors="replace")
            for info in entries:
                if info.filename.lower().endswith(".rels") and info.file_size <= 1024 * 1024:
                    relations = archive.read(info).decode("utf-8", errors="replace")
                    if _OFFICE_EXTERNAL_ACTIVE.search(relations):
                        raise RefusedFile(
                            _(
                                "This Office file loads a template or an object from the internet "
                                "when it is opened (a way to bring in macros). Save it as a "
                                "normal document and upload that."
                            )
                        )
    # A damaged archive fails in many ways inside zipfile and zlib (found by fuzzing).
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ):
        raise RefusedFile(damaged) from None
    if "macroEnabled" in types or "vbaProject" in types:
        raise RefusedFile(
            _("Office files with macros are not accepted. Save it as a normal DOCX, XLSX or PPTX.")
        )
    for content_type, (extension, mime) in OFFICE_TYPES.items():
        if content_type in types:
            return FileFacts(kind="document", mime_type=mime, extension=extension)
    raise RefusedFile(not_office)


def parse_any_date(value: str | datetime | date | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_exif_date(value)
