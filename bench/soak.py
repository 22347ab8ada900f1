"""Soak: the whole portal under mixed traffic for N minutes; nothing lost, no 5xx, memory flat.

The portal runs as in production on this machine: gunicorn (2 workers, also serving the platform
simulator), one Celery worker with 2 pool processes, Celery beat, PostgreSQL (its own database
``bench_soak``, dropped and made again) and Redis (``REDIS_URL``, default
``redis://127.0.0.1:6379/0``; queue and cache keys of its own). Clients on loopback:

* an editor browsing the library (grid, folders, asset pages, dashboard) with a session, and
  searching (the grid's ``q`` and ``GET /api/v1/assets/?q=``);
* uploads through ``POST /api/v1/assets/`` with the editor's API token (small distinct photos);
* composing: ``POST /api/v1/posts/`` for three channels, ``/submit/`` by the editor, ``/approve/``
  by the Kepala Dinas with the API token they create on their profile page (the token endpoint
  refuses two-factor accounts; the page asks for the second factor first): ``--posts`` posts
  (default 100) spread over the run, published through the simulator;
* public voters in the survey widget, each from its own loopback address;
* random faults on the three accounts (429 with Retry-After, 500, an answer too late, a post
  accepted and then the answer lost) through ``/simulator/_faults/<platform>/<handle>/``.

At the end: 5xx answers counted on the client and in the server and worker logs (the
simulator's own injected 500s excluded), assets created against uploads sent, every post
published exactly once per channel (``/simulator/_log``), votes stored against votes counted,
and each process's resident memory (``/proc``) at the end of warm-up and at the end.

    uv run python -m bench.soak [--minutes 10] [--posts 100] [--clients 6]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from bench._portal import Portal, fresh_postgres, rss_kb
from bench.fanout import CHANNELS, media_center_channels
from bench.survey_votes import vote

PASSWORD = "Soak-Portal-2026!uji"  # noqa: S105 - a throwaway soak account
WORDS = ["banjir", "jembatan", "pasar", "sekolah", "festival", "kesehatan", "jalan", "panen"]
FAULTS = [  # (mode, options)
    ("rate_limit", {"retry_after": 1, "scope": "write"}),
    ("server_error", {"scope": "write"}),
    ("slow", {"delay": 3, "scope": "publish"}),
    ("accept_then_fail", {"scope": "publish"}),
]
SERVER_ERROR = re.compile(
    r"(Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout): (\S+)"
)


def jpeg(number: int, size=(640, 480)) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(number)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle([x, y, x + 40, y + 30], fill=tuple(rng.randrange(256) for _ in range(3)))
    draw.text((10, 10), f"soak {number}", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def setup(portal: Portal) -> dict:
    """People, channels with vault logins, a folder, photos ready for posts, a survey."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.roles import Role
    from accounts.services import api_token_create, division_create, user_create
    from assets.services import asset_create_from_file, asset_render, folder_create
    from media_center.services import survey_create

    division = division_create(name="Pengelolaan Komunikasi Publik", short_name="PKP")
    kadis = user_create(
        username="kadis",
        email="kadis@example.go.id",
        full_name="Kadis",
        password=PASSWORD,
        roles=[Role.KEPALA_DINAS],
    )
    TOTPDevice.objects.create(user=kadis, name="Telepon", confirmed=True)
    editor = user_create(
        username="editor",
        email="editor@example.go.id",
        full_name="Editor",
        password=PASSWORD,
        division=division,
        roles=[Role.EDITOR],
    )
    channels = media_center_channels(kadis, division)
    folder = folder_create(actor=editor, name="Liputan", division=division)
    photos = []
    for number in range(5):
        asset = asset_create_from_file(
            actor=editor,
            folder=folder,
            fileobj=io.BytesIO(jpeg(-1 - number, size=(1200, 1000))),
            filename=f"publikasi-{number}.jpg",
        )
        asset_render(asset_id=asset.pk)
        photos.append(asset.pk)
    return {
        "editor_token": api_token_create(user=editor).key,
        "kadis_token": api_token_create(user=kadis).key,
        "channels": [c.pk for c in channels],
        "folder": folder.pk,
        "photos": photos,
        "survey": survey_create(actor=editor, slug="soak").slug,
        "seeded_assets": len(photos),
    }


class Traffic:
    def __init__(self, portal: Portal, facts: dict, *, posts: int, seconds: float):
        self.portal, self.facts, self.base = portal, facts, portal.url
        self.posts_wanted, self.seconds = posts, seconds
        self.statuses: Counter = Counter()  # (action, status)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.uploads_sent = self.uploads_created = 0
        self.votes_sent = self.votes_counted = 0
        self.post_ids: list[int] = []
        self.texts: set[str] = set()
        self.faults: Counter = Counter()
        self.local = threading.local()
        self.asset_ids: list[int] = list(facts["photos"])
        self.numbers = iter(range(10**9))

    def note(self, action: str, status: int) -> None:
        with self.lock:
            self.statuses[(action, status)] += 1

    # --- clients ------------------------------------------------------------------------------

    def session(self) -> requests.Session:
        if getattr(self.local, "session", None) is None:
            session = requests.Session()
            # As a browser does: a GET on a kept-alive connection the server closed at that very
            # moment is sent again once (gunicorn closes idle connections after 2 s).
            retry = Retry(total=1, connect=1, read=1, status=0, allowed_methods={"GET"})
            session.mount("http://", HTTPAdapter(max_retries=retry))
            session.get(f"{self.base}/accounts/login/", timeout=30)
            self._plain_cookies(session)
            answer = session.post(
                f"{self.base}/accounts/login/",
                data={
                    "username": "editor",
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                },
                timeout=30,
                allow_redirects=False,
            )
            self.note("login", answer.status_code)
            self._plain_cookies(session)
            self.local.session = session
        return self.local.session

    @staticmethod
    def _plain_cookies(session: requests.Session) -> None:
        # The production cookies are Secure; the soak speaks plain HTTP on loopback.
        for cookie in session.cookies:
            cookie.secure = False

    def api(self, method: str, path: str, token: str, action: str, **kwargs) -> requests.Response:
        answer = requests.request(
            method,
            f"{self.base}{path}",
            headers={"Authorization": f"Token {token}"},
            timeout=60,
            **kwargs,
        )
        self.note(action, answer.status_code)
        return answer

    def browse(self, rng: random.Random) -> None:
        session = self.session()
        choice = rng.random()
        if choice < 0.4:
            path = "/library/"
        elif choice < 0.55:
            path = f"/library/folders/{self.facts['folder']}/"
        elif choice < 0.85:
            path = f"/library/assets/{rng.choice(self.asset_ids)}/"
        else:
            path = "/dashboard/"
        answer = session.get(f"{self.base}{path}", timeout=60)
        self.note("browse", answer.status_code)

    def search(self, rng: random.Random) -> None:
        word = rng.choice([*WORDS, "soak", "publikasi"])
        if rng.random() < 0.5:
            answer = self.session().get(f"{self.base}/library/", params={"q": word}, timeout=60)
            self.note("search", answer.status_code)
        else:
            self.api(
                "GET", "/api/v1/assets/", self.facts["editor_token"], "search", params={"q": word}
            )

    def upload(self, rng: random.Random) -> None:
        """One photo: every other one through the API's form upload, the others through the
        resumable upload (tus) in two parts on one kept-alive connection, as the upload page
        sends them."""
        number = next(self.numbers)
        body = jpeg(number)
        with self.lock:
            self.uploads_sent += 1
        title = f"Liputan {rng.choice(WORDS)} {number}"
        if number % 2:
            asset_id = self._upload_resumable(number, body, title)
        else:
            answer = self.api(
                "POST",
                "/api/v1/assets/",
                self.facts["editor_token"],
                "upload",
                data={"folder": self.facts["folder"], "title": title, "tags": rng.choice(WORDS)},
                files={"file": (f"foto-{number}.jpg", body, "image/jpeg")},
            )
            asset_id = answer.json()["id"] if answer.status_code == 201 else None
        if asset_id is not None:
            with self.lock:
                self.uploads_created += 1
                self.asset_ids.append(asset_id)

    def _upload_resumable(self, number: int, body: bytes, title: str) -> int | None:
        from tusclient import client as tus_client

        headers = {"Authorization": f"Token {self.facts['editor_token']}"}
        tus = tus_client.TusClient(f"{self.base}/api/v1/uploads/", headers=headers)
        uploader = tus.uploader(
            file_stream=io.BytesIO(body),
            chunk_size=len(body) // 2 + 1,
            metadata={
                "filename": f"foto-{number}.jpg",
                "folder": str(self.facts["folder"]),
                "title": title,
            },
            retries=1,
        )
        try:
            uploader.upload()
        except Exception as exc:  # counted as a failed upload, with its status
            self.note("upload (tus)", getattr(getattr(exc, "response", None), "status_code", 0))
            return None
        answer = requests.get(
            uploader.url, headers={**headers, "Tus-Resumable": "1.0.0"}, timeout=60
        )
        self.note("upload (tus)", answer.status_code)
        if answer.status_code != 200:
            return None
        result = answer.json().get("result") or {}
        return result.get("asset") if result.get("status") == "created" else None

    def vote_once(self, rng: random.Random) -> None:
        number = next(self.numbers) % 60000
        with self.lock:
            self.votes_sent += 1
        status, outcome, _ = vote(self.portal.port, self.facts["survey"], number)
        self.note("vote", status)
        if outcome == "counted":
            with self.lock:
                self.votes_counted += 1

    def client(self, seed: int) -> None:
        rng = random.Random(seed)
        actions = [(self.browse, 40), (self.search, 20), (self.upload, 10), (self.vote_once, 30)]
        functions, weights = zip(*actions, strict=True)
        while not self.stop.is_set():
            function = rng.choices(functions, weights)[0]
            try:
                function(rng)
            except requests.RequestException as exc:
                self.note(f"{function.__name__}: {exc.__class__.__name__}", 0)
                print(f"  {function.__name__}: {exc}", flush=True)
            time.sleep(rng.uniform(0.05, 0.3))  # a person reads, a browser waits

    def composer(self) -> None:
        """The posts, evenly over the first 80 % of the run: compose, submit, approve."""
        rng = random.Random(7)
        gap = self.seconds * 0.8 / self.posts_wanted
        began = time.monotonic()
        for number in range(self.posts_wanted):
            if self.stop.wait(max(0.0, began + number * gap - time.monotonic())):
                return
            text = (
                f"Kabar {rng.choice(WORDS)} ke-{number} ({uuid.uuid4().hex[:8]}) dari Media Center."
            )
            try:
                answer = self.api(
                    "POST",
                    "/api/v1/posts/",
                    self.facts["editor_token"],
                    "compose",
                    json={
                        "text": text,
                        "channels": self.facts["channels"],
                        "assets": [rng.choice(self.facts["photos"])],
                    },
                )
                if answer.status_code != 201:
                    print(f"  compose answered {answer.status_code}: {answer.text[:300]}")
                    continue
                pk = answer.json()["id"]
                with self.lock:
                    self.post_ids.append(pk)
                    self.texts.add(text)
                submitted = self.api(
                    "POST", f"/api/v1/posts/{pk}/submit/", self.facts["editor_token"], "submit"
                )
                approved = self.api(
                    "POST", f"/api/v1/posts/{pk}/approve/", self.facts["kadis_token"], "approve"
                )
                if submitted.status_code != 200 or approved.status_code != 200:
                    print(
                        f"  post {pk}: submit {submitted.status_code}, approve "
                        f"{approved.status_code}: {approved.text[:300]}"
                    )
            except requests.RequestException as exc:
                self.note(f"compose: {exc.__class__.__name__}", 0)

    def saboteur(self) -> None:
        """A fault on a random account every few seconds, while posts are being made."""
        rng = random.Random(11)
        deadline = time.monotonic() + self.seconds * 0.8
        while not self.stop.wait(rng.uniform(5, 15)) and time.monotonic() < deadline:
            _driver, platform, handle = rng.choice(CHANNELS)
            mode, options = rng.choice(FAULTS)
            try:
                # The simulator's control API is for signed-in staff, with the CSRF token.
                session = self.session()
                answer = session.post(
                    f"{self.base}/simulator/_faults/{platform}/{handle}/",
                    json={"mode": mode, "remaining": rng.randint(1, 3), **options},
                    headers={"X-CSRFToken": session.cookies.get("csrftoken", "")},
                    timeout=30,
                )
                if answer.status_code == 200:
                    self.faults[mode] += 1
            except requests.RequestException:
                pass


def memory(portal: Portal) -> dict[str, int]:
    found = {}
    for kind, pids in portal.server_pids().items():
        for pid in pids:
            with contextlib.suppress(FileNotFoundError):
                found[f"{kind} {pid}"] = rss_kb(pid)
    return found


def server_errors(log: str) -> Counter:
    found = Counter()
    for match in SERVER_ERROR.finditer(log):
        if not match.group(2).startswith("/simulator/"):
            found[match.group(0)] += 1
    found["Traceback"] = log.count("Traceback")
    return +found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--clients", type=int, default=6)
    args = parser.parse_args([] if __name__ != "__main__" else None)
    seconds = args.minutes * 60
    warmup = min(120.0, seconds * 0.2)
    import os

    portal = Portal(
        simulator=True,
        DATABASE_URL=fresh_postgres("bench_soak"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        SOCIAL_API_TIMEOUT="1.5",
        PUBLISHING_RETRY_BASE_SECONDS="1",
        PUBLISHING_MAX_ATTEMPTS="8",
        PUBLISHING_STALE_SECONDS="60",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    with portal:
        portal.serve()
        portal.use_here()
        facts = setup(portal)
        portal.start_workers(count=1, concurrency=2)
        portal.start_beat()
        traffic = Traffic(portal, facts, posts=args.posts, seconds=seconds)
        print(
            f"soak: {args.minutes:g} min, {args.clients} clients, {args.posts} posts; "
            f"warm-up {warmup:.0f} s",
            flush=True,
        )
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.clients + 2) as pool:
            futures = [pool.submit(traffic.client, n) for n in range(args.clients)]
            futures += [pool.submit(traffic.composer), pool.submit(traffic.saboteur)]
            time.sleep(warmup)
            after_warmup = memory(portal)
            while time.monotonic() - began < seconds:
                time.sleep(min(60, max(0.0, seconds - (time.monotonic() - began))))
                done = sum(traffic.statuses.values())
                print(
                    f"  {time.monotonic() - began:.0f} s: {done} requests, "
                    f"{len(traffic.post_ids)} posts",
                    flush=True,
                )
            at_end = memory(portal)
            traffic.stop.set()
            for future in futures:
                future.result()
        elapsed = time.monotonic() - began
        outcome = settle(portal, traffic, facts)
        log = portal.log() + portal.celery_log()
    return report(args, traffic, facts, outcome, after_warmup, at_end, server_errors(log), elapsed)


def settle(portal: Portal, traffic: Traffic, facts: dict) -> dict:
    """Wait for the last deliveries, then count what the portal and the simulator hold."""
    from assets.models import Asset
    from media_center.models import Vote
    from publishing.models import DELIVERY_DONE, Delivery, DeliveryAttempt, Post, PostStatus

    deliveries = Delivery.objects.filter(post_id__in=traffic.post_ids)
    expected = len(traffic.post_ids) * len(CHANNELS)
    deadline = time.monotonic() + 300
    while deliveries.filter(status__in=DELIVERY_DONE).count() < expected:
        if time.monotonic() > deadline:
            break
        time.sleep(2)
    received = {}
    for _driver, platform, handle in CHANNELS:
        log = (
            traffic.session()
            .get(
                f"{portal.url}/simulator/_log",
                params={"platform": platform, "account": handle},
                timeout=120,
            )
            .json()
        )
        texts = Counter(
            p["text"]
            for p in log["posts"]
            if p["published"] and not p["deleted"] and p.get("parent") is None
        )
        received[handle] = texts
    return {
        "assets": Asset.objects.count() - facts["seeded_assets"],
        "published": Post.objects.filter(
            pk__in=traffic.post_ids, status=PostStatus.PUBLISHED
        ).count(),
        "statuses": Counter(
            Post.objects.filter(pk__in=traffic.post_ids).values_list("status", flat=True)
        ),
        "deliveries_done": deliveries.filter(status__in=DELIVERY_DONE).count(),
        "retried": deliveries.filter(attempts__outcome=DeliveryAttempt.Outcome.RETRY)
        .distinct()
        .count(),
        "found": deliveries.filter(attempts__outcome=DeliveryAttempt.Outcome.FOUND)
        .distinct()
        .count(),
        "received": received,
        "votes": Vote.objects.filter(survey__slug=facts["survey"]).count(),
    }


def report(args, traffic, facts, outcome, after_warmup, at_end, errors, elapsed) -> int:
    statuses = traffic.statuses
    client_5xx = sum(n for (_, status), n in statuses.items() if status >= 500)
    failures = sum(n for (_, status), n in statuses.items() if status == 0)
    by_action = Counter()
    for (action, _), n in statuses.items():
        by_action[action] += n
    total = sum(statuses.values())
    print(
        f"ran {elapsed / 60:.1f} min: {total} requests ({total / elapsed:.1f}/s): "
        + ", ".join(f"{a} {n}" for a, n in sorted(by_action.items()))
    )
    print("answers: " + ", ".join(f"{a} {s}: {n}" for (a, s), n in sorted(statuses.items())))
    print(
        f"5xx seen by clients: {client_5xx}; connection failures: {failures}; "
        f"server and worker logs: {dict(errors) or 'no 5xx, no traceback'}"
    )
    uploads_ok = outcome["assets"] == traffic.uploads_sent == traffic.uploads_created
    print(
        f"uploads sent {traffic.uploads_sent}, answered 201 {traffic.uploads_created}, "
        f"assets created {outcome['assets']}: {'OK' if uploads_ok else 'MISMATCH'}"
    )
    posts = len(traffic.post_ids)
    exactly_once = {
        handle: (
            sum(1 for t in traffic.texts if texts.get(t) == 1),
            sum(1 for t in traffic.texts if texts.get(t, 0) > 1),
        )
        for handle, texts in outcome["received"].items()
    }
    posts_ok = (
        posts == args.posts
        and outcome["published"] == posts
        and all(once == posts and not twice for once, twice in exactly_once.values())
    )
    print(
        f"posts composed {posts}/{args.posts}, published {outcome['published']} "
        f"({dict(outcome['statuses'])}); faults injected {dict(traffic.faults)}; "
        f"deliveries retried {outcome['retried']}, found after a lost answer "
        f"{outcome['found']}"
    )
    print(
        "simulator log, posts received once / more than once per account: "
        + ", ".join(f"{h} {once}/{twice}" for h, (once, twice) in exactly_once.items())
        + f": {'OK' if posts_ok else 'MISMATCH'}"
    )
    votes_ok = outcome["votes"] == traffic.votes_counted
    print(
        f"votes sent {traffic.votes_sent}, counted {traffic.votes_counted}, stored "
        f"{outcome['votes']}: {'OK' if votes_ok else 'MISMATCH'}"
    )
    growths = []
    print("resident memory, end of warm-up -> end:")
    for name, before in sorted(after_warmup.items()):
        after = at_end.get(name)
        if after is None:
            print(f"  {name}: {before / 1024:.0f} MB -> gone (process replaced)")
            growths.append(float("inf"))
            continue
        growth = (after - before) / before * 100
        growths.append(growth)
        print(f"  {name}: {before / 1024:.0f} MB -> {after / 1024:.0f} MB ({growth:+.1f} %)")
    memory_ok = bool(growths) and max(growths) < 10
    print(f"largest growth {max(growths):+.1f} % (target < 10 %): {'OK' if memory_ok else 'OVER'}")
    ok = (
        not client_5xx
        and not failures
        and not errors
        and uploads_ok
        and posts_ok
        and votes_ok
        and memory_ok
    )
    print("result: OK" if ok else "result: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
