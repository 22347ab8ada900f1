"""The insights at a regency's scale: 40 divisions, 150 channels, a year of posts and daily
figures, then ten years of them.

The benchmark fills a database of its own (a test database on the configured engine: SQLite by
default, PostgreSQL with ``DATABASE_URL``) with a year of history, measures the insights page of
the last month as a Staf sees it and the making of a monthly report's figures (the PDF's and
XLSX's data, charts included), then grows the history tenfold and measures again. Each must cost
the same number of queries at both sizes, and its time (the median of repeated runs) may grow
at most 1.5 times.

    uv run python -m bench.insights_scale [--years 10] [--repeat 7]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta

_tmp = tempfile.mkdtemp(prefix="bench-insights-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["TEST_DATABASE_PATH"] = os.path.join(_tmp, "insights.sqlite3")

LIMIT = 1.5


def explain(queries) -> None:
    """The slowest queries of a run and their plans."""
    from django.db import connection

    slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
    for query in slowest:
        print(f"  {query['time']} s: {query['sql'][:300]}")
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + query["sql"])
            for row in cursor.fetchall():
                print("     ", " ".join(str(c) for c in row))


def timed(work, repeat: int) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    work()
    with CaptureQueriesContext(connection) as queries:
        work()
    count = len(queries)
    if os.environ.get("BENCH_EXPLAIN"):
        explain(queries)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return count, statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    args, _rest = parser.parse_known_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from accounts.roles import Role
    from accounts.services import division_create, user_create
    from insights import reports
    from insights.models import Report
    from insights.regency import add_history, seed_regency
    from publishing.models import Channel

    setup_test_environment(debug=False)
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        pkp = division_create(name="Pengelolaan Komunikasi Publik", short_name="PKP")
        staf = user_create(username="staf", email="s@x.id", full_name="Staf", password=None,
                           division=pkp, roles=[Role.STAF])  # fmt: skip
        end = timezone.localdate() - timedelta(days=1)
        started = time.perf_counter()
        counts = seed_regency(end=end, author=staf)
        print(f"database: {connection.vendor}; one year: {counts} "
              f"({time.perf_counter() - started:.1f} s)", flush=True)  # fmt: skip
        channels = list(Channel.objects.filter(name__startswith="Regency kanal").order_by("pk"))
        report = Report.objects.create(kind="month", start=end - timedelta(days=29), end=end)
        client = Client()
        client.force_login(staf)

        def page():
            assert client.get("/insights/", {"period": "month"}).status_code == 200

        def monthly():
            data = reports.context(report, thumbnails=True)
            reports.report_xlsx(data)

        work = {"insights page (last 30 days)": page, "monthly report figures + XLSX": monthly}
        gc.collect()
        small = {name: timed(run, args.repeat) for name, run in work.items()}
        started = time.perf_counter()
        more = add_history(channels, staf, end=end, days=365 * (args.years - 1), skip=365)
        print(f"grown to {args.years} years: +{more} ({time.perf_counter() - started:.1f} s)",
              flush=True)  # fmt: skip
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        gc.collect()
        large = {name: timed(run, args.repeat) for name, run in work.items()}
        failed = False
        for name in work:
            (q1, t1), (q2, t2) = small[name], large[name]
            ratio = t2 / t1
            ok = q1 == q2 and ratio <= LIMIT
            failed |= not ok
            print(f"{name}: queries {q1} -> {q2}; median {t1:.1f} ms -> {t2:.1f} ms; "
                  f"ratio {ratio:.2f} (limit {LIMIT}) {'ok' if ok else 'FAILED'}")  # fmt: skip
        return 1 if failed else 0
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
