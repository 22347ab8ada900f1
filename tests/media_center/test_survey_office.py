"""The office's survey pages: each role allowed or refused, results, chart, exports."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from media_center.models import EmbedSite, Survey
from media_center.services import embed_site_add, survey_create, vote_cast
from tests.media_center.survey_helpers import make_survey

pytestmark = pytest.mark.django_db

MANAGERS = ["editor", "kadis"]
OUTSIDERS = ["staf", "admin_user"]


@pytest.fixture
def survey(kadis):
    survey = make_survey(kadis, featured=True)
    now = timezone.now()
    counts = {"sangat_puas": 76, "puas": 6, "cukup_puas": 6, "tidak_puas": 12}
    number = 0
    for answer, count in counts.items():
        for _ in range(count):
            vote_cast(
                survey=survey,
                answer=answer,
                client=f"c{number}",
                voter_id=f"voter-{number:016d}",
                at=now - timedelta(days=number % 10),
            )
            number += 1
    return survey


@pytest.mark.parametrize("who", MANAGERS)
def test_managers_see_the_list_and_the_results(request, client_for, survey, who):
    client = client_for(request.getfixturevalue(who))
    listing = client.get("/surveys/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert survey.question in page and ">100</td>" in page
    assert ">Survei</a>" in client.get("/dashboard/").content.decode()  # in the menu
    detail = client.get(f"/surveys/{survey.slug}/").content.decode()
    assert "Sangat Puas 76 % | Puas 6 % | Cukup Puas 6 % | Tidak Puas 12 %" in detail
    assert "86,5" in detail and "B · Baik" in detail
    assert "(4 × 76 + 3 × 6 + 2 × 6 + 1 × 12) ÷ 100 × 25 = 3,46 × 25 = 86,5" in detail  # noqa: RUF001
    assert '<svg class="chart"' in detail
    assert (
        "&lt;script src=&quot;http://testserver/survey/layanan/embed.js&quot; async&gt;" in detail
    )


@pytest.mark.parametrize("who", OUTSIDERS)
def test_staff_and_admin_are_refused(request, client_for, survey, who):
    client = client_for(request.getfixturevalue(who))
    for url in (
        "/surveys/",
        f"/surveys/{survey.slug}/",
        f"/surveys/{survey.slug}/export.csv",
        "/surveys/sites/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/surveys/{survey.slug}/action/", {"action": "close"}).status_code == 403
    assert client.post("/surveys/", {"question": "X?"}).status_code == 403
    assert (
        client.post("/surveys/sites/", {"action": "add", "origin": "https://a.id"}).status_code
        == 403
    )
    assert ">Survei</a>" not in client.get("/dashboard/").content.decode()
    survey.refresh_from_db()
    assert survey.is_open and Survey.objects.count() == 1 and not EmbedSite.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(survey):
    for url in ("/surveys/", f"/surveys/{survey.slug}/", f"/surveys/{survey.slug}/export.xlsx"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", MANAGERS)
def test_managers_create_open_close_and_feature_surveys(request, client_for, survey, who):
    client = client_for(request.getfixturevalue(who))
    response = client.post("/surveys/", {"question": "Apakah informasi kami mudah dipahami?"})
    created = Survey.objects.get(slug="apakah-informasi-kami-mudah-dipahami")
    assert response["Location"] == f"/surveys/{created.slug}/"
    client.post(f"/surveys/{created.slug}/action/", {"action": "close"})
    created.refresh_from_db()
    assert not created.is_open
    client.post(f"/surveys/{created.slug}/action/", {"action": "open"})
    client.post(f"/surveys/{created.slug}/action/", {"action": "feature"})
    created.refresh_from_db()
    survey.refresh_from_db()
    assert created.is_open and created.is_featured and not survey.is_featured
    assert created.question in Client().get("/").content.decode()  # the widget shows it now
    client.post(f"/surveys/{created.slug}/action/", {"action": "question", "question": "Baru?"})
    created.refresh_from_db()
    assert created.question == "Baru?"
    assert client.post(f"/surveys/{created.slug}/action/", {"action": "delete"}).status_code == 400


def test_a_bad_new_survey_shows_the_form_again(client_for, editor):
    client = client_for(editor)
    response = client.post("/surveys/", {"question": "", "slug": "bad slug!"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert not Survey.objects.exists()


def test_results_per_day_week_month_and_a_range(client_for, kadis, survey):
    client = client_for(kadis)
    today = timezone.localdate()
    for unit in ("day", "week", "month"):
        page = client.get(f"/surveys/{survey.slug}/?unit={unit}").content.decode()
        assert "pmc-summary" in page, unit
    start = (today - timedelta(days=1)).isoformat()
    page = client.get(
        f"/surveys/{survey.slug}/?unit=day&date_from={start}&date_to={today.isoformat()}"
    ).content.decode()
    assert "20 jawaban" in page  # two days of the ten the votes are spread over
    wrong = client.get(f"/surveys/{survey.slug}/?date_from=2026-12-31&date_to=2026-01-01")
    assert wrong.status_code == 200
    assert "Tanggal mulai lebih akhir" in wrong.content.decode()


def test_csv_export(client_for, editor, survey):
    response = client_for(editor).get(f"/surveys/{survey.slug}/export.csv?unit=month")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="survei-layanan-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Pertanyaan", survey.question]
    assert rows[1][:6] == ["Periode", "Sangat Puas", "Puas", "Cukup Puas", "Tidak Puas", "Jumlah"]
    assert rows[-1][0] == "Semua"
    assert rows[-1][1:10] == ["76", "6", "6", "12", "100", "76", "6", "6", "12"]
    assert rows[-1][10:] == ["86.5", "B (Baik)"]


def test_xlsx_export_and_no_formula_from_a_question(client_for, kadis):
    survey = survey_create(actor=kadis, slug="rumus", question='=HYPERLINK("http://x","klik")')
    vote_cast(survey=survey, answer="puas", client="c", voter_id="v" * 20)
    client = client_for(kadis)
    response = client.get("/surveys/rumus/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["B1"].value == '=HYPERLINK("http://x","klik")'
    assert sheet["B1"].data_type == "s"
    assert sheet["A2"].value == "Periode"
    last = [cell.value for cell in sheet[sheet.max_row]]
    assert last[0] == "Semua" and last[5] == 1 and last[10] == 75
    csv_text = client.get("/surveys/rumus/export.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    assert client.get("/surveys/rumus/export.pdf").status_code == 404


@pytest.mark.parametrize("who", MANAGERS)
def test_managers_list_the_embedding_sites(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    client.post(
        "/surveys/sites/",
        {"action": "add", "origin": "https://Desa.example.go.id/", "name": "Desa"},
    )
    site = EmbedSite.objects.get()
    assert site.origin == "https://desa.example.go.id"
    page = client.get("/surveys/sites/").content.decode()
    assert "https://desa.example.go.id" in page
    bad = client.post("/surveys/sites/", {"action": "add", "origin": "desa.example.go.id"})
    assert "https://" in bad.content.decode() and EmbedSite.objects.count() == 1
    client.post("/surveys/sites/", {"action": "remove", "site": site.pk})
    assert not EmbedSite.objects.exists()
    assert client.post("/surveys/sites/", {"action": "remove", "site": 999}).status_code == 404


def test_the_dashboard_shows_the_index_to_managers(client_for, kadis, editor, staf, survey):
    page = client_for(kadis).get("/dashboard/").content.decode()
    assert "86,5 · B" in page
    # One question is satisfaction with the information service, never the IKM of the SKM.
    assert "Kepuasan layanan informasi" in page
    assert "Indeks kepuasan (IKM)" not in page and "(IKM)" not in page
    staf_page = client_for(staf).get("/dashboard/").content.decode()
    assert "86,5" not in staf_page and "Kepuasan layanan informasi" not in staf_page


def test_an_embedding_site_sees_its_origin_in_the_frame_policy(client_for, kadis, survey):
    embed_site_add(actor=kadis, origin="https://kab.example.go.id")
    policy = Client().get(f"/survey/{survey.slug}/embed/")["Content-Security-Policy"]
    assert "https://kab.example.go.id" in policy


def test_the_widget_is_never_called_ikm(client_for, kadis, survey):
    """One question is satisfaction with the information service: its page, exports, API and
    schema say so, and none calls it IKM (the IKM is the SKM's nine-element index)."""
    client = client_for(kadis)
    page = client.get(f"/surveys/{survey.slug}/").content.decode()
    assert "Indeks kepuasan layanan informasi" in page and "IKM" not in page
    header = client.get(f"/surveys/{survey.slug}/export.csv").content.decode("utf-8-sig")
    assert "Indeks kepuasan layanan informasi" in header and "IKM" not in header
    api = Client().get(f"/api/v1/surveys/{survey.slug}/results/").content.decode()
    assert "IKM" not in api
    schema = Client().get("/api/schema/").content.decode()
    assert "index of satisfaction with the information service" in schema
