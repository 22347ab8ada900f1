"""The WordPress contract examples (``tests/contracts/wordpress/rest_api.json``) against both
sides: the simulator answers each documented request as WordPress core does, and every request
the website driver sends while publishing, looking up, reading and deleting is one of the
documented routes with the documented parameters."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime

import pytest
import requests
from PIL import Image

from publishing.drivers.facts import AccountFacts
from publishing.drivers.registry import driver_class, get_driver
from publishing.drivers.types import MediaItem, MediaKind, PostPayload
from publishing.simulator import wordpress_api
from publishing.simulator.models import Request
from tests.contracts import loader

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "mediacenter.bojonegorokab.go.id"
DOCUMENT = loader.document("wordpress", "rest_api")


def _matches(expected, actual) -> bool:
    """``actual`` has every key of ``expected``; ``"<...>"`` takes any string, 0 any number."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _matches(value, actual[key]) for key, value in expected.items()
        )
    if expected == "<...>":
        return isinstance(actual, str)
    if expected == 0:
        return isinstance(actual, int)
    return expected == actual


@pytest.fixture
def site(simulator) -> str:
    wordpress_api.seed_sites()
    return f"{simulator.base}/wordpress/{SITE}/wp-json"


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 90, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _send(site: str, example: dict, ids: dict[str, str]) -> requests.Response:
    request = example["request"]
    secret = wordpress_api.demo_credential(SITE)
    auth = (secret["username"], "abcd efgh ijkl mnop qrst uvwx" if request.get("auth") == "wrong"
            else secret["password"])  # fmt: skip
    path = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], request["path"])
    kwargs: dict = {"params": request.get("params"), "auth": auth}
    if "json" in request:
        kwargs["json"] = {k: ("Contoh " + uuid.uuid4().hex[:6] if v == "<...>" else v)
                          for k, v in request["json"].items()}  # fmt: skip
    if "Content-Disposition" in request.get("headers", []):
        kwargs["data"] = _jpeg()
        kwargs["headers"] = {"Content-Type": "image/jpeg",
                             "Content-Disposition": 'attachment; filename="foto.jpg"'}  # fmt: skip
    return requests.request(request["method"], site + path, timeout=10, **kwargs)


def test_the_simulator_answers_every_example_as_wordpress_does(site):
    ids: dict[str, str] = {}
    for example in DOCUMENT["examples"]:
        if "/media/" in example["request"]["path"]:
            ids["id"] = str(ids["media"])
        response = _send(site, example, ids)
        expected = example["response"]
        assert response.status_code == expected["status"], (example["name"], response.text[:300])
        if "body" in expected:
            assert _matches(expected["body"], response.json()), (example["name"], response.text)
        for header in expected.get("headers", []):
            assert response.headers.get(header, "").isdigit(), (example["name"], header)
        if example["name"] == "create a post":
            ids["id"] = str(response.json()["id"])
        if example["name"] == "upload a photo as the body":
            ids["media"] = response.json()["id"]


def test_every_request_of_the_driver_is_a_documented_route(site, media_dir):
    Request.objects.all().delete()
    driver = get_driver("wordpress")
    credential = driver_class("wordpress").credential_from(
        wordpress_api.demo_credential(SITE),
        AccountFacts(handle=SITE, options={"status": "publish", "category": "berita"}),
    )
    payload = PostPayload(
        text="Pasar murah di alun-alun. #Bojonegoro",
        media=(
            MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", path=media_dir / "photo.jpg"),
        ),
        idempotency_key=str(uuid.uuid4()),
        not_before=datetime.now(UTC),
    )
    result = driver.publish(payload, credential)
    assert driver.find_existing(payload, credential).external_id == result.external_id
    driver.fetch_recent(credential, None)
    driver.fetch_metrics(result.external_id, credential)
    driver.check_credential(credential)
    driver.delete(result.external_id, credential)
    documented = {
        ("POST", "/wp/v2/posts"), ("GET", "/wp/v2/posts"), ("DELETE", "/wp/v2/posts/{id}"),
        ("POST", "/wp/v2/media"), ("GET", "/wp/v2/categories"), ("GET", "/wp/v2/tags"),
        ("POST", "/wp/v2/tags"), ("GET", "/wp/v2/comments"), ("GET", "/wp/v2/users/me"),
    }  # fmt: skip
    seen = set()
    for request in Request.objects.filter(platform="website"):
        path = request.path.split("/wp-json", 1)[1]
        seen.add((request.method, re.sub(r"/\d+$", "/{id}", path)))
        assert request.status < 400, (request.method, request.path, request.status)
    assert seen <= documented, seen - documented
    assert ("POST", "/wp/v2/media") in seen and ("DELETE", "/wp/v2/posts/{id}") in seen
