"""Start the whole portal on one machine: web server, Celery worker and Celery beat.

Used by ``make run``. The platform simulator is part of the web process (``/simulator/``). Ctrl-C
stops everything; if one part dies, the others are stopped too and the reason is printed.

Every line the three processes write (their logs, and anything printed outside logging) passes
through the portal's log redaction here, as does this command's own output; only the start
banner's demo logins are printed as they are, for the developer to sign in with.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.seed import demo_logins, demo_password
from core.periodic import sync_periodic_tasks
from core.redaction import RedactingStream, redact

HOST = "127.0.0.1"
LOGGED_TO_FILE = {"worker", "beat"}


def _shown_path(path: Path) -> str:
    """``path`` relative to the project folder when inside it (where the commands are run)."""
    try:
        # Not resolved: the environment's python is a link to the interpreter it was made from.
        return str(Path(path).absolute().relative_to(Path(settings.BASE_DIR).absolute()))
    except ValueError:
        return str(path)


def manage_command(*arguments: str) -> str:
    """A ``manage.py`` command line that works on this machine, run from the project folder:
    through uv when it is on the PATH, otherwise with the Python running the portal now (the
    project's own environment, which ``make`` made with the uv it installed)."""
    runner = "uv run python" if shutil.which("uv") else _shown_path(Path(sys.executable))
    return " ".join([runner, "manage.py", *arguments])


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def relay(pipe, target) -> None:
    """Copy a child's output line by line, redacted, until it closes its end."""
    for raw in iter(pipe.readline, b""):
        target.write(redact(raw.decode(errors="replace")))
        target.flush()
    pipe.close()


def part_commands(python: str, port: int) -> dict[str, list[str]]:
    """The command line of each part of the portal: web server, worker, beat."""
    return {
        "web": [
            python,
            "-m",
            "gunicorn",
            "--config",
            "python:config.gunicorn",
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            "2",
            "--threads",
            "8",
            "--timeout",
            "300",
            "--graceful-timeout",
            "10",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--hostname",
            "worker@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        "beat": [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
    }


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat together (the demo portal)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.PORT)

    def handle(self, *args, port: int, **options):
        # The demo banner is written as it is (see _banner); everything else is redacted.
        self._banner_out = self.stdout._out
        self.stdout._out = RedactingStream(self.stdout._out)
        self.stderr._out = RedactingStream(self.stderr._out)
        if not port_is_free(HOST, port):
            self.stderr.write(
                f"Port {port} on {HOST} is already in use by another program. Stop that program "
                f"or start the portal on another port, e.g.: PORT={port + 1} make run"
            )
            sys.exit(2)

        sync_periodic_tasks()
        env = {**os.environ, "PORT": str(port), "PYTHONUNBUFFERED": "1"}
        commands = part_commands(sys.executable, port)
        processes: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        log_dir = Path(settings.VAR_DIR) / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        logs = {}
        try:
            for name, command in commands.items():
                # The worker's and beat's output goes to their log files (their start-up
                # warnings, each task): the console keeps the web server's requests and the
                # banner.
                output = None
                if name in LOGGED_TO_FILE:
                    logs[name] = output = open(log_dir / f"{name}.log", "a")  # noqa: SIM115
                # Own sessions: Ctrl-C reaches this command alone, which then stops each part
                # in order (a worker finishes its task, the web server its requests).
                processes[name] = subprocess.Popen(
                    command,
                    env=env,
                    cwd=settings.BASE_DIR,
                    start_new_session=True,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
                for pipe, target in (
                    (processes[name].stdout, output or sys.stdout),
                    (processes[name].stderr, output or sys.stderr),
                ):
                    threading.Thread(target=relay, args=(pipe, target), daemon=True).start()
            if self._wait_until_up(port, processes):
                from media_center.tasks import worker_heartbeat

                worker_heartbeat.delay()  # the dashboard shows the worker at once, not in a minute
                self._banner(port)
            while not stopping:
                for name, process in processes.items():
                    code = process.poll()
                    if code is not None:
                        self.stderr.write(
                            f"The {name} process stopped (exit code {code}); stopping the portal."
                        )
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            self._shutdown(processes)
            for log in logs.values():
                log.close()
        self.stdout.write("Portal stopped.")

    def _wait_until_up(self, port: int, processes: dict[str, subprocess.Popen]) -> bool:
        deadline = time.monotonic() + 60
        url = f"http://{HOST}:{port}/healthz"
        while time.monotonic() < deadline:
            if processes["web"].poll() is not None:
                return False
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return True
            except urllib.error.HTTPError:
                return True  # the server answers, even if a part reports down
            except OSError:
                time.sleep(0.3)
        return False

    def _banner(self, port: int) -> None:
        lines = [
            "",
            "Portal Media Center is running.",
            f"  Address:    http://{HOST}:{port}/",
            f"  Simulator:  http://{HOST}:{port}/simulator/ (the platforms, played locally)",
            f"  Demo logins (password: {demo_password()}):",
        ]
        for username, role, otpauth in demo_logins():
            lines.append(f"    {username:<8} {role}")
            if otpauth:
                lines.append(f"             two-factor secret: {otpauth}")
                lines.append(f"             current code: {manage_command('demo_totp', username)}")
        logs = Path(settings.VAR_DIR) / "log"
        lines += [f"  Worker and beat log to: {_shown_path(logs)}/", "Press Ctrl-C to stop.", ""]
        # The demo's own logins, on the developer's terminal, by design: not redacted.
        self._banner_out.write("\n".join(lines) + "\n")
        self._banner_out.flush()

    def _shutdown(self, processes: dict[str, subprocess.Popen]) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
