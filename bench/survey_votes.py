"""1,000 distinct voters voting in parallel against gunicorn: every vote counted once.

Each voter has its own loopback address (127.0.x.y) and browser: it opens the widget
(``widget.json``: token and voter cookie), then posts its answer as JSON. Target: 1,000 answers
"counted", the survey's total exactly 1,000, no error and no "database is locked" in the server
log, on SQLite (default) and on PostgreSQL (``DATABASE_URL=postgres://.../<disposable db>``).
Run: ``uv run python -m bench.survey_votes``.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie

from bench._portal import Portal

VOTERS = 1000
PARALLEL = 64
ANSWERS = ["sangat_puas", "puas", "cukup_puas", "tidak_puas"]
SETUP = """
from accounts.services import user_create
from accounts.roles import Role
from media_center.services import survey_create
from media_center.models import Survey
Survey.objects.filter(slug="bench-votes").delete()
from accounts.models import User
u = User.objects.filter(username="bench").first() or user_create(
    username="bench", email="b@example.go.id", full_name="Bench", password=None, roles=[Role.EDITOR])
print(survey_create(actor=u, slug="bench-votes").slug)
"""


def vote(port: int, slug: str, number: int) -> tuple[int, str, float]:
    address = f"127.0.{1 + number // 250}.{1 + number % 250}"
    started = time.perf_counter()
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=(address, 0)
    )
    try:
        agent = f"BenchBrowser/{number}"
        connection.request("GET", f"/survey/{slug}/widget.json", headers={"User-Agent": agent})
        widget = connection.getresponse()
        body = json.loads(widget.read())
        cookie = SimpleCookie(widget.headers.get("Set-Cookie", ""))
        cookies = "; ".join(f"{k}={v.value}" for k, v in cookie.items())
        payload = json.dumps({"answer": ANSWERS[number % 4], "token": body["token"]})
        connection.request(
            "POST",
            f"/survey/{slug}/vote/",
            body=payload,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Cookie": cookies,
                "User-Agent": agent,
            },
        )
        reply = connection.getresponse()
        data = json.loads(reply.read())
        status = data.get("status", data.get("code", ""))
        return reply.status, status, time.perf_counter() - started
    finally:
        connection.close()


def main() -> None:
    database = (
        "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    )
    with Portal() as portal:
        slug = portal.python(SETUP).splitlines()[-1]
        portal.serve()
        start = threading.Event()

        def one(number: int):
            start.wait()
            return vote(portal.port, slug, number)

        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            futures = [pool.submit(one, n) for n in range(VOTERS)]
            began = time.perf_counter()
            start.set()
            outcomes = [f.result() for f in futures]
            elapsed = time.perf_counter() - began
        total = json.loads(
            portal.python(
                "from media_center.models import Vote; import json; "
                f"print(json.dumps(Vote.objects.filter(survey__slug='{slug}').count()))"
            ).splitlines()[-1]
        )
        log = portal.log()
    statuses = Counter((code, status) for code, status, _ in outcomes)
    latencies = sorted(seconds for *_, seconds in outcomes)
    locked = log.count("database is locked")
    server_errors = log.count("Traceback")
    print(f"database: {database}; {VOTERS} voters, {PARALLEL} at a time, each from its own address")
    print(f"answers: {dict(statuses)}")
    print(f"votes stored: {total} (target {VOTERS})")
    print(
        f"time: {elapsed:.1f} s, {VOTERS / elapsed:,.0f} voters/s; latency median "
        f"{statistics.median(latencies) * 1000:.0f} ms, p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms"
    )
    print(f"'database is locked' in the server log: {locked}; tracebacks: {server_errors}")
    ok = total == VOTERS and statuses == Counter({(200, "counted"): VOTERS}) and not locked
    print("result: OK" if ok else "result: FAILED")


if __name__ == "__main__":
    main()
