"""One daily insights snapshot of 150 channels, against the platform calls alone.

Baseline: ``fetch_account_insights`` for each channel (the same drivers, the same decrypted
credentials, the same day), one after the other. Ours: ``channel_snapshot`` for each channel
(the vault's decryption and its record of the use, X's call ceiling, the calls, the rows kept
for the day, the followers gained from the day before), also one after the other. The platforms
are the simulator, served by a threaded WSGI server in this process on its own database
connections; the database is a SQLite file in a temporary folder, or ``DATABASE_URL`` (a
disposable PostgreSQL database).

    uv run python -m bench.insights_snapshot [--channels 150] [--repeat 3]

Targets: a fixed number of database queries per channel (printed), and a time ratio (ours /
baseline, median of the runs) of at most 1.5.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="portal-bench-insights-"))
os.environ.setdefault("DEBUG", "true")


def setup(count: int):
    from bench._simulated import simulated_channels

    _head, channels = simulated_channels(count)
    return channels


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    args, _rest = parser.parse_known_args(argv)
    channels = setup(args.channels)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.services import credential_secret_for_use
    from insights.services import channel_snapshot
    from publishing.drivers.insights import fetch_account_insights
    from publishing.drivers.registry import get_driver
    from publishing.services.channel_client import driver_credential

    day = timezone.localdate() - timedelta(days=1)
    prepared = [
        (
            get_driver(channel.driver),
            driver_credential(
                channel,
                dict(credential_secret_for_use(credential_id=channel.credential_id, used_by="b")),
            ),
        )
        for channel in channels
    ]
    for channel in channels:  # the first snapshot: the rows exist, as on every later day
        assert channel_snapshot(channel_id=channel.pk, day=day).stored > 0

    baseline, ours, queries = [], [], []
    for _run in range(args.repeat):
        started = time.perf_counter()
        for driver, credential in prepared:
            fetch_account_insights(driver, credential, day)
        baseline.append(time.perf_counter() - started)

        per_channel = []
        started = time.perf_counter()
        for channel in channels:
            connection.queries_log.clear()  # a long run would fill the log and count nothing
            with CaptureQueriesContext(connection) as captured:
                result = channel_snapshot(channel_id=channel.pk, day=day)
            assert result.stored > 0 and not result.error, result
            per_channel.append(len(captured))
        ours.append(time.perf_counter() - started)
        queries.append(per_channel)

    flat = [n for run in queries for n in run]
    by_platform: dict[str, set[int]] = {}
    for channel, count in zip(channels * args.repeat, flat, strict=True):
        by_platform.setdefault(channel.driver, set()).add(count)
    base, mine = statistics.median(baseline), statistics.median(ours)
    print(f"database: {connection.vendor}; channels: {len(channels)}; runs: {args.repeat}")
    print("queries per channel: " + ", ".join(
        f"{name} {min(c)}-{max(c)}" if min(c) != max(c) else f"{name} {min(c)}"
        for name, c in sorted(by_platform.items())
    ))  # fmt: skip
    print(f"platform calls alone: {base:.3f} s (median)")
    print(f"snapshot cycle:       {mine:.3f} s (median)")
    print(f"ratio: {mine / base:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
