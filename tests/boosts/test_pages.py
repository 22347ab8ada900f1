"""The boosts' pages: the request form from a published post, the Kepala Bidang's queue, the
Kepala Dinas's approval with a fresh second factor, the detail's paper trail, receipts into the
restricted finance folder, and the monthly spend report as PDF and XLSX."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import formats, timezone
from openpyxl import load_workbook

from boosts import services
from boosts.models import BoostRequest, BoostSpendDay, BoostStatus
from tests.assets import media

pytestmark = pytest.mark.django_db


def _when(moment) -> str:
    return formats.localize_input(timezone.localtime(moment), "%d/%m/%Y %H.%M")


def test_an_editor_asks_for_a_boost_from_the_published_post(
    client_for, editor, kabid, delivery, line, ad_account, queued
):
    client = client_for(editor)
    page = client.get("/boosts/posts/").content.decode()
    assert "Festival Budaya" in page
    form = client.get(f"/boosts/new/{delivery.pk}/").content.decode()
    assert "Publikasi Media Sosial" in form and 'name="social_issue"' in form
    start = timezone.now() + timedelta(days=1)
    response = client.post(f"/boosts/new/{delivery.pk}/", {
        "ad_account": ad_account.pk, "budget_line": line.pk, "goal": "reach",
        "budget_kind": "total", "amount": "250000", "start": _when(start),
        "end": _when(start + timedelta(days=5)), "audience": "radius", "latitude": "-7.15",
        "longitude": "111.88", "radius_km": "15", "age_min": "18", "age_max": "65",
        "social_issue": "on", "reason": "Festival budaya.", "send": "1",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    boost = BoostRequest.objects.get()
    assert (boost.status, boost.planned, boost.social_issue) == (
        BoostStatus.SUBMITTED,
        250_000,
        True,
    )
    assert ("boosts.tasks.boost_estimate", boost.pk) in queued
    queue = client_for(kabid).get("/boosts/approvals/").content.decode()
    assert "Festival Budaya" in queue


def test_the_approval_chain_through_the_pages(client_for, make_boost, kabid, kadis, queued):
    boost = make_boost()
    response = client_for(kabid).post(f"/boosts/{boost.pk}/approve/")
    assert response.status_code == 302
    boost.refresh_from_db()
    assert boost.status == BoostStatus.APPROVED_DIVISION
    # A session whose second factor is not fresh is sent to give it again first.
    client = client_for(kadis)
    session = client.session
    verified_at = session["otp_verified_at"]
    session["otp_verified_at"] = verified_at - 3600
    session.save()
    response = client.post(f"/boosts/{boost.pk}/approve/")
    assert response.status_code == 302 and "/accounts/2fa/verify/" in response["Location"]
    boost.refresh_from_db()
    assert boost.status == BoostStatus.APPROVED_DIVISION
    session["otp_verified_at"] = verified_at  # the code given again just now
    session.save()
    client.post(f"/boosts/{boost.pk}/approve/")
    boost.refresh_from_db()
    assert boost.status == BoostStatus.APPROVED
    detail = client.get(f"/boosts/{boost.pk}/").content.decode()
    assert "approve_division" in detail and "Bambang Sutrisno" in detail


def test_a_rejection_without_a_comment_is_refused_on_the_page(client_for, make_boost, kabid):
    boost = make_boost()
    client = client_for(kabid)
    client.post(f"/boosts/{boost.pk}/reject/", {"comment": ""})
    boost.refresh_from_db()
    assert boost.status == BoostStatus.SUBMITTED
    client.post(f"/boosts/{boost.pk}/reject/", {"comment": "Tidak sesuai prioritas."})
    boost.refresh_from_db()
    assert boost.status == BoostStatus.REJECTED


def test_the_kepala_bidang_of_another_division_sees_nothing(client_for, make_boost, kabid_other):
    boost = make_boost()
    client = client_for(kabid_other)
    assert client.get(f"/boosts/{boost.pk}/").status_code == 403
    assert "Festival Budaya" not in client.get("/boosts/approvals/").content.decode()
    assert client.post(f"/boosts/{boost.pk}/approve/").status_code == 403


def test_a_receipt_goes_to_the_restricted_finance_folder(client_for, make_boost, editor, staf):
    boost = make_boost()
    upload = io.BytesIO(media.pdf(1))
    upload.name = "invoice-meta.pdf"
    response = client_for(editor).post(
        f"/boosts/{boost.pk}/receipts/", {"kind": "invoice", "file": upload, "note": "Nov"}
    )
    assert response.status_code == 302
    receipt = boost.receipts.get()
    folder = receipt.asset.folder
    assert folder.name == str(boost.budget_line.year)
    assert folder.parent.name == "Keuangan - Promosi Berbayar" and folder.parent.restricted
    assert folder.access_root_id == folder.parent_id
    assert "invoice-meta.pdf" in client_for(editor).get(f"/boosts/{boost.pk}/").content.decode()
    assert boost.steps.filter(action="receipt").exists()


def test_the_monthly_spend_report_as_pdf_and_xlsx(client_for, make_boost, editor, line):
    boost = make_boost()
    BoostRequest.objects.filter(pk=boost.pk).update(status=BoostStatus.RUNNING)
    today = timezone.localdate()
    BoostSpendDay.objects.create(boost=boost, day=today, spend=Decimal("90000.40"), reach=4600,
                                 impressions=6000, results=4600)  # fmt: skip
    client = client_for(editor)
    query = f"?year={today.year}&month={today.month}"
    pdf = client.get(f"/boosts/budget/{line.pk}/report.pdf{query}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(f"/boosts/budget/{line.pk}/report.xlsx{query}")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert 90_001 in values  # a part of a rupiah spent counts as spent
    assert client.get(f"/boosts/budget/{line.pk}/report.pdf?month=13").status_code == 400


def test_budget_lines_show_ceiling_committed_spent_and_left(client_for, make_boost, kabid, kadis):
    from .conftest import fresh

    boost = services.boost_approve_division(actor=kabid, boost=make_boost())
    services.boost_approve(actor=kadis, boost=boost, request=fresh(kadis))
    BoostSpendDay.objects.create(boost=boost, day=timezone.localdate(), spend=Decimal(100_000))
    page = client_for(kadis).get("/boosts/budget/").content.decode()
    for amount in ("1.000.000", "200.000", "100.000", "700.000"):
        assert amount in page


def test_the_insights_page_shows_boosted_against_organic_reach(make_boost, delivery, staf,
                                                                 client_for):  # fmt: skip
    from datetime import timedelta

    from django.utils import timezone

    from boosts.models import BoostSpendDay
    from insights.models import DeliveryMetricDay
    from publishing.models import Delivery

    boost = make_boost()
    Delivery.objects.filter(pk=delivery.pk).update(published_at=timezone.now() - timedelta(days=3))
    today = timezone.localdate()
    for back, reach, spend in ((2, 3000, 90_000), (1, 4200, 85_500)):
        BoostSpendDay.objects.create(boost=boost, day=today - timedelta(days=back), reach=reach,
                                     impressions=reach * 2, spend=spend)  # fmt: skip
    DeliveryMetricDay.objects.create(delivery=delivery, metric="reach", value=1750,
                                     day=today - timedelta(days=1))  # fmt: skip
    page = client_for(staf).get("/insights/?period=week").content.decode()
    assert "Publikasi yang dipromosikan" in page
    row = page[page.index(f'data-delivery="{delivery.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "1.750" in row and "4.200" in row and "Rp 175.500" in row
