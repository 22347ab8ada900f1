"""The library at scale: 100,000 assets in 2,000 folders.

The benchmark fills a database of its own (a test database on the configured engine: SQLite by
default, PostgreSQL with ``DATABASE_URL``) with 2,000 folders and 10,000 assets, measures three
pages as an Editor sees them (the library grid, a folder page, a search), then grows the
library to 100,000 assets and measures again. Each page must cost the same number of queries at
both sizes, and its server time (the median of repeated requests through the whole Django stack)
may grow at most 1.5 times.

    uv run python -m bench.scale [--small 10000] [--large 100000] [--repeat 9]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

_tmp = tempfile.mkdtemp(prefix="bench-scale-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["TEST_DATABASE_PATH"] = os.path.join(_tmp, "scale.sqlite3")

WORDS = [
    "rapat",
    "koordinasi",
    "banjir",
    "jembatan",
    "posyandu",
    "sekolah",
    "festival",
    "budaya",
    "pasar",
    "jalan",
    "desa",
    "kecamatan",
    "bupati",
    "pelantikan",
    "sosialisasi",
    "vaksinasi",
    "panen",
    "pelatihan",
    "upacara",
    "lomba",
    "pameran",
    "musrenbang",
    "bantuan",
    "gotong",
    "royong",
    "pembangunan",
    "kesehatan",
    "pendidikan",
    "pariwisata",
    "olahraga",
]
SEARCH_WORD = "musrenbang"  # about one title in thirty: the same share at both sizes


def build_folders(division, other_division, editor):
    from assets.models import Folder

    years = Folder.objects.bulk_create(
        Folder(name=str(2016 + i), division=division, created_by=editor) for i in range(10)
    )
    months = Folder.objects.bulk_create(
        Folder(name=f"{m:02d}", parent=year, division=division, created_by=editor)
        for year in years
        for m in range(1, 13)
    )
    events = Folder.objects.bulk_create(
        Folder(
            name=f"Kegiatan {n}",
            parent=months[n % len(months)],
            division=other_division if n % 100 == 0 else division,
            restricted=n % 100 == 0,  # a few folders restricted to another division
            created_by=editor,
        )
        for n in range(2000 - len(years) - len(months))
    )
    for folder in years:
        folder.path, folder.depth = f"/{folder.pk}/", 0
    for folder in months:
        folder.path, folder.depth = f"/{folder.parent_id}/{folder.pk}/", 1
    paths = {f.pk: f.path for f in [*years, *months]}
    for folder in events:
        folder.path, folder.depth = f"{paths[folder.parent_id]}{folder.pk}/", 2
        folder.access_root_id = folder.pk if folder.restricted else None
    everything = [*years, *months, *events]
    Folder.objects.bulk_update(everything, ["path", "depth", "access_root"], batch_size=1000)
    return events


def add_assets(count: int, start: int, folders, big_folder, users, themes, rng) -> None:
    from assets.models import Asset, Rendition

    batch = 5000
    for offset in range(0, count, batch):
        rows = []
        for n in range(start + offset, start + min(count, offset + batch)):
            words = rng.sample(WORDS, 4)
            if n % 30 == 0:
                words[0] = SEARCH_WORD
            elif SEARCH_WORD in words:
                words.remove(SEARCH_WORD)
            title = " ".join(words).capitalize()
            folder = big_folder if n % 100 == 0 else folders[n % len(folders)]
            rows.append(
                Asset(
                    folder=folder,
                    kind="photo",
                    status="ready",
                    title=title,
                    theme=themes[n % len(themes)],
                    event_date=date(2016, 1, 1) + timedelta(days=rng.randrange(3650)),
                    description="",
                    file=f"originals/bench/{n}.jpg",
                    original_name=f"foto-{n}.jpg",
                    mime_type="image/jpeg",
                    size=2_000_000,
                    sha256=f"{n:064x}",
                    width=6000,
                    height=4000,
                    uploaded_by=users[n % len(users)],
                    search_text=title.lower(),
                )
            )
        created = Asset.objects.bulk_create(rows, batch_size=1000)
        Rendition.objects.bulk_create(
            (
                Rendition(
                    asset=a,
                    name="thumb",
                    file=f"renditions/bench/{a.pk}.jpg",
                    width=400,
                    height=267,
                )
                for a in created
            ),
            batch_size=1000,
        )


def settle() -> None:
    """Leave the objects made while filling the database out of the garbage collector's walks,
    as a web process that never made them would be."""
    gc.collect()
    gc.freeze()


def explain(queries) -> None:
    """Print the plan of the page's main query (the one listing assets)."""
    from django.db import connection

    for query in queries.captured_queries:
        sql = query["sql"]
        if 'FROM "assets_asset"' in sql and "LIMIT" in sql and "COUNT(" not in sql:
            prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            with connection.cursor() as cursor:
                cursor.execute(prefix + sql)
                for row in cursor.fetchall():
                    print("    ", " ".join(str(c) for c in row))
            return


def measure(client, url: str, repeat: int) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    count = len(queries)  # now: later requests clear the connection's query log
    if os.environ.get("BENCH_EXPLAIN"):
        print(f"  plan of {url}:")
        explain(queries)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return count, statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.roles import Role
    from accounts.services import division_create, user_create
    from assets.models import Theme

    setup_test_environment(debug=False)  # as in production: no query log, no debug pages
    if connection.vendor == "postgresql":
        connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rng = random.Random(2026)
        pkp = division_create(name="Pengelolaan Komunikasi Publik", short_name="PKP")
        piap = division_create(name="Informasi dan Aspirasi Publik", short_name="PIAP")
        editor = user_create(
            username="editor",
            email="e@x.id",
            full_name="Editor",
            password=None,
            division=pkp,
            roles=[Role.EDITOR],
        )
        users = [editor] + [
            user_create(
                username=f"staf{i}",
                email=f"s{i}@x.id",
                full_name=f"Staf {i}",
                password=None,
                division=pkp,
                roles=[Role.STAF],
            )
            for i in range(5)
        ]
        themes = [Theme.objects.create(name=f"Tema {i}", position=i) for i in range(10)]
        print(
            f"database: {connection.vendor}; making 2,000 folders and {args.small:,} assets...",
            flush=True,
        )
        folders = build_folders(pkp, piap, editor)
        big_folder = folders[1]
        add_assets(args.small, 0, folders, big_folder, users, themes, rng)
        pages = {
            "library grid": "/library/",
            "folder page": f"/library/folders/{big_folder.pk}/",
            "search": f"/library/?q={SEARCH_WORD}",
        }
        client = Client()
        client.force_login(editor)

        def analyse():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")

        analyse()
        settle()
        small = {name: measure(client, url, args.repeat) for name, url in pages.items()}
        print(f"growing to {args.large:,} assets...", flush=True)
        add_assets(args.large - args.small, args.small, folders, big_folder, users, themes, rng)
        analyse()
        settle()
        large = {name: measure(client, url, args.repeat) for name, url in pages.items()}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    ok = True
    print(f"{'page':<14} {'queries':>15} {'server time (median)':>32}  ratio")
    for name in pages:
        (q1, t1), (q2, t2) = small[name], large[name]
        ratio = t2 / t1
        good = q1 == q2 and ratio <= 1.5
        ok &= good
        print(
            f"{name:<14} {q1:>6} -> {q2:<6} {t1:>12.1f} ms -> {t2:>8.1f} ms  {ratio:5.2f}"
            f"  {'OK' if good else 'OVER'}"
        )
    print(
        f"target: same queries, time ratio {args.large:,} / {args.small:,} assets <= 1.50: {'OK' if ok else 'OVER'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
