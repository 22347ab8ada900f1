"""A production-like portal for benchmarks: gunicorn on loopback, DEBUG off, its own database.

SQLite in a temporary folder by default; set ``DATABASE_URL`` to an existing (empty or
disposable) PostgreSQL database to measure on PostgreSQL, and ``REDIS_URL`` for the Redis cache
(and the Celery broker). With ``simulator=True`` the portal serves the platform simulator and its
drivers point at it; ``start_workers`` and ``start_beat`` run Celery with the portal's
environment, on a queue of the portal's own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return sorted(found)


def rss_kb(pid: int) -> int:
    """Resident memory of a process, from /proc (kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def fresh_postgres(name: str) -> str:
    """An empty PostgreSQL database ``name`` (dropped first if it exists), on the server of
    ``DATABASE_URL`` when that is PostgreSQL, else on ``postgres@127.0.0.1:5432``."""
    from urllib.parse import urlsplit

    import psycopg

    given = urlsplit(os.environ.get("DATABASE_URL", ""))
    server = (
        f"{given.scheme}://{given.netloc}"
        if given.scheme.startswith("postgres")
        else "postgres://postgres@127.0.0.1:5432"
    )
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


class Portal:
    def __init__(self, *, workers: int = 2, threads: int = 8, simulator: bool = False, **env: str):
        self.workers = workers
        self.threads = threads
        self.folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        from cryptography.fernet import Fernet

        self.env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + os.urandom(24).hex(),
            "VAULT_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "VAR_DIR": str(self.folder),
            "LOG_LEVEL": "WARNING",
            "CACHE_KEY_PREFIX": f"bench{self.port}",
            "PYTHONUNBUFFERED": "1",
            "CELERY_QUEUE": f"bench-{self.port}",
        }
        if simulator:
            self.env.update(
                SOCIAL_API_BASE=f"{self.url}/simulator",
                ASSET_PUBLIC_BASE_URL=self.url,
                INSTAGRAM_PRIVATE_DELAY="0",
            )
        self.env.update(env)
        self.process: subprocess.Popen | None = None
        self.celery: list[subprocess.Popen] = []
        self.log_path = self.folder / "gunicorn.log"

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def python(self, code: str) -> str:
        """Run Django code in the portal's settings (setup steps, checks)."""
        return self.manage("shell", "--no-imports", "-c", code).strip()

    def start(self) -> None:
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")

    def serve(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:config.gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--worker-class",
                "gthread",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--backlog",
                "2048",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start:\n" + self.log())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- Celery ---------------------------------------------------------------------------------

    def use_here(self) -> None:
        """Configure Django in this process with the portal's settings (to call its services)."""
        import django

        os.environ.update(self.env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()

    def _celery(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.celery.append(process)
        return process

    def start_workers(self, *, count: int = 1, concurrency: int = 2) -> list[subprocess.Popen]:
        """``count`` Celery workers of ``concurrency`` pool processes each, on the portal's queue;
        returns once every one has run a task."""
        started = [
            self._celery(
                f"worker{n}",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                str(concurrency),
                "--queues",
                self.env["CELERY_QUEUE"],
                "--hostname",
                f"bench{n}-{self.port}@%h",
                "--without-gossip",
                "--without-mingle",
            )
            for n in range(count)
        ]
        from media_center.tasks import worker_heartbeat

        for _ in range(count * concurrency):
            worker_heartbeat.apply_async(queue=self.env["CELERY_QUEUE"]).get(timeout=120)
        return started

    def start_beat(self) -> subprocess.Popen:
        self.manage("sync_periodic_tasks")
        return self._celery(
            "beat", "beat", "--loglevel", "WARNING", "--pidfile", str(self.folder / "beat.pid")
        )

    def celery_log(self) -> str:
        return "".join(
            path.read_text(errors="replace") for path in sorted(self.folder.glob("worker*.log"))
        )

    def server_pids(self) -> dict[str, list[int]]:
        """The processes doing the work: gunicorn's workers and each Celery worker's pool."""
        found = {"gunicorn": children(self.process.pid) if self.process else []}
        found["celery"] = [
            pid for p in self.celery if "worker" in p.args[:6] for pid in children(p.pid)
        ]
        return found

    def stop(self) -> None:
        for process in self.celery:
            if process.poll() is None:
                process.terminate()
        for process in self.celery:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Portal:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
