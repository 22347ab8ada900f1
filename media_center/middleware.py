"""The hot path of the public widget: its results, served straight from the cache.

Every page of the regency's sites that embeds the widget may read its results, so this answer is
served the way WhiteNoise serves static files: early in the middleware chain, without sessions,
authentication or templates. Only a cached copy is served here (made and cleared by the view and
the services); anything else, including every cross-origin request, goes on to the view.
"""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from .selectors import RESULTS_JSON_CACHE_KEY

_RESULTS_PATH = re.compile(r"^/survey/([-a-zA-Z0-9_]{1,60})/results\.json$")
# A second of memory in each process spares a round trip to Redis on every read; a vote clears
# it in its own process at once (``forget``), other processes follow within the second.
LOCAL_SECONDS = 1.0
_local: dict[str, tuple[float, bytes]] = {}


def forget(slug: str) -> None:
    for key in [k for k in _local if k.startswith(f"{slug}:")]:
        _local.pop(key, None)


def _cached_body(slug: str, language: str) -> bytes | None:
    local_key = f"{slug}:{language}"
    now = time.monotonic()
    hit = _local.get(local_key)
    if hit is not None and hit[0] > now:
        return hit[1]
    body = cache.get(RESULTS_JSON_CACHE_KEY.format(slug=slug, language=language))
    if body is not None:
        _local[local_key] = (now + LOCAL_SECONDS, body)
    return body


class PublicResultsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        if request.method == "GET" and "HTTP_ORIGIN" not in request.META:
            match = _RESULTS_PATH.match(request.path_info)
            if match:
                language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
                if language not in self.languages:
                    language = settings.LANGUAGE_CODE
                body = _cached_body(match.group(1), language)
                if body is not None:
                    response = HttpResponse(body, content_type="application/json")
                    response["Cache-Control"] = "public, max-age=10"
                    response["Vary"] = "Origin, Cookie"
                    response["Content-Language"] = language
                    return response
        return self.get_response(request)


class SharedCacheMiddleware:
    """Let shared caches keep answers that are the same for everyone.

    The session and sign-in middleware below add ``Vary: Cookie`` to every answer once they
    looked at the session, which makes a proxy or CDN keep one copy per visitor. A view marks an
    answer that depends on nothing of the visitor (the public posts' pictures) with
    ``response.shared_cache = True``; this middleware, placed above them, takes ``Cookie`` out of
    its ``Vary`` again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "shared_cache", False) and response.has_header("Vary"):
            kept = [
                field.strip()
                for field in response["Vary"].split(",")
                if field.strip() and field.strip().lower() != "cookie"
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
