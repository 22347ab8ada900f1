"""A WordPress site's REST API (``/wp-json/wp/v2/``), as strict as WordPress core.

Each demo site is an ``Account`` of platform ``website`` whose handle is the site's host; its
user for the portal signs in with an application password over HTTP Basic auth. What is played
comes from WordPress core (kept with sources in ``tests/contracts/wordpress/``): the error body
``{"code", "message", "data": {"status"}}``, a wrong application password refused on every
request (``incorrect_password``, 401), the capabilities of the user's role, ``status=any`` and
``context=edit`` only for a user who edits posts, ``per_page`` 1 to 100 with ``X-WP-Total`` and
``X-WP-TotalPages``, a media upload as the request body with ``Content-Disposition``, a slug
made unique with ``-2``, ``DELETE`` moving a post to the trash (``force=true`` deletes; media have
no trash), and 410 for a post already in the trash.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import math
import re
from datetime import UTC
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import services
from .common import after_accept, endpoint, json_answer, media_url, take_fault
from .models import Account, Fault, Media, Post, Term, token_fingerprint

PLATFORM = "website"
USERNAME = "portal"
# The capabilities of WordPress's default roles that the REST API checks here.
ROLES = {
    "administrator": {"edit_posts", "publish_posts", "upload_files", "manage_categories",
                      "delete_posts", "edit_others_posts"},
    "editor": {"edit_posts", "publish_posts", "upload_files", "manage_categories",
               "delete_posts", "edit_others_posts"},
    "author": {"edit_posts", "publish_posts", "upload_files", "delete_posts"},
    "contributor": {"edit_posts", "delete_posts"},
}  # fmt: skip
DEMO_SITES = [
    {"handle": "mediacenter.bojonegorokab.go.id", "name": "Media Center Bojonegoro",
     "categories": [("Berita", "berita"), ("Pengumuman", "pengumuman")]},
    {"handle": "kominfo.bojonegorokab.go.id", "name": "Dinas Kominfo Bojonegoro",
     "categories": [("Berita", "berita")]},
]  # fmt: skip


def _error(code: str, message: str, status: int, **data: Any) -> HttpResponse:
    return json_answer(
        {"code": code, "message": message, "data": {"status": status, **data}}, status
    )


def _app_password(site: Account) -> str:
    return "Wp" + services._derive("wp-app", site.handle, length=22)


def seed_sites() -> list[Account]:
    """The demo sites (idempotent), each with its categories and the portal's Editor login."""
    sites = []
    for number, spec in enumerate(DEMO_SITES, start=1):
        site, _created = Account.objects.get_or_create(
            platform=PLATFORM,
            handle=spec["handle"],
            defaults={"kind": Account.Kind.SITE, "name": spec["name"],
                      "external_id": f"wordpress-site-{number}"},
        )  # fmt: skip
        if not site.password_hash:
            site.password_hash = services._password_digest(_app_password(site))
            site.extra = {"username": USERNAME, "role": "editor", "user_id": 2}
            site.save(update_fields=["password_hash", "extra"])
        for name, slug in spec["categories"]:
            Term.objects.get_or_create(
                account=site, taxonomy="category", slug=slug, defaults={"name": name}
            )
        sites.append(site)
    return sites


def demo_credential(handle: str) -> dict[str, Any]:
    """The vault's secret for a demo site: its user and application password (as WordPress shows
    it, in groups of four)."""
    site = Account.objects.filter(platform=PLATFORM, handle=handle).first()
    if site is None:
        seed_sites()
        site = Account.objects.get(platform=PLATFORM, handle=handle)
    password = _app_password(site)
    return {
        "username": site.extra.get("username", USERNAME),
        "password": " ".join(password[i : i + 4] for i in range(0, len(password), 4)),
    }


# --- the door ----------------------------------------------------------------------------------


def _login(request: HttpRequest, site: Account) -> tuple[set[str] | None, HttpResponse | None]:
    """The capabilities of the signed-in user (``None``: anonymous), or WordPress's refusal."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None, None
    if not header.lower().startswith("basic "):
        return None, None  # not an application password: WordPress ignores it
    try:
        username, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    if username != site.extra.get("username"):
        return None, _error(
            "invalid_username",
            "<strong>Error:</strong> Unknown username. Check again or try your email address.",
            401,
        )
    # WordPress drops everything but letters and digits (the groups' spaces) before comparing.
    password = re.sub(r"[^a-z\d]", "", password, flags=re.IGNORECASE)
    if not services.check_account_password(site, password) or services.has_state(
        site, Fault.Mode.TOKEN_EXPIRED
    ):
        return None, _error(
            "incorrect_password", "The provided password is an invalid application password.", 401
        )
    request.sim.fingerprint = token_fingerprint(password)
    return set(ROLES.get(site.extra.get("role", ""), set())), None


def _fault_answer(request: HttpRequest, fault: Fault | None) -> HttpResponse | None:
    if fault is None:
        return None
    if fault.mode == Fault.Mode.RATE_LIMIT:
        response = _error("too_many_requests", "Too Many Requests", 429)
        response["Retry-After"] = str(fault.retry_after)
        return response
    if fault.mode == Fault.Mode.SERVER_ERROR:
        return HttpResponse(
            "<html><body><h1>Internal Server Error</h1></body></html>", status=500,
            content_type="text/html",
        )  # fmt: skip
    if fault.mode == Fault.Mode.TOKEN_EXPIRED:
        return _error(
            "incorrect_password", "The provided password is an invalid application password.", 401
        )
    return None


@endpoint(PLATFORM)
def rest(request: HttpRequest, site: str, path: str) -> HttpResponse:
    """Every ``/wp-json/wp/v2/`` route of one site."""
    account = Account.objects.filter(platform=PLATFORM, handle__iexact=site).first()
    if account is None:
        return HttpResponse("<h1>Not Found</h1>", status=404, content_type="text/html")
    request.sim.account = account
    capabilities, refused = _login(request, account)
    if refused is not None:
        return refused
    write = request.method in ("POST", "PUT", "PATCH", "DELETE")
    publishing = request.method == "POST" and path.strip("/") == "posts"
    fault = take_fault(request, "publish" if publishing else "write" if write else "read")
    answer = _fault_answer(request, fault) if fault and fault.mode not in AFTER_ACCEPT else None
    if answer is not None:
        return answer
    route = path.strip("/")
    for pattern, methods, view in ROUTES:
        match = re.fullmatch(pattern, route)
        if match and request.method in methods:
            return view(request, account, capabilities, **match.groupdict())
    return _error("rest_no_route", "No route was found matching the URL and request method.", 404)


AFTER_ACCEPT = {Fault.Mode.SLOW, Fault.Mode.ACCEPT_THEN_FAIL, Fault.Mode.DROP_CONNECTION}


def _params(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = dict(request.GET.items())
    if request.content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            return {"__invalid_json__": True}
        if isinstance(body, dict):
            data.update(body)
    elif request.method == "POST":
        data.update(request.POST.items())
    return data


def _invalid(name: str, reason: str) -> HttpResponse:
    return _error("rest_invalid_param", f"Invalid parameter(s): {name}", 400, params={name: reason})


# --- users and terms ---------------------------------------------------------------------------


def users_me(request, site: Account, capabilities: set[str] | None) -> HttpResponse:
    if capabilities is None:
        return _error("rest_not_logged_in", "You are not currently logged in.", 401)
    role = site.extra.get("role", "")
    data = {"id": site.extra.get("user_id", 1), "name": "Portal Media Center", "slug": USERNAME}
    if request.GET.get("context") == "edit":
        data["roles"] = [role]
        data["capabilities"] = {name: True for name in sorted(capabilities)}
    return json_answer(data)


def _term(term: Term) -> dict[str, Any]:
    return {"id": term.pk, "name": term.name, "slug": term.slug, "taxonomy": term.taxonomy}


def terms(request, site: Account, capabilities, *, taxonomy: str) -> HttpResponse:
    taxonomy = "category" if taxonomy == "categories" else "post_tag"
    found = Term.objects.filter(account=site, taxonomy=taxonomy)
    if request.method == "GET":
        if request.GET.get("slug"):
            found = found.filter(slug__in=request.GET["slug"].split(","))
        if request.GET.get("search"):
            found = found.filter(name__icontains=request.GET["search"])
        return json_answer(
            [_term(t) for t in found[:100]], headers={"X-WP-Total": str(found.count())}
        )
    if capabilities is None or "manage_categories" not in capabilities:
        return _error(
            "rest_cannot_create", "Sorry, you are not allowed to create terms in this taxonomy.",
            401 if capabilities is None else 403,
        )  # fmt: skip
    name = " ".join(str(_params(request).get("name") or "").split())
    if not name:
        return _error("rest_missing_callback_param", "Missing parameter(s): name", 400,
                      params=["name"])  # fmt: skip
    existing = found.filter(name__iexact=name).first()
    if existing is not None:
        return _error("term_exists", "A term with the name provided already exists in this "
                      "taxonomy.", 400, term_id=existing.pk)  # fmt: skip
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or str(found.count() + 1)
    term = Term.objects.create(account=site, taxonomy=taxonomy, name=name, slug=slug)
    return json_answer(_term(term), status=201)


# --- media -------------------------------------------------------------------------------------


def _media_json(request, media: Media, alt_text: str = "") -> dict[str, Any]:
    return {
        "id": media.pk,
        "media_type": "image" if media.kind == "image" else "file",
        "mime_type": media.mime_type,
        "source_url": media_url(request, media),
        "alt_text": alt_text,
    }


def media_create(request, site: Account, capabilities) -> HttpResponse:
    if capabilities is None or "upload_files" not in capabilities:
        return _error("rest_cannot_create", "Sorry, you are not allowed to upload media on this "
                      "site.", 401 if capabilities is None else 403)  # fmt: skip
    if request.FILES:
        upload = next(iter(request.FILES.values()))
        data, declared = upload.read(), upload.content_type or ""
    else:
        data, declared = request.body, request.content_type or ""
        if not data:
            return _error("rest_upload_no_data", "No data supplied.", 400)
        if not request.headers.get("Content-Type"):
            return _error("rest_upload_no_content_type", "No Content-Type supplied.", 400)
        disposition = request.headers.get("Content-Disposition", "")
        if not disposition:
            return _error(
                "rest_upload_no_content_disposition", "No Content-Disposition supplied.", 400
            )
        if not re.search(r"filename\*?=", disposition):
            return _error("rest_upload_invalid_disposition", "Invalid Content-Disposition "
                          "supplied. Content-Disposition needs to be formatted as `attachment; "
                          "filename=\"image.png\"` or similar.", 400)  # fmt: skip
    try:
        media = services.store_media(site, data, mime_type=declared)
    except services.MediaRefused:
        return _error("rest_upload_sideload_error", "Sorry, you are not allowed to upload this "
                      "file type.", 500)  # fmt: skip
    alt_text = str(request.GET.get("alt_text") or "")
    return json_answer(_media_json(request, media, alt_text), status=201)


def media_delete(request, site: Account, capabilities, *, pk: str) -> HttpResponse:
    media = Media.objects.filter(account=site, pk=int(pk)).first()
    if media is None:
        return _error("rest_post_invalid_id", "Invalid post ID.", 404)
    if capabilities is None or "upload_files" not in capabilities:
        return _error("rest_cannot_delete", "Sorry, you are not allowed to delete this post.",
                      401 if capabilities is None else 403)  # fmt: skip
    if request.GET.get("force") not in ("true", "1"):
        return _error("rest_trash_not_supported",
                      "The post does not support trashing. Set 'force=true' to delete.", 501)  # fmt: skip
    previous = _media_json(request, media)
    media.file.delete(save=False)
    media.delete()
    return json_answer({"deleted": True, "previous": previous})


# --- posts -------------------------------------------------------------------------------------


def _link(site: Account, post: Post) -> str:
    if post.extra.get("status") == "publish":
        return f"https://{site.handle}/{post.extra.get('slug')}/"
    return f"https://{site.handle}/?p={post.external_id}"


def _post_json(site: Account, post: Post, *, edit: bool) -> dict[str, Any]:
    title = post.extra.get("title") or (post.text.splitlines() or [""])[0]
    content = post.extra.get("content")
    if content is None:  # made on the site by hand: the text as paragraphs
        content = "".join(f"<p>{html.escape(p)}</p>" for p in post.text.split("\n\n") if p.strip())
    data = {
        "id": int(post.external_id),
        "date": timezone.localtime(post.created_at).strftime("%Y-%m-%dT%H:%M:%S"),
        "date_gmt": post.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "slug": post.extra.get("slug", ""),
        "status": post.extra.get("status", "publish"),
        "link": _link(site, post),
        "title": {"rendered": html.escape(title)},
        "content": {"rendered": content, "protected": False},
        "featured_media": post.extra.get("featured_media", 0),
        "categories": post.extra.get("categories", []),
        "tags": post.extra.get("tags", []),
    }
    if edit:
        data["title"]["raw"] = title
        data["content"]["raw"] = content
    return data


def _site_posts(site: Account):
    return Post.objects.filter(account=site).exclude(kind="comment").order_by("-created_at", "-id")


def _status_of(post: Post) -> str:
    return post.extra.get("status", "publish")


def posts_list(request, site: Account, capabilities) -> HttpResponse:
    edit = request.GET.get("context") == "edit"
    if edit and (capabilities is None or "edit_posts" not in capabilities):
        return _error("rest_forbidden_context", "Sorry, you are not allowed to edit posts in this "
                      "post type.", 401 if capabilities is None else 403)  # fmt: skip
    statuses = [s for s in (request.GET.get("status") or "publish").split(",") if s]
    if statuses != ["publish"] and (capabilities is None or "edit_posts" not in capabilities):
        return _error("rest_forbidden_status", "Status is forbidden.",
                      401 if capabilities is None else 403)  # fmt: skip
    per_page = request.GET.get("per_page", "10")
    if not per_page.isdigit() or not 1 <= int(per_page) <= 100:
        return _invalid("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
    page = request.GET.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        return _invalid("page", "page must be greater than or equal to 1")
    posts = [p for p in _site_posts(site) if p.deleted_at is None]
    if "any" in statuses:
        posts = [p for p in posts if _status_of(p) != "trash"]
    else:
        posts = [p for p in posts if _status_of(p) in statuses]
    if request.GET.get("slug"):
        slugs = set(request.GET["slug"].split(","))
        posts = [p for p in posts if p.extra.get("slug") in slugs]
    if request.GET.get("after"):
        after = parse_datetime(request.GET["after"])
        if after is None:
            return _invalid("after", "Invalid date.")
        if after.tzinfo is None:  # WordPress reads it as the site's own time
            after = timezone.make_aware(after, timezone.get_current_timezone())
        posts = [p for p in posts if p.created_at > after]
    if request.GET.get("order", "desc") == "asc":
        posts.reverse()
    size, number = int(per_page), int(page)
    total, pages = len(posts), math.ceil(len(posts) / int(per_page))
    if number > max(pages, 1):
        return _error("rest_post_invalid_page_number", "The page number requested is larger than "
                      "the number of pages available.", 400)  # fmt: skip
    chunk = posts[(number - 1) * size : number * size]
    return json_answer(
        [_post_json(site, p, edit=edit) for p in chunk],
        headers={"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)},
    )


def _unique_slug(site: Account, slug: str) -> str:
    taken = {p.extra.get("slug") for p in _site_posts(site) if _status_of(p) != "trash"}
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate


def _check_terms(site: Account, values: Any, taxonomy: str, name: str) -> list[int] | HttpResponse:
    if values in (None, ""):
        return []
    if not isinstance(values, list) or not all(isinstance(v, int) for v in values):
        return _invalid(name, f"{name}[0] is not of type integer.")
    known = set(Term.objects.filter(account=site, taxonomy=taxonomy, pk__in=values)
                .values_list("pk", flat=True))  # fmt: skip
    if set(values) - known:
        return _error("rest_invalid_term_id", "Invalid term ID.", 400)
    return values


def posts_create(request, site: Account, capabilities) -> HttpResponse:
    if capabilities is None or "edit_posts" not in capabilities:
        return _error("rest_cannot_create", "Sorry, you are not allowed to create posts as this "
                      "user.", 401 if capabilities is None else 403)  # fmt: skip
    data = _params(request)
    if data.get("__invalid_json__"):
        return _error("rest_invalid_json", "Invalid JSON body passed.", 400)
    status = data.get("status") or "draft"
    if status not in ("publish", "future", "draft", "pending", "private"):
        return _invalid("status", "status is not one of publish, future, draft, pending, private.")
    if status in ("publish", "private", "future") and "publish_posts" not in capabilities:
        return _error("rest_cannot_publish", "Sorry, you are not allowed to publish posts in this "
                      "post type.", 403)  # fmt: skip
    title, content = str(data.get("title") or ""), str(data.get("content") or "")
    if not title.strip() and not content.strip():
        return _error("empty_content", "Content, title, and excerpt are empty.", 400)
    categories = _check_terms(site, data.get("categories"), "category", "categories")
    tags = _check_terms(site, data.get("tags"), "post_tag", "tags")
    for checked in (categories, tags):
        if isinstance(checked, HttpResponse):
            return checked
    featured = data.get("featured_media") or 0
    if featured and not Media.objects.filter(account=site, pk=featured).exists():
        return _error("rest_invalid_featured_media", "Invalid featured media ID.", 400)
    if not categories:
        default = Term.objects.filter(account=site, taxonomy="category").first()
        categories = [default.pk] if default else []
    raw_slug = re.sub(r"[^a-z0-9-]+", "-", str(data.get("slug") or title).lower()).strip("-")
    post = services.record_post(
        site,
        text=f"{title}\n\n{re.sub(r'<[^>]+>', '', content)}".strip(),
        external_id=str(_next_id(site)),
        fingerprint=request.sim.fingerprint,
        extra={"title": title, "content": content, "status": status, "tags": tags,
               "slug": _unique_slug(site, raw_slug or "post"), "categories": categories,
               "featured_media": featured},
    )  # fmt: skip
    if featured:
        post.media.set(Media.objects.filter(pk=featured))

    def answer():
        return json_answer(_post_json(site, post, edit=True), status=201)

    return after_accept(
        request,
        answer,
        lambda: HttpResponse("<h1>502 Bad Gateway</h1>", status=502, content_type="text/html"),
    )


def _next_id(site: Account) -> int:
    numbers = [int(p.external_id) for p in Post.objects.filter(account=site)
               if p.external_id.isdigit()]  # fmt: skip
    media = Media.objects.filter(account=site).order_by("-pk").values_list("pk", flat=True).first()
    return max([*numbers, media or 0, 100]) + 1


def post_one(request, site: Account, capabilities, *, pk: str) -> HttpResponse:
    post = _site_posts(site).filter(external_id=str(int(pk)), deleted_at__isnull=True).first()
    if post is None:
        return _error("rest_post_invalid_id", "Invalid post ID.", 404)
    if request.method == "GET":
        if _status_of(post) != "publish" and (
            capabilities is None or "edit_posts" not in capabilities
        ):
            return _error("rest_forbidden", "Sorry, you are not allowed to do that.", 401)
        return json_answer(_post_json(site, post, edit=False))
    if capabilities is None or "delete_posts" not in capabilities:
        return _error("rest_cannot_delete", "Sorry, you are not allowed to delete this post.",
                      401 if capabilities is None else 403)  # fmt: skip
    if request.GET.get("force") in ("true", "1"):
        previous = _post_json(site, post, edit=True)
        post.deleted_at = timezone.now()
        post.save(update_fields=["deleted_at"])
        return json_answer({"deleted": True, "previous": previous})
    if _status_of(post) == "trash":
        return _error("rest_already_trashed", "The post has already been deleted.", 410)
    post.extra = {**post.extra, "status": "trash"}
    post.save(update_fields=["extra"])
    return json_answer(_post_json(site, post, edit=True))


def comments(request, site: Account, capabilities) -> HttpResponse:
    post_id = request.GET.get("post", "")
    found = Post.objects.filter(account=site, kind="comment", parent__external_id=post_id)
    return json_answer(
        [{"id": c.pk} for c in found[:1]],
        headers={"X-WP-Total": str(found.count()), "X-WP-TotalPages": "1" if found else "0"},
    )


ROUTES = [
    (r"users/me", {"GET"}, users_me),
    (r"(?P<taxonomy>categories|tags)", {"GET", "POST"}, terms),
    (r"media", {"POST"}, media_create),
    (r"media/(?P<pk>\d{1,12})", {"DELETE"}, media_delete),
    (r"posts", {"GET"}, posts_list),
    (r"posts", {"POST"}, posts_create),
    (r"posts/(?P<pk>\d{1,12})", {"GET", "DELETE"}, post_one),
    (r"comments", {"GET"}, comments),
]
