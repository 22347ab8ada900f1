"""The office's side: who may do what, paper entry, follow-up, publishing, the reports."""

import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import AuditEvent
from skm import services
from skm.models import FollowUp, Question, Response, ResponseState, Source

from .conftest import PROFILE, add_responses

pytestmark = pytest.mark.django_db


def _paper(score="3", **extra):
    data = {f"u{n}": score for n in range(1, 10)}
    data.update(PROFILE)
    data.update(extra)
    return data


@pytest.mark.parametrize("who", ["anonymous", "staf", "admin_user"])
def test_outsiders_cannot_enter_paper_nor_see_draft_results(request, client_for, period, who):
    add_responses(period, [[3] * 9])
    client = Client() if who == "anonymous" else client_for(request.getfixturevalue(who))
    base = f"/satisfaction/periods/{period.pk}"
    for url in (
        f"{base}/",
        f"{base}/paper/",
        f"{base}/report.pdf",
        f"{base}/report.xlsx",
        "/satisfaction/",
    ):
        reply = client.get(url)
        assert reply.status_code in (302, 403), url
        if who == "anonymous":
            assert "/accounts/login/" in reply["Location"]
    assert client.post(f"{base}/paper/", _paper()).status_code in (302, 403)
    assert client.post(f"{base}/publish/", {"conclusion": "x"}).status_code in (302, 403)
    assert Response.objects.count() == 1
    assert Client().get(f"/skm/hasil/{period.pk}/").status_code == 404


def test_an_editor_enters_paper_but_cannot_publish_nor_write_the_plan(client_for, editor, period):
    client = client_for(editor)
    reply = client.post(f"/satisfaction/periods/{period.pk}/paper/", _paper("2", u4=""))
    assert reply.status_code == 302
    response = Response.objects.get()
    assert (response.source, response.entered_by, response.u4, response.u1) == (
        Source.PAPER,
        editor,
        None,
        2,
    )
    assert AuditEvent.objects.filter(action="skm.paper_entry").count() == 1
    assert (
        client.post(f"/satisfaction/periods/{period.pk}/publish/", {"conclusion": "x"}).status_code
        == 403
    )
    assert (
        client.post(
            f"/satisfaction/periods/{period.pk}/follow-up/", {"element": 1, "plan": "x"}
        ).status_code
        == 403
    )
    period.refresh_from_db()
    assert not period.is_published and not FollowUp.objects.exists()


@pytest.mark.parametrize(
    "bad", [{"u1": "5"}, {"u1": "a"}, {"sex": ""}, {f"u{n}": "" for n in range(1, 10)}]
)
def test_a_paper_form_with_a_mistake_says_so_and_stores_nothing(client_for, editor, period, bad):
    reply = client_for(editor).post(f"/satisfaction/periods/{period.pk}/paper/", _paper(**bad))
    assert reply.status_code == 400
    assert 'role="alert"' in reply.content.decode()
    assert Response.objects.count() == 0


def test_the_paper_form_is_built_for_the_keyboard(client_for, editor, period):
    html = client_for(editor).get(f"/satisfaction/periods/{period.pk}/paper/").content.decode()
    assert html.count('inputmode="numeric"') == 9
    assert re.search(r'name="u1"[^>]*autofocus', html)
    assert 'tabindex="-1"' not in html.split('id="paper-form"')[1]


def test_the_kepala_dinas_writes_the_plan_and_publishes(client_for, kadis, period):
    add_responses(period, [[2, 4, 4, 4, 4, 4, 4, 4, 3]] * 4, comment="Persyaratan kurang jelas")
    client = client_for(kadis)
    page = client.get(f"/satisfaction/periods/{period.pk}/").content.decode()
    assert "Draf: belum publik" in page and "Persyaratan kurang jelas" in page
    assert (
        client.post(
            f"/satisfaction/periods/{period.pk}/follow-up/",
            {
                "element": 1,
                "plan": "Cetak daftar persyaratan di loket",
                "due": "Triwulan berikutnya",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(f"/satisfaction/periods/{period.pk}/publish/", {"conclusion": ""}).status_code
        == 302
    )
    period.refresh_from_db()
    assert not period.is_published
    client.post(
        f"/satisfaction/periods/{period.pk}/publish/", {"conclusion": "Mutu pelayanan baik."}
    )
    client.post(f"/satisfaction/periods/{period.pk}/publish/", {"conclusion": "Dua kali."})
    period.refresh_from_db()
    assert period.is_published and period.conclusion == "Mutu pelayanan baik."
    assert AuditEvent.objects.filter(action="skm.publish").count() == 1
    public = Client().get(f"/skm/hasil/{period.pk}/").content.decode()
    assert "Cetak daftar persyaratan di loket" in public and "Mutu pelayanan baik." in public
    # Comments stay in the office's report; the public page shows figures, not what people wrote.
    assert "Persyaratan kurang jelas" not in public
    # No paper entry into a published period.
    assert client.post(f"/satisfaction/periods/{period.pk}/paper/", _paper()).status_code == 403


def test_publishing_an_empty_period_is_refused(kadis, period):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.period_publish(actor=kadis, period=period, conclusion="x")


def test_questions_are_worded_per_service_and_shown_to_the_public(client_for, editor, period):
    service = period.service
    data = {}
    for q in Question.objects.filter(service=service):
        data[f"text_{q.element}"] = q.text
        for score, label in q.labels:
            data[f"label_{score}_{q.element}"] = label
    data["text_4"] = "Bagaimana pendapat Anda tentang biaya layanan informasi?"
    data["label_4_4"] = "Tidak dipungut biaya"
    client = client_for(editor)
    assert client.post(f"/satisfaction/services/{service.pk}/", data).status_code == 302
    html = Client().get(f"/skm/{service.slug}/").content.decode()
    assert "biaya layanan informasi" in html and "Tidak dipungut biaya" in html
    data["label_1_2"] = ""
    assert client.post(f"/satisfaction/services/{service.pk}/", data).status_code == 200
    assert Question.objects.get(service=service, element=2).label_1 == "Tidak mudah"


def test_the_period_shows_the_target_and_progress(client_for, editor, period):
    add_responses(period, [[3] * 9] * 5)
    Response.objects.create(
        period=period, source=Source.ONLINE, state=ResponseState.HELD, u1=1, **PROFILE
    )
    html = client_for(editor).get(f"/satisfaction/periods/{period.pk}/").content.decode()
    assert 'max="278" value="5"' in html  # 1000 served -> 278 by Krejcie and Morgan
    assert "1 ditahan untuk ditinjau" in html


def test_the_pdf_report_has_the_letterhead_and_the_ikm(client_for, kadis, period):
    services_office = __import__("accounts.services", fromlist=["office_profile_save"])
    services_office.office_profile_save(
        actor=kadis,
        name="Dinas Komunikasi dan Informatika",
        parent="Pemerintah Kabupaten Contoh",
        address="Jl. Merdeka No. 1",
    )
    add_responses(period, [[4, 3, 3, 3, 3, 3, 3, 3, 4]] * 3)
    FollowUp.objects.create(period=period, element=2, plan="Sederhanakan alur", written_by=kadis)
    reply = client_for(kadis).get(f"/satisfaction/periods/{period.pk}/report.pdf")
    assert reply.status_code == 200 and reply["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(reply.content)).pages)
    text = " ".join(text.split())
    assert "PEMERINTAH KABUPATEN CONTOH" in text.upper()
    assert "DINAS KOMUNIKASI DAN INFORMATIKA" in text.upper()
    # (7 x 3 + 2 x 4) / 9 x 25 = 80.56
    assert "IKM 80,56" in text and "Baik" in text
    assert "Sederhanakan alur" in text


def test_the_xlsx_report_reads_back(client_for, editor, period):
    add_responses(period, [[4, 3, 3, 3, 3, 3, 3, 3, 4]] * 3, comment='=HYPERLINK("http://x")')
    reply = client_for(editor).get(f"/satisfaction/periods/{period.pk}/report.xlsx")
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.content))
    rows = list(book["SKM"].iter_rows(values_only=True))
    ikm = next(r for r in rows if r[0] == "IKM")
    assert ikm[6] == pytest.approx(80.56) and ikm[7] == "B"
    u1 = next(r for r in rows if r[0] == "U1")
    assert u1[2:5] == (3, 12, 4.0)
    comments = [r[0] for r in book["Kesimpulan"].iter_rows(values_only=True)]
    assert '\'=HYPERLINK("http://x")' in comments


def test_only_the_kepala_dinas_sets_the_office_profile(client_for, kadis, editor):
    assert client_for(editor).get("/accounts/office/").status_code == 403
    client = client_for(kadis)
    assert client.get("/accounts/office/").status_code == 200
    bad = client.post(
        "/accounts/office/",
        {"name": "Diskominfo", "logo": io.BytesIO(b"<svg onload=alert(1)>")},
    )
    assert bad.status_code == 400
    png = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (8, 8), "blue").save(png, "PNG")
    png.seek(0)
    png.name = "logo.png"
    assert client.post("/accounts/office/", {"name": "Diskominfo", "logo": png}).status_code == 302
    from accounts.selectors import office_letterhead

    assert office_letterhead()["logo"].startswith("data:image/png;base64,")


def test_the_dashboard_shows_the_skm_to_those_who_run_it(client_for, editor, staf, period):
    add_responses(period, [[4, 3, 3, 3, 3, 3, 3, 3, 4]] * 3)
    page = client_for(editor).get("/dashboard/").content.decode()
    assert "IKM (SKM) · Layanan Informasi Publik" in page and "80,56 · B" in page
    assert "3 dari 278 responden" in page
    assert "IKM (SKM)" not in client_for(staf).get("/dashboard/").content.decode()


def test_the_demo_seed_runs_once(kadis):
    from skm import seed
    from skm.models import Period

    seed.run(io.StringIO())
    seed.run(io.StringIO())
    assert Period.objects.count() == 2
    published = Period.objects.get(published_at__isnull=False)
    assert published.responses.count() == 60


def test_services_and_periods_are_opened_on_the_office_page(client_for, editor):
    client = client_for(editor)
    reply = client.post("/satisfaction/", {"add_service": "1", "name": "Layanan Pengaduan"})
    assert reply.status_code == 302
    from skm.models import Period, Service

    service = Service.objects.get(name="Layanan Pengaduan")
    assert Question.objects.filter(service=service).count() == 9
    same = client.post("/satisfaction/", {"add_service": "1", "name": "Layanan Pengaduan"})
    assert "sudah ada" in same.content.decode()
    base = {"add_period": "1", "service": service.pk, "kind": "quarter", "year": 2026}
    bad = client.post("/satisfaction/", {**base, "number": 5, "population": 100})
    assert bad.status_code == 200 and not Period.objects.exists()
    bad = client.post(
        "/satisfaction/", {**base, "kind": "semester", "number": 3, "population": 100}
    )
    assert "semester 1-2" in bad.content.decode() and not Period.objects.exists()
    ok = client.post("/satisfaction/", {**base, "number": 4, "population": 1500})
    assert ok.status_code == 302
    twice = client.post("/satisfaction/", {**base, "number": 4, "population": 1500})
    assert twice.status_code == 200 and Period.objects.count() == 1
    page = client.get("/satisfaction/").content.decode()
    assert "0 / 306" in page  # 1500 served -> 306 by Krejcie and Morgan


@pytest.mark.parametrize("service", ["x", "", "9" * 30, "-1", "1 OR 1=1"])
def test_a_bad_service_in_the_period_form_is_not_found(client_for, editor, service):
    reply = client_for(editor).post(
        "/satisfaction/",
        {
            "add_period": "1",
            "service": service,
            "kind": "year",
            "year": 2026,
            "number": 1,
            "population": 10,
        },
    )
    assert reply.status_code == 404


def test_the_reports_of_an_empty_period_still_open(client_for, editor, period):
    client = client_for(editor)
    pdf = client.get(f"/satisfaction/periods/{period.pk}/report.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Belum ada responden" in " ".join(text.split())
    book = load_workbook(
        io.BytesIO(client.get(f"/satisfaction/periods/{period.pk}/report.xlsx").content)
    )
    assert not [r for r in book["SKM"].iter_rows(values_only=True) if r[0] == "IKM"]
