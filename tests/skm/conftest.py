import pytest
from django.utils import timezone

from skm import services
from skm.models import Period, Response, ResponseState, Source


@pytest.fixture
def service(kadis):
    return services.service_create(actor=kadis, name="Layanan Informasi Publik")


@pytest.fixture
def period(service):
    today = timezone.localdate()
    return Period.objects.create(
        service=service,
        kind="quarter",
        year=today.year,
        number=(today.month - 1) // 3 + 1,
        population=1000,
    )


PROFILE = {"sex": "P", "age_group": "30-39", "education": "s1", "occupation": "asn"}


def add_responses(period, rows, *, source=Source.PAPER, comment=""):
    """One response per row of nine scores (``None``: not answered)."""
    Response.objects.bulk_create(
        Response(
            period=period,
            source=source,
            state=ResponseState.COUNTED,
            comment=comment,
            **PROFILE,
            **{f"u{n}": score for n, score in enumerate(row, 1)},
        )
        for row in rows
    )


def public_answers(score=4, **extra):
    data = {f"u{n}": str(score) for n in range(1, 10)}
    data.update(PROFILE)
    data.update(extra)
    return data
