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
from core import allowance

from . import middleware, voting
from .models import (
    DEFAULT_QUESTION,
    AddressTally,
    Answer,
    EmbedSite,
    GuidelineVersion,
    Survey,
    Vote,
    VoteState,
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
    HELD = "held"
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
    """Take one answer from one member of the public, once per voting period.

    ``client`` is the keyed hash of address and browser, ``voter_id`` the signed cookie's id (when
    the browser keeps cookies), ``address_key`` the keyed hash of the address for the limits
    (``None`` for imports of past results, with their moment in ``at``).

    Guarantees: an unknown answer or a closed survey raises ``SurveyError`` and stores nothing; a
    second vote of the same voter in the same period stores nothing (``ALREADY_VOTED``), even when
    both arrive at once (a unique constraint decides, not a read-then-write). Per address, survey
    and period, the first ``SURVEY_VOTE_ALLOWANCE_PER_ADDRESS`` votes are counted and later ones
    are stored but held (``HELD``) until reviewed (``votes_review``); more than
    ``SURVEY_VOTES_PER_ADDRESS_PER_MINUTE`` attempts in a minute store nothing (``RATE_LIMITED``).
    Both limits are kept in the database under a row lock (``AddressTally``), so every web
    process and machine shares them.
    """
    if answer not in Answer.values:
        raise SurveyError(
            _("Unknown answer. Choose one of: %(answers)s.") % {"answers": ", ".join(Answer.values)}
        )
    if not survey.is_open:
        raise SurveyError(_("This survey is closed and no longer takes answers."))
    moment = at or timezone.now()
    period = voting.period_of(moment.timestamp())
    vote = Vote(
        survey=survey,
        answer=answer,
        created_at=moment,
        period=period,
        voter_key=voting.voter_key(voter_id=voter_id, client=client),
        client_hash=client,
        address_hash=address_key or "",
        site=site[:200],
    )
    if address_key is None:
        status = VoteStatus.COUNTED if _vote_insert(vote) else VoteStatus.ALREADY_VOTED
    else:
        status = _vote_insert_within_allowance(vote, address_key=address_key, at=moment)
    if status is VoteStatus.COUNTED:
        # Votes come in autocommit (the blocks above are the whole transaction), so the row is
        # committed here: clear at once, and the voter sees their vote in the answer.
        results_cache_clear(survey=survey)
    return status


def _vote_insert(vote: Vote) -> bool:
    """Insert the vote; ``False`` when this voter already voted in the period."""
    try:
        with transaction.atomic():
            vote.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def _vote_insert_within_allowance(vote: Vote, *, address_key: str, at: datetime) -> VoteStatus:
    with transaction.atomic():
        # The tally row is locked until the vote is stored (PostgreSQL: FOR UPDATE; SQLite: the
        # immediate transaction), so two processes never both take the last counted place.
        tally, _created = AddressTally.objects.select_for_update().get_or_create(
            survey_id=vote.survey_id, address_hash=address_key, period=vote.period
        )
        decision = allowance.allowance_decide(
            tally,
            at=at,
            allowance=settings.SURVEY_VOTE_ALLOWANCE_PER_ADDRESS,
            per_minute=settings.SURVEY_VOTES_PER_ADDRESS_PER_MINUTE,
        )
        if decision is allowance.Decision.RATE_LIMITED:
            tally.save(update_fields=["minute", "minute_attempts"])
            return VoteStatus.RATE_LIMITED
        counted = decision is allowance.Decision.COUNTED
        vote.state = VoteState.COUNTED if counted else VoteState.HELD
        if not _vote_insert(vote):
            status = VoteStatus.ALREADY_VOTED
        else:
            allowance.allowance_record(tally, decision)
            status = VoteStatus.COUNTED if counted else VoteStatus.HELD
        tally.save(update_fields=allowance.TALLY_FIELDS)
    return status


def address_tallies_prune() -> int:
    """Remove the per-address tallies of finished voting periods (the votes keep their hashes)."""
    current = voting.period_of(timezone.now().timestamp())
    removed, _per_model = AddressTally.objects.filter(period__lt=current - 1).delete()
    return removed


# One review acts on at most this many votes (the page shows as many at a time).
REVIEW_BATCH = 500


def votes_review(
    *,
    actor: User,
    survey: Survey,
    accept: bool,
    vote_ids: Iterable[int] | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Accept (count) or reject the held votes ``vote_ids`` of a survey (``None``: every held
    vote, oldest first, up to ``REVIEW_BATCH``); Editors and the Kepala Dinas.

    Guarantees: only held votes of this survey change (others named are left alone); nothing is
    deleted (a rejected vote stays, out of the results); who reviewed and when is kept on each
    vote, and one audit event records the act with the number of votes. Returns how many changed.
    """
    _require(
        actor,
        survey_policy,
        "change",
        survey,
        _("Only Editors and the Kepala Dinas review held votes."),
    )
    with transaction.atomic():
        held = Vote.objects.select_for_update().filter(survey=survey, state=VoteState.HELD)
        if vote_ids is not None:
            held = held.filter(pk__in=list(vote_ids)[:REVIEW_BATCH])
        ids = list(held.order_by("created_at", "id").values_list("pk", flat=True)[:REVIEW_BATCH])
        if not ids:
            return 0
        Vote.objects.filter(pk__in=ids).update(
            state=VoteState.COUNTED if accept else VoteState.REJECTED,
            reviewed_by=actor,
            reviewed_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="survey.votes_accept" if accept else "survey.votes_reject",
            target=survey,
            request=request,
            details={"votes": len(ids), "first": ids[0], "last": ids[-1]},
        )
    if accept:
        transaction.on_commit(lambda: results_cache_clear(survey=survey))
    return len(ids)


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


def _audit_website_assign(
    actor: User,
    website: Website,
    request: HttpRequest | None,
    before_division: Division | None,
    before_staff: list[str],
) -> None:
    """A "website.assign" event when the responsible division or the staff changed."""
    after_division = website.responsible_division
    after_staff = _people(website.staff.all())
    if before_division == after_division and before_staff == after_staff:
        return
    audit_record(
        actor=actor,
        action="website.assign",
        target=website,
        request=request,
        details={
            "division": {
                "from": before_division.short_name if before_division else None,
                "to": after_division.short_name if after_division else None,
            },
            "staff_added": sorted(set(after_staff) - set(before_staff)),
            "staff_removed": sorted(set(before_staff) - set(after_staff)),
        },
    )


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
        _audit_website_assign(actor, website, request, before_division, before_staff)
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
