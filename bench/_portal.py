"""A production-like portal for benchmarks: gunicorn on loopback, DEBUG off, its own database.

SQLite in a temporary folder by default; set ``DATABASE_URL`` to an existing (empty or
disposable) PostgreSQL database to measure on PostgreSQL, and ``REDIS_URL`` for the Redis cache.
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


class Portal:
    def __init__(self, *, workers: int = 2, threads: int = 8):
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
        }
        self.process: subprocess.Popen | None = None
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

    def stop(self) -> None:
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
