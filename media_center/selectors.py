"""Read queries for the dashboard, the portal's own state and the satisfaction survey."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import Credential, CredentialStatus, Division, User
from accounts.registry import RegistryRow, compliance, credential_facts, registry_rows
from accounts.roles import Role
from assets.models import Asset, Rendition
from core.periodic import PORTAL_APPS
from publishing.models import Delivery, DeliveryStatus, Post, PostMedia, PostStatus

from . import satisfaction
from .models import (
    Answer,
    EmbedSite,
    GuidelineVersion,
    Survey,
    Vote,
    VoteState,
    Website,
    WorkerHeartbeat,
)
from .origins import is_clean_origin
from .permissions import embed_site_policy, guideline_policy, survey_policy, website_policy

# A worker that has not answered for this long is shown as stopped.
WORKER_STALE_AFTER = timedelta(minutes=3)


def worker_status() -> dict:
    heartbeat = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if heartbeat is None:
        return {"running": False, "last_seen": None}
    return {
        "running": timezone.now() - heartbeat.last_seen <= WORKER_STALE_AFTER,
        "last_seen": heartbeat.last_seen,
    }


def dashboard_cards(user) -> list[dict]:
    """Each app's figures for this person, in the order of the apps."""
    cards: list[dict] = []
    for app in PORTAL_APPS:
        if app == "media_center":
            cards.extend(survey_dashboard_cards(user))
            cards.extend(governance_dashboard_cards(user))
            continue
        module = import_module(f"{app}.selectors")
        provider = getattr(module, "dashboard_cards", None)
        if provider is not None:
            cards.extend(provider(user))
    return cards


# --- the registry of accounts and websites: this app's rows -----------------------------------


def website_rows(user: User, period: timedelta, now: datetime) -> list[RegistryRow]:
    websites = (
        website_policy.instances_user_has_permission_for(user, "view")
        .select_related("responsible_division", "credential")
        .prefetch_related(
            Prefetch(
                "staff", queryset=User.objects.select_related("division").order_by("full_name")
            )
        )
    )
    can_change = website_policy.user_has_permission(user, "change")
    rows = []
    for website in websites:
        state, due = credential_facts(website.credential, period, now)
        rows.append(
            RegistryRow(
                kind="website",
                kind_label=_("Website"),
                name=website.name,
                address=website.address,
                platform=_("Website"),
                group="",
                division=website.responsible_division,
                staff=list(website.staff.all()),
                credential=website.credential,
                credential_state=state,
                rotation_due=due,
                platform_two_factor=website.platform_two_factor,
                edit_url=(
                    reverse("media_center:website_edit", args=[website.pk]) if can_change else None
                ),
            )
        )
    return rows


def governance_dashboard_cards(user) -> list[dict]:
    if not website_policy.user_has_permission(user, "view"):
        return []
    rows = registry_rows(user)
    findings = sum(len(finding.rows) for finding in compliance(rows))
    cards = [
        {
            "label": _("Registry compliance issues"),
            "value": findings,
            "url_name": "media_center:compliance",
            "warn": findings > 0,
        }
    ]
    # A channel without a responsible division cannot be published to: say so, and why.
    blocked = [row for row in rows if row.extra.get("blocked_reason")]
    if blocked:
        cards.append(
            {
                "label": _("Accounts that cannot be published to"),
                "value": len(blocked),
                "url_name": "media_center:registry",
                "warn": True,
                "note": _("No division is responsible for them yet: %(names)s.")
                % {"names": ", ".join(row.name for row in blocked)},
            }
        )
    return cards


# --- the satisfaction survey --------------------------------------------------------------------

RESULTS_CACHE_KEY = "survey:results:{slug}:{language}"
# The same results as the bytes of the JSON answer (read by ``middleware.PublicResultsMiddleware``).
RESULTS_JSON_CACHE_KEY = "survey:results-json:{slug}:{language}"
WIDGET_SURVEY_CACHE_KEY = "survey:widget"
EMBED_ORIGINS_CACHE_KEY = "survey:embed-origins"
_SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")


def survey_list(*, user) -> QuerySet[Survey]:
    """The surveys this person manages, each with its number of votes."""
    return (
        survey_policy.instances_user_has_permission_for(user, "view")
        .annotate(
            vote_count=Count("votes", filter=Q(votes__state=VoteState.COUNTED)),
            held_count=Count("votes", filter=Q(votes__state=VoteState.HELD)),
        )
        .select_related("created_by")
    )


def survey_for_office(*, user, slug: str) -> Survey | None:
    if not _SLUG_RE.match(slug):
        return None
    return survey_policy.instances_user_has_permission_for(user, "view").filter(slug=slug).first()


def survey_public(*, slug: str) -> Survey | None:
    """The survey at this public address, or ``None`` (also for addresses no slug can have)."""
    if not _SLUG_RE.match(slug):
        return None
    return Survey.objects.filter(slug=slug).first()


def surveys_open() -> QuerySet[Survey]:
    return Survey.objects.filter(is_open=True).order_by("-is_featured", "-created_at", "-id")


def widget_survey() -> Survey | None:
    """The survey the public pages' widget shows (cached; cleared when the choice changes)."""
    survey_id = cache.get(WIDGET_SURVEY_CACHE_KEY)
    if survey_id is None:
        survey_id = (
            Survey.objects.filter(is_featured=True).values_list("id", flat=True).first() or 0
        )
        cache.set(WIDGET_SURVEY_CACHE_KEY, survey_id, settings.SURVEY_RESULTS_CACHE_SECONDS)
    if not survey_id:
        return None
    return Survey.objects.filter(pk=survey_id).first()


def embed_origins() -> frozenset[str]:
    """Origins of the sites allowed to embed the widget (cached; cleared when the list changes).

    A stored row that is not a clean origin (written around the service) is left out, so that it
    never reaches the frame policy or a CORS answer.
    """
    origins = cache.get(EMBED_ORIGINS_CACHE_KEY)
    if origins is None:
        origins = sorted(
            origin
            for origin in EmbedSite.objects.values_list("origin", flat=True)
            if is_clean_origin(origin)
        )
        cache.set(EMBED_ORIGINS_CACHE_KEY, origins, 300)
    return frozenset(origins)


def embed_site_list(*, user) -> QuerySet[EmbedSite]:
    return embed_site_policy.instances_user_has_permission_for(user, "view").select_related(
        "added_by"
    )


def voter_has_voted(*, survey: Survey, voter_key: str, period: int) -> bool:
    return Vote.objects.filter(survey=survey, voter_key=voter_key, period=period).exists()


@dataclass(frozen=True)
class AnswerShare:
    value: str
    label: str
    count: int
    percent: int | None


@dataclass(frozen=True)
class Results:
    total: int
    answers: list[AnswerShare]
    index: satisfaction.Index | None

    @property
    def counts(self) -> dict[str, int]:
        return {a.value: a.count for a in self.answers}


def results_from_counts(counts: dict[str, int]) -> Results:
    ordered = {answer.value: int(counts.get(answer.value, 0)) for answer in Answer}
    percents = satisfaction.largest_remainder_percentages(ordered)
    return Results(
        total=sum(ordered.values()),
        answers=[
            AnswerShare(
                value=answer.value,
                label=str(answer.label),
                count=ordered[answer.value],
                percent=percents[answer.value] if percents else None,
            )
            for answer in Answer
        ],
        index=satisfaction.satisfaction_index(ordered),
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _votes_between(
    survey: Survey,
    date_from: date | None,
    date_to: date | None,
    *,
    state: str = VoteState.COUNTED,
):
    """The votes of a survey in a range of days (WIB); only counted ones unless ``state`` says."""
    votes = Vote.objects.filter(survey=survey, state=state)
    if date_from:
        votes = votes.filter(created_at__gte=_day_start(date_from))
    if date_to:
        votes = votes.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    return votes


def survey_results(
    *,
    survey: Survey,
    date_from: date | None = None,
    date_to: date | None = None,
    state: str = VoteState.COUNTED,
) -> Results:
    """Counts, whole-number shares and the index of a survey, in a range of days (WIB) or ever.

    Only counted votes, unless ``state`` asks for the held (or rejected) ones.
    """
    rows = (
        _votes_between(survey, date_from, date_to, state=state)
        .values("answer")
        .annotate(n=Count("id"))
    )
    return results_from_counts({row["answer"]: row["n"] for row in rows.order_by()})


def held_votes(*, survey: Survey) -> QuerySet[Vote]:
    """The votes of a survey held for review (past their address's allowance), oldest first."""
    return Vote.objects.filter(survey=survey, state=VoteState.HELD).order_by("created_at", "id")


@dataclass(frozen=True)
class HeldGroup:
    """Held votes from one address (known only by the first characters of its keyed hash)."""

    address: str
    count: int
    first: datetime
    last: datetime
    ids: list[int]


def held_vote_groups(*, survey: Survey, limit: int = 500) -> list[HeldGroup]:
    """The oldest ``limit`` held votes, grouped by address, largest group first."""
    groups: dict[str, list[Vote]] = {}
    for vote in held_votes(survey=survey).only("id", "created_at", "address_hash")[:limit]:
        groups.setdefault(vote.address_hash, []).append(vote)
    result = [
        HeldGroup(
            address=address[:10] or "-",
            count=len(votes),
            first=votes[0].created_at,
            last=votes[-1].created_at,
            ids=[vote.pk for vote in votes],
        )
        for address, votes in groups.items()
    ]
    return sorted(result, key=lambda group: (-group.count, group.first))


class Unit(models.TextChoices):
    DAY = "day", _("per day")
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")


_TRUNC = {Unit.DAY: TruncDay, Unit.WEEK: TruncWeek, Unit.MONTH: TruncMonth}


@dataclass(frozen=True)
class SeriesRow:
    start: date
    results: Results


def survey_series(
    *, survey: Survey, unit: str, date_from: date | None = None, date_to: date | None = None
) -> list[SeriesRow]:
    """Results per day, week (from Monday) or month in WIB; periods without votes are left out."""
    trunc = _TRUNC[Unit(unit)]("created_at", tzinfo=timezone.get_current_timezone())
    rows = (
        _votes_between(survey, date_from, date_to)
        .annotate(bucket=trunc)
        .values("bucket", "answer")
        .annotate(n=Count("id"))
        .order_by("bucket")
    )
    grouped: dict[date, dict[str, int]] = {}
    for row in rows:
        bucket = row["bucket"]
        day = timezone.localtime(bucket).date() if isinstance(bucket, datetime) else bucket
        grouped.setdefault(day, {})[row["answer"]] = row["n"]
    return [SeriesRow(start=day, results=results_from_counts(c)) for day, c in grouped.items()]


def public_results(*, survey: Survey) -> dict:
    """What anyone may read about a survey's answers: cached, cleared on every counted vote."""
    # Per language: the answers' labels are translated.
    key = RESULTS_CACHE_KEY.format(slug=survey.slug, language=translation.get_language())
    data = cache.get(key)
    if data is None:
        results = survey_results(survey=survey)
        data = {
            "slug": survey.slug,
            "question": survey.question,
            "is_open": survey.is_open,
            "total": results.total,
            "answers": [
                {"value": a.value, "label": a.label, "count": a.count, "percent": a.percent}
                for a in results.answers
            ],
            "index": float(results.index.value) if results.index else None,
            "grade": results.index.grade if results.index else None,
            "grade_label": results.index.grade_label if results.index else None,
        }
        cache.set(key, data, settings.SURVEY_RESULTS_CACHE_SECONDS)
    return data


def public_results_json(*, survey: Survey) -> bytes:
    """``public_results`` as the body of a JSON answer, cached as bytes for the fast path."""
    key = RESULTS_JSON_CACHE_KEY.format(slug=survey.slug, language=translation.get_language())
    body = cache.get(key)
    if body is None:
        body = json.dumps(public_results(survey=survey), ensure_ascii=False).encode()
        cache.set(key, body, settings.SURVEY_RESULTS_CACHE_SECONDS)
    return body


def survey_dashboard_cards(user) -> list[dict]:
    """The widget survey's index, for the people who run surveys."""
    if not survey_policy.user_has_permission(user, "view"):
        return []
    survey = widget_survey()
    if survey is None:
        return []
    results = survey_results(survey=survey)
    return [
        {
            "label": _("Information service satisfaction"),
            "value": (
                f"{formats.number_format(results.index.short)} · {results.index.grade}"
                if results.index
                else "-"
            ),
            "url_name": "media_center:survey_list",
        }
    ]


def guideline_versions(*, user: User) -> QuerySet[GuidelineVersion]:
    return guideline_policy.instances_user_has_permission_for(user, "view").select_related(
        "created_by"
    )


def guideline_current(*, user: User) -> GuidelineVersion | None:
    return guideline_versions(user=user).order_by("-number").first()


def guideline_version(*, user: User, number: int) -> GuidelineVersion:
    return guideline_versions(user=user).get(number=number)


def website_for_change(*, user: User, website_id: int) -> Website:
    return (
        website_policy.instances_user_has_permission_for(user, "change")
        .prefetch_related("staff")
        .get(pk=website_id)
    )


def assignable_divisions() -> QuerySet[Division]:
    return Division.objects.order_by("name")


def assignable_staff() -> QuerySet[User]:
    """People who can be named to run a website: active Staf and Editors."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.STAF.value, Role.EDITOR.value])
        .select_related("division")
        .distinct()
        .order_by("full_name")
    )


def usable_credentials() -> QuerySet[Credential]:
    """Active credentials a website may point to (labels only; never the secret)."""
    return Credential.objects.filter(status=CredentialStatus.ACTIVE).order_by("label")


# --- the public posts ---------------------------------------------------------------------------
#
# What the public pages show of a post is copied into ``PublicPost`` here, field by field, so that
# a template can never reach the rest of the row (the working title, the reviewer's comment, the
# author when not chosen). A post is public when its author marked it so and it went out: status
# published (or partly published) with a publication time. Its photos are the attached assets
# that are alive, ready, and not in a restricted folder: a restricted folder's asset is never
# shown or served publicly, even when attached to a public post.

PUBLIC_POST_STATUSES = (PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED)
PUBLIC_POSTS_PER_PAGE = 10
PUBLIC_FEED_LENGTH = 20
# Renditions a public page may show: the card's thumbnail, the page's picture, a video's poster.
PUBLIC_RENDITIONS = frozenset({"thumb", "platform", "preview", "poster"})
HEADLINE_CHARS = 100
EXCERPT_CHARS = 220
_SENTENCE_END = re.compile(rf"^(.{{20,{HEADLINE_CHARS}}}?[.!?])(\s|$)")


@dataclass(frozen=True)
class PublicPicture:
    """One rendition of a photo (or a video's poster) at its public address."""

    url: str
    width: int
    height: int
    size: int


@dataclass(frozen=True)
class PublicPhoto:
    asset_id: int
    is_video: bool
    alt: str
    thumb: PublicPicture | None
    large: PublicPicture | None


@dataclass(frozen=True)
class PublicLink:
    platform: str
    channel: str
    url: str


@dataclass(frozen=True)
class PublicPost:
    id: int
    slug: str
    headline: str
    excerpt: str
    # The text below the heading (all of it when the heading is only its first sentence).
    body: str
    link: str
    published_at: datetime
    author_name: str
    photos: list[PublicPhoto]
    links: list[PublicLink]

    def get_absolute_url(self) -> str:
        return reverse("media_center:public_post", kwargs={"pk": self.id, "slug": self.slug})

    @property
    def cover(self) -> PublicPhoto | None:
        return next((photo for photo in self.photos if photo.thumb or photo.large), None)


def public_headline(text: str) -> str:
    """The heading of a post on the public pages: its first line, or that line's first sentence
    when it is long (the working title is the office's own and is never published)."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = " ".join(first.split())
    if len(first) <= HEADLINE_CHARS:
        return first
    sentence = _SENTENCE_END.match(first)
    if sentence:
        return sentence.group(1)
    return cut_at_word(first, HEADLINE_CHARS)


def cut_at_word(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters at a word's end, with "…" (a word that
    alone is longer than the limit is cut, as nothing else can be done with it)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-\u2013\u2014") + "…"


def public_excerpt(text: str, headline: str) -> str:
    """A short summary of what follows the heading (empty when the post is only its heading)."""
    words = " ".join(text.split())
    rest = words[len(headline) :].strip() if words.startswith(headline) else words
    return cut_at_word(rest, EXCERPT_CHARS)


def public_body(text: str, headline: str) -> str:
    lines = text.strip().splitlines()
    if lines and " ".join(lines[0].split()) == headline:
        return "\n".join(lines[1:]).strip()
    return text.strip()


def public_slug(headline: str) -> str:
    return slugify(headline)[:80].strip("-") or "berita"


def _public_assets() -> Q:
    return Q(
        asset__deleted_at__isnull=True,
        asset__status=Asset.Status.READY,
        asset__kind__in=[Asset.Kind.PHOTO, Asset.Kind.VIDEO],
        asset__folder__access_root__isnull=True,
    )


def public_post_queryset() -> QuerySet[Post]:
    """Every post the public may read, newest first (no photos or links loaded)."""
    return Post.objects.filter(
        is_public=True,
        status__in=PUBLIC_POST_STATUSES,
        published_at__isnull=False,
        published_at__lte=timezone.now(),
    ).order_by("-published_at", "-id")


def _with_public_relations(posts: QuerySet[Post], *, links: bool) -> QuerySet[Post]:
    media = (
        PostMedia.objects.filter(_public_assets())
        .select_related("asset")
        .prefetch_related(
            Prefetch(
                "asset__renditions",
                queryset=Rendition.objects.filter(name__in=PUBLIC_RENDITIONS),
            )
        )
        .order_by("position", "id")
    )
    posts = posts.select_related("author").prefetch_related(
        Prefetch("media", queryset=media, to_attr="public_media")
    )
    if links:
        deliveries = (
            Delivery.objects.filter(status=DeliveryStatus.PUBLISHED)
            .exclude(permalink="")
            .select_related("channel")
            .order_by("channel__platform", "channel__name", "id")
        )
        posts = posts.prefetch_related(
            Prefetch("deliveries", queryset=deliveries, to_attr="public_deliveries")
        )
    return posts


def _picture(post: Post, asset: Asset, name: str) -> PublicPicture | None:
    rendition = asset.rendition(name)
    if rendition is None:
        return None
    return PublicPicture(
        url=reverse(
            "media_center:public_post_image",
            kwargs={"pk": post.pk, "asset_id": asset.pk, "rendition": name},
        ),
        width=rendition.width,
        height=rendition.height,
        size=rendition.size,
    )


def _is_web_address(url: str) -> bool:
    # Only http(s) addresses become links: a row written without validation cannot smuggle in
    # another scheme.
    return url.lower().startswith(("https://", "http://"))


def _public_post(post: Post) -> PublicPost:
    photos = []
    for use in post.public_media:
        asset = use.asset
        is_video = asset.kind == Asset.Kind.VIDEO
        photos.append(
            PublicPhoto(
                asset_id=asset.pk,
                is_video=is_video,
                alt=use.alt_text or asset.title,
                thumb=_picture(post, asset, "thumb"),
                large=_picture(post, asset, "poster" if is_video else "preview"),
            )
        )
    # A post of pictures alone is headed by its first picture's description.
    headline = (
        " ".join(post.public_title.split())
        or public_headline(post.text)
        or next((photo.alt for photo in photos if photo.alt), str(_("Publication")))
    )
    links = [
        PublicLink(
            platform=delivery.channel.get_platform_display(),
            channel=delivery.channel.name,
            url=delivery.permalink,
        )
        for delivery in getattr(post, "public_deliveries", [])
        if _is_web_address(delivery.permalink)
    ]
    return PublicPost(
        id=post.pk,
        slug=public_slug(headline),
        headline=headline,
        excerpt=public_excerpt(post.text, headline),
        body=public_body(post.text, headline),
        link=post.link if _is_web_address(post.link) else "",
        published_at=post.published_at,
        author_name=post.author.get_full_name() if post.show_author and post.author else "",
        photos=photos,
        links=links,
    )


def public_post_page(*, number: str | int = 1, per_page: int = PUBLIC_POSTS_PER_PAGE) -> Page:
    """One page of the public posts, newest first, in a fixed number of queries. Raises
    ``django.core.paginator.InvalidPage`` for a page that does not exist."""
    paginator = Paginator(_with_public_relations(public_post_queryset(), links=False), per_page)
    page = paginator.page(number)
    page.object_list = [_public_post(post) for post in page.object_list]
    return page


def public_post_latest(*, limit: int = PUBLIC_FEED_LENGTH) -> list[PublicPost]:
    posts = _with_public_relations(public_post_queryset(), links=False)[:limit]
    return [_public_post(post) for post in posts]


def public_post(*, post_id: int) -> PublicPost | None:
    """A public post with its photos and its addresses on the platforms, or ``None`` when there
    is no such post or the public may not read it (the page then answers 404, never 403)."""
    post = _with_public_relations(public_post_queryset(), links=True).filter(pk=post_id).first()
    return _public_post(post) if post is not None else None


def public_post_rendition(*, post_id: int, asset_id: int, name: str) -> Rendition | None:
    """A picture the public may fetch: a shown rendition of a public asset attached to a public
    post. Any other (post, asset, rendition) gives ``None``, so that this address never serves an
    arbitrary asset of the library."""
    if name not in PUBLIC_RENDITIONS:
        return None
    uses = PostMedia.objects.filter(
        _public_assets(), post__in=public_post_queryset(), post_id=post_id, asset_id=asset_id
    )
    if not uses.exists():
        return None
    return Rendition.objects.filter(asset_id=asset_id, name=name).first()
