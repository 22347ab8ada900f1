"""What the regulation fixes: the nine elements (unsur) with their default question and four
answer labels, the quality grades, and the sample size from the population served.

Source: Peraturan Menteri PANRB Nomor 14 Tahun 2017 tentang Pedoman Penyusunan Survei Kepuasan
Masyarakat Unit Penyelenggara Pelayanan Publik (see ``docs/skm.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Element:
    number: int  # U1..U9
    name: str
    question: str
    labels: tuple[str, str, str, str]  # scores 1, 2, 3, 4


# The regulation's elements in its order, with the questionnaire's usual wording (Bahasa
# Indonesia: it is what the public reads and what the office edits per service).
ELEMENTS: tuple[Element, ...] = (
    Element(
        1,
        "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Element(
        2,
        "Sistem, Mekanisme, dan Prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    Element(
        3,
        "Waktu Penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    Element(
        4,
        "Biaya/Tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    Element(
        5,
        "Produk Spesifikasi Jenis Pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Element(
        6,
        "Kompetensi Pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    Element(
        7,
        "Perilaku Pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan "
        "dan keramahan?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
    ),
    Element(
        8,
        "Penanganan Pengaduan, Saran dan Masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
    ),
    Element(
        9,
        "Sarana dan Prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
    ),
)
ELEMENT_NUMBERS = tuple(e.number for e in ELEMENTS)
ELEMENT_CHOICES = [(e.number, f"U{e.number} {e.name}") for e in ELEMENTS]
SCORES = (1, 2, 3, 4)
CONVERSION = Decimal(25)

# Lower bound of each grade on the converted (25-100) scale, best first: (grade, mutu, kinerja).
GRADES: tuple[tuple[Decimal, str, object], ...] = (
    (Decimal("88.31"), "A", _("Very good")),
    (Decimal("76.61"), "B", _("Good")),
    (Decimal("65.00"), "C", _("Not good")),
    (Decimal("25.00"), "D", _("Poor")),
)


def grade_of(converted: Decimal) -> tuple[str, str]:
    """The grade letter and its label of an index on the 25-100 scale (two decimals)."""
    value = converted.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for lower, letter, label in GRADES:
        if value >= lower:
            return letter, str(label)
    raise ValueError(f"index {value} is below the scale")


# Krejcie, R. V. & Morgan, D. W. (1970), "Determining sample size for research activities",
# Educational and Psychological Measurement 30, 607-610: chi-square of 1 degree of freedom at
# 95% confidence, population proportion 0.5, margin of error 0.05.
CHI_SQUARE = Decimal("3.841")
PROPORTION = Decimal("0.5")
MARGIN = Decimal("0.05")


def krejcie_morgan(population: int) -> int:
    """The sample the table of Krejcie and Morgan gives for a population of ``population``:
    s = X² N P (1 - P) / (d² (N - 1) + X² P (1 - P)), rounded to the nearest whole person."""
    if population <= 0:
        return 0
    n = Decimal(population)
    pq = PROPORTION * (1 - PROPORTION)
    sample = (CHI_SQUARE * n * pq) / (MARGIN * MARGIN * (n - 1) + CHI_SQUARE * pq)
    return min(population, int(sample.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
