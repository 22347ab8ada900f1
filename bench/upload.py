"""A 2 GB file through the resumable (tus) upload: the web process's memory and throughput.

A real gunicorn web process (the production server, one worker) receives the file in 64 MB
PATCH requests on one kept-alive connection, as the portal's upload page sends it (Uppy's tus
chunk size), and streams each to disk; the last one turns it into an asset (SHA-256, kind
check, move into storage). Measured: the worker's peak resident memory growth (VmHWM from
/proc, from before the upload to after it) and the time from the first request to the last
answer, against ``cp`` of the same file on the same disk.

    uv run python -m bench.upload [--size-mb 2048] [--repeat 5] [--chunk-mb 64]

Targets: memory growth < 64 MB; throughput >= 0.5 x cp's, until the last answer (and until cp
returns). Both are also timed until the written bytes are on disk (``sync``), which compares
the two at the pace of the disk rather than of the page cache.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CHUNK = 64 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_wav(path: Path, size: int) -> None:
    """A playable WAV of ``size`` bytes (16-bit mono PCM; the samples are pseudo-random)."""
    data_size = size - 44
    header = b"RIFF" + struct.pack("<I", size - 8) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, 44100, 88200, 2, 16)
    header += b"data" + struct.pack("<I", data_size)
    block = os.urandom(4 * 1024 * 1024)
    with path.open("wb") as handle:
        handle.write(header)
        remaining = data_size
        while remaining:
            piece = block[: min(len(block), remaining)]
            handle.write(piece)
            remaining -= len(piece)


def status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def worker_pid(master: int) -> int:
    deadline = time.time() + 30
    while time.time() < deadline:
        for task in Path(f"/proc/{master}/task").iterdir():
            children = (task / "children").read_text().split()
            if children:
                return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


class Upload:
    def __init__(self, port: int, token: str, folder: int):
        self.port, self.token, self.folder = port, token, folder

    def _conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=600, blocksize=1024 * 1024
        )

    def send(self, path: Path, name: str) -> dict:
        size = path.stat().st_size
        meta = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}"
            for k, v in {"filename": name, "folder": str(self.folder)}.items()
        )
        headers = {"Authorization": f"Token {self.token}", "Tus-Resumable": "1.0.0"}
        conn = self._conn()
        self.t0 = time.perf_counter()
        conn.request(
            "POST",
            "/api/v1/uploads/",
            headers={**headers, "Upload-Length": str(size), "Upload-Metadata": meta},
        )
        answer = conn.getresponse()
        answer.read()
        if answer.status != 201:
            raise RuntimeError(f"create answered {answer.status}")
        location = answer.getheader("Location").split(str(self.port), 1)[1]
        offset = 0
        self.sock = None  # one connection for this file's PATCHes
        with path.open("rb") as handle:
            while offset < size:
                length = min(CHUNK, size - offset)
                status, offset = self._patch(location, headers, handle, offset, length)
                if os.environ.get("BENCH_VERBOSE"):
                    print(
                        f"  PATCH to {offset >> 20} MB: {time.perf_counter() - self.t0:.2f}s",
                        flush=True,
                    )
                if status != 204:
                    raise RuntimeError(f"PATCH answered {status}")
        conn = self._conn()
        conn.request("GET", location, headers=headers)
        answer = conn.getresponse()
        import json

        return json.loads(answer.read())["result"]

    def _patch(self, location, headers, handle, offset: int, length: int) -> tuple[int, int]:
        """One PATCH whose body the kernel copies from the file (sendfile), as a browser's
        network stack would send it: the client is not what is measured. The connection is
        kept alive from one PATCH to the next, as a browser keeps it."""
        lines = [f"PATCH {location} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines += [
            f"Upload-Offset: {offset}",
            "Content-Type: application/offset+octet-stream",
            f"Content-Length: {length}",
            "",
            "",
        ]
        if getattr(self, "sock", None) is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=600)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as browsers do
            self.answers = self.sock.makefile("rb")
        self.sock.sendall("\r\n".join(lines).encode())
        self.sock.sendfile(handle, offset, length)
        status = int(self.answers.readline().split()[1])
        answered = {}
        while (line := self.answers.readline()) not in (b"\r\n", b""):
            key, _sep, value = line.decode().partition(":")
            answered[key.strip().lower()] = value.strip()
        self.answers.read(int(answered.get("content-length", 0)))
        if answered.get("connection", "").lower() == "close":
            self.answers.close()
            self.sock.close()
            self.sock = None
        return status, int(answered.get("upload-offset") or offset)


def prepare(env: dict) -> tuple[str, int]:
    """A fresh database with one Staf, one folder and an API token."""
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from accounts.roles import Role\n"
        "from accounts.services import division_create, user_create\n"
        "from assets.services import folder_create\n"
        "from rest_framework.authtoken.models import Token\n"
        "d = division_create(name='Bench', short_name='B')\n"
        "u = user_create(username='bench', email='b@x.id', full_name='Bench', password=None, division=d, roles=[Role.EDITOR])\n"
        "f = folder_create(actor=u, name='Bench', division=d)\n"
        "print(Token.objects.create(user=u).key, f.pk)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    token, folder = out.stdout.split()[-2:]
    return token, int(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--chunk-mb", type=int, default=64, help="size of each PATCH (the upload page's: 64)"
    )
    args = parser.parse_args()
    global CHUNK
    CHUNK = args.chunk_mb * 1024 * 1024
    size = args.size_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-upload-", dir=BASE_DIR / "var") as tmp:
        tmp_path = Path(tmp)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
            "ASSET_MAX_UPLOAD_BYTES": str(size * 2),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        token, folder = prepare(env)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "600",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=env,
        )
        try:
            worker = worker_pid(server.pid)
            time.sleep(2)
            client = Upload(port, token, folder)
            source = tmp_path / "source.wav"
            print(f"making a {args.size_mb} MB WAV file...", flush=True)
            warm = tmp_path / "warm.wav"
            make_wav(warm, 2 * 1024 * 1024)
            assert client.send(warm, "warm.wav")["status"] == "created"  # every module loaded
            make_wav(source, size)
            media = tmp_path / "var" / "media"
            growths, uploads, copies, durable_uploads, durable_copies = [], [], [], [], []
            for run in range(args.repeat):
                os.sync()  # both contestants start with no dirty pages waiting for the disk
                before = status_kb(worker, "VmHWM")
                rss_before = status_kb(worker, "VmRSS")
                started = time.perf_counter()
                result = client.send(source, f"besar-{run}.wav")
                uploads.append(time.perf_counter() - started)
                os.sync()
                durable_uploads.append(time.perf_counter() - started)
                assert result["status"] in {"created", "duplicate"}, result
                peak = status_kb(worker, "VmHWM")
                # Conservative: the highest resident size seen, minus what was resident before.
                growths.append((max(peak, before) - rss_before) / 1024)
                for stored in media.rglob("originals/**/*.wav"):
                    if stored.stat().st_size > 10 * 1024 * 1024:
                        stored.unlink()  # the next run stores the same bytes again
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "import django; django.setup(); from assets.models import Asset; Asset.objects.filter(size__gt=10485760).delete()",
                    ],
                    env=env,
                    cwd=BASE_DIR,
                    check=True,
                )
                target = tmp_path / "copy.wav"
                os.sync()
                started = time.perf_counter()
                subprocess.run(["cp", str(source), str(target)], check=True)
                copies.append(time.perf_counter() - started)
                os.sync()
                durable_copies.append(time.perf_counter() - started)
                target.unlink()
        finally:
            server.terminate()
            server.wait(timeout=30)
    growth = max(growths)
    mb = args.size_mb
    upload_s, cp_s = statistics.median(uploads), statistics.median(copies)
    disk_upload_s, disk_cp_s = statistics.median(durable_uploads), statistics.median(durable_copies)
    ratio, disk_ratio = cp_s / upload_s, disk_cp_s / disk_upload_s
    verdict = "OK" if growth < 64 else "OVER"
    print(
        f"web process peak memory growth: {growth:.1f} MB (largest of {args.repeat}; < 64 MB: {verdict})"
    )
    print(f"medians of {args.repeat} runs of {mb} MB:")
    print(
        f"  until the last answer:  upload {upload_s:.2f} s ({mb / upload_s:.0f} MB/s), "
        f"cp {cp_s:.2f} s ({mb / cp_s:.0f} MB/s), ratio {ratio:.2f}"
    )
    print(
        f"  until on disk (sync):   upload {disk_upload_s:.2f} s ({mb / disk_upload_s:.0f} MB/s), "
        f"cp {disk_cp_s:.2f} s ({mb / disk_cp_s:.0f} MB/s), ratio {disk_ratio:.2f}"
    )
    for label, value in (("page cache", ratio), ("on disk", disk_ratio)):
        print(
            f"throughput ratio upload / cp, {label}: {value:.2f} (target >= 0.50): {'OK' if value >= 0.5 else 'UNDER'}"
        )
    return 0 if growth < 64 and ratio >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
