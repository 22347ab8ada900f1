"""The results as the regulation computes them: NRR, weighted NRR, IKM, x 25, grade."""

from decimal import Decimal

import pytest

from skm.models import Response, ResponseState
from skm.selectors import index_from_elements, period_results

from .conftest import add_responses

pytestmark = pytest.mark.django_db


def test_published_worked_example_tulang_bawang_barat(period):
    # Source: Dinas Kependudukan dan Pencatatan Sipil Tulang Bawang Barat, "Pengolahan data
    # survei kepuasan masyarakat per responden dan per unsur pelayanan, tahun 2023 semester 1",
    # https://e-smile.tubaba.go.id/main/skm/laporan/online : one respondent, 4 on U1-U9;
    # NRR per unsur 4, NRR tertimbang per unsur 0,44, IKM unit pelayanan 100 (Sangat Baik).
    add_responses(period, [[4] * 9])
    results = period_results(period)
    assert [e.nrr for e in results.elements] == [Decimal("4")] * 9
    assert all(e.weighted.quantize(Decimal("0.01")) == Decimal("0.44") for e in results.elements)
    assert results.index.converted == Decimal("100.00")
    assert results.index.grade == "A"


def test_nrr_weighted_and_index_by_hand(period):
    # U1 scores 4,3,2 -> NRR 3; U2..U9 all 3 -> NRR 3 except U9 = 4,4,4 -> 4.
    add_responses(
        period,
        [[4, 3, 3, 3, 3, 3, 3, 3, 4], [3, 3, 3, 3, 3, 3, 3, 3, 4], [2, 3, 3, 3, 3, 3, 3, 3, 4]],
    )
    results = period_results(period)
    assert results.respondents == 3
    u1 = results.elements[0]
    assert (u1.answered, u1.total, u1.nrr) == (3, 9, Decimal("3.0000"))
    assert u1.counts == (0, 1, 1, 1)
    # IKM = (8 x 3 + 4) / 9 = 3.1111 -> x 25 = 77.78 (B)
    assert results.index.value == Decimal("3.1111")
    assert results.index.converted == Decimal("77.78")
    assert results.index.grade == "B"
    assert results.ranking[-1].number == 9  # strongest last
    assert results.elements[8].converted == Decimal("100.00")


def test_index_to_the_second_decimal_with_uneven_means():
    # NRR 3.25, 3.10, 2.95, 3.40, 3.05, 3.30, 3.45, 2.80, 3.15 over 20 respondents each.
    sums = [65, 62, 59, 68, 61, 66, 69, 56, 63]
    _rows, index = index_from_elements({n: (20, s) for n, s in enumerate(sums, 1)})
    # Σ NRR = 28.45; / 9 = 3.16111; x 25 = 79.0277 -> 79.03 (B)
    assert index.converted == Decimal("79.03")
    assert index.grade == "B"


def test_an_empty_period_has_no_index(period):
    results = period_results(period)
    assert results.respondents == 0
    assert results.index is None
    assert all(e.nrr is None for e in results.elements)
    assert results.ranking == []


def test_an_element_nobody_answered_is_left_out_of_the_weights(period):
    add_responses(period, [[4, 4, 4, None, 4, 4, 4, 4, 2]])
    results = period_results(period)
    assert results.elements[3].nrr is None
    assert results.elements[3].answered == 0
    # (7 x 4 + 2) / 8 = 3.75 -> 93.75
    assert results.index.converted == Decimal("93.75")
    assert len(results.ranking) == 8


def test_one_respondent_skipping_one_element_counts_only_where_answered(period):
    add_responses(period, [[4] * 9, [2, None, 2, 2, 2, 2, 2, 2, 2]])
    results = period_results(period)
    assert results.elements[1].answered == 1
    assert results.elements[1].nrr == Decimal("4.0000")
    assert results.elements[0].nrr == Decimal("3.0000")


def test_held_responses_are_not_in_the_results(period):
    add_responses(period, [[1] * 9])
    Response.objects.update(state=ResponseState.HELD)
    assert period_results(period).index is None


def test_grade_boundary_through_the_scores():
    # Σ NRR / 9 x 25 = 88.31 needs Σ NRR = 31.7916; 88.30 -> B.
    _rows, index = index_from_elements({n: (10000, 35325) for n in range(1, 10)})
    assert index.converted == Decimal("88.31") and index.grade == "A"
    _rows, index = index_from_elements({n: (10000, 35320) for n in range(1, 10)})
    assert index.converted == Decimal("88.30") and index.grade == "B"
