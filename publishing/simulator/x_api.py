"""X API v2 as tweepy and the v2 media endpoints meet it: JSON answers, 201 on create,
``x-rate-limit-*`` headers, 401 for an expired token, 403 for duplicate content."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from publishing.drivers.x import weighted_length

from . import insights, services
from .common import (
    after_accept,
    endpoint,
    json_answer,
    media_url,
    older_than,
    position_token,
    registered_redirect,
    request_data,
    staff_required,
    take_fault,
)
from .models import Account, Fault, Post, Token, Upload

RATE_LIMIT = 300
X_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
VIDEO_TYPES = {"video/mp4", "video/quicktime"}


def _problem(status: int, title: str, detail: str, headers=None, **extra):
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status, **extra}
    return json_answer(body, status=status, headers=headers)


def _invalid(message: str):
    return json_answer(
        {
            "errors": [{"parameters": {}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
        status=400,
    )


def _limits(reset_in: int = 900, remaining: int = RATE_LIMIT - 1) -> dict[str, str]:
    return {
        "x-rate-limit-limit": str(RATE_LIMIT),
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(int(time.time()) + reset_in),
    }


DAILY_CAP = 100  # POST /2/tweets: 100 per 24 hours per user (X API rate-limit table)


def _daily_cap(fault: Fault):
    """A spent 24-hour cap: the 15-minute window still has room, the day's does not."""
    prefix = "x-app-limit-24hour" if fault.code == 1 else "x-user-limit-24hour"
    headers = {
        **_limits(),
        f"{prefix}-limit": str(DAILY_CAP),
        f"{prefix}-remaining": "0",
        f"{prefix}-reset": str(int(time.time()) + fault.retry_after),
    }
    return _problem(429, "Too Many Requests", "Too Many Requests", headers)


def _fault_answer(fault: Fault):
    if fault.mode == Fault.Mode.DAILY_CAP:
        return _daily_cap(fault)
    if fault.mode == Fault.Mode.RATE_LIMIT:
        headers = {**_limits(fault.retry_after, 0), "Retry-After": str(fault.retry_after)}
        return _problem(429, "Too Many Requests", "Too Many Requests", headers)
    if fault.mode == Fault.Mode.SERVER_ERROR:
        return _problem(500, "Internal Server Error", "Internal Server Error")
    if fault.mode == Fault.Mode.TOKEN_EXPIRED:
        return _problem(401, "Unauthorized", "Unauthorized")
    if fault.mode == Fault.Mode.BLOCKED:
        return _problem(403, "Forbidden", "This account is temporarily locked.")
    return None


# The OAuth 2.0 scopes each endpoint requires (X API v2 reference, "OAuth 2.0 scopes required
# by this endpoint").
READ_SCOPES = ("tweet.read", "users.read")
WRITE_SCOPES = ("tweet.read", "tweet.write", "users.read")
MEDIA_SCOPES = ("media.write",)


def authenticated(operation: str = "read", scopes: tuple[str, ...] = READ_SCOPES):
    """Bearer token of an X account, then the scopes it carries, then the account's faults; the
    view gets the account."""

    def decorate(view):
        @endpoint("x", operation)
        def wrapper(request, *args, **kwargs):
            header = request.headers.get("Authorization", "")
            token = header[7:] if header.lower().startswith("bearer ") else ""
            try:
                caller = services.caller_for(token)
            except services.TokenProblem:
                return _problem(401, "Unauthorized", "Unauthorized")
            if caller.account.platform != "x":
                return _problem(401, "Unauthorized", "Unauthorized")
            request.sim.account = caller.account
            request.sim.fingerprint = caller.fingerprint
            # Deleting a post (DELETE /2/tweets/:id) needs what writing needs.
            needed = WRITE_SCOPES if request.method == "DELETE" else scopes
            granted = set(caller.token.scopes.split())
            if any(scope not in granted for scope in needed):
                return _problem(403, "Forbidden", "Forbidden")
            fault = take_fault(request)
            if fault is not None and (answer := _fault_answer(fault)) is not None:
                return answer
            response = view(request, caller.account, *args, **kwargs)
            if response.status_code < 400 or response.status_code == 403:
                for name, value in _limits().items():
                    response.setdefault(name, value)
            return response

        return wrapper

    return decorate


def _tweet_json(request, post: Post, fields: set[str]) -> dict:
    data = {"id": post.external_id, "text": post.text, "edit_history_tweet_ids": [post.external_id]}
    if "created_at" in fields:
        data["created_at"] = post.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if "author_id" in fields:
        data["author_id"] = post.account.external_id
    references = []
    if post.reply_to:
        references.append({"type": "replied_to", "id": post.reply_to})
    if post.quote_of:
        kind = "retweeted" if post.kind == "retweet" else "quoted"
        references.append({"type": kind, "id": post.quote_of})
    if references and "referenced_tweets" in fields:
        data["referenced_tweets"] = references
    keys = [f"3_{m.pk}" for m in post.media.all()]
    if keys and "attachments" in fields:
        data["attachments"] = {"media_keys": keys}
    if "public_metrics" in fields:
        data["public_metrics"] = insights.x_public_metrics(post)
    if insights.x_private_allowed(post):
        if "non_public_metrics" in fields:
            data["non_public_metrics"] = insights.x_private_metrics(post)
        if "organic_metrics" in fields:
            organic = dict(insights.x_private_metrics(post))
            public = insights.x_public_metrics(post)
            organic.update({k: public[k] for k in ("like_count", "reply_count", "retweet_count")})
            data["organic_metrics"] = organic
    return data


def _refused_fields(post: Post, fields: set[str]) -> list[dict]:
    """Private metrics of a post older than 30 days: X answers the rest, with these errors."""
    if insights.x_private_allowed(post):
        return []
    private = ("non_public_metrics", "organic_metrics", "promoted_metrics")
    return [insights.x_field_refused(post, name) for name in private if name in fields]


def _media_json(request, media, asked: set[str] | None = None) -> dict:
    """A media object: ``media_key`` and ``type`` always, the rest only when ``media.fields``
    asks for it (``asked``; everything when ``None``)."""
    data = {"media_key": f"3_{media.pk}", "type": "video" if media.kind == "video" else "photo"}
    extra = {"width": media.width, "height": media.height}
    if media.kind == "video":
        # X serves every video as MP4 files of several bit rates and an HLS playlist.
        extra["variants"] = [
            {"content_type": "application/x-mpegURL", "url": media_url(request, media) + "#m3u8"},
            {"bit_rate": 2176000, "content_type": "video/mp4", "url": media_url(request, media)},
        ]
    else:
        extra["url"] = media_url(request, media)
    data.update({k: v for k, v in extra.items() if asked is None or k in asked})
    return data


@authenticated("publish", WRITE_SCOPES)
def tweets(request, account: Account):
    if request.method != "POST":
        return _problem(405, "Method Not Allowed", "Use POST.")
    data = request_data(request)
    text = str(data.get("text") or "")
    media_ids = ((data.get("media") or {}).get("media_ids")) or []
    if not text and not media_ids:
        return _invalid("Tweet text or media is required.")
    if weighted_length(text) > 280:
        return _problem(403, "Forbidden", "Tweet text is too long.")
    uploads = list(Upload.objects.filter(account=account, external_id__in=media_ids))
    if len(uploads) != len(set(media_ids)) or any(u.state != "succeeded" for u in uploads):
        return _invalid("Your media IDs are invalid.")
    reply_to = str((data.get("reply") or {}).get("in_reply_to_tweet_id") or "")
    parent = None
    if reply_to:
        parent = Post.objects.filter(account__platform="x", external_id=reply_to).first()
        if parent is None:
            return _invalid("The Tweet you are replying to does not exist.")
    quote = str(data.get("quote_tweet_id") or "")
    if quote and media_ids:
        # POST /2/tweets: media is "mutually exclusive from Quote Tweet ID and Poll".
        return _invalid("You cannot attach media to a quote Tweet: media and quote_tweet_id "
                        "are mutually exclusive.")  # fmt: skip
    recent = timezone.now() - timedelta(hours=24)
    if (
        text
        and Post.objects.filter(
            account=account, text=text, deleted_at__isnull=True, created_at__gte=recent
        ).exists()
    ):
        return _problem(
            403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
        )
    post = services.record_post(
        account,
        text=text,
        kind="reply" if parent else ("quote" if quote else "tweet"),
        media=[u.media for u in uploads],
        fingerprint=request.sim.fingerprint,
        external_id=services.new_id(19),
        parent=parent,
        reply_to=reply_to,
        quote_of=quote,
    )
    return after_accept(
        request,
        lambda: json_answer(
            {
                "data": {
                    "id": post.external_id,
                    "text": text,
                    "edit_history_tweet_ids": [post.external_id],
                }
            },
            status=201,
        ),
        lambda: _problem(503, "Service Unavailable", "Service Unavailable"),
    )


@authenticated("read")
def tweet(request, account: Account, tweet_id: str):
    post = Post.objects.filter(account__platform="x", external_id=tweet_id).first()
    if request.method == "DELETE":
        request.sim.operation = "write"
        if post is None or post.account_id != account.pk:
            return _problem(404, "Not Found Error", "Could not find tweet with id: " + tweet_id)
        post.deleted_at = timezone.now()
        post.save(update_fields=["deleted_at"])
        return json_answer({"data": {"deleted": True}})
    if post is None or post.deleted_at:
        return json_answer(
            {"errors": [{"value": tweet_id, "detail": "Could not find tweet with id: " + tweet_id,
                         "title": "Not Found Error", "resource_type": "tweet", "type":
                         "https://api.twitter.com/2/problems/resource-not-found"}]}
        )  # fmt: skip
    fields = set(request.GET.get("tweet.fields", "").split(","))
    body = {"data": _tweet_json(request, post, fields | {"created_at"})}
    if refused := _refused_fields(post, fields):
        body["errors"] = refused
    return json_answer(body)


@authenticated("read")
def me(request, account: Account):
    data = {"id": account.external_id, "name": account.name, "username": account.handle}
    if "public_metrics" in request.GET.get("user.fields", "").split(","):
        data["public_metrics"] = insights.x_user_metrics(account)
    return json_answer({"data": data})


@authenticated("read")
def user_by_username(request, account: Account, username: str):
    """``GET /2/users/by/username/:username``: an unknown name is X's 200 answer with a ``Not
    Found Error`` and no ``data``; a name X cannot hold is a 400."""
    if not X_USERNAME.fullmatch(username):
        return _invalid(f"The `username` query parameter value [{username}] does not match "
                        "^[A-Za-z0-9_]{1,15}$")  # fmt: skip
    user = Account.objects.filter(platform="x", handle__iexact=username).first()
    if user is None:
        return json_answer({"errors": [{
            "value": username, "detail": f"Could not find user with username: [{username}].",
            "title": "Not Found Error", "resource_type": "user", "parameter": "username",
            "resource_id": username, "type": "https://api.twitter.com/2/problems/resource-not-found",
        }]})  # fmt: skip
    data = {"id": user.external_id, "name": user.name, "username": user.handle}
    if "public_metrics" in request.GET.get("user.fields", "").split(","):
        data["public_metrics"] = insights.x_user_metrics(user)
    return json_answer({"data": data})


@authenticated("read")
def user_tweets(request, account: Account, user_id: str):
    """``GET /2/users/:id/tweets`` as X answers it: newest first, ``max_results`` 5 to 100
    (default 10), ``start_time`` / ``end_time`` (RFC 3339, inclusive), ``meta.next_token`` while
    older posts remain, given back as ``pagination_token``; media objects (``includes.media``)
    hold ``media_key`` and ``type``, and only the ``media.fields`` asked for (a photo's ``url``,
    a video's ``variants``)."""
    owner = Account.objects.filter(platform="x", external_id=user_id).first()
    if owner is None:
        return _problem(404, "Not Found Error", "Could not find user with id: " + user_id)
    posts = services.visible_posts(owner)
    excluded = [name for name in request.GET.get("exclude", "").split(",") if name]
    if any(name not in ("retweets", "replies") for name in excluded):
        return _invalid(f"The `exclude` query parameter value [{request.GET['exclude']}] is not "
                        "one of [retweets,replies]")  # fmt: skip
    if "retweets" in excluded:
        posts = posts.exclude(kind="retweet")
    if "replies" in excluded:
        posts = posts.filter(reply_to="")
    for name, lookup in (("start_time", "created_at__gte"), ("end_time", "created_at__lte")):
        if request.GET.get(name):
            moment = parse_datetime(request.GET[name])
            if moment is None:
                return _invalid(f"The `{name}` query parameter value [{request.GET[name]}] is "
                                "not a valid RFC 3339 date-time")  # fmt: skip
            posts = posts.filter(**{lookup: moment})
    raw_limit = request.GET.get("max_results") or "10"
    if not raw_limit.isdigit() or not 5 <= int(raw_limit) <= 100:
        return _invalid(f"The `max_results` query parameter value [{raw_limit}] is not between "
                        "5 and 100")  # fmt: skip
    limit = int(raw_limit)
    token = request.GET.get("pagination_token", "")
    if token:
        posts = older_than(posts, token)
        if posts is None:
            return _invalid(f"The `pagination_token` query parameter value [{token}] is not valid")
    posts = list(posts[: limit + 1])
    more = len(posts) > limit
    posts = posts[:limit]
    if not posts:
        return json_answer({"meta": {"result_count": 0}})
    fields = set(request.GET.get("tweet.fields", "").split(",")) | {"attachments"}
    body = {
        "data": [_tweet_json(request, post, fields) for post in posts],
        "meta": {
            "result_count": len(posts),
            "newest_id": posts[0].external_id,
            "oldest_id": posts[-1].external_id,
        },
    }
    if more:
        body["meta"]["next_token"] = position_token(posts[-1])
    media = [m for post in posts for m in post.media.all()]
    if media and "attachments.media_keys" in request.GET.get("expansions", "").split(","):
        asked = set(request.GET.get("media.fields", "").split(","))
        body["includes"] = {"media": [_media_json(request, m, asked) for m in media]}
    return json_answer(body)


@authenticated("publish", WRITE_SCOPES)
def retweets(request, account: Account, user_id: str):
    data = request_data(request)
    target = str(data.get("tweet_id") or "")
    if not Post.objects.filter(account__platform="x", external_id=target).exists():
        return _invalid("The Tweet you are retweeting does not exist.")
    services.record_post(
        account,
        kind="retweet",
        quote_of=target,
        fingerprint=request.sim.fingerprint,
        external_id=services.new_id(19),
    )
    return json_answer({"data": {"retweeted": True}})


@authenticated("write", WRITE_SCOPES)
def unretweet(request, account: Account, user_id: str, tweet_id: str):
    """``DELETE /2/users/:id/retweets/:source_tweet_id``: succeeds with no action when the user
    had not reposted it (API reference)."""
    if request.method != "DELETE":
        return _problem(405, "Method Not Allowed", "Use DELETE.")
    if user_id != account.external_id:
        return _problem(403, "Forbidden", "You are not permitted to perform this action.")
    Post.objects.filter(
        account=account, kind="retweet", quote_of=tweet_id, deleted_at__isnull=True
    ).update(deleted_at=timezone.now())
    return json_answer({"data": {"retweeted": False}})


# --- media ----------------------------------------------------------------------------------


@authenticated("write", MEDIA_SCOPES)
def media_initialize(request, account: Account):
    data = request_data(request)
    media_type = str(data.get("media_type") or "")
    total = int(data.get("total_bytes") or 0)
    if media_type not in IMAGE_TYPES | VIDEO_TYPES:
        return _invalid(f"media_type {media_type!r} is not supported.")
    limit = 5 * 1024 * 1024 if media_type in IMAGE_TYPES else 512 * 1024 * 1024
    if not 0 < total <= limit:
        return _invalid("total_bytes is out of range for this media type.")
    upload = Upload.objects.create(
        account=account,
        external_id=services.new_id(19),
        media_type=media_type,
        category=str(data.get("media_category") or ""),
        total_bytes=total,
    )
    return json_answer(
        {"data": {"id": upload.external_id, "media_key": f"3_{upload.external_id}",
                  "expires_after_secs": 86400}}
    )  # fmt: skip


def _own_upload(account, media_id):
    return get_object_or_404(Upload, account=account, external_id=media_id)


@authenticated("write", MEDIA_SCOPES)
def media_append(request, account: Account, media_id: str):
    upload = _own_upload(account, media_id)
    chunk = request.FILES.get("media")
    segment = request.POST.get("segment_index", "")
    if chunk is None or not segment.isdigit() or upload.state != "initialized":
        return _invalid("media and segment_index are required while the upload is open.")
    name = default_storage.save(
        f"simulator/chunks/{upload.external_id}-{int(segment):04d}", ContentFile(chunk.read())
    )
    upload.segments = [*upload.segments, name]
    upload.save(update_fields=["segments"])
    return json_answer({"data": {"expires_at": int(time.time()) + 86400}})


@authenticated("write", MEDIA_SCOPES)
def media_finalize(request, account: Account, media_id: str):
    upload = _own_upload(account, media_id)
    if upload.state == "initialized":
        data = b""
        for name in sorted(upload.segments):
            with default_storage.open(name) as chunk:
                data += chunk.read()
            default_storage.delete(name)
        if len(data) != upload.total_bytes:
            return _invalid("File size does not match total_bytes.")
        try:
            upload.media = services.store_media(account, data, mime_type=upload.media_type)
        except services.MediaRefused:
            upload.state = "failed"
            upload.save(update_fields=["state"])
            return _invalid("media type unrecognized.")
        video = upload.media_type in VIDEO_TYPES
        upload.state = "pending" if video else "succeeded"
        upload.ready_at = timezone.now() + timedelta(seconds=1) if video else timezone.now()
        upload.save()
    return json_answer({"data": _upload_json(upload)})


def _upload_json(upload: Upload) -> dict:
    if upload.state == "pending" and upload.ready_at and upload.ready_at <= timezone.now():
        upload.state = "succeeded"
        upload.save(update_fields=["state"])
    data = {
        "id": upload.external_id,
        "media_key": f"3_{upload.external_id}",
        "size": upload.total_bytes,
        "expires_after_secs": 86400,
    }
    if upload.media_type in VIDEO_TYPES:
        done = upload.state == "succeeded"
        data["processing_info"] = {
            "state": upload.state if done else "in_progress",
            "progress_percent": 100 if done else 50,
            **({} if done else {"check_after_secs": 1}),
        }
    return data


@authenticated("read", MEDIA_SCOPES)
def media_status(request, account: Account):
    if request.method == "POST":
        return _invalid("Use the initialize, append and finalize endpoints to upload.")
    upload = _own_upload(account, request.GET.get("media_id", ""))
    return json_answer({"data": _upload_json(upload)})


# --- OAuth 2.0 ------------------------------------------------------------------------------


def _oauth_error(error: str, description: str, status: int = 400):
    return json_answer({"error": error, "error_description": description}, status=status)


def _client_ok(request, data) -> bool:
    client_id = str(data.get("client_id") or "")
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        if settings.X_CLIENT_SECRET and secret != settings.X_CLIENT_SECRET:
            return False
    elif settings.X_CLIENT_SECRET:
        return False  # a confidential client authenticates with Basic
    return client_id == settings.X_CLIENT_ID


def _issue_pair(account: Account, scopes: str) -> dict:
    scopes = scopes or services.X_SCOPES
    access = services.issue_token(
        account,
        "access",
        lifetime=timedelta(seconds=services.X_TOKEN_SECONDS),
        client_id=settings.X_CLIENT_ID,
        scopes=scopes,
    )
    refresh = services.issue_token(
        account, "refresh", client_id=settings.X_CLIENT_ID, scopes=scopes
    )
    return {
        "token_type": "bearer",
        "expires_in": services.X_TOKEN_SECONDS,
        "access_token": access,
        "scope": scopes,
        "refresh_token": refresh,
    }


@endpoint("x", "write")
def oauth_token(request):
    data = request_data(request)
    if not _client_ok(request, data):
        return _oauth_error("unauthorized_client", "Missing valid authorization header", 401)
    grant = data.get("grant_type")
    if grant == "refresh_token":
        try:
            caller = services.caller_for(str(data.get("refresh_token") or ""), kinds=("refresh",))
        except services.TokenProblem:
            return _oauth_error("invalid_request", "Value passed for the token was invalid.")
        # Single-use: the refresh token is spent now, whatever happens next.
        Token.objects.filter(pk=caller.token.pk).update(revoked=True)
        request.sim.account = caller.account
        scopes = caller.token.scopes or services.X_SCOPES
        narrowed = Fault.objects.filter(account=caller.account, mode=Fault.Mode.NARROW_SCOPE)
        if narrowed.exists():
            # The user took a permission back: X grants less than the app asks for.
            scopes = " ".join(s for s in scopes.split() if s != "media.write")
            narrowed.delete()
        return json_answer(_issue_pair(caller.account, scopes))
    if grant == "authorization_code":
        try:
            caller = services.caller_for(str(data.get("code") or ""), kinds=("code",))
        except services.TokenProblem:
            return _oauth_error(
                "invalid_request", "Value passed for the authorization code was invalid."
            )
        Token.objects.filter(pk=caller.token.pk).update(revoked=True)
        verifier = str(data.get("code_verifier") or "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if challenge.decode().rstrip("=") != caller.token.code_challenge:
            return _oauth_error(
                "invalid_request", "Value passed for the code verifier was invalid."
            )
        if data.get("redirect_uri") != caller.token.redirect_uri:
            return _oauth_error("invalid_request", "Value passed for the redirect uri was invalid.")
        request.sim.account = caller.account
        return json_answer(_issue_pair(caller.account, caller.token.scopes))
    return _oauth_error("unsupported_grant_type", "grant_type is not supported.")


@require_http_methods(["GET", "POST"])
@endpoint("x", "write")
@staff_required
@csrf_protect
def authorize(request):
    """X's authorize page: consent by a signed-in member of the portal's staff (who plays the
    person signed in to X), with the form's CSRF token."""
    params = request.GET if request.method == "GET" else request.POST
    needed = ("response_type", "client_id", "redirect_uri", "state", "code_challenge")
    if (
        any(not params.get(name) for name in needed)
        or params.get("client_id") != settings.X_CLIENT_ID
    ):
        return render(
            request, "simulator/consent.html", {"invalid": True, "platform": "X"}, status=400
        )
    redirect_uri = params["redirect_uri"]
    if not registered_redirect(request, "x", redirect_uri):
        return render(
            request,
            "simulator/consent.html",
            {"invalid": True, "platform": "X", "unregistered_redirect": True},
            status=400,
        )
    if request.method == "POST":
        if request.POST.get("decision") != "allow":
            query = {"error": "access_denied", "state": params["state"]}
            return redirect(f"{redirect_uri}?{urlencode(query)}")
        account_id = str(request.POST.get("account") or "")
        if not account_id.isdigit():
            return render(
                request, "simulator/consent.html", {"invalid": True, "platform": "X"}, status=400
            )
        account = get_object_or_404(Account, platform="x", pk=int(account_id))
        code = services.issue_token(
            account,
            "code",
            lifetime=timedelta(minutes=10),
            client_id=settings.X_CLIENT_ID,
            scopes=params.get("scope", "").replace("+", " "),
            redirect_uri=redirect_uri,
            code_challenge=params["code_challenge"],
        )
        request.sim.account = account
        return redirect(f"{redirect_uri}?{urlencode({'state': params['state'], 'code': code})}")
    return render(
        request,
        "simulator/consent.html",
        {
            "platform": "X",
            "params": params,
            "accounts": Account.objects.filter(platform="x"),
            "scopes": params.get("scope", "").split(),
        },
    )
