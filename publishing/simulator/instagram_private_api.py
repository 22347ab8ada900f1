"""Instagram's private (mobile app) API, as far as instagrapi needs it to log in, upload,
configure, list, comment and delete: ``signed_body`` forms, ``ig-set-authorization`` sessions,
the password encryption key of ``qe/sync``, and the failures instagrapi turns into
``LoginRequired``, ``ChallengeRequired``, ``TwoFactorRequired``, ``PleaseWaitFewMinutes`` and
``FeedbackRequired``."""

from __future__ import annotations

import base64
import functools
import json
import time
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.cache import cache
from django.db import IntegrityError
from django.utils import timezone
from django_otp.oath import totp

from . import services
from .common import (
    after_accept,
    endpoint,
    json_answer,
    media_url,
    older_than,
    position_token,
    take_fault,
)
from .models import Account, Fault, Post, Upload

KEY_ID = 41
# Posts in one page of a user's feed when instagrapi asks for no count (its own chunks are 33).
FEED_PAGE = 33


def _fail(message: str, status: int = 400, **extra):
    return json_answer({"message": message, "status": "fail", **extra}, status=status)


def _feed_shape(width: int | None, height: int | None) -> bool:
    """Whether a feed photo's shape is one Instagram takes: 4:5 to 1.91:1 (width / height)."""
    return bool(width and height) and 0.8 - 1e-3 <= width / height <= 1.91 + 1e-3


def _fault_answer(fault: Fault):
    mode = fault.mode
    if mode in (Fault.Mode.RATE_LIMIT, Fault.Mode.PLEASE_WAIT):
        return _fail(
            "Please wait a few minutes before you try again.",
            429 if mode == Fault.Mode.RATE_LIMIT else 400,
        )
    if mode == Fault.Mode.SERVER_ERROR:
        return _fail("Oops, an error occurred.", 500)
    if mode == Fault.Mode.TOKEN_EXPIRED:
        return _login_required()
    if mode == Fault.Mode.CHALLENGE:
        return _fail(
            "challenge_required",
            challenge={"url": "https://i.instagram.com/challenge/", "api_path": "/challenge/",
                       "hide_webview_header": True, "lock": True, "logout": False, "native_flow": True},
            error_type="checkpoint_challenge_required",
        )  # fmt: skip
    if mode == Fault.Mode.FEEDBACK_REQUIRED:
        return _fail(
            "feedback_required",
            feedback_title="Try Again Later",
            feedback_message="We restrict certain activity to protect our community.",
            spam=True,
        )
    if mode == Fault.Mode.BLOCKED:
        return _fail("feedback_required", feedback_message="This action was blocked.", spam=True)
    return None


def _login_required():
    return _fail("login_required", 403, error_title="You've Been Logged Out", logout_reason=2)


# --- the password encryption key (shared by every web process through the database) --------


def _private_key() -> rsa.RSAPrivateKey:
    pem = cache.get("simulator:instagram-key")
    if pem is None:
        from .models import Setting

        try:
            setting, _created = Setting.objects.get_or_create(
                name="instagram-password-key",
                defaults={"value": _new_key_pem()},
            )
        except IntegrityError:  # another process made it first
            setting = Setting.objects.get(name="instagram-password-key")
        pem = setting.value
        cache.set("simulator:instagram-key", pem, 3600)
    return _load_key(pem)


@functools.lru_cache(maxsize=4)
def _load_key(pem: str) -> rsa.RSAPrivateKey:
    # Loading checks the key's consistency, which costs a good part of a second on a busy
    # machine: once per process is enough for a key this simulator made itself.
    return serialization.load_pem_private_key(
        pem.encode(), password=None, unsafe_skip_rsa_key_validation=True
    )


def _new_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_key_header() -> str:
    pem = (
        _private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(pem).decode()


def _decrypt_password(value: str) -> str:
    """``#PWD_INSTAGRAM:4:<time>:<payload>`` as instagrapi makes it, back to the password."""
    try:
        _tag, _version, stamp, payload = value.split(":", 3)
        raw = base64.b64decode(payload)
        size = int.from_bytes(raw[14:16], "little")
        iv = raw[2:14]
        session_key = _private_key().decrypt(raw[16 : 16 + size], padding.PKCS1v15())
        tag = raw[16 + size : 32 + size]
        body = raw[32 + size :]
        return AESGCM(session_key).decrypt(iv, body + tag, stamp.encode()).decode()
    except Exception:
        return ""


# --- requests ------------------------------------------------------------------------------


def _signed_body(request) -> dict:
    body = request.POST.get("signed_body", "")
    if body:
        try:
            return json.loads(body.split(".", 1)[1])
        except (IndexError, ValueError):
            return {}
    return request.POST.dict()


def _session_of(request):
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer IGT:"):
        return None
    try:
        data = json.loads(base64.b64decode(header.rsplit(":", 1)[-1]))
    except ValueError:
        return None
    return data.get("sessionid", "")


def _user_json(request, account: Account) -> dict:
    return {
        "pk": account.external_id,
        "pk_id": account.external_id,
        "username": account.handle,
        "full_name": account.name,
        "is_private": False,
        "is_verified": False,
        "is_business": True,
        "profile_pic_url": request.build_absolute_uri("/static/img/favicon.svg"),
        "biography": "",
        "external_url": "",
        "has_anonymous_profile_picture": False,
    }


def _media_json(request, post: Post) -> dict:
    media = list(post.media.all())
    account = post.account
    first = media[0] if media else None

    def versions(item):
        return {"candidates": [{"width": item.width or 1080, "height": item.height or 1080,
                                "url": media_url(request, item)}]}  # fmt: skip

    body = {
        "pk": post.external_id,
        "id": f"{post.external_id}_{account.external_id}",
        "code": "C" + post.external_id[-10:],
        "taken_at": int(post.created_at.timestamp()),
        "media_type": 8 if post.kind == "carousel" else (2 if first is not None and first.kind == "video" else 1),
        "user": _user_json(request, account),
        "caption": {"text": post.text, "pk": post.external_id} if post.text else None,
        "like_count": 0,
        "comment_count": post.children.filter(kind="comment").count(),
        "usertags": {"in": []},
        "sponsor_tags": [],
    }  # fmt: skip
    if first is not None and post.kind != "carousel":
        body["image_versions2"] = versions(first)
        if first.kind == "video":
            body["video_versions"] = [{"width": first.width or 1080, "height": first.height or 1920,
                                       "url": media_url(request, first), "type": 101}]  # fmt: skip
            body["video_duration"] = 1.0
    if post.kind == "carousel":
        body["carousel_media"] = [
            {"pk": f"{post.external_id}{i}", "id": f"{post.external_id}{i}_{account.external_id}",
             "media_type": 2 if item.kind == "video" else 1, "image_versions2": versions(item),
             **({"video_versions": [{"width": item.width or 1080, "height": item.height or 1920,
                                     "url": media_url(request, item), "type": 101}]} if item.kind == "video" else {})}
            for i, item in enumerate(media)
        ]  # fmt: skip
    return body


@endpoint("instagram", "read")
def private(request, path: str):
    path = path.rstrip("/")
    data = _signed_body(request) if request.method == "POST" else {}
    if path in ("qe/sync", "launcher/sync"):
        response = json_answer({"configs": {}, "experiments": [], "status": "ok"})
        response["ig-set-password-encryption-key-id"] = str(KEY_ID)
        response["ig-set-password-encryption-pub-key"] = _public_key_header()
        response["ig-set-x-mid"] = "ZsimSimulatorMid"
        return response
    if path == "accounts/login":
        return _login(request, data)
    if path == "accounts/two_factor_login":
        return _two_factor_login(request, data)
    sessionid = _session_of(request)
    try:
        caller = services.caller_for(sessionid or "", kinds=("session",))
    except services.TokenProblem:
        return _login_required()
    account = caller.account
    request.sim.account = account
    request.sim.fingerprint = caller.fingerprint
    operation = "read"
    if request.method == "POST":
        operation = (
            "publish"
            if path.startswith("media/configure") or path.endswith("/comment")
            else "write"
        )
    fault = take_fault(request, operation)
    if fault is not None and (answer := _fault_answer(fault)) is not None:
        return answer
    if path == "accounts/current_user":
        return json_answer({"user": _user_json(request, account), "status": "ok"})
    if path in ("feed/reels_tray",):
        return json_answer({"tray": [], "status": "ok"})
    if path == "feed/timeline":
        return json_answer(
            {"feed_items": [], "num_results": 0, "more_available": False, "status": "ok"}
        )
    if path.startswith("feed/user/"):
        return _user_feed(request, path.split("/")[2])
    if path.startswith("media/configure"):
        return _configure(
            request, account, data, sidecar=path.startswith("media/configure_sidecar")
        )
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "media":
        return _media_action(request, account, parts[1], parts[2], data)
    return _fail("Sorry, this page isn't available.", 404)


def _login(request, data):
    username = str(data.get("username") or "")
    account = Account.objects.filter(platform="instagram", handle__iexact=username).first()
    request.sim.account = account
    request.sim.operation = "write"
    if account is not None:
        fault = take_fault(request, "write")
        if fault is not None and fault.mode == Fault.Mode.TWO_FACTOR:
            return _two_factor_required(account)
        answer = _fault_answer(fault) if fault is not None else None
        if answer is not None and fault.mode != Fault.Mode.TOKEN_EXPIRED:
            return answer
    password = _decrypt_password(str(data.get("enc_password") or ""))
    if account is None or not services.check_account_password(account, password):
        return _fail(
            "The password you entered is incorrect. Please try again.",
            error_type="bad_password", invalid_credentials=True,
        )  # fmt: skip
    device = str(data.get("device_id") or "")
    if account.first_login and device not in account.known_devices:
        # A login from a device Instagram has not seen: a person must answer.
        if account.first_login == "two_factor":
            return _two_factor_required(account)
        return _fault_answer(Fault(mode=Fault.Mode.CHALLENGE))
    return _logged_in(request, account, device)


def _two_factor_required(account: Account):
    """The answer instagrapi turns into ``TwoFactorRequired`` (``two_factor_info`` with the
    identifier its ``accounts/two_factor_login/`` request sends back)."""
    return _fail(
        "", two_factor_required=True, error_type="two_factor_required",
        two_factor_info={"username": account.handle, "two_factor_identifier": "sim-2fa",
                         "totp_two_factor_on": True, "sms_two_factor_on": False},
    )  # fmt: skip


def current_code(account: Account, *, drift: int = 0) -> str:
    """The account's authenticator code now (RFC 6238: 30 s, 6 digits, SHA-1)."""
    key = base64.b32decode(account.two_factor_seed + "=" * (-len(account.two_factor_seed) % 8))
    return f"{totp(key, step=30, digits=6, drift=drift):06d}"


def _two_factor_login(request, data):
    username = str(data.get("username") or "")
    account = Account.objects.filter(platform="instagram", handle__iexact=username).first()
    request.sim.account = account
    request.sim.operation = "write"
    code = str(data.get("verification_code") or "").replace(" ", "")
    if (
        account is None
        or not account.two_factor_seed
        or data.get("two_factor_identifier") != "sim-2fa"
        or code not in {current_code(account, drift=d) for d in (-1, 0)}
    ):
        return _fail(
            "Please check the security code sent you and try again.",
            error_type="sms_code_validation_code_invalid",
        )
    return _logged_in(request, account, str(data.get("device_id") or ""))


def _logged_in(request, account: Account, device: str):
    if device and device not in account.known_devices:
        account.known_devices = [*account.known_devices, device]
        account.save(update_fields=["known_devices"])
    sessionid = f"{account.external_id}%3A{services.new_id(14)}%3A{int(time.time()) % 100}"
    services.issue_token(account, "session", value=sessionid, lifetime=timedelta(days=90))
    authorization = base64.b64encode(
        json.dumps(
            {
                "ds_user_id": account.external_id,
                "sessionid": sessionid,
                "should_use_header_over_cookies": True,
            }
        ).encode()
    ).decode()
    response = json_answer(
        {
            "logged_in_user": _user_json(request, account),
            "session_flush_nonce": None,
            "status": "ok",
        }
    )
    response["ig-set-authorization"] = f"Bearer IGT:2:{authorization}"
    response["ig-set-ig-u-ds-user-id"] = account.external_id
    return response


def _user_feed(request, user_id: str):
    """``feed/user/<id>/``: newest first, a page of ``count`` posts (Instagram's own size, 33,
    when none is asked), ``next_max_id`` and ``more_available`` while older posts remain, given
    back as ``max_id``."""
    owner = Account.objects.filter(platform="instagram", external_id=user_id).first()
    if owner is None:
        return _fail("User not found", 404)
    posts = services.visible_posts(owner)
    max_id = request.GET.get("max_id", "")
    if max_id:
        posts = older_than(posts, max_id)
        if posts is None:
            return _fail("Invalid max_id", 400)
    count = request.GET.get("count", "")
    size = min(int(count), 50) if count.isdigit() and int(count) > 0 else FEED_PAGE
    page = list(posts[: size + 1])
    more = len(page) > size
    page = page[:size]
    body = {
        "items": [_media_json(request, post) for post in page],
        "num_results": len(page), "more_available": more, "status": "ok",
    }  # fmt: skip
    if more:
        body["next_max_id"] = position_token(page[-1])
    return json_answer(body)


@endpoint("instagram", "write")
def rupload(request, kind: str, name: str):
    try:
        caller = services.caller_for(_session_of(request) or "", kinds=("session",))
    except services.TokenProblem:
        return _login_required()
    request.sim.account = caller.account
    request.sim.fingerprint = caller.fingerprint
    fault = take_fault(request, "write")
    if fault is not None and (answer := _fault_answer(fault)) is not None:
        return answer
    try:
        params = json.loads(request.headers.get("X-Instagram-Rupload-Params", "{}"))
    except ValueError:
        params = {}
    upload_id = str(params.get("upload_id") or name.split("_")[0])
    if request.method == "GET":
        return json_answer({"offset": 0, "status": "ok"})
    mime = request.headers.get("X-Entity-Type") or (
        "video/mp4" if kind == "igvideo" else "image/jpeg"
    )
    try:
        media = services.store_media(caller.account, request.body, mime_type=mime)
    except services.MediaRefused:
        return _fail("Uploaded image isn't in an allowed aspect ratio or format")
    external_id = f"{upload_id}:{kind}"
    Upload.objects.update_or_create(
        external_id=external_id,
        defaults={"account": caller.account, "media_type": mime, "total_bytes": len(request.body),
                  "state": "succeeded", "media": media},
    )  # fmt: skip
    answer = {"upload_id": upload_id, "status": "ok"}
    if kind == "igphoto":
        answer["xsharing_nonces"] = {}
    return json_answer(answer)


def _upload_media(account: Account, upload_id: str):
    """The media of an upload: the video when there is one (its cover photo shares the id)."""
    uploads = {u.external_id.split(":")[1]: u for u in Upload.objects.filter(
        account=account, external_id__startswith=f"{upload_id}:").select_related("media")}  # fmt: skip
    upload = uploads.get("igvideo") or uploads.get("igphoto")
    return upload.media if upload else None


def _configure(request, account: Account, data, *, sidecar: bool):
    caption = str(data.get("caption") or "")
    if sidecar:
        children = data.get("children_metadata") or []
        media = [_upload_media(account, str(child.get("upload_id"))) for child in children]
        kind = "carousel"
    else:
        media = [_upload_media(account, str(data.get("upload_id")))]
        kind = "post"
    if not media or any(m is None for m in media):
        return _fail("media_needs_reupload", 400, error_title="Upload not found")
    if any(m.kind == "image" and not _feed_shape(m.width, m.height) for m in media):
        return _fail("Uploaded image isn't in an allowed aspect ratio", 400)
    post = services.record_post(account, text=caption, kind=kind, media=media,
                                fingerprint=request.sim.fingerprint, external_id=services.new_id(18))  # fmt: skip
    return after_accept(
        request,
        lambda: json_answer(
            {
                "media": _media_json(request, post),
                "upload_id": data.get("upload_id"),
                "status": "ok",
            }
        ),
        lambda: _fail("Oops, an error occurred.", 500),
    )


def _media_action(request, account: Account, media_id: str, action: str, data):
    post = Post.objects.filter(
        account__platform="instagram", external_id=media_id.split("_")[0]
    ).first()
    if post is None or post.deleted_at is not None:
        return _fail("Media not found or unavailable", 400)
    if action == "info":
        return json_answer(
            {"items": [_media_json(request, post)], "num_results": 1, "status": "ok"}
        )
    if post.account_id != account.pk:
        return _fail("Not authorized", 403)
    if action == "delete":
        post.deleted_at = timezone.now()
        post.save(update_fields=["deleted_at"])
        return json_answer({"did_delete": True, "status": "ok"})
    if action == "comment":
        text = str(data.get("comment_text") or "")
        comment = services.record_post(account, text=text, kind="comment", parent=post,
                                       fingerprint=request.sim.fingerprint, external_id=services.new_id(17))  # fmt: skip
        return json_answer({"comment": {
            "pk": comment.external_id, "text": text, "user": _user_json(request, account),
            "created_at_utc": int(comment.created_at.timestamp()), "content_type": "comment", "status": "Active",
        }, "status": "ok"})  # fmt: skip
    return _fail("Sorry, this page isn't available.", 404)
