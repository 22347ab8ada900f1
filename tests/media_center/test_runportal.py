"""`make run`'s last step: one command starts web, worker and beat, and stops them together."""

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import Division, User
from tests.conftest import database_url_for_workers

BASE_DIR = settings.BASE_DIR


def _running(pid: str) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_taken_port_gives_a_clear_message(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "runportal", "--port", str(port)],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "VAR_DIR": str(tmp_path)},
        )
    assert result.returncode == 2
    assert f"Port {port}" in result.stderr
    assert "PORT=" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_seeding_twice_creates_nothing_twice():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (User.objects.count(), Division.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (User.objects.count(), Division.objects.count()) == counts
    assert set(User.objects.values_list("username", flat=True)) >= {
        "kadis",
        "editor",
        "staf",
        "admin",
    }
    assert User.objects.get(username="kadis").role.value == "Kepala Dinas"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_runportal_starts_every_part_and_ctrl_c_stops_them(celery_queue):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_workers(),
        "CELERY_QUEUE": celery_queue,
        "DEMO_PASSWORD": "demo-Portal-2026",
    }
    call_command("seed_demo", stdout=io.StringIO())
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runportal", "--port", str(port)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            if "Press Ctrl-C to stop." in line or process.poll() is not None:
                break
        text = "".join(output)
        assert f"http://127.0.0.1:{port}/" in text, text
        assert "kadis" in text and "otpauth://totp/" in text
        # A quiet start: the worker's warnings are in its log file, not in the banner.
        assert "superuser" not in text and "No hostname was supplied" not in text
        assert "manage.py demo_totp kadis" in text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert response.status == 200
        # A token in a query string reaches the access log, which runportal prints redacted.
        token = "EAAGrunportalToken0123456789abcdef"
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/healthz?access_token={token}&code=kode-rahasia-123",
            timeout=10,
        ):
            pass
        children = subprocess.run(
            ["pgrep", "-P", str(process.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) == 3  # web, worker, beat
        os.kill(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        rest = process.stdout.read()
        assert "Portal stopped." in rest
        printed = text + rest
        assert "/healthz?access_token=[redacted]&code=[redacted]" in printed, printed[-2000:]
        assert token not in printed and "kode-rahasia-123" not in printed
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    time.sleep(1)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3)
    alive = [pid for pid in children if _running(pid)]
    assert alive == []
