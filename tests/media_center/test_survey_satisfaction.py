"""The widget's figures: shares that add up to 100 and its index of satisfaction with the
information service (never called IKM: the IKM is the SKM's nine-element index)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media_center.satisfaction import largest_remainder_percentages, satisfaction_index


def test_the_seed_figures_give_86_5_grade_b():
    index = satisfaction_index({"sangat_puas": 76, "puas": 6, "cukup_puas": 6, "tidak_puas": 12})
    assert index.value == Decimal("86.50")
    assert str(index.short) == "86.5"
    assert (index.grade, index.grade_label) == ("B", "Baik")  # the interface speaks Indonesian


@pytest.mark.parametrize(
    ("counts", "value", "grade"),
    [
        ((1, 0, 0, 0), "100.00", "A"),
        ((0, 0, 0, 1), "25.00", "D"),
        ((0, 1, 0, 0), "75.00", "C"),
        ((0, 0, 1, 0), "50.00", "D"),
        # 88.31 is the lowest A; 88.30 is still B.
        ((5331, 4669, 0, 0), "88.33", "A"),
        ((2, 1, 0, 0), "91.67", "A"),
        ((532, 468, 0, 0), "88.30", "B"),
        ((0, 6, 1, 0), "71.43", "C"),
        ((0, 2, 1, 0), "66.67", "C"),
        ((0, 1, 1, 0), "62.50", "D"),
    ],
)
def test_index_and_grade_boundaries(counts, value, grade):
    keys = ["sangat_puas", "puas", "cukup_puas", "tidak_puas"]
    index = satisfaction_index(dict(zip(keys, counts, strict=True)))
    assert index.value == Decimal(value)
    assert index.grade == grade


def test_no_votes_no_index_no_percentages():
    assert satisfaction_index({"sangat_puas": 0, "puas": 0}) is None
    assert largest_remainder_percentages({"a": 0, "b": 0, "c": 0, "d": 0}) is None


def test_largest_remainder_gives_the_missing_points_to_the_largest_remainders():
    # 1/3 each: 33.33 → 33 + 33 + 33 = 99; the first in order gets the missing point.
    assert largest_remainder_percentages({"a": 1, "b": 1, "c": 1, "d": 0}) == {
        "a": 34,
        "b": 33,
        "c": 33,
        "d": 0,
    }
    # 2/3 = 66.67 and 1/3 = 33.33: the larger remainder (.67) is rounded up.
    assert largest_remainder_percentages({"a": 2, "b": 1}) == {"a": 67, "b": 33}
    assert largest_remainder_percentages({"a": 76, "b": 6, "c": 6, "d": 12}) == {
        "a": 76,
        "b": 6,
        "c": 6,
        "d": 12,
    }


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=4, max_size=4))
def test_percentages_always_sum_to_100(counts):
    shares = largest_remainder_percentages(dict(zip("abcd", counts, strict=True)))
    if sum(counts) == 0:
        assert shares is None
        return
    assert sum(shares.values()) == 100
    for key, count in zip("abcd", counts, strict=True):
        exact = count * 100 / sum(counts)
        assert abs(shares[key] - exact) < 1
