"""The regulation's numbers: the sample size table and the grades at their boundaries."""

from decimal import Decimal

import pytest

from skm.regulation import ELEMENTS, grade_of, krejcie_morgan


@pytest.mark.parametrize(
    ("population", "sample"),
    # Values of the published table: Krejcie & Morgan (1970), Educational and Psychological
    # Measurement 30, 607-610, Table 1.
    [
        (10, 10),
        (20, 19),
        (50, 44),
        (100, 80),
        (200, 132),
        (300, 169),
        (500, 217),
        (1000, 278),
        (1500, 306),
        (3000, 341),
        (10000, 370),
        (75000, 382),
        (1000000, 384),
    ],
)
def test_krejcie_morgan_reproduces_the_published_table(population, sample):
    assert krejcie_morgan(population) == sample


def test_the_formula_not_the_tables_rounding_at_100000():
    # The printed table gives 384 for 100,000; its own formula gives 382.6, i.e. 383 (the
    # table rounded its large populations up to the limit). The formula is kept.
    assert krejcie_morgan(100000) == 383


def test_no_population_no_sample():
    assert krejcie_morgan(0) == 0
    assert krejcie_morgan(1) == 1


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("100", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25.00", "D"),
    ],
)
def test_grades_at_their_boundaries(value, grade):
    assert grade_of(Decimal(value))[0] == grade


def test_below_the_scale_is_an_error():
    with pytest.raises(ValueError):
        grade_of(Decimal("24.99"))


def test_nine_elements_in_the_regulations_order():
    assert [e.name for e in ELEMENTS] == [
        "Persyaratan",
        "Sistem, Mekanisme, dan Prosedur",
        "Waktu Penyelesaian",
        "Biaya/Tarif",
        "Produk Spesifikasi Jenis Pelayanan",
        "Kompetensi Pelaksana",
        "Perilaku Pelaksana",
        "Penanganan Pengaduan, Saran dan Masukan",
        "Sarana dan Prasarana",
    ]
    assert all(len(e.labels) == 4 and all(e.labels) for e in ELEMENTS)
