"""Writes of the portal's own housekeeping and of the public satisfaction survey."""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Credential, Division, User
from accounts.services import audit_record

from . import middleware, voting
from .models import (
    DEFAULT_QUESTION,
    Answer,
    EmbedSite,
    GuidelineVersion,
    Survey,
    Vote,
    Website,
    WorkerHeartbeat,
)
from .origins import normalise_origin
from .permissions import embed_site_policy, guideline_policy, survey_policy, website_policy
from .selectors import (
    EMBED_ORIGINS_CACHE_KEY,
    RESULTS_CACHE_KEY,
    RESULTS_JSON_CACHE_KEY,
    WIDGET_SURVEY_CACHE_KEY,
)


def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Note that the worker on ``hostname`` is alive now."""
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname[:200], defaults={"last_seen": timezone.now()}
    )
    return heartbeat


def broker_processed_prune(*, older_than_seconds: int = 86400) -> int:
    """Remove messages the filesystem broker has already handed out (kept a day for inspection)."""
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("processed_folder")
    if not folder:
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    # Also what config/broker.py sets aside (unreadable ``.bad`` files) and the ``.part`` files
    # of writers that died mid-write.
    queue_folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in") or folder
    leftovers = [*Path(folder).glob("*.msg.bad"), *Path(queue_folder).glob(".*.msg.part")]
    for path in [*Path(folder).glob("*.msg"), *leftovers]:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


# --- the satisfaction survey --------------------------------------------------------------------


class SurveyError(Exception):
    """A survey act that cannot be done, with a message a person understands."""


def _require(user: User, policy, action: str, instance=None, message: str = "") -> None:
    allowed = (
        policy.user_has_permission_for_instance(user, action, instance)
        if instance is not None
        else policy.user_has_permission(user, action)
    )
    if not allowed:
        raise PermissionDenied(message or _("You may not do this with surveys."))


def _unique_slug(question: str) -> str:
    base = slugify(question)[:50].strip("-") or "survei"
    slug, number = base, 2
    while Survey.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def survey_create(
    *,
    actor: User,
    question: str = DEFAULT_QUESTION,
    slug: str = "",
    is_open: bool = True,
    featured: bool = False,
    request: HttpRequest | None = None,
) -> Survey:
    """Create a survey (Editors, Kepala Dinas). Without a slug one is made from the question.

    Guarantees: the question and slug are valid; if ``featured``, it becomes the only survey the
    widget shows; an audit event records who made it.
    """
    _require(actor, survey_policy, "add")
    with transaction.atomic():
        survey = Survey(
            slug=slug.strip().lower() or _unique_slug(question),
            question=question.strip(),
            is_open=is_open,
            created_by=actor,
        )
        survey.full_clean()
        survey.save()
        audit_record(actor=actor, action="survey.create", target=survey, request=request)
        if featured:
            _feature(survey)
    transaction.on_commit(lambda: results_cache_clear(survey=survey))
    return survey


def survey_update(
    *, actor: User, survey: Survey, question: str, request: HttpRequest | None = None
) -> Survey:
    """Change the question of a survey. Its answers and votes stay."""
    _require(actor, survey_policy, "change", survey)
    with transaction.atomic():
        survey.question = question.strip()
        survey.full_clean()
        survey.save(update_fields=["question", "updated_at"])
        audit_record(actor=actor, action="survey.update", target=survey, request=request)
    transaction.on_commit(lambda: results_cache_clear(survey=survey))
    return survey


def survey_set_open(
    *, actor: User, survey: Survey, is_open: bool, request: HttpRequest | None = None
) -> Survey:
    """Open or close a survey for answers. A closed survey keeps and shows its results."""
    _require(actor, survey_policy, "change", survey)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.is_open != is_open:
            survey.is_open = is_open
            survey.save(update_fields=["is_open", "updated_at"])
            audit_record(
                actor=actor,
                action="survey.open" if is_open else "survey.close",
                target=survey,
                request=request,
            )
    transaction.on_commit(lambda: results_cache_clear(survey=survey))
    return survey


def _feature(survey: Survey) -> None:
    Survey.objects.filter(is_featured=True).exclude(pk=survey.pk).update(is_featured=False)
    Survey.objects.filter(pk=survey.pk).update(is_featured=True)
    survey.is_featured = True


def survey_feature(*, actor: User, survey: Survey, request: HttpRequest | None = None) -> Survey:
    """Make this survey the one the widget on the public pages shows (and no other)."""
    _require(actor, survey_policy, "change", survey)
    with transaction.atomic():
        _feature(survey)
        audit_record(actor=actor, action="survey.feature", target=survey, request=request)
    transaction.on_commit(lambda: cache.delete(WIDGET_SURVEY_CACHE_KEY))
    return survey


def embed_site_add(
    *, actor: User, origin: str, name: str = "", request: HttpRequest | None = None
) -> EmbedSite:
    """Allow one more site to embed the widget. Idempotent on the normalised origin.

    Guarantees: only scheme, host and port are stored (``origins.normalise_origin``), so the
    origin cannot add anything to the frame policy or the CORS answer that it is copied into.
    """
    _require(actor, embed_site_policy, "add")
    origin = normalise_origin(origin)
    with transaction.atomic():
        site, created = EmbedSite.objects.get_or_create(
            origin=origin, defaults={"name": name.strip(), "added_by": actor}
        )
        if created:
            site.full_clean()
            audit_record(actor=actor, action="embed_site.add", target=site, request=request)
    transaction.on_commit(lambda: cache.delete(EMBED_ORIGINS_CACHE_KEY))
    return site


def embed_site_remove(*, actor: User, site: EmbedSite, request: HttpRequest | None = None) -> None:
    """Stop a site from embedding the widget (its pages show a link to the portal instead)."""
    _require(actor, embed_site_policy, "delete", site)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="embed_site.remove",
            target=site,
            request=request,
            details={"origin": site.origin},
        )
        site.delete()
    transaction.on_commit(lambda: cache.delete(EMBED_ORIGINS_CACHE_KEY))


class VoteStatus(enum.Enum):
    COUNTED = "counted"
    ALREADY_VOTED = "already_voted"
    RATE_LIMITED = "rate_limited"


def vote_cast(
    *,
    survey: Survey,
    answer: str,
    client: str,
    voter_id: str | None = None,
    address_key: str | None = None,
    site: str = "",
    at: datetime | None = None,
) -> VoteStatus:
    """Count one answer from one member of the public, once per voting period.

    ``client`` is the keyed hash of address and browser, ``voter_id`` the signed cookie's id (when
    the browser keeps cookies), ``address_key`` the keyed hash of the address for the rate limit
    (``None`` for imports of past results, with their moment in ``at``).

    Guarantees: an unknown answer or a closed survey raises ``SurveyError`` and stores nothing;
    past the per-address limit nothing is stored (``RATE_LIMITED``); a second vote of the same
    voter in the same period stores nothing (``ALREADY_VOTED``), even when both arrive at once
    (a unique constraint decides, not a read-then-write).
    """
    if answer not in Answer.values:
        raise SurveyError(
            _("Unknown answer. Choose one of: %(answers)s.") % {"answers": ", ".join(Answer.values)}
        )
    if not survey.is_open:
        raise SurveyError(_("This survey is closed and no longer takes answers."))
    if address_key is not None and voting.rate_limit_hit(address_key=address_key):
        return VoteStatus.RATE_LIMITED
    moment = at or timezone.now()
    vote = Vote(
        survey=survey,
        answer=answer,
        created_at=moment,
        period=voting.period_of(moment.timestamp()),
        voter_key=voting.voter_key(voter_id=voter_id, client=client),
        client_hash=client,
        site=site[:200],
    )
    try:
        with transaction.atomic():
            vote.save(force_insert=True)
    except IntegrityError:
        return VoteStatus.ALREADY_VOTED
    # Votes come in autocommit (the block above is the whole transaction), so the row is
    # committed here: clear at once, and the voter sees their vote in the answer.
    results_cache_clear(survey=survey)
    return VoteStatus.COUNTED


def results_cache_clear(*, survey: Survey) -> None:
    keys = [
        key.format(slug=survey.slug, language=code)
        for code, _name in settings.LANGUAGES
        for key in (RESULTS_CACHE_KEY, RESULTS_JSON_CACHE_KEY)
    ]
    cache.delete_many([*keys, WIDGET_SURVEY_CACHE_KEY])
    middleware.forget(survey.slug)


def _check_credential(credential: Credential | None) -> None:
    if credential is not None and not credential.is_active:
        raise ValidationError({"credential": _("A revoked credential cannot be used.")})


def _people(people: Iterable[User]) -> list[str]:
    return sorted(person.username for person in people)


def website_create(
    *,
    actor: User,
    name: str,
    address: str,
    responsible_division: Division | None = None,
    staff: Iterable[User] = (),
    platform_two_factor: bool = False,
    credential: Credential | None = None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Website:
    """Register a website with its responsible division and staff; Kepala Dinas only."""
    _require(actor, website_policy, "add", message=_("Only the Kepala Dinas registers websites."))
    _check_credential(credential)
    staff = list(staff)
    with transaction.atomic():
        website = Website(
            name=name.strip(),
            address=address.strip(),
            responsible_division=responsible_division,
            platform_two_factor=platform_two_factor,
            credential=credential,
            notes=notes,
        )
        website.full_clean()
        website.save()
        website.staff.set(staff)
        audit_record(
            actor=actor,
            action="website.create",
            target=website,
            request=request,
            details={
                "division": responsible_division.short_name if responsible_division else None,
                "staff": _people(staff),
                "credential": credential.pk if credential else None,
            },
        )
    return website


def website_update(
    *,
    actor: User,
    website_id: int,
    name: str,
    address: str,
    responsible_division: Division | None,
    staff: Iterable[User],
    platform_two_factor: bool,
    credential: Credential | None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Website:
    """Change a website's facts and who is responsible for it; Kepala Dinas only.

    A change of division or staff is its own audit event ("website.assign", before and after);
    a change of the admin login, too ("website.credential").
    """
    _require(actor, website_policy, "change", message=_("Only the Kepala Dinas changes websites."))
    _check_credential(credential)
    staff = list(staff)
    with transaction.atomic():
        website = Website.objects.select_for_update().get(pk=website_id)
        before_division = website.responsible_division
        before_staff = _people(website.staff.all())
        before_credential = website.credential_id
        changed = [
            name_
            for name_, old, new in [
                ("name", website.name, name.strip()),
                ("address", website.address, address.strip()),
                ("platform_two_factor", website.platform_two_factor, platform_two_factor),
                ("notes", website.notes, notes),
            ]
            if old != new
        ]
        website.name = name.strip()
        website.address = address.strip()
        website.responsible_division = responsible_division
        website.platform_two_factor = platform_two_factor
        website.credential = credential
        website.notes = notes
        website.full_clean()
        website.save()
        website.staff.set(staff)
        if changed:
            audit_record(
                actor=actor,
                action="website.update",
                target=website,
                request=request,
                details={"changed": changed},
            )
        after_staff = _people(staff)
        if before_division != responsible_division or before_staff != after_staff:
            audit_record(
                actor=actor,
                action="website.assign",
                target=website,
                request=request,
                details={
                    "division": {
                        "from": before_division.short_name if before_division else None,
                        "to": responsible_division.short_name if responsible_division else None,
                    },
                    "staff_added": sorted(set(after_staff) - set(before_staff)),
                    "staff_removed": sorted(set(before_staff) - set(after_staff)),
                },
            )
        if before_credential != website.credential_id:
            audit_record(
                actor=actor,
                action="website.credential",
                target=website,
                request=request,
                details={"from": before_credential, "to": website.credential_id},
            )
    return website


def guideline_save(
    *,
    actor: User,
    title: str,
    regulation_number: str,
    regulation_date: date,
    body: str,
    rotation_days: int = 90,
    change_note: str = "",
    request: HttpRequest | None = None,
) -> GuidelineVersion:
    """Save the guidelines as a new version (earlier versions are kept); Kepala Dinas only."""
    _require(
        actor, guideline_policy, "add", message=_("Only the Kepala Dinas changes the guidelines.")
    )
    with transaction.atomic():
        # Locking the newest row serialises two saves at once (SQLite: the immediate transaction).
        latest = GuidelineVersion.objects.select_for_update().order_by("-number").first()
        version = GuidelineVersion(
            number=(latest.number + 1) if latest else 1,
            title=title.strip(),
            regulation_number=regulation_number.strip(),
            regulation_date=regulation_date,
            rotation_days=rotation_days,
            body=body,
            change_note=change_note.strip(),
            created_by=actor,
        )
        version.full_clean()
        version.save()
        audit_record(
            actor=actor,
            action="guidelines.save",
            target=version,
            request=request,
            details={"version": version.number, "rotation_days": rotation_days},
        )
    return version
