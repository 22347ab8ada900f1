"""Posts that arrive at once: the allowance holds across connections, and the same form sent
twice (a double click) is stored once."""

import re

import pytest
from django.test import Client

from skm import services
from skm.models import Response, ResponseState
from tests.conftest import login, run_at_once

from .conftest import public_answers

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_allowance_holds_when_posts_arrive_together(period, settings):
    settings.SKM_RESPONSES_PER_ADDRESS_PER_DAY = 3
    settings.SKM_ATTEMPTS_PER_ADDRESS_PER_MINUTE = 10_000

    def burst():
        for _ in range(3):
            services.response_submit(
                period=period, answers=public_answers(2), address="36.84.10.20"
            )

    run_at_once(burst, count=4)
    assert Response.objects.count() == 12
    assert Response.objects.filter(state=ResponseState.COUNTED).count() == 3
    assert Response.objects.filter(state=ResponseState.HELD).count() == 9


def test_a_double_click_stores_one_questionnaire(period):
    answers = public_answers(4, submission=services.submission_new())
    statuses = []

    def send():
        statuses.append(
            services.response_submit(period=period, answers=answers, address="10.0.0.1")
        )

    run_at_once(send, count=2)
    assert Response.objects.count() == 1
    assert sorted(s.value for s in statuses) == ["already_sent", "counted"]


def test_a_double_enter_on_paper_stores_one(period, editor):
    client = login(Client(), editor)
    page = client.get(f"/satisfaction/periods/{period.pk}/paper/").content.decode()
    submission = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    data = public_answers(3, submission=submission)
    assert client.post(f"/satisfaction/periods/{period.pk}/paper/", data).status_code == 302
    assert client.post(f"/satisfaction/periods/{period.pk}/paper/", data).status_code == 302
    assert Response.objects.count() == 1
    # The next blank form has a new id.
    again = client.get(f"/satisfaction/periods/{period.pk}/paper/").content.decode()
    assert submission not in again
