"""The simulator's own pages and control API: the feed of each account, the control panel,
``/_log`` for tests, ``/_faults`` to make an account misbehave, ``/_native`` to post as if in the
platform's own app, and the stored media.

The control panel and API act on the portal's origin, so they are for signed-in members of staff
only, with Django's CSRF protection like every other form of the portal. The feeds and media
stand for the platforms' public websites and CDN (the drivers fetch media without a session);
media are served only with the type read from their bytes, never sniffed, and sandboxed.
"""

from __future__ import annotations

import json
import mimetypes
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .common import media_url, staff_required
from .models import Account, Fault, Media, Post, Request

FAULT_FIELDS = ("scope", "remaining", "retry_after", "delay", "code")
# Media are served as the files they are, never as a page: no script, no plugin, no form runs.
MEDIA_POLICY = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"


def _accounts():
    return Account.objects.exclude(kind=Account.Kind.FB_USER).order_by("platform", "handle")


@staff_required
@require_GET
def index(request: HttpRequest):
    services.seed_accounts()
    accounts = list(_accounts().prefetch_related("faults"))
    for account in accounts:
        account.post_count = services.visible_posts(account).count()
    return render(request, "simulator/index.html", {"accounts": accounts, "modes": Fault.Mode})


@require_GET
def feed(request: HttpRequest, platform: str, handle: str):
    try:
        account = services.account_by_handle(platform, handle)
    except Account.DoesNotExist:
        raise Http404 from None
    posts = list(
        services.visible_posts(account).select_related("account").prefetch_related("children")[:100]
    )
    return render(request, "simulator/feed.html", {"account": account, "posts": posts})


@require_GET
def media(request: HttpRequest, pk: int):
    """A stored photo or video, as a platform's CDN serves it: with the type read from its bytes
    when it was received, never sniffed by the browser, and in a sandbox should it be opened as
    a page."""
    item = get_object_or_404(Media, pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    served = item.mime_type in services.SERVED_TYPES
    response = FileResponse(
        handle,
        content_type=item.mime_type if served else "application/octet-stream",
        as_attachment=not served,
        filename=f"media-{item.pk}{mimetypes.guess_extension(item.mime_type) or '.bin'}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-site"
    return response


@staff_required(api=True)
@require_GET
def log(request: HttpRequest):
    """Everything received, as JSON (for tests): posts with their media, and each request."""
    posts = Post.objects.select_related("account", "parent").prefetch_related("media")
    if request.GET.get("platform"):
        posts = posts.filter(account__platform=request.GET["platform"])
    if request.GET.get("account"):
        posts = posts.filter(account__handle__iexact=request.GET["account"])
    requests_ = Request.objects.select_related("account")
    return JsonResponse(
        {
            "posts": [
                services.post_as_dict(p, media_url=lambda m: media_url(request, m))
                for p in posts.order_by("id")
            ],
            "requests": [
                {
                    "platform": r.platform,
                    "account": r.account.handle if r.account_id else None,
                    "method": r.method,
                    "path": r.path,
                    "operation": r.operation,
                    "status": r.status,
                    "fault": r.fault,
                    "token_fingerprint": r.token_fingerprint,
                    "at": r.created_at.isoformat(),
                }
                for r in requests_.order_by("id")
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _fault_options(data: dict[str, Any]) -> dict[str, Any]:
    options = {}
    for name in FAULT_FIELDS:
        value = data.get(name)
        if value in (None, ""):
            continue
        options[name] = (
            value if name == "scope" else float(value) if name == "delay" else int(value)
        )
    return options


def _parse(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
    return request.POST.dict()


def _fault_json(fault: Fault) -> dict[str, Any]:
    return {
        "id": fault.pk,
        "account": fault.account.handle,
        "platform": fault.account.platform,
        "mode": fault.mode,
        "scope": fault.scope,
        "remaining": fault.remaining,
        "retry_after": fault.retry_after,
        "delay": fault.delay,
        "code": fault.code,
    }


@staff_required(api=True)
@require_http_methods(["GET", "POST", "DELETE"])
def faults(request: HttpRequest, platform: str = "", handle: str = ""):
    """``POST {"mode": ..., "remaining": n, ...}`` adds a fault to an account; ``{"mode":
    "clear"}`` or ``DELETE`` removes them; ``{"mode": "expire_tokens"}`` expires its tokens now."""
    if not handle:
        return JsonResponse(
            {"faults": [_fault_json(f) for f in Fault.objects.select_related("account")]}
        )
    services.seed_accounts()
    account = get_object_or_404(Account, platform=platform, handle__iexact=handle)
    data = _parse(request)
    mode = data.get("mode", "clear" if request.method == "DELETE" else "")
    if request.method == "GET":
        pass
    elif mode == "clear":
        services.clear_faults(account)
    elif mode == "expire_tokens":
        services.expire_tokens(account)
    else:
        try:
            services.set_fault(account, mode=mode, **_fault_options(data))
        except (ValidationError, ValueError, TypeError) as exc:
            return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(
        {"faults": [_fault_json(f) for f in account.faults.select_related("account")]}
    )


@staff_required
@require_POST
def panel_fault(request: HttpRequest, pk: int):
    """The control panel's form (CSRF-protected) in front of the control API."""
    account = get_object_or_404(Account, pk=pk)
    mode = request.POST.get("mode", "")
    if mode == "clear":
        services.clear_faults(account)
        messages.success(request, _("Faults of %s cleared.") % account.handle)
    elif mode == "expire_tokens":
        services.expire_tokens(account)
        messages.success(request, _("Tokens of %s expired.") % account.handle)
    else:
        try:
            services.set_fault(account, mode=mode, **_fault_options(request.POST.dict()))
        except (ValidationError, ValueError, TypeError):
            messages.error(request, _("That fault could not be set."))
        else:
            messages.success(request, _("Fault set for %s.") % account.handle)
    return redirect("simulator:index")


@staff_required(api=True)
@require_POST
def native(request: HttpRequest, platform: str, handle: str):
    """Post as the account itself, in the platform's own app: text and optional photos or
    videos, each one a type the platform takes (read from its bytes)."""
    services.seed_accounts()
    account = get_object_or_404(Account, platform=platform, handle__iexact=handle)
    text = request.POST.get("text", "")
    files = request.FILES.getlist("media") or list(request.FILES.values())
    html = request.headers.get("Accept", "").startswith("text/html")
    if not text.strip() and not files:
        if html:
            messages.error(request, _("Write a text or choose a photo or video."))
            return redirect("simulator:index")
        return JsonResponse({"error": "text or media is required"}, status=400)
    try:
        with transaction.atomic():
            stored = [services.store_media(account, f.read()) for f in files]
            post = services.record_post(
                account,
                text=text,
                kind="post",
                media=stored,
                origin=Post.Origin.NATIVE,
                external_id=_native_id(account),
            )
    except services.MediaRefused:
        if html:
            messages.error(
                request,
                _("%(platform)s takes only its own photo and video formats; nothing was posted.")
                % {"platform": account.get_platform_display()},
            )
            return redirect("simulator:index")
        return JsonResponse({"error": "unsupported media type"}, status=415)
    if html:
        return redirect("simulator:feed", platform=account.platform, handle=account.handle)
    return JsonResponse(
        services.post_as_dict(post, media_url=lambda m: media_url(request, m)), status=201
    )


def _native_id(account: Account) -> str:
    if account.platform == "facebook":
        return f"{account.external_id}_{services.new_id(15)}"
    if account.platform == "x":
        return services.new_id(19)
    return services.new_id(18)


@require_GET
def permalink(request: HttpRequest, platform: str, external_id: str, username: str = ""):
    """A post's address on the platform (``facebook.com/{id}``, ``x.com/{user}/status/{id}``,
    ``instagram.com/p/{code}/``), shown as its place in the account's feed."""
    posts = Post.objects.select_related("account").filter(account__platform=platform)
    if platform == "instagram":
        post = posts.filter(external_id__endswith=external_id.lstrip("C")).first()
    else:
        post = posts.filter(external_id=external_id).first()
    if post is None:
        raise Http404
    while post.parent_id and post.kind in ("photo", "comment"):
        post = post.parent
    url = reverse("simulator:feed", args=[post.account.platform, post.account.handle])
    return redirect(f"{url}#p{post.external_id}")


@staff_required(api=True)
@require_http_methods(["GET", "POST"])
def account_login(request: HttpRequest, handle: str):
    """How Instagram meets a login of this account from a device it has not seen.

    ``POST {"first_login": "challenge" | "two_factor" | "", "two_factor_seed": base32,
    "forget_devices": true}`` sets it; ``GET`` answers the account holder's authenticator code of
    the moment (``code``), what the Kepala Dinas reads from his phone."""
    from .instagram_private_api import current_code

    services.seed_accounts()
    account = get_object_or_404(Account, platform="instagram", handle__iexact=handle)
    if request.method == "POST":
        data = _parse(request)
        if "first_login" in data:
            account.first_login = str(data["first_login"] or "")
        if "two_factor_seed" in data:
            account.two_factor_seed = str(data["two_factor_seed"] or "").upper()
        if data.get("forget_devices"):
            account.known_devices = []
        try:
            account.full_clean()
        except ValidationError as exc:
            return JsonResponse({"error": str(exc)}, status=400)
        account.save()
    return JsonResponse(
        {
            "first_login": account.first_login,
            "known_devices": len(account.known_devices),
            "code": current_code(account) if account.two_factor_seed else None,
        }
    )
