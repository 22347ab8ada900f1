"""What every simulated endpoint shares: JSON answers, the request log, faults, fetching media."""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from . import services
from .models import Account, Fault

MAX_FETCH_BYTES = 100 * 1024 * 1024


@dataclass
class Context:
    platform: str
    operation: str
    account: Account | None = None
    fingerprint: str = ""
    fault: Fault | None = None
    notes: dict[str, Any] = field(default_factory=dict)


def endpoint(platform: str, operation: str = "read"):
    """Mark a view as a simulated platform endpoint: no CSRF (the libraries send none), and
    every request logged with its account, status and the fault it met."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            request.sim = Context(platform=platform, operation=operation)
            response = view(request, *args, **kwargs)
            context: Context = request.sim
            services.log_request(
                platform=platform,
                account=context.account,
                method=request.method,
                path=request.path,
                operation=context.operation,
                status=response.status_code,
                fault=context.fault.mode if context.fault else "",
                fingerprint=context.fingerprint,
            )
            return response

        return wrapper

    return decorate


def json_answer(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def request_data(request: HttpRequest) -> dict[str, Any]:
    """The request's parameters: JSON body, form body and query string together."""
    data: dict[str, Any] = dict(request.GET.items())
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("application/json"):
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = {}
        if isinstance(body, dict):
            data.update(body)
    elif request.method in ("POST", "PUT", "PATCH", "DELETE"):
        data.update(request.POST.items())
    return data


def take_fault(request: HttpRequest, operation: str | None = None) -> Fault | None:
    context: Context = request.sim
    if operation:
        context.operation = operation
    fault = services.take_fault(context.account, context.operation)
    context.fault = fault
    return fault


def after_accept(request: HttpRequest, answer, fail):
    """Play a fault that strikes after the post is stored: a late answer or a failed one."""
    fault: Fault | None = request.sim.fault
    if fault is not None and fault.mode == Fault.Mode.SLOW:
        time.sleep(fault.delay)
    if fault is not None and fault.mode == Fault.Mode.ACCEPT_THEN_FAIL:
        return fail()
    if fault is not None and fault.mode == Fault.Mode.DROP_CONNECTION:
        return dropped(answer())
    return answer()


class _Dropped(Exception):
    pass


def dropped(response: HttpResponse) -> StreamingHttpResponse:
    """``response`` cut off mid-body: its headers and length promise the whole answer, half of
    it is sent, then the server gives up on the connection (the client sees it end early)."""
    body = response.content
    half = body[: max(1, len(body) // 2)]

    def stream():
        yield half
        raise _Dropped("connection dropped mid-answer")

    cut = StreamingHttpResponse(stream(), status=response.status_code)
    for name, value in response.items():
        cut[name] = value
    cut["Content-Length"] = str(len(body))
    return cut


class FetchError(Exception):
    pass


def fetch(url: str) -> tuple[bytes, str]:
    """Download media the way a platform does when given an address (``image_url``...).

    Playing the public internet (``SIMULATOR_PUBLIC_INTERNET``), an address on a loopback or
    private network is out of reach, as it is from Meta's servers."""
    from django.conf import settings

    if getattr(settings, "SIMULATOR_PUBLIC_INTERNET", False):
        from publishing.addresses import address_problem

        if address_problem(url, resolve=True):
            raise FetchError("unreachable from the internet")
    try:
        with requests.get(url, timeout=20, stream=True) as response:
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code}")
            chunks, total = [], 0
            for chunk in response.iter_content(1024 * 1024):
                total += len(chunk)
                if total > MAX_FETCH_BYTES:
                    raise FetchError("too large")
                chunks.append(chunk)
            mime = response.headers.get("Content-Type", "").split(";")[0].strip()
            return b"".join(chunks), mime
    except requests.RequestException as exc:
        raise FetchError(exc.__class__.__name__) from None


def first_file(request: HttpRequest):
    for name in request.FILES:
        return request.FILES[name]
    return None


def media_url(request: HttpRequest, media) -> str:
    return request.build_absolute_uri(reverse("simulator:media", args=[media.pk]))


def empty(status: int = 200) -> HttpResponse:
    return HttpResponse(status=status)


def registered_redirect(request: HttpRequest, platform: str, redirect_uri: str) -> bool:
    """Whether ``redirect_uri`` is the address registered for the portal's app, as the platforms
    require (Facebook's strict mode, X's callback URLs): exactly the portal's own OAuth callback,
    on the portal's public address (``ASSET_PUBLIC_BASE_URL``) or on the address this simulator,
    part of the portal, is reached at. Nothing else, no other path, no extra query."""
    path = reverse("channels:oauth_callback", args=[platform])
    origins = {request.build_absolute_uri("/").rstrip("/")}
    if settings.ASSET_PUBLIC_BASE_URL:
        origins.add(settings.ASSET_PUBLIC_BASE_URL.rstrip("/"))
    return redirect_uri in {origin + path for origin in origins}


def staff_required(view=None, *, api: bool = False):
    """A signed-in member of the portal's staff (any of the office's roles). Anonymous visitors
    are sent to the login page, or answered 401 by the control API unless they asked for a page;
    a signed-in person without a role gets 403."""
    if view is None:
        return functools.partial(staff_required, api=api)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if api and not request.headers.get("Accept", "").startswith("text/html"):
                return JsonResponse({"error": "sign in to the portal first"}, status=401)
            return redirect_to_login(request.get_full_path())
        if not (user.is_superuser or user.roles):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- paging -------------------------------------------------------------------------------------
# The platforms' page tokens point at a post, not at a count: posts made while a reader pages
# through the older ones shift nothing. Here a token names the last post of a page (its time and
# row), opaque to the reader.


def position_token(post) -> str:
    import base64

    raw = f"{post.created_at.isoformat()}|{post.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def older_than(posts, token: str):
    """``posts`` (newest first) after the post ``token`` names; ``None`` for a token that is not
    one of ours (the platforms answer 400 to it)."""
    import base64
    from datetime import datetime

    from django.db.models import Q

    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        when, pk = raw.rsplit("|", 1)
        moment, row = datetime.fromisoformat(when), int(pk)
    except ValueError:
        return None
    return posts.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=row))
