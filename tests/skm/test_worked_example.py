"""A worked example from a published SKM result, reproduced to the second decimal through the
same computation the results page, the reports and the dashboard use (``period_results``).

Source: Pemerintah Kabupaten Bantul, SKM portal, page of Dinas Pertanahan dan Tata Ruang (Kundha
Niti Mandala Sarta Tata Sasana), "Nilai IKM ... 2023", https://skm.bantulkab.go.id/skpd-45c48cce2e2d7fbdea1afc51c7c6ad26
(first table: Nilai IKM per year, 2023 = 87.28; second table: "No | Unsur | Nilai", the NRR of
the nine elements; third table: the IKM and grade per service).

The page prints each element's NRR to two decimals and the IKM, but not the respondents nor the
sums of scores. The questionnaires below are therefore 100 respondents whose sums of scores give
exactly the printed NRRs (sum = NRR x 100: so many answers of 4, the rest 3).
"""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from skm.regulation import grade_of
from skm.selectors import period_results

from .conftest import add_responses

pytestmark = pytest.mark.django_db

TWO = Decimal("0.01")

# U1..U9 in the regulation's order; the page lists the same order (8 = Penanganan Pengaduan,
# Saran dan masukan; 9 = Sarana dan prasarana).
BANTUL_2023_NRR = [
    Decimal("3.31"),  # Persyaratan
    Decimal("3.35"),  # Prosedur
    Decimal("3.49"),  # Waktu pelayanan
    Decimal("3.93"),  # Biaya/tarif
    Decimal("3.45"),  # Produk layanan
    Decimal("3.39"),  # Kompetensi pelaksana
    Decimal("3.39"),  # Perilaku pelaksana
    Decimal("3.76"),  # Penanganan Pengaduan, Saran dan masukan
    Decimal("3.35"),  # Sarana dan prasarana
]
BANTUL_2023_IKM = Decimal("87.28")
RESPONDENTS = 100


def _questionnaires(nrrs, respondents):
    """``respondents`` rows of nine scores whose column sums are NRR x respondents: in each
    element the first (sum - 3 x respondents) people answer 4 and the others 3."""
    fours = [int(nrr * respondents) - 3 * respondents for nrr in nrrs]
    assert all(0 <= f <= respondents for f in fours)
    return [[4 if person < f else 3 for f in fours] for person in range(respondents)]


@pytest.fixture
def bantul_2023(period):
    add_responses(period, _questionnaires(BANTUL_2023_NRR, RESPONDENTS))
    return period


def test_bantul_2023_element_means_and_index(bantul_2023):
    results = period_results(bantul_2023)
    assert results.respondents == RESPONDENTS
    assert [e.answered for e in results.elements] == [RESPONDENTS] * 9
    assert [e.total for e in results.elements] == [331, 335, 349, 393, 345, 339, 339, 376, 335]
    assert [e.nrr.quantize(TWO) for e in results.elements] == BANTUL_2023_NRR
    # Σ NRR = 31.42; IKM = 31.42 / 9 = 3.4911 (1-4); x 25 = 87.2777... -> 87.28, grade B (Baik).
    assert results.index.value == Decimal("3.4911")
    assert results.index.converted == BANTUL_2023_IKM
    assert results.index.grade == "B"
    # Weakest first, as the follow-up plan reads them: Persyaratan, then Prosedur and Sarana.
    assert [e.number for e in results.ranking[:3]] == [1, 2, 9]
    assert results.ranking[-1].number == 4


def test_bantul_2023_is_weighted_by_the_exact_ninth_not_the_printed_0_111():
    # The regulation writes the weight as 1/9 and prints it rounded as 0.111. From the nine
    # printed NRRs, 1/9 gives the published 87.28 and 0.111 gives 87.19: the office weights by
    # the exact ninth, as the portal does (see docs/skm.md, Formulas). (The page rounds the NRRs
    # to two decimals; 0.111 could reach 87.28 only if the unrounded NRRs summed to 31.45 or
    # more, i.e. nearly every one of the nine had been rounded down by close to 0.005.)
    total = sum(BANTUL_2023_NRR)
    assert (total / 9 * 25).quantize(TWO) == BANTUL_2023_IKM
    assert (total * Decimal("0.111") * 25).quantize(TWO) == Decimal("87.19")


def test_bantul_2023_in_the_xlsx_report(client_for, editor, bantul_2023):
    reply = client_for(editor).get(f"/satisfaction/periods/{bantul_2023.pk}/report.xlsx")
    assert reply.status_code == 200
    rows = list(load_workbook(io.BytesIO(reply.content))["SKM"].iter_rows(values_only=True))
    ikm = next(r for r in rows if r[0] == "IKM")
    assert ikm[6] == pytest.approx(float(BANTUL_2023_IKM)) and ikm[7] == "B"
    nrrs = [next(r for r in rows if r[0] == f"U{n}")[4] for n in range(1, 10)]
    assert nrrs == pytest.approx([float(v) for v in BANTUL_2023_NRR])


@pytest.mark.parametrize(
    ("service", "ikm", "grade"),
    # The same page's third table: the IKM of each service of the office in 2023 and its grade.
    [
        ("Layanan Informasi", "75.56", "C"),
        ("Layanan Konsultasi", "86.29", "B"),
        ("Layanan Rekomendasi Tata ruang", "94.61", "A"),
    ],
)
def test_bantul_2023_grades_per_service(service, ikm, grade):
    assert grade_of(Decimal(ikm))[0] == grade
