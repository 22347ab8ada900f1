"""gunicorn, as deployed, on the test database: the portal's gunicorn config (``config/gunicorn.py``,
used by runportal, the Dockerfile and docker-compose), with its access and error logs in files."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

from tests.conftest import wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, folder: Path, env: dict[str, str], *, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = folder / "gunicorn-access.log"
        self.error_log = folder / "gunicorn-error.log"
        self.output = folder / "gunicorn-output.log"
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
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
                "1",
                "--threads",
                "8",
                "--access-logfile",
                str(self.access_log),
                "--error-logfile",
                str(self.error_log),
                "--log-level",
                "info",
            ],
            cwd=settings.BASE_DIR,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
            stdout=self.output.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def up() -> bool:
            if self.process.poll() is not None:
                return True
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=5)
            except urllib.error.HTTPError:
                return True
            except OSError:
                return False
            return True

        wait_for(up, timeout=60, message="gunicorn did not start")
        assert self.process.poll() is None, self.logs()
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")
            for path in (self.access_log, self.error_log, self.output)
            if path.exists()
        )
