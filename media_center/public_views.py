"""The public side of the portal: the home page, the public posts with their pictures, the survey
pages and the embeddable widget.

Only these pages are reached by anyone on the internet. Every page renders through
``render_public`` so that the survey widget sits at its foot and the voter cookie is set.
"""

from __future__ import annotations

import functools
import json
import time
from functools import wraps
from pathlib import Path

from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.paginator import InvalidPage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from . import selectors, voting
from .models import Answer, Survey
from .origins import is_clean_origin
from .services import SurveyError, VoteStatus, vote_cast

EMBED_SCRIPT = Path(__file__).parent / "static" / "media_center" / "survey-widget.js"


@functools.cache
def _embed_script() -> bytes:
    return EMBED_SCRIPT.read_bytes()


# --- helpers ------------------------------------------------------------------------------------


def own_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def widget_context(request: HttpRequest, survey: Survey | None, voter_id: str) -> dict | None:
    """What the widget template needs: the survey, a token for this voter, their state."""
    if survey is None:
        return None
    key = voting.voter_key(
        voter_id=voter_id,
        client=voting.client_hash(
            voting.client_address(request), request.headers.get("User-Agent", "")
        ),
    )
    voted = selectors.voter_has_voted(
        survey=survey, voter_key=key, period=voting.period_of(time.time())
    )
    return {
        "survey": survey,
        "results": selectors.public_results(survey=survey),
        "token": voting.token_issue(survey_id=survey.pk, voter_id=voter_id),
        "voted": voted,
        "answers": Answer.choices,
        "vote_url": reverse("media_center:survey_vote", args=[survey.slug]),
        "texts_json": json.dumps(widget_texts()),
    }


def render_public(
    request: HttpRequest,
    template: str,
    context: dict | None = None,
    *,
    survey: Survey | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render a public page with the survey widget (``survey``, or the featured one) at its foot."""
    voter_id, new = voting.voter_id_for(request)
    context = dict(context or {})
    context["widget"] = widget_context(
        request, survey if survey is not None else selectors.widget_survey(), voter_id
    )
    context["office_name"] = settings.PUBLIC_OFFICE_NAME
    response = render(request, template, context, status=status)
    if new:
        voting.voter_cookie_set(request, response, voter_id)
    return response


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Let a listed embedding site read this answer from its pages (with the voter cookie)."""
    origin = request.headers.get("Origin")
    patch_vary_headers(response, ["Origin"])
    if origin and origin in selectors.embed_origins():
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
    return response


def _preflight(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("Origin", "")
    if origin not in selectors.embed_origins():
        return JsonResponse(
            {"detail": _("This site is not on the list of sites allowed to embed the survey.")},
            status=403,
        )
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    response["Access-Control-Max-Age"] = "600"
    return _cors(request, response)


def framable_by_embed_sites(view):
    """The one page that other sites may frame: only the listed ones (and the portal itself).

    Replaces the portal-wide ``frame-ancestors 'none'`` (django-csp's ``csp_replace``) and lifts
    ``X-Frame-Options: DENY`` (which cannot name sites) for this view only.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # Checked again here, where the origins become a header: only a clean origin may be
        # written into the policy, whatever the list holds.
        ancestors = [SELF, *sorted(o for o in selectors.embed_origins() if is_clean_origin(o))]
        decorated = csp_replace({"frame-ancestors": ancestors})(xframe_options_exempt(view))
        return decorated(request, *args, **kwargs)

    return wrapped


def _survey_or_404(slug: str) -> Survey:
    survey = selectors.survey_public(slug=slug)
    if survey is None:
        raise Http404(_("There is no survey at this address."))
    return survey


# --- pages --------------------------------------------------------------------------------------


@require_GET
def home(request):
    """The latest public posts, a page at a time (``?page=2``), with the survey at the foot."""
    try:
        page = selectors.public_post_page(number=request.GET.get("page") or 1)
    except InvalidPage:
        return _public_not_found(request, _("There is no such page."))
    return render_public(
        request,
        "media_center/public/home.html",
        {"page": page, "posts": page.object_list},
    )


def _public_not_found(request: HttpRequest, message: str) -> HttpResponse:
    """404 in the public pages' own layout (the same answer whether the post is private or was
    never there)."""
    return render_public(
        request, "media_center/public/not_found.html", {"message": message}, status=404
    )


@require_safe
def public_post(request, pk: int, slug: str = ""):
    """A public post at its permanent address ``/berita/<id>-<slug>/``; any other slug (or none)
    is sent there for good. A post the public may not read is not found, as if it did not exist."""
    post = selectors.public_post(post_id=pk)
    if post is None:
        return _public_not_found(request, _("There is no publication at this address."))
    canonical = post.get_absolute_url()
    if slug != post.slug:
        return HttpResponsePermanentRedirect(canonical)
    cover = post.cover
    share_image = (cover.large or cover.thumb) if cover else None
    return render_public(
        request,
        "media_center/public/post.html",
        {
            "post": post,
            "canonical_url": request.build_absolute_uri(canonical),
            "share_image": share_image,
            "share_image_url": request.build_absolute_uri(share_image.url) if share_image else "",
            "share_description": post.excerpt or post.headline,
        },
    )


# Pictures change only when re-rendered; an hour in shared caches keeps a post made private
# from lingering long.
PUBLIC_IMAGE_MAX_AGE = 3600


@require_safe
def public_post_image(request, pk: int, asset_id: int, rendition: str):
    """A picture of a public post at a stable address that any cache may keep. Only a shown
    rendition of a public asset attached to a public post is served; anything else is 404."""
    found = selectors.public_post_rendition(post_id=pk, asset_id=asset_id, name=rendition)
    if found is None:
        raise Http404(_("There is no picture at this address."))
    etag = f'"{found.pk}-{found.size}-{found.width}x{found.height}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        try:
            handle = default_storage.open(found.file.name, "rb")
        except OSError:
            raise Http404(_("There is no picture at this address.")) from None
        response = FileResponse(handle, content_type="image/jpeg")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=PUBLIC_IMAGE_MAX_AGE)
    response.shared_cache = True  # the same picture for everyone (see SharedCacheMiddleware)
    return response


@require_GET
def survey_page(request, slug: str):
    """The survey on its own page; also where the form without JavaScript comes back to."""
    survey = _survey_or_404(slug)
    return render_public(
        request,
        "media_center/public/survey.html",
        {"status": _status_message(request.GET.get("status", ""))},
        survey=survey,
    )


@require_GET
@framable_by_embed_sites
def survey_embed(request, slug: str):
    """The widget alone, for ``<iframe src=".../survey/<slug>/embed/">`` on the listed sites."""
    survey = _survey_or_404(slug)
    voter_id, new = voting.voter_id_for(request)
    response = render(
        request,
        "media_center/public/embed.html",
        {
            "widget": widget_context(request, survey, voter_id),
            "status": _status_message(request.GET.get("status", "")),
            "embedded": True,
        },
    )
    if new:
        voting.voter_cookie_set(request, response, voter_id)
    return response


@require_GET
def survey_embed_js(request, slug: str):
    """The one-line embed: a script that draws the widget in a shadow DOM on the host page."""
    _survey_or_404(slug)
    response = HttpResponse(_embed_script(), content_type="text/javascript; charset=utf-8")
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_http_methods(["GET", "OPTIONS"])
def survey_widget_json(request, slug: str):
    """Everything the embedded widget draws: question, answers, this voter's token and state."""
    if request.method == "OPTIONS":
        return _preflight(request)
    survey = selectors.survey_public(slug=slug)
    if survey is None:
        return _cors(
            request, JsonResponse({"detail": _("There is no survey at this address.")}, status=404)
        )
    voter_id, new = voting.voter_id_for(request)
    widget = widget_context(request, survey, voter_id)
    data = {
        "slug": survey.slug,
        "question": survey.question,
        "is_open": survey.is_open,
        "voted": widget["voted"],
        "token": widget["token"],
        "vote_url": request.build_absolute_uri(widget["vote_url"]),
        "page_url": request.build_absolute_uri(
            reverse("media_center:survey_page", args=[survey.slug])
        ),
        "stylesheet": request.build_absolute_uri(
            settings.STATIC_URL + "media_center/survey-widget.css"
        ),
        "answers": [{"value": value, "label": str(label)} for value, label in Answer.choices],
        "results": widget["results"],
        "texts": widget_texts(),
    }
    response = JsonResponse(data)
    patch_cache_control(response, private=True, no_store=True)
    if new:
        voting.voter_cookie_set(request, response, voter_id)
    return _cors(request, response)


@require_http_methods(["GET", "OPTIONS"])
def survey_results_json(request, slug: str):
    """The public results of a survey (cached), as the widget shows them."""
    if request.method == "OPTIONS":
        return _preflight(request)
    survey = selectors.survey_public(slug=slug)
    if survey is None:
        return _cors(
            request, JsonResponse({"detail": _("There is no survey at this address.")}, status=404)
        )
    response = HttpResponse(
        selectors.public_results_json(survey=survey), content_type="application/json"
    )
    patch_cache_control(response, public=True, max_age=10)
    patch_vary_headers(response, ["Cookie"])  # the labels follow the language cookie
    return _cors(request, response)


def widget_texts() -> dict[str, str]:
    return {
        "no_votes": _("No ratings yet"),
        "answers": _("answers"),
        "thanks": _("Thank you, your answer has been counted."),
        "already": _("You have already answered this survey. Thank you!"),
        "held": _(
            "Thank you, your answer has been received. Many answers came from your network "
            "today, so it will be counted after the office checks it."
        ),
        "closed": _("This survey is closed. Thank you for your interest."),
        "error": _("Your answer could not be sent. Please try again."),
        "total_one": ngettext("%(count)s answer", "%(count)s answers", 1),
        "total_other": ngettext("%(count)s answer", "%(count)s answers", 2),
    }


def _status_message(status: str) -> dict | None:
    texts = widget_texts()
    if status == VoteStatus.COUNTED.value:
        return {"kind": "success", "text": texts["thanks"]}
    if status == VoteStatus.ALREADY_VOTED.value:
        return {"kind": "info", "text": texts["already"]}
    if status == VoteStatus.HELD.value:
        return {"kind": "info", "text": texts["held"]}
    return None


# --- the vote -----------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def _refuse(request: HttpRequest, survey: Survey | None, status: int, message: str, code: str):
    if _wants_json(request):
        response = JsonResponse({"detail": message, "code": code}, status=status)
        if status == 429:
            response["Retry-After"] = "60"
        return _cors(request, response)
    response = render_public(
        request,
        "media_center/public/refused.html",
        {"message": message, "survey_page": survey},
        survey=survey,
        status=status,
    )
    if status == 429:
        response["Retry-After"] = "60"
    return response


def _vote_payload(request):
    """The vote's fields, from a form or from JSON; ``None`` when the JSON is not an object."""
    if request.content_type != "application/json":
        return request.POST
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _vote_reply(request, survey, status: VoteStatus, *, next_page) -> HttpResponse:
    """The answer to a vote taken: JSON with the results, or back to the survey's page."""
    texts = widget_texts()
    message = {
        VoteStatus.COUNTED: texts["thanks"],
        VoteStatus.HELD: texts["held"],
    }.get(status, texts["already"])
    if _wants_json(request):
        response = JsonResponse(
            {
                "counted": status is VoteStatus.COUNTED,
                "status": status.value,
                "message": message,
                "results": selectors.public_results(survey=survey),
            }
        )
        return _cors(request, response)
    target = "media_center:survey_embed" if next_page == "embed" else "media_center:survey_page"
    return redirect(f"{reverse(target, args=[survey.slug])}?status={status.value}", permanent=False)


@csrf_exempt  # replaced by the signed widget token and the Origin check below (see voting.py)
@require_http_methods(["POST", "OPTIONS"])
def survey_vote(request, slug: str):
    """One click: ``answer`` (``sangat_puas``, ``puas``, ``cukup_puas``, ``tidak_puas``) and the
    widget's ``token``, as a form or as JSON."""
    if request.method == "OPTIONS":
        return _preflight(request)
    survey = selectors.survey_public(slug=slug)
    if survey is None:
        return _refuse(request, None, 404, _("There is no survey at this address."), "not_found")
    origin = request.headers.get("Origin")
    site = ""
    if origin and origin != own_origin(request):
        if origin not in selectors.embed_origins():
            return _refuse(
                request,
                survey,
                403,
                _("This site is not on the list of sites allowed to embed the survey."),
                "site_not_allowed",
            )
        site = origin
    payload = _vote_payload(request)
    if payload is None:
        return _refuse(request, survey, 400, _("The request is not valid JSON."), "bad_json")
    answer, token = payload.get("answer"), payload.get("token")
    if not isinstance(answer, str) or not isinstance(token, str):
        answer = answer if isinstance(answer, str) else ""
        token = token if isinstance(token, str) else ""
    try:
        widget_token = voting.token_read(token, survey_id=survey.pk)
    except voting.TokenError as exc:
        message = (
            _("The survey form has expired. Reload the page and answer again.")
            if str(exc) == "expired"
            else _("The survey form is not valid. Reload the page and answer again.")
        )
        return _refuse(request, survey, 403, message, "bad_token")
    cookie_voter = voting.voter_id_from_cookie(request)
    # The cookie counts only when the token was given to that same browser (double submit).
    voter_id = cookie_voter if cookie_voter and cookie_voter == widget_token.voter_id else None
    address = voting.client_address(request)
    try:
        status = vote_cast(
            survey=survey,
            answer=answer,
            client=voting.client_hash(address, request.headers.get("User-Agent", "")),
            voter_id=voter_id,
            address_key=voting.address_hash(address),
            site=site,
        )
    except SurveyError as exc:
        code = "closed" if not survey.is_open else "bad_answer"
        return _refuse(request, survey, 409 if code == "closed" else 400, str(exc), code)
    if status is VoteStatus.RATE_LIMITED:
        return _refuse(
            request,
            survey,
            429,
            _("Many answers came from your network just now. Please try again in a minute."),
            "rate_limited",
        )
    return _vote_reply(request, survey, status, next_page=payload.get("next"))
