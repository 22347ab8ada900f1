"""Resumable uploads through gunicorn, the production server, whose socket the upload reads
directly: chunks on one kept-alive connection, a request sent right behind a chunk, and a
connection that drops mid-chunk all leave the right bytes on disk and the connection usable."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import subprocess
import sys
import time
import wave

import pytest
from rest_framework.authtoken.models import Token

from assets.models import Asset
from tests.conftest import BASE_DIR, database_url_for_workers, wait_for
from tests.s3 import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def noisy_wav(size: int) -> bytes:
    """A playable WAV of about ``size`` bytes whose samples are random (no two alike)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(44100)
        handle.writeframes(os.urandom(size - 44))
    return out.getvalue()


@pytest.fixture
def portal(media_root, celery_queue, tmp_path, settings):
    """gunicorn (gthread, as deployed) on the test database."""
    settings.ASSET_UPLOAD_DIR = tmp_path / "uploads"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_workers(),
        "MEDIA_ROOT": str(media_root),
        "ASSET_UPLOAD_DIR": str(settings.ASSET_UPLOAD_DIR),
        "CELERY_QUEUE": celery_queue,
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--workers",
            "1",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    wait_for(answers, timeout=60, message="gunicorn did not start")
    yield port
    process.terminate()
    process.wait(timeout=30)
    log.close()


class Connection:
    """One kept-alive HTTP connection, written and read by hand so that requests can be sent
    back to back and a body cut short."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.reader = self.sock.makefile("rb")

    def head(self, method: str, path: str, **headers) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        headers = {"Authorization": f"Token {self.token}", "Tus-Resumable": "1.0.0", **headers}
        lines += [f"{key.replace('_', '-')}: {value}" for key, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def patch(self, path: str, offset: int, length: int) -> bytes:
        return self.head(
            "PATCH",
            path,
            Upload_Offset=offset,
            Content_Type="application/offset+octet-stream",
            Content_Length=length,
        )

    def answer(self, *, body: bool = True) -> tuple[int, dict[str, str], bytes]:
        """The next answer on the connection (a HEAD's has no body, whatever it announces)."""
        status = int(self.reader.readline().split()[1])
        headers = {}
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            key, _sep, value = line.decode().partition(":")
            headers[key.strip().lower()] = value.strip()
        length = int(headers.get("content-length", 0)) if body else 0
        return status, headers, self.reader.read(length)

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def start_upload(port: int, token: str, data: bytes, folder) -> str:
    meta = ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in {"filename": "wawancara.wav", "folder": str(folder.pk)}.items()
    )
    connection = Connection(port, token)
    connection.sock.sendall(
        connection.head(
            "POST",
            "/api/v1/uploads/",
            Upload_Length=len(data),
            Upload_Metadata=meta,
            Content_Length=0,
        )
    )
    status, headers, _body = connection.answer()
    connection.close()
    assert status == 201, _body
    return headers["location"].split(str(port), 1)[1]


def stored_bytes(asset: Asset) -> bytes:
    with asset.file.open("rb") as handle:
        return handle.read()


def test_chunks_on_one_kept_alive_connection_with_a_request_right_behind(
    portal, staf, pkp_folder, settings
):
    token = Token.objects.create(user=staf).key
    data = noisy_wav(5 * 1024 * 1024 + 12345)  # more than two of the upload's buffers
    location = start_upload(portal, token, data, pkp_folder)
    first = 3 * 1024 * 1024 + 7
    connection = Connection(portal, token)
    # Headers and the start of the body in one packet: gunicorn reads part of the body with the
    # headers, and the upload must take it from there before reading the socket.
    connection.sock.sendall(connection.patch(location, 0, first) + data[:first])
    status, headers, _body = connection.answer()
    assert (status, headers["upload-offset"]) == (204, str(first))
    # The rest, with a HEAD sent right behind it on the same connection: the upload must stop
    # at the body's end and leave the HEAD to gunicorn.
    rest = data[first:]
    connection.sock.sendall(
        connection.patch(location, first, len(rest)) + rest + connection.head("HEAD", location)
    )
    status, headers, _body = connection.answer()
    assert (status, headers["upload-offset"]) == (204, str(len(data)))
    status, headers, _body = connection.answer(body=False)
    assert (status, headers["upload-offset"]) == (200, str(len(data)))
    connection.close()

    asset = Asset.objects.get()
    assert asset.sha256 == hashlib.sha256(data).hexdigest()
    assert asset.size == len(data) and stored_bytes(asset) == data
    assert list(settings.ASSET_UPLOAD_DIR.iterdir()) == []


def test_a_connection_dropped_mid_chunk_keeps_what_arrived_and_resumes(
    portal, staf, pkp_folder, settings
):
    token = Token.objects.create(user=staf).key
    data = noisy_wav(4 * 1024 * 1024 + 999)
    location = start_upload(portal, token, data, pkp_folder)
    arrived = 3 * 1024 * 1024 + 5
    connection = Connection(portal, token)
    connection.sock.sendall(connection.patch(location, 0, len(data)) + data[:arrived])
    time.sleep(0.5)
    connection.sock.shutdown(socket.SHUT_WR)  # the train enters a tunnel
    connection.close()

    def offset() -> int:
        probe = Connection(portal, token)
        probe.sock.sendall(probe.head("HEAD", location))
        _status, headers, _body = probe.answer(body=False)
        probe.close()
        return int(headers["upload-offset"])

    wait_for(lambda: offset() == arrived, timeout=30, message="the bytes that arrived were lost")
    assert not Asset.objects.exists()
    resumed = Connection(portal, token)
    resumed.sock.sendall(resumed.patch(location, arrived, len(data) - arrived) + data[arrived:])
    status, headers, _body = resumed.answer()
    resumed.close()
    assert (status, headers["upload-offset"]) == (204, str(len(data)))
    asset = Asset.objects.get()
    assert asset.sha256 == hashlib.sha256(data).hexdigest() and stored_bytes(asset) == data
    assert list(settings.ASSET_UPLOAD_DIR.iterdir()) == []
