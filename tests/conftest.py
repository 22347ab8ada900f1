"""Shared fixtures: people of each role (made through the services, as users would be), a real
Celery worker process on the test database, and isolated file storage for the session."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from accounts.models import Division, User
from accounts.roles import Role
from accounts.services import division_create, user_create
from tests.s3 import s3_endpoint, s3_storage  # noqa: F401 - fixtures for every test module

BASE_DIR = Path(settings.BASE_DIR)
PASSWORD = "uji-Portal-2026!"


# --- storage and queue isolation ----------------------------------------------------------------


@pytest.fixture(scope="session")
def media_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def celery_queue() -> str:
    """A queue of this test session's own, so no other worker (e.g. a running demo) takes its tasks."""
    from config.celery import app

    name = f"test-{uuid.uuid4().hex[:10]}"
    app.conf.task_default_queue = name
    return name


@pytest.fixture(scope="session", autouse=True)
def _isolated_storage(media_root, celery_queue):
    storages = {**settings.STORAGES}
    if settings.STORAGE_BACKEND == "local":
        storages["default"] = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media_root, "base_url": settings.MEDIA_URL},
        }
    # Staging files of uploads too: a second test run on the same checkout (the SQLite and the
    # PostgreSQL pass at once) must not see this one's half-received files. Child processes
    # (workers, servers) inherit the address through the environment.
    uploads = media_root.parent / f"{media_root.name}-uploads"
    uploads.mkdir(exist_ok=True)
    os.environ["ASSET_UPLOAD_DIR"] = str(uploads)
    with override_settings(MEDIA_ROOT=media_root, STORAGES=storages, ASSET_UPLOAD_DIR=uploads):
        yield


# --- people -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """People are made by the dozen; the real hasher's slowness proves nothing here. (The settings
    tests check the production validators and hashers in their own processes.)"""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def divisions(db) -> dict[str, Division]:
    return {
        "PKP": division_create(name="Pengelolaan Komunikasi Publik", short_name="PKP"),
        "PIAP": division_create(
            name="Pengelolaan Informasi dan Aspirasi Publik", short_name="PIAP"
        ),
        "E-Gov": division_create(name="Layanan E-Government", short_name="E-Gov"),
    }


@pytest.fixture
def make_user(db, divisions):
    def make(username: str, role: Role | None, division: str | None = "PKP", **extra) -> User:
        user = user_create(
            username=username,
            email=f"{username}@kominfo.example.go.id",
            full_name=extra.pop("full_name", username.title()),
            password=PASSWORD,
            division=divisions[division] if division else None,
            roles=[role] if role else [],
            **extra,
        )
        if role in (Role.KEPALA_DINAS, Role.ADMIN):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            TOTPDevice.objects.create(user=user, name="Test", confirmed=True)
        return user

    return make


@pytest.fixture
def staf(make_user) -> User:
    return make_user("staf", Role.STAF, "PKP", full_name="Dimas Prasetyo")


@pytest.fixture
def staf_other(make_user) -> User:
    """A member of staff of another division."""
    return make_user("staf_piap", Role.STAF, "PIAP", full_name="Agus Setiawan")


@pytest.fixture
def editor(make_user) -> User:
    return make_user("editor", Role.EDITOR, "PKP", full_name="Rina Wulandari")


@pytest.fixture
def kadis(make_user) -> User:
    return make_user("kadis", Role.KEPALA_DINAS, None, full_name="Ahmad Hidayat")


@pytest.fixture
def admin_user(make_user) -> User:
    return make_user("admin", Role.ADMIN, "E-Gov", full_name="Siti Rahmawati", is_staff=True)


def totp_now(user: User) -> str:
    """The code the person's authenticator app shows right now."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def login(client: Client, user: User, *, verified: bool = True) -> Client:
    """Sign in through the login page (and the second factor, for roles that need one)."""
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=False
    )
    assert response.status_code == 302, response.content[:500]
    if verified and (user.has_role(Role.KEPALA_DINAS) or user.has_role(Role.ADMIN)):
        response = client.post("/accounts/2fa/verify/", {"token": totp_now(user)})
        assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def client_for(db):
    def make(user: User, **kwargs) -> Client:
        return login(Client(), user, **kwargs)

    return make


# --- a real Celery worker -----------------------------------------------------------------------


def database_url_for_workers() -> str:
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerProcess:
    """A `celery worker` process on the test database and a queue of its own, in its own process
    group (so that ``kill`` reaches its pool too, as a crash of the machine would)."""

    def __init__(
        self,
        env: dict[str, str],
        queue: str,
        log_path: Path,
        *,
        concurrency: int | str = 2,
        name: str = "test",
    ):
        self.env = env
        self.queue = queue
        self.log_path = log_path
        self.concurrency = str(concurrency)
        self.name = name
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                self.concurrency,
                "--queues",
                self.queue,
                "--hostname",
                f"{self.name}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env={**self.env, "CELERY_QUEUE": self.queue},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL to the worker and its pool: nothing is acknowledged, nothing cleaned up."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self, *, kill: bool = False) -> None:
        if not self.alive():
            return
        if kill:
            self.kill()
            return
        # A warm shutdown: SIGTERM to the main process alone, which stops its pool itself (sent to
        # the whole group, the pool's processes die under it and it waits for them in vain).
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # nothing of the group outlives it

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup, django_db_blocker, live_server, media_root, celery_queue, tmp_path_factory
):
    """Start one real worker for the session; tests using it need ``transactional_db``."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_workers(),
        "MEDIA_ROOT": str(media_root),
        "CELERY_QUEUE": celery_queue,
        "SOCIAL_API_BASE": f"{live_server.url}/simulator",
        "PYTHONUNBUFFERED": "1",
    }
    worker = WorkerProcess(env, celery_queue, tmp_path_factory.mktemp("worker") / "worker.log")
    worker.start()
    from media_center.tasks import worker_heartbeat

    with django_db_blocker.unblock():
        try:
            worker_heartbeat.apply_async().get(timeout=60)
        except Exception:
            worker.stop()
            pytest.fail("The Celery worker did not start:\n" + worker.log()[-3000:])
    yield worker
    worker.stop()


def run_at_once(work, *, count: int = 2, timeout: float = 60) -> None:
    """Run ``work()`` in ``count`` threads released at the same moment, each on its own database
    connection (as two workers would be); the first error any of them raised is raised here."""
    import threading

    from django.db import connection

    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=timeout)
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]


def wait_for(predicate, timeout: float = 30, interval: float = 0.2, message: str = ""):
    """Poll until ``predicate()`` is truthy; fail with ``message`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(message or "condition not met in time")


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (rate limits, cached results). On Redis only the
    portal's own keys are removed: the broker may share the database."""
    from django.core.cache import cache

    from media_center import middleware

    yield
    middleware._local.clear()  # the survey results' per-process second of memory
    if settings.REDIS_URL:
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


def pytest_terminal_summary(terminalreporter):
    from tests.figures import summary_lines

    lines = summary_lines()
    if lines:
        terminalreporter.section("security and reliability figures")
        for line in lines:
            terminalreporter.write_line(line)
