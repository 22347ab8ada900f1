"""The Facebook and Instagram Graph contract examples (``tests/contracts/facebook``,
``tests/contracts/instagram_graph``) against both sides: the requests the drivers send through
facebook-business and requests, captured at the HTTP layer while they talk to the simulator, and
the simulator's own answers. Neither side may drift from what Meta documents."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.conf import settings
from django.urls import reverse
from requests.adapters import HTTPAdapter

from publishing.drivers import facebook, instagram_graph
from publishing.drivers.registry import get_driver
from publishing.drivers.types import MediaItem, MediaKind, PostPayload
from publishing.simulator import graph_api
from publishing.simulator import services as sim
from publishing.simulator.models import Account
from tests.contracts import loader

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_ID, IG_ID = "100090000000101", "17841400000000101"
HOSTS = {"/facebook/video/": "graph-video.facebook.com", "/facebook/rupload/": "rupload.facebook.com",
         "/facebook/": "graph.facebook.com"}  # fmt: skip


@dataclass
class Seen:
    method: str
    host: str
    path: str
    params: dict[str, str]
    files: set[str]
    headers: dict[str, str]


def _seen(request) -> Seen | None:
    parts = urlsplit(request.url)
    marker = parts.path.find("/simulator/")
    if marker < 0:
        return None
    rest = parts.path[marker + len("/simulator") :]
    prefix = next((p for p in HOSTS if rest.startswith(p)), None)
    if prefix is None:
        return None
    host, path = HOSTS[prefix], "/" + rest[len(prefix) :]
    params = dict(parse_qsl(parts.query))
    files: set[str] = set()
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    kind = request.headers.get("Content-Type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode()))
    elif kind.startswith("multipart/form-data") and isinstance(body, bytes):
        for name, filename in re.findall(rb'name="([^"]+)"(; filename="[^"]*")?', body):
            (files.add if filename else lambda n: params.setdefault(n, "?"))(name.decode())
        for name, value in re.findall(rb'name="([^"]+)"\r\n\r\n([^\r]*)\r\n', body):
            params[name.decode()] = value.decode(errors="replace")
    return Seen(request.method, host, path, params, files, dict(request.headers))


@pytest.fixture
def captured(monkeypatch):
    """Every request the drivers send, as it leaves through requests' transport."""
    seen: list[Seen] = []
    original = HTTPAdapter.send

    def send(self, request, *args, **kwargs):
        if (item := _seen(request)) is not None:
            seen.append(item)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", send)
    return seen


def _matches(example: loader.Example, seen: Seen) -> bool:
    spec = example.request
    if spec["host"] != seen.host or spec["method"] not in ("*", seen.method):
        return False
    if not example.path_pattern().match(seen.path):
        return False
    for param in spec.get("params", []):
        name, _sep, value = param.partition("=")
        if value and seen.params.get(name) != value:
            return False
    return True


def _missing(example: loader.Example, seen: Seen) -> list[str]:
    spec = example.request
    missing = [
        p.split("=")[0] for p in spec.get("params", []) if p.split("=")[0] not in seen.params
    ]
    missing += [f"file {f}" for f in spec.get("files", []) if f not in seen.files]
    headers = {name.lower() for name in seen.headers}
    missing += [f"header {h}" for h in spec.get("headers", []) if h.lower() not in headers]
    return missing


def _drive_everything(simulator, media_dir, file_server, monkeypatch):
    """Every Meta call the drivers make in a day's work, against the simulator."""
    monkeypatch.setattr(graph_api, "VIDEO_CHUNK_BYTES", 8192)
    fb, ig = get_driver("facebook"), get_driver("instagram_graph")
    ig.poll_interval = 0.3
    page = simulator.credential("facebook", "MediaCenterBJN")
    insta = simulator.credential("instagram", "mediacenterbojonegoro")
    photo = MediaItem(kind=MediaKind.IMAGE, mime_type="image/jpeg", path=media_dir / "photo.jpg",
                      url=f"{file_server}/photo.jpg")  # fmt: skip
    video = MediaItem(kind=MediaKind.VIDEO, mime_type="video/mp4", path=media_dir / "clip.mp4",
                      url=f"{file_server}/clip.mp4", duration=3.5)  # fmt: skip
    fb.publish(PostPayload(text="Foto kontrak", media=(photo,)), page)
    fb.publish(PostPayload(text="Video kontrak", media=(video,)), page)
    ig.publish(PostPayload(text="Foto kontrak", media=(photo,)), insta)
    ig.publish(PostPayload(text="Reels kontrak", media=(video,)), insta)
    ig.check_credential(insta)
    fb.check_credential(page)
    # Facebook Login: the dialog answered in the simulator, then the code exchanged.
    # A signed-in member of staff consents, for the portal's registered callback.
    callback = simulator.base.removesuffix("/simulator") + reverse(
        "channels:oauth_callback", args=["facebook"]
    )
    start = facebook.oauth_start(redirect_uri=callback, state="s")
    query = dict(parse_qsl(urlsplit(start).query))
    answer = simulator.session.post(start.split("?")[0], data={**query, "decision": "allow"},
                                    allow_redirects=False, timeout=10)  # fmt: skip
    code = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))["code"]
    facebook.oauth_finish(code=code, redirect_uri=callback)


def test_the_drivers_requests_match_the_documented_ones(
    simulator, captured, media_dir, file_server, monkeypatch
):
    _drive_everything(simulator, media_dir, file_server, monkeypatch)
    assert captured, "nothing was captured"
    for platform in ("facebook", "instagram_graph"):
        for example in loader.examples(platform):
            if not example.request or example.topic in ("insights", "business_discovery"):
                continue
            matching = [seen for seen in captured if _matches(example, seen)]
            assert matching, (
                f"{example.platform}/{example.name}: no such request was sent",
                [(s.method, s.host, s.path, sorted(s.params)) for s in captured],
            )
            if example.request.get("every_call"):
                # Every call with a token (the code exchange carries none).
                for seen in matching:
                    if seen.path.endswith("/oauth/access_token"):
                        continue
                    assert not _missing(example, seen), (
                        example.name,
                        seen.path,
                        _missing(example, seen),
                    )
            else:
                assert any(not _missing(example, seen) for seen in matching), (
                    example.name,
                    [(s.path, _missing(example, s)) for s in matching],
                )


def test_appsecret_proof_is_the_documented_hmac(simulator, captured):
    credential = simulator.credential("facebook", "MediaCenterBJN")
    get_driver("facebook").check_credential(credential)
    calls = [
        seen for seen in captured if seen.params.get("access_token") == credential["access_token"]
    ]
    assert calls
    expected = hmac.new(settings.FACEBOOK_APP_SECRET.encode(), credential["access_token"].encode(),
                        hashlib.sha256).hexdigest()  # fmt: skip
    assert {seen.params["appsecret_proof"] for seen in calls} == {expected}


# --- the simulator's answers ------------------------------------------------------------------


class Graph:
    def __init__(self, base: str):
        self.base = base

    def __call__(self, method, path, token, *, host="", files=None, headers=None, **params):
        params = {"access_token": token, **params}
        if token and "|" not in token:
            params["appsecret_proof"] = hmac.new(
                settings.FACEBOOK_APP_SECRET.encode(), token.encode(), hashlib.sha256
            ).hexdigest()
        url = f"{self.base}/facebook/{host}v26.0{path}"
        if method == "GET":
            return requests.get(url, params=params, headers=headers, timeout=10)
        return requests.post(url, data=params, files=files, headers=headers, timeout=10)


def _token(handle: str, scopes: str = sim.META_SCOPES) -> str:
    return sim.graph_token(Account.objects.get(platform="facebook", handle=handle), scopes=scopes)


def _answers(
    simulator, media_dir, file_server, settings, monkeypatch
) -> dict[str, requests.Response]:
    monkeypatch.setattr(graph_api, "VIDEO_CHUNK_BYTES", 4096)
    graph = Graph(simulator.base)
    page = _token("MediaCenterBJN")
    user = _token("admin.mediacenter")
    answers = {
        "me_permissions": graph("GET", "/me/permissions", user),
        "debug_token": graph("GET", "/debug_token", f"{settings.FACEBOOK_APP_ID}|{settings.FACEBOOK_APP_SECRET}",
                             input_token=page),
        "page_post_without_permission": graph("POST", f"/{PAGE_ID}/feed",
                                              _token("MediaCenterBJN", "pages_read_engagement"), message="x"),
        "instagram_without_permission": graph("POST", f"/{IG_ID}/media", _token("MediaCenterBJN", "instagram_basic"),
                                              image_url=f"{file_server}/photo.jpg"),
        "invalid_proof": requests.get(f"{simulator.base}/facebook/v26.0/{PAGE_ID}",
                                      params={"access_token": page, "appsecret_proof": "f" * 64}, timeout=10),
    }  # fmt: skip
    with (media_dir / "photo.jpg").open("rb") as image:
        answers["photo_upload"] = graph(
            "POST", f"/{PAGE_ID}/photos", page, files={"source": image}, message="foto"
        )
    body = (media_dir / "clip.mp4").read_bytes()
    start = graph(
        "POST", f"/{PAGE_ID}/videos", page, host="video/", upload_phase="start", file_size=len(body)
    )
    answers["video_start"] = start
    session, begin, end = start.json()["upload_session_id"], 0, int(start.json()["end_offset"])
    answers["video_transfer_wrong_offset"] = graph(
        "POST", f"/{PAGE_ID}/videos", page, host="video/", upload_phase="transfer", upload_session_id=session,
        start_offset=999, files={"video_file_chunk": ("chunk", body[:10])})  # fmt: skip
    while begin < end:
        answers["video_transfer"] = graph(
            "POST", f"/{PAGE_ID}/videos", page, host="video/", upload_phase="transfer",
            upload_session_id=session, start_offset=begin, files={"video_file_chunk": ("chunk", body[begin:end])})  # fmt: skip
        begin, end = (
            int(answers["video_transfer"].json()["start_offset"]),
            int(answers["video_transfer"].json()["end_offset"]),
        )
    answers["video_finish"] = graph("POST", f"/{PAGE_ID}/videos", page, host="video/", upload_phase="finish",
                                    upload_session_id=session, description="Video")  # fmt: skip
    answers["video_post_id"] = graph("GET", f"/{start.json()['video_id']}", page, fields="post_id")
    answers["image_container"] = graph(
        "POST", f"/{IG_ID}/media", page, image_url=f"{file_server}/photo.jpg"
    )
    container = answers["image_container"].json()["id"]
    answers["container_status"] = graph("GET", f"/{container}", page, fields="status_code")
    answers["media_publish"] = graph("POST", f"/{IG_ID}/media_publish", page, creation_id=container)
    answers["publishing_limit"] = graph(
        "GET", f"/{IG_ID}/content_publishing_limit", page, fields="quota_usage,config"
    )
    answers["resumable_container"] = graph(
        "POST", f"/{IG_ID}/media", page, media_type="REELS", upload_type="resumable"
    )
    uri = answers["resumable_container"].json()["uri"]
    answers["rupload"] = requests.post(
        uri.replace("https://rupload.facebook.com", f"{simulator.base}/facebook/rupload"), data=body,
        headers={"Authorization": f"OAuth {page}", "offset": "0", "file_size": str(len(body))}, timeout=10)  # fmt: skip
    answers["caption_refused"] = graph("POST", f"/{IG_ID}/media", page, image_url=f"{file_server}/photo.jpg",
                                       caption=" ".join(f"#t{i}" for i in range(31)))  # fmt: skip
    settings.SIMULATOR_PUBLIC_INTERNET = True
    answers["media_fetch_failed"] = graph(
        "POST", f"/{IG_ID}/media", page, image_url=f"{file_server}/photo.jpg"
    )
    settings.SIMULATOR_PUBLIC_INTERNET = False
    simulator.fault("instagram", "mediacenterbojonegoro", mode="quota_full")
    fresh = graph("POST", f"/{IG_ID}/media", page, image_url=f"{file_server}/photo.jpg").json()[
        "id"
    ]
    answers["publishing_limit_reached"] = graph(
        "POST", f"/{IG_ID}/media_publish", page, creation_id=fresh
    )
    return answers


def test_the_simulator_answers_as_documented(
    simulator, media_dir, file_server, settings, monkeypatch
):
    answers = _answers(simulator, media_dir, file_server, settings, monkeypatch)
    documented = [
        e
        for p in ("facebook", "instagram_graph")
        for e in loader.examples(p)
        if e.response and e.topic not in ("insights", "business_discovery")
    ]
    assert {e.name for e in documented} <= set(answers), {e.name for e in documented} - set(answers)
    for example in documented:
        answer = answers[example.name]
        assert answer.status_code == example.response["status"], (example.name, answer.text[:300])
        problems = loader.shape_problems(example.response["body"], answer.json())
        assert not problems, (example.name, problems, answer.text[:300])


def test_the_code_agrees_with_the_documented_figures():
    limits = loader.facts("instagram_graph", "limits")
    assert limits["caption_characters"] == instagram_graph.MAX_CAPTION
    assert limits["caption_hashtags"] == instagram_graph.MAX_HASHTAGS
    assert limits["caption_mentions"] == instagram_graph.MAX_MENTIONS
    reel, carousel = instagram_graph.REEL, instagram_graph.CAROUSEL_VIDEO
    assert [reel["min_seconds"], reel["max_seconds"]] == limits["reel_seconds"]
    assert reel["max_bytes"] == limits["reel_bytes"]
    assert [carousel["min_seconds"], carousel["max_seconds"]] == limits["carousel_video_seconds"]
    assert carousel["max_bytes"] == limits["carousel_video_bytes"]
    # Photos from 4:5 to 1.91:1: what the preflight refuses and the crops it offers.
    from assets.renditions import CROP_RATIOS, crop_size
    from publishing.checks import ratio_refused

    ig = instagram_graph.InstagramGraphDriver.limits
    assert [ig.min_aspect_ratio, ig.max_aspect_ratio] == limits["photo_aspect_ratio"]
    low, high = limits["photo_aspect_ratio"]
    for shape in CROP_RATIOS.values():
        for size in ((3000, 4000), (4000, 3000), (6000, 8000), (1001, 1001), (320, 400)):
            width, height = crop_size(size, shape)
            assert low <= width / height <= high and not ratio_refused(ig, width, height)
    assert ratio_refused(ig, 3000, 4000) and ratio_refused(ig, 1920, 1000)
    publishing = loader.facts("instagram_graph", "content_publishing")
    assert publishing["poll_once_per_seconds"] == instagram_graph.POLL_MAX
    assert publishing["poll_for_at_most_seconds"] == instagram_graph.POLL_LIMIT
    permissions = loader.facts("facebook", "permissions")
    from publishing.drivers._graph import OTHER_PERMISSIONS, PUBLISH_PERMISSIONS

    assert list(PUBLISH_PERMISSIONS["facebook"]) == permissions["facebook_publish"]
    assert list(PUBLISH_PERMISSIONS["instagram"]) == permissions["instagram_publish"]
    assert "ads_read" in OTHER_PERMISSIONS["instagram"]


def test_shape_check_catches_a_drift():
    body = loader.example("instagram_graph", "media_fetch_failed").response["body"]
    wrong = {"error": {**body["error"], "code": 100}}
    assert loader.shape_problems(body, wrong) == ["body.error.code: expected 9004, got 100"]
    assert loader.shape_problems({"id": "<id>", "post_id": "<id>"}, {"id": "1"}) == [
        "body.post_id: missing"
    ]
