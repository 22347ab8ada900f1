"""Survey stuffing from one address: a fresh cookie and browser name for every vote.

Before: each ``widget.json`` handed out a new voter and the per-address limit lived in each
process's memory, so 55-60 of 100 such votes counted. Now the first
``SURVEY_VOTE_ALLOWANCE_PER_ADDRESS`` votes of an address per survey and period count, the rest
are kept but held until an Editor or the Kepala Dinas accepts them, and the limit is kept in the
database, so every process shares it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie

import pytest
from django.test import Client

from accounts.models import AuditEvent
from media_center.models import Vote, VoteState
from media_center.services import votes_review
from tests.conftest import BASE_DIR, database_url_for_workers, run_at_once, wait_for
from tests.media_center.survey_helpers import make_survey
from tests.s3 import free_port

ALLOWANCE = 10
ATTEMPTS = 60
ATTACKER = "36.84.10.20"


@pytest.fixture
def limits(settings):
    settings.SURVEY_VOTE_ALLOWANCE_PER_ADDRESS = ALLOWANCE
    settings.SURVEY_VOTES_PER_ADDRESS_PER_MINUTE = 10_000  # the flood guard is another test


def fresh_browser_vote(slug: str, number: int, address: str = ATTACKER) -> dict:
    """What the attacker's loop does: a new browser (no cookie, new name) fetches the widget,
    keeps the cookie it is given and votes with the token."""
    browser = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=f"Mozilla/5.0 Stuffer/{number}")
    widget = browser.get(f"/survey/{slug}/widget.json").json()
    reply = browser.post(
        f"/survey/{slug}/vote/",
        json.dumps({"answer": "tidak_puas", "token": widget["token"]}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    assert reply.status_code == 200, reply.content
    return reply.json()


@pytest.mark.django_db
def test_fresh_cookies_from_one_address_count_only_the_allowance(
    limits, kadis, editor, django_capture_on_commit_callbacks
):
    survey = make_survey(kadis, featured=True)
    replies = [fresh_browser_vote(survey.slug, n) for n in range(ATTEMPTS)]
    statuses = [r["status"] for r in replies]
    assert statuses == ["counted"] * ALLOWANCE + ["held"] * (ATTEMPTS - ALLOWANCE)
    assert "dihitung setelah" in replies[-1]["message"]  # the voter is told, not misled
    # No vote is lost: every one is stored, the held ones out of the results.
    assert Vote.objects.filter(state=VoteState.COUNTED).count() == ALLOWANCE
    assert Vote.objects.filter(state=VoteState.HELD).count() == ATTEMPTS - ALLOWANCE
    assert replies[-1]["results"]["total"] == ALLOWANCE
    public = Client().get(f"/api/v1/surveys/{survey.slug}/results/").json()
    assert public["total"] == ALLOWANCE
    # The raw address is stored nowhere, only its keyed hash.
    for vote in Vote.objects.all():
        assert ATTACKER not in " ".join(str(getattr(vote, f.attname)) for f in Vote._meta.fields)
    # Someone else, from another address, still counts.
    assert fresh_browser_vote(survey.slug, 999, address="36.84.99.1")["status"] == "counted"

    # The office sees counted and held-back votes, and reviews the held ones.
    office = Client()
    from tests.conftest import login

    login(office, editor)
    page = office.get(f"/surveys/{survey.slug}/").content.decode()
    assert "Dihitung: 11 jawaban" in page
    assert f"ditahan untuk ditinjau: {ATTEMPTS - ALLOWANCE}" in page
    held_page = office.get(f"/surveys/{survey.slug}/held/")
    assert held_page.status_code == 200
    held_ids = list(Vote.objects.filter(state=VoteState.HELD).values_list("pk", flat=True))
    office.post(
        f"/surveys/{survey.slug}/held/",
        {"decision": "reject", "vote": [str(i) for i in held_ids[:20]]},
    )
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            f"/surveys/{survey.slug}/held/", {"decision": "accept", "vote": [str(held_ids[20])]}
        )
    assert Vote.objects.filter(state=VoteState.REJECTED).count() == 20
    assert Vote.objects.filter(state=VoteState.COUNTED).count() == ALLOWANCE + 2
    assert Vote.objects.count() == ATTEMPTS + 1  # rejected votes are kept
    assert AuditEvent.objects.filter(action="survey.votes_reject", actor=editor).exists()
    assert AuditEvent.objects.filter(action="survey.votes_accept", actor=editor).exists()
    reviewed = Vote.objects.get(pk=held_ids[20])
    assert reviewed.reviewed_by == editor and reviewed.reviewed_at is not None
    public = Client().get(f"/api/v1/surveys/{survey.slug}/results/").json()
    assert public["total"] == ALLOWANCE + 2


@pytest.mark.django_db
def test_only_editors_and_kepala_dinas_review_held_votes(limits, kadis, staf, admin_user):
    survey = make_survey(kadis)
    for n in range(ALLOWANCE + 3):
        fresh_browser_vote(survey.slug, n)
    held = list(Vote.objects.filter(state=VoteState.HELD).values_list("pk", flat=True))
    from tests.conftest import login

    for outsider in (staf, admin_user):
        client = login(Client(), outsider)
        reply = client.post(f"/surveys/{survey.slug}/held/", {"decision": "accept", "vote": held})
        assert reply.status_code in {403, 404}
        assert client.get(f"/surveys/{survey.slug}/held/").status_code in {403, 404}
    assert Vote.objects.filter(state=VoteState.HELD).count() == 3
    # Bulk: everything held, in one act; votes of another survey are never touched.
    other = make_survey(kadis, slug="lain")
    assert votes_review(actor=kadis, survey=other, accept=True, vote_ids=held) == 0
    assert votes_review(actor=kadis, survey=survey, accept=True) == 3
    assert votes_review(actor=kadis, survey=survey, accept=True) == 0


@pytest.mark.django_db(transaction=True)
def test_two_database_connections_share_the_allowance(limits, kadis):
    """Eight voters at once, each on its own database connection: never more than the
    allowance counted (the row lock decides, not a read-then-write)."""
    survey = make_survey(kadis)
    counter = iter(range(10_000))
    lock = threading.Lock()

    def burst():
        for _ in range(4):
            with lock:
                number = next(counter)
            fresh_browser_vote(survey.slug, number)

    run_at_once(burst, count=8)
    assert Vote.objects.count() == 32
    assert Vote.objects.filter(state=VoteState.COUNTED).count() == ALLOWANCE
    assert Vote.objects.filter(state=VoteState.HELD).count() == 32 - ALLOWANCE


# --- two real server processes --------------------------------------------------------------------


def _start_gunicorn(port: int, env: dict, log_path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def two_servers(media_root, celery_queue, tmp_path):
    """Two gunicorn processes on the test database: two memories, one database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_workers(),
        "MEDIA_ROOT": str(media_root),
        "CELERY_QUEUE": celery_queue,
        "SURVEY_VOTE_ALLOWANCE_PER_ADDRESS": str(ALLOWANCE),
        "SURVEY_VOTES_PER_ADDRESS_PER_MINUTE": "10000",
    }
    ports = [free_port(), free_port()]
    processes = [
        _start_gunicorn(port, env, tmp_path / f"gunicorn-{i}.log") for i, port in enumerate(ports)
    ]

    def answers(port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    try:
        for port in ports:
            wait_for(lambda port=port: answers(port), timeout=90, message="gunicorn did not start")
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    logs = "".join((tmp_path / f"gunicorn-{i}.log").read_text() for i in range(2))
    assert "Traceback" not in logs, logs[-3000:]


def _http_vote(widget_port: int, vote_port: int, slug: str, number: int) -> str:
    """Widget from one process, vote to the other: a fresh browser each time."""
    agent = f"Mozilla/5.0 Stuffer/{number}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{widget_port}/survey/{slug}/widget.json",
        headers={"User-Agent": agent},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        token = json.loads(answer.read())["token"]
        cookie = SimpleCookie(answer.headers.get("Set-Cookie", ""))
    body = json.dumps({"answer": "tidak_puas", "token": token}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{vote_port}/survey/{slug}/vote/",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": agent,
            "Cookie": "; ".join(f"{k}={v.value}" for k, v in cookie.items()),
        },
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())["status"]


@pytest.mark.django_db(transaction=True)
def test_two_server_processes_share_the_allowance(limits, kadis, two_servers):
    survey = make_survey(kadis, featured=True)
    first, second = two_servers
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(
                lambda n: _http_vote(
                    first if n % 2 else second, second if n % 2 else first, survey.slug, n
                ),
                range(40),
            )
        )
    assert statuses.count("counted") == ALLOWANCE
    assert statuses.count("held") == 40 - ALLOWANCE
    assert Vote.objects.count() == 40
    assert Vote.objects.filter(state=VoteState.COUNTED).count() == ALLOWANCE


@pytest.mark.django_db
def test_tallies_of_finished_periods_are_pruned(limits, kadis):
    from datetime import timedelta

    from django.utils import timezone

    from media_center import voting
    from media_center.models import AddressTally
    from media_center.services import address_tallies_prune, vote_cast

    survey = make_survey(kadis)
    address = voting.address_hash(ATTACKER)
    for days_ago in (0, 1, 5):
        moment = timezone.now() - timedelta(days=days_ago)
        vote_cast(
            survey=survey,
            answer="puas",
            client=f"c{days_ago}",
            voter_id=f"voter-{days_ago:016d}",
            address_key=address,
            at=moment,
        )
    assert AddressTally.objects.count() == 3
    assert address_tallies_prune() == 1
    assert AddressTally.objects.count() == 2
    assert Vote.objects.count() == 3  # the votes stay


@pytest.mark.django_db
def test_rotating_addresses_of_one_ipv6_network_share_one_allowance(limits, kadis):
    """An IPv6 subscriber holds a whole /64: a new address for every vote is still one voter
    network for the limits."""
    survey = make_survey(kadis)
    statuses = [
        fresh_browser_vote(survey.slug, n, address=f"2001:db8:7:42::{n + 1:x}")["status"]
        for n in range(ALLOWANCE + 5)
    ]
    assert statuses == ["counted"] * ALLOWANCE + ["held"] * 5
    # The same person over IPv4-mapped IPv6 is the same IPv4 address.
    for n in range(ALLOWANCE):
        fresh_browser_vote(survey.slug, 100 + n, address="36.84.10.21")
    mapped = fresh_browser_vote(survey.slug, 200, address="::ffff:36.84.10.21")
    assert mapped["status"] == "held"
    # Another /64 is another network.
    assert fresh_browser_vote(survey.slug, 300, address="2001:db8:7:43::1")["status"] == "counted"
