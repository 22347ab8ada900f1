"""Writes of the SKM. Each checks the permission policy; each recorded act is in the audit log."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from core import allowance

from .models import (
    FollowUp,
    Period,
    Question,
    Response,
    ResponseState,
    ResponseTally,
    Service,
    Source,
)
from .permissions import follow_up_policy, period_policy, response_policy, service_policy
from .regulation import ELEMENT_NUMBERS, ELEMENTS

ADDRESS_SALT = "skm.response.address"
PROFILE_FIELDS = ("sex", "age_group", "education", "occupation")
WIB = timedelta(hours=7)


class SubmitStatus(enum.Enum):
    COUNTED = "counted"
    HELD = "held"
    RATE_LIMITED = "rate_limited"
    ALREADY_SENT = "already_sent"


SUBMISSION_LENGTH = 22


def submission_new() -> str:
    """A one-time id for a questionnaire form (a hidden field)."""
    return secrets.token_urlsafe(16)


def _submission(value: Any) -> str | None:
    if (
        isinstance(value, str)
        and 16 <= len(value) <= 32
        and value.replace("-", "").replace("_", "").isalnum()
    ):
        return value
    return None


def _insert(response: Response) -> bool:
    """Store the response; ``False`` when its form was already stored (same submission id)."""
    try:
        with transaction.atomic():
            response.save(force_insert=True)
    except IntegrityError:
        if response.submission and Response.objects.filter(submission=response.submission).exists():
            return False
        raise
    return True


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def service_create(
    *, actor: User, name: str, slug: str = "", request: HttpRequest | None = None
) -> Service:
    """A new service with the regulation's nine default questions."""
    _require(service_policy.user_has_permission(actor, "add"))
    slug = slug or slugify(name)[:60]
    if Service.objects.filter(slug=slug).exists() or Service.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A service with this name or address already exists.")})
    with transaction.atomic():
        service = Service.objects.create(name=name, slug=slug)
        Question.objects.bulk_create(
            Question(
                service=service,
                element=e.number,
                text=e.question,
                label_1=e.labels[0],
                label_2=e.labels[1],
                label_3=e.labels[2],
                label_4=e.labels[3],
            )
            for e in ELEMENTS
        )
        audit_record(actor=actor, action="skm.service_create", target=service, request=request)
    return service


def questions_update(
    *,
    actor: User,
    service: Service,
    wording: Mapping[int, Mapping[str, str]],
    request: HttpRequest | None = None,
) -> None:
    """Word the elements' questions and answer labels for ``service``: ``{element: {"text",
    "label_1".."label_4"}}``. The scores stay 1-4 in the regulation's order."""
    _require(service_policy.user_has_permission(actor, "change"))
    with transaction.atomic():
        for question in Question.objects.select_for_update().filter(service=service):
            values = wording.get(question.element)
            if not values:
                continue
            for key in ("text", "label_1", "label_2", "label_3", "label_4"):
                value = (values.get(key) or "").strip()
                if not value:
                    raise ValidationError(_("Every question and answer needs words."))
                setattr(question, key, value)
            question.full_clean()
            question.save()
        audit_record(actor=actor, action="skm.questions_update", target=service, request=request)


def period_create(
    *,
    actor: User,
    service: Service,
    kind: str,
    year: int,
    number: int,
    population: int,
    request: HttpRequest | None = None,
) -> Period:
    _require(period_policy.user_has_permission(actor, "add"))
    limits = {"quarter": 4, "semester": 2, "year": 1}
    if kind not in limits or not 1 <= number <= limits[kind]:
        raise ValidationError({"number": _("No such period: quarters are 1-4, semesters 1-2.")})
    period = Period(service=service, kind=kind, year=year, number=number, population=population)
    period.full_clean()
    with transaction.atomic():
        period.save()
        audit_record(actor=actor, action="skm.period_create", target=period, request=request)
    return period


def _response(period: Period, answers: Mapping[str, Any], source: str) -> Response:
    scores = {}
    for n in ELEMENT_NUMBERS:
        value = answers.get(f"u{n}")
        if value in (None, ""):
            scores[f"u{n}"] = None
            continue
        if int(value) not in (1, 2, 3, 4):
            raise ValidationError(_("Each answer is scored 1 to 4."))
        scores[f"u{n}"] = int(value)
    if all(v is None for v in scores.values()):
        raise ValidationError(_("Answer at least one question."))
    response = Response(
        period=period,
        source=source,
        submission=_submission(answers.get("submission")),
        comment=(answers.get("comment") or "").strip()[:2000],
        **scores,
        **{key: answers.get(key) or "" for key in PROFILE_FIELDS},
    )
    response.full_clean(exclude=["address_hash", "entered_by", "submission"])
    return response


def response_submit(
    *,
    period: Period,
    answers: Mapping[str, Any],
    address: str,
    at: datetime | None = None,
) -> SubmitStatus:
    """One questionnaire from the public page.

    Guarantees: invalid answers raise ``ValidationError`` and store nothing; a period that is
    published, or of a service that no longer takes answers, raises ``ValidationError``. Per
    address and day the first ``SKM_RESPONSES_PER_ADDRESS_PER_DAY`` questionnaires count and
    later ones are kept but held; past ``SKM_ATTEMPTS_PER_ADDRESS_PER_MINUTE`` attempts a minute
    nothing is stored (``core.allowance``, under a row lock shared by every process). The same
    form posted twice (its ``submission`` id) is stored once: ``ALREADY_SENT``.
    """
    if period.is_published or not period.service.is_active:
        raise ValidationError(_("This survey no longer takes answers."))
    response = _response(period, answers, Source.ONLINE)
    moment = at or timezone.now()
    key = allowance.address_hash(address, salt=ADDRESS_SALT)
    response.address_hash = key
    response.created_at = moment
    with transaction.atomic():
        tally, _created = ResponseTally.objects.select_for_update().get_or_create(
            period=period, address_hash=key, day=(moment + WIB).date()
        )
        decision = allowance.allowance_decide(
            tally,
            at=moment,
            allowance=settings.SKM_RESPONSES_PER_ADDRESS_PER_DAY,
            per_minute=settings.SKM_ATTEMPTS_PER_ADDRESS_PER_MINUTE,
        )
        status = SubmitStatus(decision.value)
        if decision is not allowance.Decision.RATE_LIMITED:
            response.state = (
                ResponseState.COUNTED
                if decision is allowance.Decision.COUNTED
                else ResponseState.HELD
            )
            if _insert(response):
                allowance.allowance_record(tally, decision)
            else:
                status = SubmitStatus.ALREADY_SENT
        tally.save(update_fields=allowance.TALLY_FIELDS)
    return status


def response_enter_paper(
    *,
    actor: User,
    period: Period,
    answers: Mapping[str, Any],
    request: HttpRequest | None = None,
) -> Response | None:
    """One paper questionnaire typed in by an Editor or the Kepala Dinas (marked as paper).

    The same form sent twice (its ``submission`` id; a double Enter) is stored once: ``None``."""
    _require(response_policy.user_has_permission(actor, "add"))
    if period.is_published:
        raise ValidationError(_("The results of this period are published; it is closed."))
    response = _response(period, answers, Source.PAPER)
    response.entered_by = actor
    with transaction.atomic():
        if not _insert(response):
            return None
        audit_record(actor=actor, action="skm.paper_entry", target=response, request=request)
    return response


def held_accept(*, actor: User, period: Period, request: HttpRequest | None = None) -> int:
    """Count every held questionnaire of the period (after an Editor looked at them)."""
    _require(response_policy.user_has_permission(actor, "add"))
    with transaction.atomic():
        changed = Response.objects.filter(period=period, state=ResponseState.HELD).update(
            state=ResponseState.COUNTED
        )
        audit_record(
            actor=actor,
            action="skm.held_accept",
            target=period,
            request=request,
            details={"count": changed},
        )
    return changed


def follow_up_save(
    *,
    actor: User,
    period: Period,
    element: int,
    plan: str,
    due: str = "",
    request: HttpRequest | None = None,
) -> FollowUp | None:
    """Write (or, with an empty plan, remove) the follow-up plan of one element; Kepala Dinas."""
    _require(follow_up_policy.user_has_permission(actor, "change"))
    if element not in ELEMENT_NUMBERS:
        raise ValidationError(_("No such element."))
    plan = plan.strip()[:2000]
    with transaction.atomic():
        if not plan:
            FollowUp.objects.filter(period=period, element=element).delete()
            follow_up = None
        else:
            follow_up, _created = FollowUp.objects.update_or_create(
                period=period,
                element=element,
                defaults={"plan": plan, "due": due.strip()[:100], "written_by": actor},
            )
        audit_record(
            actor=actor,
            action="skm.follow_up",
            target=period,
            request=request,
            details={"element": element},
        )
    return follow_up


def period_publish(
    *, actor: User, period: Period, conclusion: str, request: HttpRequest | None = None
) -> Period:
    """Publish a period's results with the conclusions; the period then takes no more answers."""
    _require(period_policy.user_has_permission(actor, "publish"))
    if not Response.objects.filter(period=period, state=ResponseState.COUNTED).exists():
        raise ValidationError(_("There is no response to publish yet."))
    with transaction.atomic():
        locked = Period.objects.select_for_update().get(pk=period.pk)
        if locked.is_published:
            return locked
        locked.conclusion = conclusion.strip()
        locked.published_at = timezone.now()
        locked.published_by = actor
        locked.save(update_fields=["conclusion", "published_at", "published_by"])
        audit_record(actor=actor, action="skm.publish", target=locked, request=request)
    return locked
