"""The public questionnaire as a phone without JavaScript sends it (plain form POST), and the
protection against stuffing shared with the widget (``core.allowance``)."""

import re

import pytest
from django.test import Client

from skm.models import Response, ResponseState, Source

from .conftest import public_answers

pytestmark = pytest.mark.django_db


def _form(client, service):
    page = client.get(f"/skm/{service.slug}/")
    assert page.status_code == 200
    return page.content.decode()


def test_the_page_speaks_indonesian_and_lists_nine_questions_without_script(period):
    html = _form(Client(), period.service)
    assert '<html lang="id">' in html
    assert "Survei Kepuasan Masyarakat" in html or "survei kepuasan masyarakat" in html.lower()
    for n in range(1, 10):
        assert f'name="u{n}"' in html
    assert html.count('type="radio"') == 9 * 4 + 2 + 5 + 6 + 5
    assert "Sangat sesuai" in html and "Gratis" in html
    # The form posts itself: no script needed.
    assert re.search(r'<form method="post" class="skm-form"', html)


def test_a_plain_post_is_counted_as_online_with_nothing_identifying(period):
    client = Client(enforce_csrf_checks=True)
    html = _form(client, period.service)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    reply = client.post(
        f"/skm/{period.service.slug}/",
        {**public_answers(3, comment="Antrean cepat."), "csrfmiddlewaretoken": token},
        REMOTE_ADDR="203.0.113.9",
    )
    assert reply.status_code == 200
    assert "Terima kasih" in reply.content.decode()
    response = Response.objects.get()
    assert (response.source, response.state, response.u5, response.comment) == (
        Source.ONLINE,
        ResponseState.COUNTED,
        3,
        "Antrean cepat.",
    )
    assert "203.0.113.9" not in response.address_hash and len(response.address_hash) == 64


def test_blank_answers_show_errors_and_keep_what_was_chosen(period):
    data = public_answers(4)
    del data["u3"], data["sex"]
    reply = Client().post(f"/skm/{period.service.slug}/", data)
    assert reply.status_code == 400
    html = reply.content.decode()
    assert html.count('<fieldset id="q-') == 13
    assert html.count('class="has-error"') == 2
    assert 'id="q-u3" class="has-error"' in html and 'id="q-sex" class="has-error"' in html
    # What was chosen stays chosen.
    assert re.search(r'name="u1" value="4"[^>]*checked', html)
    assert not re.search(r'name="u3" value="\d"[^>]*checked', html)
    assert Response.objects.count() == 0


@pytest.mark.parametrize("bad", ["5", "0", "-1", "x" * 5000, "4' OR 1=1"])
def test_a_score_outside_1_to_4_stores_nothing(period, bad):
    reply = Client().post(f"/skm/{period.service.slug}/", public_answers(4, u1=bad))
    assert reply.status_code == 400
    assert Response.objects.count() == 0


def test_a_5000_character_comment_is_refused_not_cut(period):
    reply = Client().post(f"/skm/{period.service.slug}/", public_answers(4, comment="a" * 5000))
    assert reply.status_code == 400
    assert Response.objects.count() == 0


def test_stuffing_from_one_address_is_held_past_the_allowance_then_rate_limited(period, settings):
    settings.SKM_RESPONSES_PER_ADDRESS_PER_DAY = 3
    settings.SKM_ATTEMPTS_PER_ADDRESS_PER_MINUTE = 5
    client = Client()
    codes = [
        client.post(
            f"/skm/{period.service.slug}/", public_answers(1), REMOTE_ADDR="198.51.100.7"
        ).status_code
        for _ in range(7)
    ]
    assert codes == [200] * 5 + [429] * 2
    states = sorted(Response.objects.values_list("state", flat=True))
    assert states.count(ResponseState.COUNTED) == 3
    assert states.count(ResponseState.HELD) == 2
    # Another address of the same IPv6 /64 is the same subscriber; another address is not.
    other = client.post(
        f"/skm/{period.service.slug}/", public_answers(4), REMOTE_ADDR="198.51.100.8"
    )
    assert other.status_code == 200
    assert Response.objects.filter(state=ResponseState.COUNTED).count() == 4


def test_ipv6_subscriber_changing_address_within_its_64_shares_the_allowance(period, settings):
    settings.SKM_RESPONSES_PER_ADDRESS_PER_DAY = 1
    client = Client()
    for suffix in ("1", "2", "3"):
        client.post(
            f"/skm/{period.service.slug}/", public_answers(1), REMOTE_ADDR=f"2001:db8:1:2::{suffix}"
        )
    assert Response.objects.filter(state=ResponseState.COUNTED).count() == 1
    assert Response.objects.filter(state=ResponseState.HELD).count() == 2


def test_no_open_period_no_form(service):
    reply = Client().get(f"/skm/{service.slug}/")
    assert reply.status_code == 200
    assert 'name="u1"' not in reply.content.decode()
    assert Client().post(f"/skm/{service.slug}/", public_answers(4)).status_code == 200
    assert Response.objects.count() == 0


def test_unknown_service_is_404(db):
    assert Client().get("/skm/tidak-ada/").status_code == 404


def test_results_are_public_only_once_published(period, kadis):
    from skm import services

    from .conftest import add_responses

    add_responses(period, [[3] * 9])
    assert Client().get(f"/skm/hasil/{period.pk}/").status_code == 404
    services.period_publish(actor=kadis, period=period, conclusion="Baik.")
    page = Client().get(f"/skm/hasil/{period.pk}/")
    assert page.status_code == 200
    assert "75,00" in page.content.decode()
    # A published period takes no more answers.
    Client().post(f"/skm/{period.service.slug}/", public_answers(4))
    assert Response.objects.count() == 1


def test_the_api_gives_published_results_only(period, kadis):
    from skm import services

    from .conftest import add_responses

    add_responses(period, [[4, 3, 3, 3, 3, 3, 3, 3, 4]] * 3, comment="rahasia kecil")
    assert Client().get("/api/v1/skm/periods/").json() == []
    assert Client().get(f"/api/v1/skm/periods/{period.pk}/results/").status_code == 404
    services.period_publish(actor=kadis, period=period, conclusion="Baik.")
    listing = Client().get("/api/v1/skm/periods/").json()
    assert [p["id"] for p in listing] == [period.pk]
    reply = Client().get(f"/api/v1/skm/periods/{period.pk}/results/")
    data = reply.json()
    assert data["index"]["converted"] == "80.56" and data["index"]["grade"] == "B"
    assert data["elements"][0]["nrr"] == "4.0000" and data["elements"][1]["nrr"] == "3.0000"
    assert data["ranking"] == [2, 3, 4, 5, 6, 7, 8, 1, 9]
    assert "rahasia kecil" not in reply.content.decode()
    schema = Client().get("/api/schema/").content.decode()
    assert (
        "/api/v1/skm/periods/{id}/results/" in schema
        or "/api/v1/skm/periods/{pk}/results/" in schema
    )
