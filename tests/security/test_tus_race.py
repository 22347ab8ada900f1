"""Eight PATCHes at once to one resumable upload, as a double-clicking client or an attacker
would send them: each offset is taken exactly once (204), every other PATCH hears 409 (the offset
conflict), nothing answers 500, and the file that comes out is the one that was sent."""

from __future__ import annotations

import base64
import hashlib
import threading

import pytest
import requests
from rest_framework.authtoken.models import Token

from assets.models import Asset
from assets.services import folder_create

CLIENTS = 8


def noisy_jpeg() -> bytes:
    """A photo of noise: a few MB that do not compress, so that each chunk takes a while."""
    import io
    import random

    from PIL import Image

    size = (1600, 1200)
    pixels = random.Random(13).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_patches_to_one_upload(
    live_server, staf, editor, divisions, settings, tmp_path
):
    settings.ASSET_UPLOAD_DIR = tmp_path / "uploads"
    folder = folder_create(actor=editor, name="Kegiatan PKP", division=divisions["PKP"])
    token = Token.objects.create(user=staf).key
    data = noisy_jpeg()
    step = len(data) // 3 + 1
    headers = {"Authorization": f"Token {token}", "Tus-Resumable": "1.0.0"}
    meta = ",".join(
        f"{k} {base64.b64encode(str(v).encode()).decode()}"
        for k, v in {"filename": "serentak.jpg", "folder": folder.pk}.items()
    )
    created = requests.post(
        f"{live_server.url}/api/v1/uploads/",
        headers={**headers, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    url = created.headers["Location"]

    answers: dict[int, list[int]] = {}
    for offset in range(0, len(data), step):
        chunk = data[offset : offset + step]
        barrier = threading.Barrier(CLIENTS)
        statuses: list[int] = []
        lock = threading.Lock()

        def send(offset=offset, chunk=chunk, barrier=barrier, statuses=statuses, lock=lock):
            barrier.wait()
            answer = requests.patch(
                url,
                data=chunk,
                headers={
                    **headers,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                },
                timeout=60,
            )
            with lock:
                statuses.append(answer.status_code)
            if answer.status_code != 204:
                assert answer.json()["detail"]  # a reason a person can read

        threads = [threading.Thread(target=send) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        answers[offset] = sorted(statuses)

    for offset, statuses in answers.items():
        assert statuses == [204] + [409] * (CLIENTS - 1), (offset, answers)
    status = requests.get(url, headers=headers, timeout=30).json()
    assert status["result"]["status"] == "created", status
    asset = Asset.objects.get()
    assert asset.size == len(data) and asset.sha256 == hashlib.sha256(data).hexdigest()
    with asset.file.open("rb") as stored:
        assert stored.read() == data
    assert list((tmp_path / "uploads").glob("*.part")) == []
