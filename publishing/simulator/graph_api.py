"""The Graph API as facebook-business meets it, for Facebook Pages and Instagram business
accounts: JSON answers, the ``{"error": {...}}`` envelope with Meta's codes (190 expired, 4/17/32/
613/80001 throttled, 368 blocked, 506 duplicate), the ``X-App-Usage`` and
``X-Business-Use-Case-Usage`` headers, Instagram media containers and the publishing limit."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import math
import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_protect
from PIL import Image

from . import insights, marketing_api, services
from .common import (
    FetchError,
    after_accept,
    endpoint,
    fetch,
    first_file,
    json_answer,
    media_url,
    older_than,
    position_token,
    registered_redirect,
    request_data,
    staff_required,
    take_fault,
)
from .models import Account, Container, Fault, Post, Token, Upload

THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
}
VIDEO_READY_SECONDS = 1.5


def _error(
    message, code, *, status=400, subcode=None, kind="OAuthException", headers=None, **extra
):
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": secrets.token_urlsafe(8)}
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    return json_answer({"error": error}, status=status, headers=headers)


def _usage_headers(account: Account | None, *, regain_minutes: int = 0, full: bool = False):
    share = 100 if full else 3
    headers = {
        "X-App-Usage": json.dumps({"call_count": share, "total_cputime": 1, "total_time": 2})
    }
    if account is not None:
        kind = "pages" if account.platform == "facebook" else "instagram"
        usage = {
            account.external_id: [
                {
                    "type": kind,
                    "call_count": share,
                    "total_cputime": 1,
                    "total_time": 2,
                    "estimated_time_to_regain_access": regain_minutes,
                }
            ]
        }
        headers["X-Business-Use-Case-Usage"] = json.dumps(usage)
    return headers


def _fault_answer(fault: Fault, account: Account):
    if fault.mode == Fault.Mode.RATE_LIMIT:
        code = fault.code if fault.code in THROTTLE_MESSAGES else 32
        minutes = max(1, math.ceil(fault.retry_after / 60))
        headers = _usage_headers(account, regain_minutes=minutes, full=True)
        return _error(THROTTLE_MESSAGES[code], code, headers=headers, is_transient=True)
    if fault.mode == Fault.Mode.SERVER_ERROR:
        return _error("An unexpected error has occurred. Please retry your request later.", 2,
                      status=500, is_transient=True)  # fmt: skip
    if fault.mode == Fault.Mode.TOKEN_EXPIRED:
        return _expired()
    if fault.mode == Fault.Mode.BLOCKED:
        return _error(
            "It looks like you were misusing this feature by going too fast. You've been "
            "temporarily blocked from using it.",
            368,
            subcode=1390008,
        )
    return None


def _expired():
    when = (timezone.now() - timedelta(minutes=1)).astimezone(UTC).strftime("%A, %d-%b-%y %H:%M:%S")
    return _error(
        f"Error validating access token: Session has expired on {when} PDT.", 190, subcode=463
    )


def _token_answer(problem: str):
    if problem == "missing":
        return _error(
            "An active access token must be used to query information about the current user.", 2500
        )
    if problem == "expired":
        return _expired()
    return _error("Invalid OAuth access token - Cannot parse access token", 190)


def _unknown(node: str, method: str):
    verb = "post" if method == "POST" else "get"
    return _error(
        f"Unsupported {verb} request. Object with ID '{node}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation.",
        100,
        subcode=33,
        kind="GraphMethodException",
    )


def _may_act_on(caller: Account, account: Account) -> bool:
    if caller.pk == account.pk:
        return True
    if account.platform == "instagram" and account.linked_page_id:
        page = account.linked_page
        return caller.pk == page.pk or (
            caller.kind == Account.Kind.FB_USER and page.manager_id == caller.pk
        )
    return caller.kind == Account.Kind.FB_USER and account.manager_id == caller.pk


def _permalink(request, post: Post) -> str:
    url = reverse("simulator:feed", args=[post.account.platform, post.account.handle])
    return request.build_absolute_uri(f"{url}#p{post.external_id}")


def _epoch(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except ValueError:
        return datetime.fromisoformat(str(value))


# --- the dispatcher ------------------------------------------------------------------------


@endpoint("facebook", "read")
def graph(request, version: str, path: str):
    parts = [p for p in path.split("/") if p]
    data = request_data(request)
    if parts == ["oauth", "access_token"]:
        return _oauth_access_token(request, data)
    token = data.get("access_token") or ""
    header = request.headers.get("Authorization", "")
    if not token and header.split(" ", 1)[0].lower() in ("oauth", "bearer"):
        token = header.split(" ", 1)[1]
    if parts == ["debug_token"]:
        return _debug_token(request, data, token)
    try:
        caller = services.caller_for(token)
    except services.TokenProblem as problem:
        return _token_answer(problem.reason)
    if caller.account.platform != "facebook":
        return _token_answer("invalid")
    if (problem := _proof_problem(token, data)) is not None:
        return problem
    request.sim.fingerprint = caller.fingerprint
    # The Marketing API (ad accounts and the objects made in them) answers its own requests.
    if (answer := marketing_api.answer(request, parts, data, caller)) is not None:
        return answer
    node_id, edge = parts[0], (parts[1] if len(parts) > 1 else "")
    if node_id == "me":
        node_id = caller.account.external_id
    target = _resolve(node_id)
    if target is None:
        request.sim.account = caller.account
        return _unknown(node_id, request.method)
    owner = target if isinstance(target, Account) else target.account
    request.sim.platform = owner.platform
    request.sim.account = owner
    if not _may_act_on(caller.account, owner):
        return _error("(#200) The user hasn't authorized the application to perform this action", 200,
                      kind="OAuthException")  # fmt: skip
    operation = "read" if request.method == "GET" else "write"
    if request.method == "POST" and (edge in ("feed", "media_publish", "comments")
                                     or (edge == "videos" and str(data.get("upload_phase", "finish")).lower() == "finish")
                                     or (edge == "photos" and str(data.get("published", "true")).lower() != "false")):  # fmt: skip
        operation = "publish"
    fault = take_fault(request, operation)
    if fault is not None and (answer := _fault_answer(fault, owner)) is not None:
        return answer
    handler = _HANDLERS.get((type(target).__name__, request.method, edge))
    if handler is None:
        return _unknown(node_id if not edge else f"{node_id}/{edge}", request.method)
    if (refusal := _permission_refusal(owner, request.method, edge, data, caller)) is not None:
        return refusal
    request.graph_version = version
    response = handler(request, target, data, caller)
    for name, value in _usage_headers(owner).items():
        response.setdefault(name, value)
    return response


# --- app secret proof and permissions -------------------------------------------------------


def _proof_problem(token: str, data):
    """Meta's check of ``appsecret_proof``: a wrong one is always refused; a missing one when the
    app requires it ("Require App Secret", ``SIMULATOR_REQUIRE_APPSECRET_PROOF``)."""
    secret = settings.FACEBOOK_APP_SECRET
    proof = str(data.get("appsecret_proof") or "")
    if not secret:
        return None
    if proof:
        expected = hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(proof, expected):
            return _error("Invalid appsecret_proof provided in the API argument", 100,
                          kind="GraphMethodException")  # fmt: skip
        return None
    if getattr(settings, "SIMULATOR_REQUIRE_APPSECRET_PROOF", False):
        return _error("API calls from the server require an appsecret_proof argument", 100,
                      kind="GraphMethodException")  # fmt: skip
    return None


def _needed_permissions(owner: Account, method: str, edge: str, data) -> tuple[str, ...]:
    """The permissions Meta's reference lists for this call (tests/contracts/ keeps them)."""
    if method == "GET" and edge == "insights":
        if owner.platform == "instagram":
            return ("instagram_basic", "instagram_manage_insights", "pages_read_engagement")
        return ("read_insights", "pages_read_engagement")
    if owner.platform == "instagram":
        if method == "GET" and not edge and "business_discovery" in str(data.get("fields", "")):
            return ("instagram_basic", "instagram_manage_insights", "pages_read_engagement")
        if method == "POST" and edge in ("media", "media_publish"):
            return ("instagram_basic", "instagram_content_publish", "pages_read_engagement")
        if method == "POST" and edge == "comments":
            return ("instagram_basic", "instagram_manage_comments")
        if method == "DELETE":
            return ("instagram_basic", "instagram_content_publish")
        return ("instagram_basic",)
    if method == "POST" and edge in ("feed", "photos", "videos"):
        return ("pages_manage_posts", "pages_read_engagement")
    if method == "DELETE":
        return ("pages_manage_posts",)
    if method == "POST" and edge == "comments":
        return ("pages_manage_engagement", "pages_read_engagement")
    if method == "GET" and edge in ("feed", "posts", "published_posts", "accounts"):
        return ("pages_read_engagement",) if edge != "accounts" else ("pages_show_list",)
    return ()


def _permission_refusal(owner: Account, method: str, edge: str, data, caller):
    granted = services.token_scopes(caller.token)
    missing = [p for p in _needed_permissions(owner, method, edge, data) if p not in granted]
    if not missing:
        return None
    if owner.platform == "instagram":
        return _error("(#10) Application does not have permission for this action", 10)
    return _error(f"(#200) Requires {' and '.join(missing)} permission to manage the object", 200)


def _debug_token(request, data, app_token: str):
    """``GET /debug_token?input_token=...`` with the app's token ``{app-id}|{app-secret}``."""
    if app_token != f"{settings.FACEBOOK_APP_ID}|{settings.FACEBOOK_APP_SECRET}":
        return _error("Invalid OAuth access token signature.", 190)
    try:
        caller = services.caller_for(str(data.get("input_token") or ""))
    except services.TokenProblem:
        return json_answer({"data": {"error": {"code": 190, "message": "Invalid OAuth access token."},
                                     "is_valid": False, "scopes": []}})  # fmt: skip
    token, account = caller.token, caller.account
    request.sim.account = account
    body = {
        "app_id": settings.FACEBOOK_APP_ID,
        "type": "PAGE" if account.kind == Account.Kind.PAGE else "USER",
        "application": "Portal Media Center",
        "data_access_expires_at": 0,
        "expires_at": int(token.expires_at.timestamp()) if token.expires_at else 0,
        "is_valid": True,
        "scopes": sorted(services.token_scopes(token)),
        "user_id": (account.manager.external_id if account.manager_id else account.external_id),
    }
    if account.kind == Account.Kind.PAGE:
        body["profile_id"] = account.external_id
    return json_answer({"data": body})


def _permissions_edge(request, user: Account, data, caller):
    granted = services.token_scopes(caller.token)
    declined = services.token_declined(caller.token)
    rows = [{"permission": name, "status": "granted"} for name in sorted(granted)]
    rows += [{"permission": name, "status": "declined"} for name in sorted(declined - granted)]
    return json_answer({"data": rows})


def _resolve(node_id: str):
    account = Account.objects.filter(external_id=node_id).select_related("linked_page").first()
    if account is not None:
        return account
    post = Post.objects.filter(external_id=node_id).select_related("account").first()
    if post is not None and post.deleted_at is None:
        return post
    return Container.objects.filter(external_id=node_id).select_related("account").first()


# --- accounts --------------------------------------------------------------------------------


def _account_node(request, account: Account, data, caller):
    if "business_discovery" in str(data.get("fields", "")):
        return _business_discovery(account, str(data["fields"]))
    fields = set(str(data.get("fields", "id,name")).split(","))
    body = {"id": account.external_id}
    if "name" in fields:
        body["name"] = account.name
    if "username" in fields:
        body["username"] = account.handle
    if (
        "instagram_business_account" in str(data.get("fields", ""))
        and account.kind == Account.Kind.PAGE
    ):
        ig = account.linked_instagram.first()
        if ig:
            body["instagram_business_account"] = {"id": ig.external_id, "username": ig.handle}
    return json_answer(body)


# ``business_discovery.username(NAME){fields}`` and, inside, ``media.limit(N){fields}``.
_DISCOVERY = re.compile(r"^business_discovery\.username\(([^)]*)\)(?:\{(.*)\})?$")
_MEDIA_EDGE = re.compile(r"^media(?:\.limit\((\d+)\))?(?:\{(.*)\})?$")
DISCOVERY_USER_FIELDS = {"id", "username", "name", "biography", "website", "followers_count",
                         "follows_count", "media_count", "profile_picture_url"}  # fmt: skip
DISCOVERY_MEDIA_FIELDS = {"id", "caption", "comments_count", "like_count", "media_type",
                          "media_product_type", "permalink", "timestamp"}  # fmt: skip


def _top_level(fields: str) -> list[str]:
    """A Graph ``fields`` list split at its commas outside braces."""
    parts, depth, current = [], 0, ""
    for char in fields:
        depth += (char == "{") - (char == "}")
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [p for p in [*parts, current.strip()] if p]


def _not_discoverable(username: str):
    """Business discovery of an unknown username and of a personal account: one refusal."""
    return _error("Invalid user id", 110, subcode=2207013, is_transient=False,
                  error_user_title="Cannot find User",
                  error_user_msg=f"The user with username: {username} cannot be found.")  # fmt: skip


def _nonexisting_field(field: str, node: str):
    return _error(f"(#100) Tried accessing nonexisting field ({field}) on node type ({node})", 100)


def _business_discovery(account: Account, fields: str):
    """``GET /{ig-user-id}?fields=business_discovery.username(NAME){...}``: another professional
    account's public fields and media, asked on the caller's own Instagram account. Only a
    professional account (linked to a Page here) is found; a personal one is refused as an
    unknown name is."""
    if account.platform != "instagram":
        return _nonexisting_field("business_discovery", "Page")
    asked = [f for f in _top_level(fields) if f.startswith("business_discovery")]
    match = _DISCOVERY.match(asked[0]) if len(asked) == 1 else None
    if match is None:
        return _error("(#100) Syntax error in the fields parameter", 100)
    username, inner = match.group(1), match.group(2) or "id"
    target = Account.objects.filter(platform="instagram", handle__iexact=username).first()
    if target is None or target.linked_page_id is None:
        return _not_discoverable(username)
    body: dict = {"id": target.external_id}
    for field in _top_level(inner):
        media = _MEDIA_EDGE.match(field)
        if media is not None:
            limit = int(media.group(1) or 25)
            wanted = set(_top_level(media.group(2) or "id")) | {"id"}
            if unknown := wanted - DISCOVERY_MEDIA_FIELDS:
                return _nonexisting_field(sorted(unknown)[0], "ShadowIGMedia")
            body["media"] = _discovery_media(target, wanted, limit)
        elif field in DISCOVERY_USER_FIELDS:
            body[field] = _discovery_value(target, field)
        else:
            return _nonexisting_field(field, "IGUser")
    return json_answer({"business_discovery": body, "id": account.external_id})


def _discovery_value(target: Account, field: str):
    if field == "followers_count":
        return insights.account_followers(target, timezone.now().astimezone(UTC).date())
    if field == "media_count":
        return services.visible_posts(target).filter(parent__isnull=True).count()
    return {"username": target.handle, "name": target.name, "follows_count": 120,
            "biography": "", "website": "", "profile_picture_url": "",
            "id": target.external_id}[field]  # fmt: skip


def _discovery_media(target: Account, wanted: set[str], limit: int) -> dict:
    posts = (
        services.visible_posts(target).filter(parent__isnull=True).order_by("-created_at", "-pk")
    )
    rows = []
    for post in posts[:limit]:
        counts = insights.post_counts(post)
        row = {"id": post.external_id,
               "timestamp": post.created_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
               "like_count": counts["likes"], "comments_count": counts["comments"],
               "caption": post.text, "media_type": _ig_media_type(post),
               "media_product_type": "FEED",
               "permalink": f"https://www.instagram.com/p/{post.external_id}/"}  # fmt: skip
        rows.append({k: v for k, v in row.items() if k in wanted})
    return {"data": rows}


def _accounts_edge(request, user: Account, data, caller):
    if user.kind != Account.Kind.FB_USER:
        return _unknown("accounts", "GET")
    pages = []
    for page in user.managed_pages.order_by("handle"):
        token = services.issue_token(page, "access", scopes=caller.token.scopes)
        entry = {
            "id": page.external_id,
            "name": page.name,
            "access_token": token,
            "category": "Government Organization",
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
        }
        ig = page.linked_instagram.first()
        if ig:
            entry["instagram_business_account"] = {"id": ig.external_id, "username": ig.handle}
        pages.append(entry)
    return json_answer({"data": pages, "paging": {"cursors": {"before": "QVFI", "after": "QVFI"}}})


# --- Facebook Page posts -------------------------------------------------------------------


def _duplicate(account: Account, text: str) -> bool:
    recent = timezone.now() - timedelta(hours=24)
    return bool(text) and Post.objects.filter(
        account=account, text=text, published=True, deleted_at__isnull=True,
        created_at__gte=recent, parent__isnull=True,
    ).exists()  # fmt: skip


def _duplicate_answer():
    return _error("Duplicate status message", 506, subcode=1455006,
                  error_user_title="Duplicate Post",
                  error_user_msg="This status update is identical to the last one you posted.")  # fmt: skip


def _page_id(account: Account, number: str) -> str:
    return f"{account.external_id}_{number}"


def _feed_create(request, page: Account, data, caller):
    message = str(data.get("message") or "")
    link = str(data.get("link") or "")
    attached = data.get("attached_media") or "[]"
    try:
        attached = json.loads(attached) if isinstance(attached, str) else attached
    except ValueError:
        return _error("(#100) param attached_media must be an array.", 100)
    photos = []
    for item in attached:
        photo = Post.objects.filter(
            account=page, external_id=str(item.get("media_fbid")), kind="photo"
        ).first()
        if photo is None:
            return _error(f"(#100) Invalid media_fbid {item.get('media_fbid')}", 100)
        photos.append(photo)
    if not message and not link and not photos:
        return _error("(#100) Missing message or attachment", 100)
    if _duplicate(page, message):
        return _duplicate_answer()
    post = services.record_post(
        page, text=message, link=link, kind="album" if photos else "post",
        media=[m for photo in photos for m in photo.media.all()],
        fingerprint=caller.fingerprint, external_id=_page_id(page, services.new_id(16)),
    )  # fmt: skip
    for photo in photos:  # attached photos belong to the post now
        photo.parent = post
        photo.save(update_fields=["parent"])
    return after_accept(
        request,
        lambda: json_answer({"id": post.external_id}),
        lambda: _error(
            "An unexpected error has occurred. Please retry your request later.", 2, status=500
        ),
    )


def _received_media(request, page: Account, data, *, url_field: str, kind: str):
    upload = first_file(request)
    if upload is not None:
        body, url = upload.read(), ""
    else:
        url = str(data.get(url_field) or "")
        if not url:
            return None, _error("(#324) Requires upload file", 324)
        try:
            body, _mime = fetch(url)
        except FetchError:
            return None, _error("(#100) url should represent a valid URL", 100, subcode=2069019)
    # The type is read from the bytes: neither the declared type nor the name counts.
    try:
        return services.store_media(page, body, mime_type=f"{kind}/*", source_url=url), None
    except services.MediaRefused:
        if kind == "video":
            return None, _error(
                "(#352) Sorry, the video file you selected is in a format that we don't support.",
                352,
            )
        return None, _error("(#324) Missing or invalid image file", 324)


def _photos_create(request, page: Account, data, caller):
    media, problem = _received_media(request, page, data, url_field="url", kind="image")
    if problem:
        return problem
    if media.width is None:
        return _error("(#324) Missing or invalid image file", 324)
    published = str(data.get("published", "true")).lower() != "false"
    caption = str(data.get("caption") or data.get("message") or "")
    if published and _duplicate(page, caption):
        return _duplicate_answer()
    number = services.new_id(16)
    photo = services.record_post(
        page, text=caption, kind="photo", media=[media], published=False,
        fingerprint=caller.fingerprint, external_id=number,
    )  # fmt: skip
    if not published:
        return json_answer({"id": photo.external_id})
    post = services.record_post(
        page, text=caption, kind="photo", media=[media], fingerprint=caller.fingerprint,
        external_id=_page_id(page, services.new_id(16)),
    )  # fmt: skip
    photo.parent = post
    photo.save(update_fields=["parent"])
    return after_accept(
        request,
        lambda: json_answer({"id": photo.external_id, "post_id": post.external_id}),
        lambda: _error(
            "An unexpected error has occurred. Please retry your request later.", 2, status=500
        ),
    )


# The byte range the simulator asks for in each transfer of a Pages video upload.
VIDEO_CHUNK_BYTES = 1024 * 1024


def _videos_create(request, page: Account, data, caller):
    phase = str(data.get("upload_phase") or "").lower()
    if phase in ("start", "transfer"):
        return _video_upload(request, page, data, phase)
    if phase == "finish":
        upload = Upload.objects.filter(
            account=page, external_id=str(data.get("upload_session_id") or "")
        ).first()
        if upload is None or upload.state != "initialized":
            return _error("(#100) Invalid upload_session_id", 100)
        body = b"".join(default_storage.open(name).read() for name in upload.segments)
        if len(body) != upload.total_bytes:
            return _error("(#100) The video file is incomplete", 100, subcode=1363041)
        media = services.store_media(page, body, mime_type="video/mp4")
        video_id = upload.category
    elif phase:
        return _error("(#100) upload_phase must be one of start, transfer, finish", 100)
    else:
        media, problem = _received_media(request, page, data, url_field="file_url", kind="video")
        if problem:
            return problem
        video_id, upload = services.new_id(16), None
    description = str(data.get("description") or "")
    if _duplicate(page, description):
        return _duplicate_answer()
    # As the Graph API does: the video is an object of its own, shown by a Page post.
    post = services.record_post(
        page, text=description, kind="video", media=[media], fingerprint=caller.fingerprint,
        external_id=_page_id(page, services.new_id(16)),
    )  # fmt: skip
    services.record_post(
        page, text=description, kind="video", media=[media], published=False, parent=post,
        fingerprint=caller.fingerprint, external_id=video_id,
    )  # fmt: skip
    if upload is not None:
        for name in upload.segments:
            default_storage.delete(name)
        upload.state, upload.media = "finished", media
        upload.save(update_fields=["state", "media"])
    return after_accept(
        request,
        lambda: json_answer({"success": True} if upload is not None else {"id": video_id}),
        lambda: _error(
            "An unexpected error has occurred. Please retry your request later.", 2, status=500
        ),
    )


def _video_upload(request, page: Account, data, phase: str):
    if phase == "start":
        try:
            size = int(data.get("file_size") or 0)
        except ValueError:
            size = 0
        if size <= 0:
            return _error("(#100) file_size must be a positive number of bytes", 100)
        upload = Upload.objects.create(
            account=page, external_id=services.new_id(15), media_type="video/mp4",
            category=services.new_id(16), total_bytes=size,
        )  # fmt: skip
        return json_answer({"video_id": upload.category, "upload_session_id": upload.external_id,
                            "start_offset": "0", "end_offset": str(min(size, VIDEO_CHUNK_BYTES))})  # fmt: skip
    upload = Upload.objects.filter(
        account=page, external_id=str(data.get("upload_session_id") or ""), state="initialized"
    ).first()
    chunk = request.FILES.get("video_file_chunk")
    if upload is None or chunk is None:
        return _error("(#100) upload_session_id and video_file_chunk are required", 100)
    received = sum(default_storage.size(name) for name in upload.segments)
    if str(data.get("start_offset")) != str(received):
        # As Meta answers (and facebook-business's uploader reads): the range it wants next.
        wanted = {
            "start_offset": str(received),
            "end_offset": str(min(upload.total_bytes, received + VIDEO_CHUNK_BYTES)),
        }
        return _error("(#100) Invalid start_offset", 100, subcode=1363037, error_data=wanted)  # fmt: skip
    name = default_storage.save(
        f"simulator/chunks/{upload.external_id}-{len(upload.segments):04d}",
        ContentFile(chunk.read()),
    )
    upload.segments = [*upload.segments, name]
    upload.save(update_fields=["segments"])
    received += default_storage.size(name)
    if received > upload.total_bytes:
        return _error("(#100) More bytes than file_size were sent", 100)
    end = min(upload.total_bytes, received + VIDEO_CHUNK_BYTES)
    return json_answer({"start_offset": str(received), "end_offset": str(end)})


def _post_json(request, post: Post, fields: str) -> dict:
    body = {
        "id": post.external_id,
        "created_time": post.created_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
    }
    if post.text:
        body["message" if post.account.platform == "facebook" else "caption"] = post.text
    body["permalink_url"] = _permalink(request, post)
    if post.account.platform == "instagram":
        body["permalink"] = body.pop("permalink_url")
        body["timestamp"] = body.pop("created_time")
        body["media_type"] = _ig_media_type(post)
        first = post.media.first()
        if first is not None:
            body["media_url"] = media_url(request, first)
        if post.kind == "carousel":
            body["children"] = {"data": [
                {"id": f"{post.external_id}{i}", "media_type": "IMAGE" if m.kind == "image" else "VIDEO",
                 "media_url": media_url(request, m)}
                for i, m in enumerate(post.media.all())
            ]}  # fmt: skip
        counts = insights.post_counts(post)
        body["like_count"] = counts["likes"]
        body["comments_count"] = counts["comments"]
        return body
    # As the Graph API's story attachments: ``media`` holds ``image`` (a photo, or a video's
    # picture) and, for a video, ``source``, its file; ``url`` is the attachment's page address.
    attachments = []
    for m in post.media.all():
        if m.kind == "video":
            attachments.append({
                "type": "video_inline", "media_type": "video",
                "media": {"image": {"src": request.build_absolute_uri("/static/img/favicon.svg"),
                                    "width": 64, "height": 64},
                          "source": media_url(request, m)},
                "url": f"https://www.facebook.com/{post.account.external_id}/videos/{m.pk}/",
            })  # fmt: skip
        else:
            attachments.append({
                "type": "photo", "media_type": "photo",
                "media": {"image": {"src": media_url(request, m), "width": m.width,
                                    "height": m.height}},
                "url": f"https://www.facebook.com/photo.php?fbid={m.pk}",
            })  # fmt: skip
    if attachments and "attachments" in fields:
        if len(attachments) > 1:
            body["attachments"] = {
                "data": [{"type": "album", "subattachments": {"data": attachments}}]
            }
        else:
            body["attachments"] = {"data": attachments}
    if "post_id" in fields and post.kind == "video" and post.parent_id:
        body["post_id"] = post.parent.external_id
    if any(name in fields for name in ("shares", "reactions", "comments")):
        counts = insights.post_counts(post)
        if "shares" in fields:
            body["shares"] = {"count": counts["shares"]}
        if "reactions" in fields:
            body["reactions"] = {"data": [], "summary": {"total_count": counts["likes"]}}
        if "comments" in fields:
            body["comments"] = {"data": [], "summary": {"total_count": counts["comments"]}}
    return body


def _feed_list(request, account: Account, data, caller):
    """A Page's posts or an Instagram account's media, newest first, paged as the Graph API
    pages (https://developers.facebook.com/docs/graph-api/results): ``published_posts`` and
    Instagram's ``media`` by cursor (``paging.cursors`` and ``paging.next`` with ``after``, no
    ``next`` on the last page), a Page's ``feed`` / ``posts`` by time (``paging.next`` with
    ``until`` and ``__paging_token``, no cursors). ``since`` / ``until`` are Unix seconds."""
    posts = services.visible_posts(account).filter(parent__isnull=True)
    since = _epoch(data.get("since"))
    if since:
        posts = posts.filter(created_at__gte=since)
    until = _epoch(data.get("until"))
    if until:
        posts = posts.filter(created_at__lt=until + timedelta(seconds=1))
    try:
        limit = max(1, min(int(data.get("limit") or 25), 100))
    except ValueError:
        return _error("(#100) The parameter limit must be an integer", 100)
    edge = request.resolver_match.kwargs["path"].rstrip("/").rsplit("/", 1)[-1]
    by_time = account.platform == "facebook" and edge in ("feed", "posts")
    token = str(data.get("__paging_token" if by_time else "after") or "")
    if token:
        posts = older_than(posts, token)
        if posts is None:
            return _error("(#100) Invalid cursor", 100)
    fields = str(data.get("fields", ""))
    page = list(posts[: limit + 1])
    items = [_post_json(request, post, fields) for post in page[:limit]]
    body: dict = {"data": items}
    query = {k: v for k, v in data.items() if k not in ("access_token", "appsecret_proof")}
    address = "https://graph.facebook.com/{version}/{path}".format(**request.resolver_match.kwargs)
    if page[:limit]:
        last = page[:limit][-1]
        if by_time:
            body["paging"] = {}
            if len(page) > limit:
                query.pop("after", None)
                query["until"] = int(last.created_at.timestamp())
                query["__paging_token"] = position_token(last)
                body["paging"]["next"] = f"{address}?{urlencode(query)}"
        else:
            body["paging"] = {"cursors": {"before": position_token(page[0]),
                                          "after": position_token(last)}}  # fmt: skip
            if len(page) > limit:
                query["after"] = position_token(last)
                body["paging"]["next"] = f"{address}?{urlencode(query)}"
    return json_answer(body)


def _post_node(request, post: Post, data, caller):
    return json_answer(_post_json(request, post, str(data.get("fields", ""))))


def _post_delete(request, post: Post, data, caller):
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at"])
    return json_answer({"success": True})


def _comment_create(request, post: Post, data, caller):
    message = str(data.get("message") or "")
    if not message:
        return _error("(#100) Missing message", 100)
    comment = services.record_post(
        post.account, text=message, kind="comment", parent=post, fingerprint=caller.fingerprint,
        external_id=f"{post.external_id}_{services.new_id(8)}" if post.account.platform == "facebook" else services.new_id(17),
    )  # fmt: skip
    return json_answer({"id": comment.external_id})


# --- Instagram business accounts -----------------------------------------------------------


def _ig_media_type(post: Post) -> str:
    if post.kind == "carousel":
        return "CAROUSEL_ALBUM"
    first = post.media.first()
    return "VIDEO" if first is not None and first.kind == "video" else "IMAGE"


def _ig_invalid_image(message: str, subcode: int = 2207009, title: str = "Cannot Process Image"):
    return _error(message, 36003 if subcode == 2207009 else 9004, subcode=subcode, is_transient=False,
                  error_user_title=title, error_user_msg=message)  # fmt: skip


# Instagram's caption limits (IG User Media reference): 2,200 characters, 30 hashtags, 20 @tags.
_HASHTAG = re.compile(r"(?<![\w#&])#(?=\w*[^\W\d])\w+")
_MENTION = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
# Video length per kind, seconds: a reel 3 s to 15 min, a carousel video 3 s to 60 s.
_VIDEO_SECONDS = {"REELS": (3, 15 * 60), "VIDEO": (3, 15 * 60), "CAROUSEL_ITEM": (3, 60)}


def _caption_refusal(caption: str):
    if (
        len(caption) > 2200
        or len(_HASHTAG.findall(caption)) > 30
        or len(_MENTION.findall(caption)) > 20
    ):
        return _error("The caption is too long or has too many hashtags or @tags.", 100,
                      subcode=2207010, is_transient=False, error_user_title="Invalid caption",
                      error_user_msg="Captions can have at most 2,200 characters, 30 hashtags and 20 @tags.")  # fmt: skip
    return None


def _video_seconds(body: bytes) -> float | None:
    try:
        import av

        with av.open(io.BytesIO(body)) as container:
            if container.duration is not None:
                return container.duration / 1_000_000
            stream = container.streams.video[0]
            return float(stream.duration * stream.time_base) if stream.duration else None
    except Exception:
        return None


def _media_create(request, account: Account, data, caller):
    """``POST /{ig-user-id}/media``: a container of the kind asked (carousel, video, image)."""
    media_type = str(data.get("media_type") or "").upper()
    caption = str(data.get("caption") or "")
    is_item = str(data.get("is_carousel_item", "false")).lower() == "true"
    if (refusal := _caption_refusal(caption)) is not None:
        return refusal
    if media_type == "CAROUSEL":
        return _carousel_create(account, data, caption)
    if media_type in ("VIDEO", "REELS") and str(data.get("upload_type")) == "resumable":
        return _resumable_video_create(request, account, media_type, is_item, caption)
    if media_type in ("VIDEO", "REELS"):
        return _video_create(account, data, media_type, is_item, caption)
    return _image_create(account, data, is_item, caption)


def _carousel_create(account: Account, data, caption: str):
    """A carousel container of 2 to 10 finished carousel items."""
    children = [
        c
        for c in str(data.get("children") or "")
        .replace("[", "")
        .replace("]", "")
        .replace('"', "")
        .split(",")
        if c
    ]
    found = list(
        Container.objects.filter(account=account, external_id__in=children, is_carousel_item=True)
    )
    if not 2 <= len(children) <= 10 or len(found) != len(children):
        return _error(
            "(#100) The carousel needs between 2 and 10 valid carousel items.",
            100,
            subcode=2207019,
        )
    if any(c.status_code != "FINISHED" for c in found):
        return _error("Media ID is not available", 9007, subcode=2207027)
    container = Container.objects.create(
        account=account, external_id=services.new_id(17), media_type="CAROUSEL",
        caption=caption, children=children, status_code="FINISHED",
    )  # fmt: skip
    return json_answer({"id": container.external_id})


def _resumable_video_create(request, account: Account, media_type: str, is_item: bool, caption):
    """A video container whose bytes are uploaded next (resumable upload)."""
    # The bytes come next, to rupload.facebook.com at the answered ``uri``.
    container = Container.objects.create(
        account=account, external_id=services.new_id(17), media_type=media_type,
        is_carousel_item=is_item, caption=caption,
    )  # fmt: skip
    version = getattr(request, "graph_version", "v26.0")
    uri = f"https://rupload.facebook.com/ig-api-upload/{version}/{container.external_id}"
    return json_answer({"id": container.external_id, "uri": uri})


def _video_create(account: Account, data, media_type: str, is_item: bool, caption: str):
    """A video container fetched from ``video_url``, refused outside its kind's duration."""
    url = str(data.get("video_url") or "")
    if not url:
        return _error("(#100) The parameter video_url is required", 100)
    try:
        body, _mime = fetch(url)
    except FetchError:
        return _ig_invalid_image(
            "Media download has failed. The media URI doesn't meet our requirements.",
            2207052,
            "Media Download Failed",
        )
    low, high = _VIDEO_SECONDS["CAROUSEL_ITEM" if is_item else media_type]
    seconds = _video_seconds(body)
    if seconds is not None and not low - 0.05 <= seconds <= high:
        return _error(f"The video is {seconds:.1f} seconds long; this kind of post takes "
                      f"{low} to {high} seconds.", 9004, subcode=2207026, is_transient=False,
                      error_user_title="Unsupported video",
                      error_user_msg="The video does not meet the duration requirements.")  # fmt: skip
    try:
        media = services.store_media(account, body, mime_type="video/*", source_url=url)
    except services.MediaRefused:
        return _ig_invalid_image(
            "The video format is not supported. Please check the spec for supported format.",
            2207026,
            "Unsupported Video Format",
        )
    container = Container.objects.create(
        account=account, external_id=services.new_id(17), media_type=media_type,
        is_carousel_item=is_item, caption=caption, media=media,
        ready_at=timezone.now() + timedelta(seconds=VIDEO_READY_SECONDS),
    )  # fmt: skip
    return json_answer({"id": container.external_id})


def _image_create(account: Account, data, is_item: bool, caption: str):
    """An image container fetched from ``image_url``: a JPEG between 4:5 and 1.91:1."""
    url = str(data.get("image_url") or "")
    if not url:
        return _error("(#100) The parameter image_url is required", 100)
    try:
        body, _mime = fetch(url)
    except FetchError:
        return _ig_invalid_image(
            "Media download has failed. The media URI doesn't meet our requirements.",
            2207052,
            "Media Download Failed",
        )
    try:
        with Image.open(io.BytesIO(body)) as image:
            kind, (width, height) = image.format, image.size
    except Exception:
        kind, width, height = None, 0, 0
    if kind != "JPEG":
        return _ig_invalid_image(
            "Only JPEG images are supported.", 2207026, "Unsupported Image Format"
        )
    ratio = width / height if height else 0
    if not 0.8 - 1e-3 <= ratio <= 1.91 + 1e-3:
        return _ig_invalid_image(
            f"The submitted image with aspect ratio ('{width}/{height}') cannot be published. "
            "Please submit an image with a valid aspect ratio."
        )
    try:
        media = services.store_media(account, body, mime_type="image/jpeg", source_url=url)
    except services.MediaRefused:
        return _ig_invalid_image(
            "Only JPEG images are supported.", 2207026, "Unsupported Image Format"
        )
    container = Container.objects.create(
        account=account, external_id=services.new_id(17), media_type="IMAGE",
        is_carousel_item=is_item, caption=caption, media=media, status_code="FINISHED",
    )  # fmt: skip
    return json_answer({"id": container.external_id})


def _container_status(container: Container) -> str:
    if (
        container.status_code == "IN_PROGRESS"
        and container.ready_at
        and container.ready_at <= timezone.now()
    ):
        container.status_code = "FINISHED"
        container.save(update_fields=["status_code"])
    if container.status_code == "FINISHED" and container.created_at < timezone.now() - timedelta(
        hours=24
    ):
        container.status_code = "EXPIRED"
        container.save(update_fields=["status_code"])
    return container.status_code


def _container_node(request, container: Container, data, caller):
    status = _container_status(container)
    body = {"id": container.external_id, "status_code": status}
    if "status" in str(data.get("fields", "")):
        body["status"] = {"FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
                          "IN_PROGRESS": "In Progress: Media is still being processed.",
                          "PUBLISHED": "Published: Media has been published.",
                          "EXPIRED": "Expired: Media was not published within 24 hours.",
                          "ERROR": "Error: Media upload failed."}[status]  # fmt: skip
        if status == "ERROR" and container.error_message:
            # "If status_code is ERROR, this value will be an error subcode" (IG Container).
            body["status"] = container.error_message
    return json_answer(body)


def _published_in_window(account: Account) -> int:
    since = timezone.now() - timedelta(hours=24)
    return Post.objects.filter(account=account, origin=Post.Origin.API, created_at__gte=since,
                               parent__isnull=True).exclude(kind="comment").count()  # fmt: skip


def _quota_full(account: Account) -> bool:
    return (
        services.has_state(account, Fault.Mode.QUOTA_FULL)
        or _published_in_window(account) >= account.quota_total
    )


def _media_publish(request, account: Account, data, caller):
    container = Container.objects.filter(
        account=account, external_id=str(data.get("creation_id"))
    ).first()
    if container is None:
        return _unknown(str(data.get("creation_id")), "POST")
    status = _container_status(container)
    if status == "PUBLISHED":
        return _error("The media has already been published.", 9007, subcode=2207032)
    if status != "FINISHED":
        return _error("Media ID is not available", 9007, subcode=2207027,
                      error_user_title="Media Not Ready For Publishing",
                      error_user_msg="The media is not ready for publishing, please wait for a moment")  # fmt: skip
    if _quota_full(account):
        request.sim.fault = request.sim.fault or Fault(mode=Fault.Mode.QUOTA_FULL)
        return _error("Application request limit reached", 9, subcode=2207042, is_transient=False,
                      error_user_title="Posting limit reached",
                      error_user_msg="You have reached the maximum number of posts that can be published in 24 hours.")  # fmt: skip
    if container.media_type == "CAROUSEL":
        items = Container.objects.filter(external_id__in=container.children).select_related("media")
        order = {cid: i for i, cid in enumerate(container.children)}
        media = [c.media for c in sorted(items, key=lambda c: order[c.external_id])]
        kind = "carousel"
    else:
        media, kind = [container.media], "post"
    post = services.record_post(account, text=container.caption, kind=kind, media=media,
                                fingerprint=caller.fingerprint, external_id=services.new_id(17))  # fmt: skip
    container.status_code = "PUBLISHED"
    container.post = post
    container.save(update_fields=["status_code", "post"])
    return after_accept(
        request,
        lambda: json_answer({"id": post.external_id}),
        lambda: _error(
            "An unexpected error has occurred. Please retry your request later.", 2, status=500
        ),
    )


def _publishing_limit(request, account: Account, data, caller):
    usage = account.quota_total if _quota_full(account) else _published_in_window(account)
    return json_answer({"data": [{"quota_usage": usage,
                                  "config": {"quota_total": account.quota_total, "quota_duration": 86400}}]})  # fmt: skip


# --- insights ----------------------------------------------------------------------------------


def _metric_names(data) -> list[str]:
    return [name.strip() for name in str(data.get("metric") or "").split(",") if name.strip()]


def _no_metric():
    return _error("Invalid query", 3001, subcode=1504028, is_transient=False,
                  error_user_title="No Metric Specified",
                  error_user_msg="No metric was specified to be fetched. Please specify one or "
                                 "more metrics to be fetched and try again.")  # fmt: skip


def _account_insights(request, account: Account, data, caller):
    """``GET /{page-id}/insights`` and ``GET /{ig-user-id}/insights``: one unknown or retired
    name fails the whole request; at most 90 days between ``since`` and ``until``."""
    names = _metric_names(data)
    if not names:
        return _no_metric()
    if account.platform == "instagram":
        allowed = insights.IG_ACCOUNT_DAY + insights.IG_ACCOUNT_TOTAL
    else:
        allowed = insights.PAGE_METRICS
    if (message := insights.refused_metric(names, allowed, account.platform)) is not None:
        return _error(message, 100)
    since, until = _epoch(data.get("since")), _epoch(data.get("until"))
    if since and until and (until - since) > timedelta(days=insights.MAX_WINDOW_DAYS):
        return _error("(#100) There cannot be more than 90 days (7776000 s) between since and "
                      "until", 100)  # fmt: skip
    return json_answer(insights.account_insights(account, names, data, since, until))


def _post_insights(request, post: Post, data, caller):
    """``GET /{post-id}/insights`` and ``GET /{ig-media-id}/insights``: lifetime values."""
    names = _metric_names(data)
    if not names:
        return _no_metric()
    if post.account.platform == "instagram":
        allowed = insights.IG_MEDIA_METRICS
    else:
        allowed = insights.PAGE_POST_METRICS
    if (message := insights.refused_metric(names, allowed, post.account.platform)) is not None:
        return _error(message, 100)
    views = insights.post_views(post.external_id, post.created_at)
    if post.account.platform == "instagram" and views < insights.MIN_VIEWERS:
        return _error(insights.FEW_VIEWERS, 10)
    return json_answer(insights.post_insights(post, names))


_HANDLERS = {
    ("Account", "GET", "insights"): _account_insights,
    ("Post", "GET", "insights"): _post_insights,
    ("Account", "GET", ""): _account_node,
    ("Account", "GET", "accounts"): _accounts_edge,
    ("Account", "GET", "permissions"): _permissions_edge,
    ("Account", "POST", "feed"): _feed_create,
    ("Account", "GET", "feed"): _feed_list,
    ("Account", "GET", "posts"): _feed_list,
    ("Account", "GET", "published_posts"): _feed_list,
    ("Account", "POST", "photos"): _photos_create,
    ("Account", "POST", "videos"): _videos_create,
    ("Account", "POST", "media"): _media_create,
    ("Account", "GET", "media"): _feed_list,
    ("Account", "POST", "media_publish"): _media_publish,
    ("Account", "GET", "content_publishing_limit"): _publishing_limit,
    ("Post", "GET", ""): _post_node,
    ("Post", "DELETE", ""): _post_delete,
    ("Post", "POST", "comments"): _comment_create,
    ("Container", "GET", ""): _container_node,
}


# --- Facebook Login ------------------------------------------------------------------------


def _oauth_access_token(request, data):
    if (
        data.get("client_id") != settings.FACEBOOK_APP_ID
        or data.get("client_secret") != settings.FACEBOOK_APP_SECRET
    ):
        return _error("Error validating client secret.", 1, kind="OAuthException")
    if data.get("grant_type") == "fb_exchange_token":
        try:
            caller = services.caller_for(str(data.get("fb_exchange_token") or ""))
        except services.TokenProblem as problem:
            return _token_answer(problem.reason)
        token = services.issue_token(caller.account, "access", lifetime=timedelta(days=60),
                                     scopes=caller.token.scopes, client_id=caller.token.client_id)  # fmt: skip
        request.sim.account = caller.account
        return json_answer(
            {"access_token": token, "token_type": "bearer", "expires_in": 60 * 86400}
        )
    try:
        caller = services.caller_for(str(data.get("code") or ""), kinds=("code",))
    except services.TokenProblem:
        return _error("This authorization code has been used.", 100, subcode=36009)
    Token.objects.filter(pk=caller.token.pk).update(revoked=True)
    if data.get("redirect_uri") != caller.token.redirect_uri:
        return _error("Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request", 100, subcode=36008)  # fmt: skip
    request.sim.account = caller.account
    token = services.issue_token(caller.account, "access", lifetime=timedelta(hours=2),
                                 scopes=caller.token.scopes, client_id=settings.FACEBOOK_APP_ID)  # fmt: skip
    return json_answer({"access_token": token, "token_type": "bearer", "expires_in": 7200})


@endpoint("facebook", "write")
@staff_required
@csrf_protect
def dialog(request, version: str):
    """Facebook Login's dialog. The person signed in to "Facebook" is played by a signed-in member
    of the portal's staff (nobody else may consent), and the consent is a form with its CSRF
    token, as on the real dialog."""
    params = request.GET if request.method == "GET" else request.POST
    redirect_uri = params.get("redirect_uri", "")
    if params.get("client_id") != settings.FACEBOOK_APP_ID or not redirect_uri:
        return render(
            request, "simulator/consent.html", {"invalid": True, "platform": "Facebook"}, status=400
        )
    if not registered_redirect(request, "facebook", redirect_uri):
        return render(
            request,
            "simulator/consent.html",
            {"invalid": True, "platform": "Facebook", "unregistered_redirect": True},
            status=400,
        )
    user = Account.objects.filter(platform="facebook", kind=Account.Kind.FB_USER).first()
    if request.method == "POST":
        state = params.get("state", "")
        if request.POST.get("decision") != "allow":
            query = {"error": "access_denied", "error_code": 200, "error_description": "Permissions error",
                     "error_reason": "user_denied", "state": state}  # fmt: skip
            return redirect(f"{redirect_uri}?{urlencode(query)}#_=_")
        asked = [s for s in params.get("scope", "").split(",") if s]
        # As Facebook's "Edit access": the person may leave some permissions unticked.
        granted = request.POST.getlist("grant") if request.POST.get("choose_scopes") else asked
        declined = [s for s in asked if s not in granted]
        code = services.issue_token(user, "code", lifetime=timedelta(minutes=10), client_id=settings.FACEBOOK_APP_ID,
                                    scopes=services.scope_string(granted=[s for s in granted if s in asked], declined=declined),
                                    redirect_uri=redirect_uri)  # fmt: skip
        request.sim.account = user
        return redirect(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}#_=_")
    return render(request, "simulator/consent.html", {
        "platform": "Facebook", "params": params, "user": user,
        "pages": user.managed_pages.order_by("handle") if user else [],
        "scopes": params.get("scope", "").split(","),
    })  # fmt: skip


@endpoint("facebook", "write")
def rupload(request, version: str, container_id: str):
    """``POST rupload.facebook.com/ig-api-upload/{version}/{container}``: a video's bytes for a
    resumable container, with ``Authorization: OAuth <token>``, ``offset`` and ``file_size``."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    try:
        caller = services.caller_for(token if scheme.lower() == "oauth" else "")
    except services.TokenProblem as problem:
        return _token_answer(problem.reason)
    request.sim.fingerprint = caller.fingerprint
    container = (
        Container.objects.filter(external_id=container_id, media__isnull=True)
        .select_related("account")
        .first()
    )
    if container is None or not _may_act_on(caller.account, container.account):
        return json_answer({"debug_info": {"retriable": False, "type": "NotFoundError",
                                           "message": "No resumable container with this id."}}, status=400)  # fmt: skip
    request.sim.account = container.account
    body = request.body
    # Django's server drops header names with "_" (file_size), so the body's own length stands
    # in for it when it is not seen.
    size = request.headers.get("file_size") or request.headers.get("Content-Length")
    if request.headers.get("offset", "0") != "0" or size != str(len(body)):
        return json_answer({"debug_info": {"retriable": False, "type": "ProcessingFailedError",
                                           "message": "offset and file_size must describe the body sent."}}, status=400)  # fmt: skip
    low, high = _VIDEO_SECONDS["CAROUSEL_ITEM" if container.is_carousel_item else "REELS"]
    seconds = _video_seconds(body)
    if seconds is not None and not low - 0.05 <= seconds <= high:
        container.status_code = "ERROR"
        container.error_message = "2207026"
        container.save(update_fields=["status_code", "error_message"])
        return json_answer({"success": True, "message": "Upload successful."})
    container.media = services.store_media(container.account, body, mime_type="video/mp4")
    container.ready_at = timezone.now() + timedelta(seconds=VIDEO_READY_SECONDS)
    container.save(update_fields=["media", "ready_at"])
    return json_answer({"success": True, "message": "Upload successful."})
