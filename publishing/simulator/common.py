"""What every simulated endpoint shares: JSON answers, the request log, faults, fetching media."""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests
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
    """Download media the way a platform does when given an address (``image_url``...)."""
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
