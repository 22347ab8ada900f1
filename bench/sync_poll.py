"""One sync poll cycle across 50 channels with nothing new, against the 50 driver calls alone.

Baseline: the 50 ``fetch_recent`` calls themselves (the same drivers, the same decrypted
credentials, the same ``since``), one after the other. Ours: ``sync_poll_channel`` for each of
the 50 source channels (rules, poll state, the vault's decryption, its record of the use once an
hour per channel, the seen-posts lookup, the cursor update), also one after the other. The platforms are the
simulator, served by a threaded WSGI server in this process on its own database connections;
the database is a SQLite file in a temporary folder, or ``DATABASE_URL`` (a disposable
PostgreSQL database).

    uv run python -m bench.sync_poll [--channels 50] [--repeat 5]

Targets: a fixed, small number of database queries per channel (printed), and a time ratio
(ours / baseline, median of the runs) of at most 1.5.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="portal-bench-sync-"))
os.environ.setdefault("DEBUG", "true")


def setup(count: int):
    from bench._simulated import simulated_channels

    head, channels = simulated_channels(count)  # sets Django up first
    from django.utils import timezone

    from publishing.simulator import services as simulator
    from publishing.simulator.models import Account
    from publishing.sync.models import SeenNativePost, SeenStatus, SyncRule
    from publishing.sync.services import sync_poll_channel, sync_rule_create

    for index, channel in enumerate(channels):
        sync_rule_create(actor=head, source=channel, targets=[channels[(index + 1) % count]])
    earlier = timezone.now() - timedelta(seconds=5)
    SyncRule.objects.update(created_at=earlier, active_since=earlier)
    # Three posts on each account, found by a first poll and mirrored already: each poll of the
    # cycle gets them again (they are inside its overlap window) and finds nothing new.
    for channel in channels:
        account = Account.objects.get(handle=channel.handle)
        for number in range(3):
            simulator.record_post(account, text=f"Kabar {number}", origin="native")
    for channel in channels:
        assert len(sync_poll_channel(channel_id=channel.pk).pending) == 3
    SeenNativePost.objects.update(status=SeenStatus.MIRRORED)
    return channels, sync_poll_channel


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    channels, sync_poll_channel = setup(args.channels)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.services import credential_secret_for_use
    from publishing.drivers.registry import get_driver
    from publishing.services.channel_client import driver_credential
    from publishing.sync.models import PollState

    cursors = {s.channel_id: s.cursor for s in PollState.objects.filter(channel__in=channels)}
    since = {pk: cursor - timedelta(minutes=10) for pk, cursor in cursors.items()}
    prepared = [
        (
            get_driver(channel.driver),
            driver_credential(
                channel,
                dict(credential_secret_for_use(credential_id=channel.credential_id, used_by="b")),
            ),
            since[channel.pk],
        )
        for channel in channels
    ]

    baseline, ours, queries = [], [], []
    for _run in range(args.repeat):
        started = time.perf_counter()
        for driver, credential, when in prepared:
            driver.fetch_recent(credential, when)
        baseline.append(time.perf_counter() - started)

        per_channel = []
        started = time.perf_counter()
        for channel in channels:
            with CaptureQueriesContext(connection) as captured:
                result = sync_poll_channel(channel_id=channel.pk)
            assert result.new == 0 and not result.error, result
            per_channel.append(len(captured))
        ours.append(time.perf_counter() - started)
        queries.append(per_channel)

    flat = [n for run in queries for n in run]
    base, mine = statistics.median(baseline), statistics.median(ours)
    print(f"database: {connection.vendor}; channels: {len(channels)}; runs: {args.repeat}")
    per_run = ", ".join(
        str(max(run)) if min(run) == max(run) else f"{min(run)}-{max(run)}" for run in queries
    )
    print(
        f"queries per channel: min {min(flat)}, max {max(flat)}; each run: {per_run} "
        "(a channel's first poll in an hour also records the credential's use)"
    )
    print(f"50 driver calls alone: {base:.3f} s (median)")
    print(f"poll cycle:            {mine:.3f} s (median)")
    print(f"ratio: {mine / base:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
