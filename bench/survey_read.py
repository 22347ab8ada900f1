"""Reading the survey widget's results vs. a static file of the same size, with wrk.

Target: the results (``/survey/<slug>/results.json``) answer at least 0.5 times the requests per
second that the same gunicorn serves for a static file of the same size (WhiteNoise), at 64
concurrent connections, with no error. Prints medians of repeated runs in one process.

Needs ``wrk`` (Debian: ``apt-get install wrk``). Run: ``uv run python -m bench.survey_read``.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import urllib.request

from bench._portal import Portal

CONNECTIONS = 64
DURATION = "8s"
ROUNDS = 3
SETUP = """
from accounts.services import user_create
from accounts.roles import Role
from media_center.services import survey_create, vote_cast
from media_center.models import Survey
from accounts.models import User
Survey.objects.filter(slug="bench").delete()
u = User.objects.filter(username="bench").first() or user_create(
    username="bench", email="b@example.go.id", full_name="Bench", password=None, roles=[Role.EDITOR])
s = survey_create(actor=u, slug="bench", featured=True)
n = 0
for answer, count in (("sangat_puas", 76), ("puas", 6), ("cukup_puas", 6), ("tidak_puas", 12)):
    for _ in range(count):
        vote_cast(survey=s, answer=answer, client=f"c{n}", voter_id=f"bench-voter-{n:08d}")
        n += 1
print(s.slug)
"""


def wrk(url: str) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk).")
    with Portal() as portal:
        slug = portal.python(SETUP).splitlines()[-1]
        results_path = f"/survey/{slug}/results.json"
        body = portal.python(
            "from django.test import Client\n"
            f"import sys; sys.stdout.buffer.write(Client(HTTP_HOST='127.0.0.1').get('{results_path}').content)"
        ).encode()
        try:
            data = json.loads(body)
        except ValueError:
            sys.exit(f"unexpected answer from {results_path}: {body[:300]!r}")
        assert data["total"] == 100, data
        # A static file of exactly the same size, collected where WhiteNoise serves from.
        static_name = f"bench/results-{len(body)}.json"
        target = portal.folder / "static" / static_name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b" " * len(body))
        portal.serve()
        results_url = portal.url + results_path
        static_url = f"{portal.url}/static/{static_name}"
        for url in (results_url, static_url):
            with urllib.request.urlopen(url) as response:
                assert response.status == 200 and len(response.read()) == len(body), url
        wrk(results_url)  # warm up both
        wrk(static_url)
        dynamic, static = [], []
        for _ in range(ROUNDS):
            dynamic.append(wrk(results_url))
            static.append(wrk(static_url))
    d = statistics.median(r["rps"] for r in dynamic)
    s = statistics.median(r["rps"] for r in static)
    errors = sum(r["errors"] for r in dynamic + static)
    socket_errors = [r["socket_errors"] for r in dynamic + static if r["socket_errors"]]
    print(
        f"response size: {len(body)} bytes, {CONNECTIONS} connections, {ROUNDS} rounds of {DURATION}"
    )
    print(f"survey results (cached view): {d:,.0f} requests/s (median)")
    print(f"static file, same size:       {s:,.0f} requests/s (median)")
    print(f"ratio: {d / s:.2f} (target >= 0.50)")
    print(f"non-2xx responses: {errors}; socket errors: {socket_errors or 'none'}")


if __name__ == "__main__":
    main()
