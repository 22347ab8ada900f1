"""Bad numbers and dates in addresses, as every signed-in role and as a stranger: never a 500.

Before, ``/publishing/calendar/?channel=<25 digits>``, ``/publishing/compose/?assets=…``, the
survey results and exports with one date or year 1/9999, and a 25-digit id in an address answered
500 with a traceback. Now a bad value answers 400 with a message in Indonesian
(``core.params``), and an id no row can have is simply not found.
"""

from __future__ import annotations

import pytest
from django.test import Client

from core import params
from tests.conftest import login
from tests.media_center.survey_helpers import make_survey

pytestmark = pytest.mark.django_db

HUGE = "9" * 25
BAD_NUMBERS = ["", "abc", HUGE, "-1", "0", "1.5", "²", "1e3", " 7 ", "0x10", "%00"]
BAD_DATES = ["", "abc", "0001-01-01", "9999-12-31", "2026-02-30", "2026-1-1", "20260101", HUGE]
ROLES = ["anonymous", "staf", "editor", "kadis", "admin_user"]


def _client(request, role: str) -> Client:
    # A 500 is counted, not raised, so that one run lists every address that fails.
    client = Client(raise_request_exception=False)
    if role == "anonymous":
        return client
    return login(client, request.getfixturevalue(role))


def _addresses(slug: str) -> list[str]:
    addresses = []
    for value in BAD_NUMBERS:
        addresses += [
            f"/publishing/calendar/?channel={value}",
            f"/publishing/calendar/?view=week&channel={value}",
            f"/publishing/compose/?assets={value}",
            f"/publishing/compose/?assets=1,{value},2",
            f"/?page={value}",
        ]
    for value in BAD_DATES:
        addresses += [
            f"/publishing/calendar/?date={value}",
            f"/publishing/calendar/?view=week&date={value}",
        ]
        for page in (
            f"/surveys/{slug}/",
            f"/surveys/{slug}/export.csv",
            f"/surveys/{slug}/export.xlsx",
        ):
            addresses += [
                f"{page}?date_from={value}",
                f"{page}?date_to={value}",
                f"{page}?date_from={value}&date_to={value}",
                f"{page}?date_from=2026-01-01&date_to={value}",
                f"{page}?unit=month&date_from={value}",
                f"{page}?unit=week&date_to={value}",
            ]
    addresses += [
        f"/surveys/{slug}/?unit=year",
        f"/surveys/{slug}/?date_from=2026-05-01&date_to=2026-01-01",
        f"/publishing/compose/?assets={','.join(str(n) for n in range(1, 80))}",
        f"/publishing/posts/{HUGE}/",
        f"/publishing/posts/{HUGE}/edit/",
        f"/publishing/channels/{HUGE}/",
        f"/publishing/sync/rules/{HUGE}/",
        f"/berita/{HUGE}-x/",
        f"/berita/{HUGE}/",
        f"/berita/{HUGE}/foto/{HUGE}/thumb.jpg",
        f"/berita/1/foto/{HUGE}/thumb.jpg",
        f"/guidelines/v{HUGE}/",
        f"/registry/websites/{HUGE}/",
        f"/api/v1/posts/{HUGE}/",
        f"/api/v1/sync-rules/{HUGE}/",
        "/accounts/audit/?date_from=0001-01-01",
        "/accounts/audit/?date_to=9999-12-31",
        "/accounts/audit/?date_from=2026-01-01&date_to=0001-01-01",
        f"/accounts/audit/?page={HUGE}",
    ]
    return addresses


@pytest.mark.parametrize("role", ROLES)
def test_no_bad_value_makes_a_500(request, role, kadis):
    survey = make_survey(kadis)
    client = _client(request, role)
    failures = []
    for address in _addresses(survey.slug):
        response = client.get(address)
        if response.status_code >= 500:
            failures.append(f"{address} -> {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "address",
    [
        "/publishing/calendar/?channel=abc",
        f"/publishing/calendar/?channel={HUGE}",
        "/publishing/calendar/?channel=-1",
        "/publishing/calendar/?date=0001-01-01",
        "/publishing/calendar/?date=9999-12-31",
        "/publishing/calendar/?date=2026-02-30",
        "/publishing/compose/?assets=1,abc",
        f"/publishing/compose/?assets={HUGE}",
        "/surveys/layanan/?date_from=0001-01-01&date_to=2026-01-01",
        "/surveys/layanan/export.csv?date_to=9999-12-31",
        "/surveys/layanan/export.xlsx?date_from=abc",
        "/surveys/layanan/?unit=year",
        "/surveys/layanan/export.csv?date_from=2026-05-01&date_to=2026-01-01",
    ],
)
def test_a_bad_value_answers_400_with_a_message_in_indonesian(client_for, kadis, address):
    make_survey(kadis)
    response = client_for(kadis).get(address)
    assert response.status_code == 400, address
    page = response.content.decode()
    assert "Permintaan tidak valid" in page
    assert any(word in page for word in ("harus", "belum diisi", "Pilih", "lebih akhir"))


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_bad_ids_in_forms_are_refused_not_crashed(value, kadis, editor, client_for):
    client = client_for(kadis)
    client.raise_request_exception = False
    editor_client = client_for(editor)
    editor_client.raise_request_exception = False
    answers = [
        client.post("/publishing/approvals/approve/", {"ids": [value]}),
        client.post("/publishing/approvals/approve/", {"ids": ["1", value]}),
        editor_client.post("/surveys/sites/", {"action": "remove", "site": value}),
        editor_client.post("/publishing/compose/", {"text": "x", "channels": [value]}),
        editor_client.post("/publishing/compose/", {"text": "x", "assets": ["1", value]}),
        editor_client.post("/publishing/compose/checks/", {"text": "x", "assets": value}),
        editor_client.post("/surveys/layanan/held/", {"decision": "accept", "vote": [value]}),
    ]
    make_survey(kadis)
    answers.append(
        editor_client.post("/surveys/layanan/held/", {"decision": "accept", "vote": [value]})
    )
    assert all(a.status_code < 500 for a in answers), [a.status_code for a in answers]


def test_an_empty_value_means_no_filter(client_for, kadis):
    client = client_for(kadis)
    assert client.get("/publishing/calendar/?channel=&date=").status_code == 200
    assert client.get("/publishing/compose/?assets=").status_code == 200
    assert client.get("/publishing/compose/?assets=,,").status_code == 200


def test_one_date_alone_gives_a_range(client_for, kadis):
    """Only "from" or only "to": the other end is filled in, the page answers 200."""
    survey = make_survey(kadis)
    client = client_for(kadis)
    page = client.get(f"/surveys/{survey.slug}/?date_from=2026-01-01")
    assert page.status_code == 200
    assert client.get(f"/surveys/{survey.slug}/?date_to=2026-01-31").status_code == 200
    export = client.get(f"/surveys/{survey.slug}/export.csv?date_to=2026-01-31")
    assert export.status_code == 200
    assert "2026-01-31" in export["Content-Disposition"]


def test_the_api_answers_json(client_for, kadis):
    response = client_for(kadis).get("/api/v1/posts/?channel=abc")
    assert response.status_code in {200, 400}


@pytest.mark.parametrize("value", ["abc", HUGE, "-1", "0", "²", "1,2"])
def test_object_id_refuses(value):
    with pytest.raises(params.BadParameter):
        params.object_id(value, name="x")


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "2026-02-30", "2026-1-1", "x"])
def test_day_refuses(value):
    with pytest.raises(params.BadParameter):
        params.day(value, name="x")


def test_the_helpers_take_good_values():
    assert params.object_id(" 42 ", name="x") == 42
    assert params.object_id("", name="x") is None
    assert params.id_list("3,1,,3", name="x") == [3, 1]
    assert params.id_list(["3", "4,5"], name="x") == [3, 4, 5]
    assert params.day("2026-12-04", name="x").isoformat() == "2026-12-04"
    assert params.integer("-5", name="x", minimum=-10, maximum=10) == -5
