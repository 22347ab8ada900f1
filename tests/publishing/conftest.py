"""The platform simulator on the live test server, and small media files made once a session.

Drivers reach the simulator through their real client libraries over HTTP: the only stand-in is
the simulator itself."""

from __future__ import annotations

import functools
import http.server
import io
import threading
from pathlib import Path

import pytest
import requests
from django.utils import translation
from django.utils.crypto import get_random_string
from PIL import Image

from publishing.simulator import services as simulator_services
from tests.publishing.workflow_fixtures import (  # noqa: F401 - fixtures
    channels,
    library_folder,
    make_asset,
    photo,
)

TIMEOUT = 5.0


def session_of(client) -> requests.Session:
    """The same person's browser session (a signed-in Django test client's) for ``requests`` on
    the live server, with the CSRF token its forms carry."""
    from django.conf import settings

    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    csrf = get_random_string(32)
    session.cookies.set(settings.CSRF_COOKIE_NAME, csrf)
    session.headers["X-CSRFToken"] = csrf
    return session


def signed_in_session(user) -> requests.Session:
    """A ``requests`` session of a signed-in member of staff on the live server, with the CSRF
    token every unsafe request of the simulator's control API must carry."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    # Django accepts its CSRF secret itself as the token (cookie and header alike).
    return session_of(client)


class Simulator:
    def __init__(self, base: str, session: requests.Session | None = None):
        self.base = base
        self.session = session or requests.Session()

    def credential(self, platform: str, handle: str, driver: str = "") -> dict:
        return simulator_services.demo_credential(platform, handle, driver=driver)

    def fault(self, platform: str, handle: str, **options) -> dict:
        response = self.session.post(
            f"{self.base}/_faults/{platform}/{handle}/", json=options, timeout=10
        )
        assert response.status_code == 200, response.text
        return response.json()

    def clear(self, platform: str, handle: str) -> None:
        self.fault(platform, handle, mode="clear")

    def log(self, **filters) -> dict:
        response = self.session.get(f"{self.base}/_log", params=filters, timeout=10)
        assert response.status_code == 200, response.text[:300]
        return response.json()

    def posts(self, platform: str, handle: str, *, kind: str | None = None) -> list[dict]:
        posts = self.log(platform=platform, account=handle)["posts"]
        posts = [p for p in posts if p["published"] and not p["deleted"]]
        return [p for p in posts if kind is None or p["kind"] == kind]

    def native(self, platform: str, handle: str, text: str, files=None) -> dict:
        response = self.session.post(
            f"{self.base}/_native/{platform}/{handle}/",
            data={"text": text},
            files=files or {},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture(autouse=True)
def _indonesian():
    """Drivers speak to people in the interface's language (Bahasa Indonesia by default)."""
    with translation.override("id"):
        yield


@pytest.fixture
def simulator_operator(transactional_db):
    """The member of staff who drives the simulator's control panel in the tests."""
    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import user_create

    existing = User.objects.filter(username="simulator-operator").first()
    return existing or user_create(
        username="simulator-operator",
        email="simulator-operator@kominfo.example.go.id",
        full_name="Operator Simulator",
        password=None,
        division=None,
        roles=[Role.EDITOR],
    )


@pytest.fixture
def simulator(live_server, settings, simulator_operator) -> Simulator:
    settings.SOCIAL_API_BASE = f"{live_server.url}/simulator"
    settings.SOCIAL_API_TIMEOUT = TIMEOUT
    settings.INSTAGRAM_PRIVATE_DELAY = 0
    # The portal's public address: where the platforms send the OAuth answer back.
    settings.ASSET_PUBLIC_BASE_URL = live_server.url
    simulator_services.seed_accounts()
    session = signed_in_session(simulator_operator)
    return Simulator(settings.SOCIAL_API_BASE, session)


@pytest.fixture
def short_timeout(settings) -> float:
    """A driver timeout short enough for the simulator's late answer (``delay``) to miss it."""
    settings.SOCIAL_API_TIMEOUT = 1.5
    return 3.0


# --- media ------------------------------------------------------------------------------------


def _jpeg(width: int, height: int, color=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _mp4(path: Path, *, seconds: float = 1.0, size=(64, 80)) -> None:
    import av

    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream(
            "libx264" if "libx264" in av.codecs_available else "mpeg4", rate=10
        )
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for index in range(int(seconds * 10)):
            image = Image.new("RGB", size, (index * 20 % 255, 80, 160))
            frame = av.VideoFrame.from_image(image)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("platform-media")
    (folder / "photo.jpg").write_bytes(_jpeg(64, 64))
    (folder / "photo2.jpg").write_bytes(_jpeg(80, 64, (30, 160, 60)))
    (folder / "portrait.jpg").write_bytes(_jpeg(64, 80))
    (folder / "tall.jpg").write_bytes(_jpeg(40, 100))
    (folder / "graphic.png").write_bytes(_png(64, 64))
    # Instagram takes videos of at least 3 seconds (reels and carousel videos alike).
    _mp4(folder / "clip.mp4", seconds=3.5)
    _mp4(folder / "short.mp4", seconds=1.0)
    _mp4(folder / "long.mp4", seconds=61.0, size=(16, 16))
    return folder


@pytest.fixture(scope="session")
def file_server(media_dir):
    """The media folder over HTTP, as the portal serves signed media addresses to platforms."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(media_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# The delivery tests' own worker and queue (see delivery_fixtures.py).
from tests.publishing.delivery_fixtures import (  # noqa: E402, F401
    delivery_queue_name,
    delivery_worker,
    use_queue,
)
