"""Fan-out overhead: posts published through Celery versus the same driver calls in one loop.

The portal runs as in production: gunicorn (serving the platform simulator too), PostgreSQL,
Redis as the Celery broker, one Celery worker with 2 pool processes. Each post has one library
photo and goes to three channels (Facebook Page, X, Instagram business account).

* **Celery path** (the product's): the editor composes and submits with the services
  (``post_create``, ``post_submit``); the Kepala Dinas approves (``post_approve``), which releases
  the post and enqueues one ``deliver`` task per channel. Timed from the first approval to the
  last delivery's ``published_at``.
* **Direct loop** (the baseline): the same drivers, the same simulator, the same credentials
  (decrypted through the vault, shaped by ``publishing.vault.driver_secret``), the same payload
  (text for the platform, ``media_for`` the channel), called one after another in this process.

Printed: throughput ratio (Celery deliveries per second / direct calls per second, target >= 0.8)
and the latency from approval to the last delivery of one 3-channel post over the three direct
calls' time (target < 2), medians of ``--runs`` runs.

    uv run python -m bench.fanout [--posts 300] [--runs 3]

Uses its own PostgreSQL database (``bench_fanout``, dropped and made again, on the server of
``DATABASE_URL`` if that is PostgreSQL, else ``postgres@127.0.0.1:5432``) and Redis at
``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``; the portal's queue and cache keys are its own).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import uuid

from bench._portal import Portal, fresh_postgres

CHANNELS = [  # (driver, simulator platform, handle)
    ("facebook", "facebook", "MediaCenterBJN"),
    ("x", "x", "mediacenterBJN"),
    ("instagram_graph", "instagram", "mediacenterbojonegoro"),
]


def media_center_channels(kadis, division) -> list:
    """The Media Center's three simulator accounts as channels, their logins in the vault."""
    from publishing.models import AccountGroup
    from publishing.seed import channel_with_credential
    from publishing.simulator import services as simulator

    simulator.seed_accounts()
    # Instagram's rolling 24-hour publishing cap (100 in the simulator, as on the platform) would
    # defer the rest of the run's posts to tomorrow, as the portal should; lift it for the bench.
    simulator.Account.objects.filter(platform="instagram").update(quota_total=100_000)
    return [
        channel_with_credential(
            actor=kadis,
            driver=driver,
            platform=platform,
            handle=handle,
            name=handle,
            account_group=AccountGroup.MEDIA_CENTER,
            division=division,
        )
        for driver, platform, handle in CHANNELS
    ]


def setup():
    """A Kepala Dinas, an editor, the three Media Center channels with vault logins, a photo."""
    from PIL import Image

    from accounts.roles import Role
    from accounts.services import division_create, user_create
    from assets.models import Asset
    from assets.services import asset_create_from_file, asset_render, folder_create

    division = division_create(name="Pengelolaan Komunikasi Publik", short_name="PKP")
    kadis = user_create(
        username="kadis",
        email="kadis@example.go.id",
        full_name="Kadis",
        password=None,
        roles=[Role.KEPALA_DINAS],
    )
    editor = user_create(
        username="editor",
        email="editor@example.go.id",
        full_name="Editor",
        password=None,
        division=division,
        roles=[Role.EDITOR],
    )
    channels = media_center_channels(kadis, division)
    folder = folder_create(actor=editor, name="Publikasi", division=division)
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1000), (30, 120, 200)).save(buffer, "JPEG", quality=80)
    asset = asset_create_from_file(actor=editor, folder=folder, fileobj=buffer, filename="foto.jpg")
    asset_render(asset_id=asset.pk)
    return editor, kadis, channels, Asset.objects.get(pk=asset.pk)


def compose(editor, channels, asset, label: str, count: int, *, submit: bool) -> list[int]:
    from publishing.services.posts import post_create, post_submit

    ids = []
    for number in range(count):
        post = post_create(
            actor=editor,
            text=f"Kabar Bojonegoro {label} #{number} ({uuid.uuid4().hex[:8]}): pelayanan publik.",
            asset_ids=[asset.pk],
            channel_ids=[c.pk for c in channels],
        )
        if submit:
            post_submit(actor=editor, post=post)
        ids.append(post.pk)
    return ids


def celery_path(kadis, post_ids: list[int], *, poll: float) -> tuple[float, int]:
    """Approve the posts; seconds from the first approval to the last delivery published, and
    how many deliveries did not end published."""
    from django.db.models import Max

    from publishing.models import DELIVERY_DONE, Delivery, DeliveryStatus
    from publishing.services.posts import post_approve

    expected = len(post_ids) * len(CHANNELS)
    began = time.time()
    for pk in post_ids:
        post_approve(actor=kadis, post=pk)
    deliveries = Delivery.objects.filter(post_id__in=post_ids)
    deadline = time.monotonic() + 600
    while deliveries.filter(status__in=DELIVERY_DONE).count() < expected:
        if time.monotonic() > deadline:
            raise RuntimeError("deliveries did not finish in 10 minutes")
        time.sleep(poll)
    last = deliveries.aggregate(last=Max("published_at"))["last"]
    failed = deliveries.exclude(status=DeliveryStatus.PUBLISHED).count()
    return last.timestamp() - began, failed


def direct_path(credentials, post_ids: list[int]) -> float:
    """The same driver calls, one after another in this process."""
    from publishing.drivers.registry import get_driver
    from publishing.drivers.types import PostPayload
    from publishing.media import media_for
    from publishing.models import Post

    posts = list(Post.objects.filter(pk__in=post_ids).order_by("pk"))
    began = time.perf_counter()
    for post in posts:
        for channel, credential in credentials:
            driver = get_driver(channel.driver)
            payload = PostPayload(
                text=post.text_for(channel.platform),
                media=media_for(post, channel, driver),
                first_comment=post.first_comment,
                link=post.link,
                idempotency_key=str(uuid.uuid4()),
                thread=post.thread,
            )
            result = driver.publish(payload, credential)
            assert result.external_id, result
    return time.perf_counter() - began


def credentials_for(channels):
    from accounts.services import credential_secret_for_use
    from publishing.vault import driver_secret

    return [
        (
            channel,
            driver_secret(
                channel,
                credential_secret_for_use(credential_id=channel.credential_id, used_by="bench"),
                channel.credential,
            ),
        )
        for channel in channels
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args([] if __name__ != "__main__" else None)
    database = fresh_postgres("bench_fanout")
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    portal = Portal(
        simulator=True,
        DATABASE_URL=database,
        REDIS_URL=redis,
        SOCIAL_API_TIMEOUT="10",
        PUBLISHING_RETRY_BASE_SECONDS="1",
    )
    with portal:
        portal.serve()
        portal.use_here()
        editor, kadis, channels, asset = setup()
        portal.start_workers(count=1, concurrency=2)
        credentials = credentials_for(channels)
        # Warm-up: every module loaded and every connection open, on both paths.
        direct_path(credentials, compose(editor, channels, asset, "pemanasan-d", 3, submit=False))
        celery_path(
            kadis, compose(editor, channels, asset, "pemanasan-c", 3, submit=True), poll=0.05
        )
        throughput_celery, throughput_direct, latency_celery, latency_direct = [], [], [], []
        failures = 0
        for run in range(args.runs):
            print(f"run {run + 1}/{args.runs}: composing {2 * args.posts} posts...", flush=True)
            queued = compose(editor, channels, asset, f"c{run}", args.posts, submit=True)
            direct = compose(editor, channels, asset, f"d{run}", args.posts, submit=False)
            direct_s = direct_path(credentials, direct)
            celery_s, failed = celery_path(kadis, queued, poll=0.25)
            failures += failed
            calls = args.posts * len(CHANNELS)
            throughput_direct.append(calls / direct_s)
            throughput_celery.append(calls / celery_s)
            one_direct = direct_path(
                credentials, compose(editor, channels, asset, f"ld{run}", 1, submit=False)
            )
            one_celery, failed = celery_path(
                kadis, compose(editor, channels, asset, f"lc{run}", 1, submit=True), poll=0.01
            )
            failures += failed
            latency_direct.append(one_direct)
            latency_celery.append(one_celery)
            print(
                f"  {calls} deliveries: direct {direct_s:.1f} s ({calls / direct_s:.1f}/s), "
                f"Celery {celery_s:.1f} s ({calls / celery_s:.1f}/s); one post: direct "
                f"{one_direct * 1000:.0f} ms, Celery {one_celery * 1000:.0f} ms",
                flush=True,
            )
        errors = portal.log().count("Traceback") + portal.celery_log().count("Traceback")
    ratio = statistics.median(throughput_celery) / statistics.median(throughput_direct)
    latency = statistics.median(latency_celery) / statistics.median(latency_direct)
    print(
        f"PostgreSQL + Redis, gunicorn {portal.workers} workers, Celery 1 worker x 2 processes; "
        f"{args.posts} posts x {len(CHANNELS)} channels, medians of {args.runs} runs"
    )
    print(
        f"throughput: direct {statistics.median(throughput_direct):.1f} calls/s, Celery "
        f"{statistics.median(throughput_celery):.1f} deliveries/s: ratio {ratio:.2f} "
        f"(target >= 0.80): {'OK' if ratio >= 0.8 else 'UNDER'}"
    )
    print(
        f"one 3-channel post: direct {statistics.median(latency_direct) * 1000:.0f} ms, approval "
        f"to last delivery {statistics.median(latency_celery) * 1000:.0f} ms: {latency:.2f}x "
        f"(target < 2): {'OK' if latency < 2 else 'OVER'}"
    )
    print(f"deliveries not published: {failures}; tracebacks in server and worker logs: {errors}")
    return 0 if ratio >= 0.8 and latency < 2 and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
