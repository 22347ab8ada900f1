"""The period reports: made from the kept figures as PDF under the letterhead and as XLSX, kept
in the archive, and the office's monthly report mailed to the Kepala Dinas on the month's first
working day."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from insights import services
from insights.models import Report, ReportStatus
from insights.selectors import first_working_day, report_period
from publishing.models import AccountGroup, Channel, DriverName
from tests.insights.builders import figures_for

pytestmark = pytest.mark.django_db


def _channel(division) -> Channel:
    return Channel.objects.create(
        platform="facebook", name="Kanal Laporan", handle="kanallaporan",
        driver=DriverName.FACEBOOK, account_group=AccountGroup.MEDIA_CENTER,
        responsible_division=division, external_id="5001",
    )  # fmt: skip


def _last_ten_days() -> Report:
    today = timezone.localdate()
    return Report.objects.create(kind="month", start=today - timedelta(days=10),
                                 end=today - timedelta(days=1))  # fmt: skip


def test_the_first_working_day_skips_the_weekend():
    assert first_working_day(2026, 8) == date(2026, 8, 3)  # the 1st is a Saturday
    assert first_working_day(2026, 12) == date(2026, 12, 1)  # a Tuesday
    assert first_working_day(2026, 11) == date(2026, 11, 2)  # the 1st is a Sunday


def test_the_periods_are_calendar_months_quarters_and_years():
    assert (report_period("month", 2026, 2).start, report_period("month", 2026, 2).end) == (
        date(2026, 2, 1), date(2026, 2, 28))  # fmt: skip
    assert report_period("month", 2026, 12).end == date(2026, 12, 31)
    assert report_period("quarter", 2026, 4).start == date(2026, 10, 1)
    assert report_period("quarter", 2026, 1).end == date(2026, 3, 31)
    assert report_period("year", 2025).end == date(2025, 12, 31)


def test_a_report_is_made_as_pdf_and_xlsx_with_the_period_figures(editor, divisions, kadis):
    channel = _channel(divisions["PKP"])
    figures_for(channel, editor, posts=3)
    report = _last_ten_days()
    assert services.report_build(report_id=report.pk) == ReportStatus.DONE
    report.refresh_from_db()
    assert report.progress == 100 and report.finished_at and not report.error
    assert report.pdf.open("rb").read(5) == b"%PDF-"
    book = load_workbook(io.BytesIO(report.xlsx.open("rb").read()))
    rows = {row[0]: row[1] for row in book["Angka"].iter_rows(values_only=True) if row}
    assert rows["Tayangan"] == sum(100 + back for back in range(1, 11))
    assert rows["Publikasi dibuat"] == 3
    best = list(book["Publikasi terbaik"].iter_rows(values_only=True))
    assert best[1][0] == "Publikasi Kanal Laporan 2" and best[1][4].endswith("/")


def test_a_division_report_leaves_out_other_divisions_channels(editor, divisions):
    figures_for(_channel(divisions["PKP"]), editor, posts=1)
    report = _last_ten_days()
    report.division = divisions["PIAP"]
    report.save()
    services.report_build(report_id=report.pk)
    report.refresh_from_db()
    rows = {r[0]: r[1] for r in load_workbook(io.BytesIO(report.xlsx.open("rb").read()))["Angka"]
            .iter_rows(values_only=True) if r}  # fmt: skip
    assert rows["Tayangan"] == 0


def test_the_monthly_report_is_made_and_mailed_once_on_the_first_working_day(
    editor, divisions, kadis, mailoutbox
):
    assert services.monthly_report_due(date(2026, 8, 1)) is None  # Saturday
    assert services.monthly_report_due(date(2026, 8, 4)) is None  # not the first working day
    report = services.monthly_report_due(date(2026, 8, 3))
    assert (report.start, report.end) == (date(2026, 7, 1), date(2026, 7, 31))
    assert services.monthly_report_due(date(2026, 8, 3)) == report  # once
    services.report_build(report_id=report.pk)
    assert services.report_mail(report_id=report.pk) == 1
    assert services.report_mail(report_id=report.pk) == 0  # not twice
    (mail,) = mailoutbox
    assert mail.to == [kadis.email]
    names = sorted(name for name, _body, _type in mail.attachments)
    assert names[0].endswith(".pdf") and names[1].endswith(".xlsx")
    assert mail.attachments[0][1][:5] == b"%PDF-" or mail.attachments[1][1][:5] == b"%PDF-"


def test_people_ask_for_a_report_follow_it_and_download_it(
    client_for, staf, divisions, django_capture_on_commit_callbacks
):
    client = client_for(staf)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        answer = client.post("/insights/reports/", {"kind": "quarter", "year": 2026, "number": 2,
                                                    "division": divisions["PKP"].pk})  # fmt: skip
    report = Report.objects.get()
    assert answer.status_code == 302 and len(sent) == 1
    assert (report.start, report.end, report.requested_by) == (
        date(2026, 4, 1), date(2026, 6, 30), staf)  # fmt: skip
    partial = client.get(f"/insights/reports/{report.pk}/", {"partial": 1}).content.decode()
    assert 'hx-trigger="every 2s"' in partial and "Menunggu" in partial
    assert client.get(f"/insights/reports/{report.pk}/report.pdf").status_code == 404
    services.report_build(report_id=report.pk)
    partial = client.get(f"/insights/reports/{report.pk}/", {"partial": 1}).content.decode()
    assert "hx-trigger" not in partial and "report.pdf" in partial
    download = client.get(f"/insights/reports/{report.pk}/report.pdf")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:5] == b"%PDF-"
    assert client.get(f"/insights/reports/{report.pk}/report.doc").status_code == 404
    assert "Arsip" in client.get("/insights/reports/").content.decode()


def test_a_bad_request_is_refused_plainly(client_for, staf, divisions):
    client = client_for(staf)
    page = client.post("/insights/reports/", {"kind": "quarter", "year": 2026, "number": 7})
    assert page.status_code == 200 and not Report.objects.exists()
    page = client.post("/insights/reports/", {"kind": "month", "year": 2026, "number": 1,
                                              "division": divisions["PKP"].pk,
                                              "account_group": "pemkab"})  # fmt: skip
    assert page.status_code == 200 and not Report.objects.exists()


def test_a_double_click_asks_for_one_report(client_for, staf, divisions):
    client = client_for(staf)
    asked = {"kind": "month", "year": 2026, "number": 11, "division": divisions["PKP"].pk}
    first = client.post("/insights/reports/", asked)
    second = client.post("/insights/reports/", asked)
    report = Report.objects.get()
    assert first["Location"] == second["Location"] == f"/insights/reports/{report.pk}/"
    services.report_build(report_id=report.pk)
    client.post("/insights/reports/", asked)  # asked again once made: a new one, for new figures
    assert Report.objects.count() == 2


def test_the_report_ranks_the_partner_accounts(kadis, divisions):
    from tests.insights.test_partners import _ranked

    made = _ranked(kadis, divisions["PKP"])
    report = _last_ten_days()
    assert services.report_build(report_id=report.pk) == ReportStatus.DONE
    report.refresh_from_db()
    book = load_workbook(io.BytesIO(report.xlsx.open("rb").read()))
    rows = list(book["Akun mitra"].iter_rows(values_only=True))[1:]
    assert [row[1] for row in rows] == [made[k].name for k in ("b", "c", "a", "d", "e")]
    assert [row[0] for row in rows] == [1, 2, 3, 4, None]
    assert rows[0][5] == 5.0 and rows[0][4] == 10 and "tidak menampilkan" in rows[-1][6]
    assert report.pdf.open("rb").read(5) == b"%PDF-"
