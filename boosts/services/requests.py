"""A boost request from the draft to the final approval, and its stop.

Every transition is permission-checked, happens on the locked row, writes one step of the paper
trail with its audit event, and tells the next person. The order:

    draft → submitted → approved_division (Kepala Bidang of the request's division)
          → approved (Kepala Dinas, fresh second factor) → the worker: creating → running
    submitted / approved_division → rejected (with a comment)
    approved / creating / running → stopped (Kepala Dinas, at once)

A request is approved (at either step) only when its planned amount fits in what its budget line
has left.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import TwoFactorNotFresh, notification_settle, two_factor_is_fresh
from core.enqueue import enqueue_on_commit
from publishing.models import Delivery, DeliveryStatus

from ..budget import line_figures
from ..models import (
    COMMITTING,
    AdAccountStatus,
    AudienceKind,
    BoostRequest,
    BoostStatus,
    BudgetLine,
)
from ..permissions import boost_policy
from .common import kepala_bidang, kepala_dinas, locked, require, step, tell

# Platforms whose published posts Meta's Marketing API can promote, by the channel's driver.
BOOSTABLE_DRIVERS = frozenset({"facebook", "instagram_graph"})
REQUEST_FIELDS = (
    "ad_account",
    "budget_line",
    "goal",
    "budget_kind",
    "amount",
    "start",
    "end",
    "audience",
    "region_key",
    "latitude",
    "longitude",
    "radius_km",
    "age_min",
    "age_max",
    "reason",
    "social_issue",
)
# Meta's limits on an audience: ages 18 to 65 for ads about social issues, a radius of 1-80 km.
AGE_RANGE = (18, 65)
RADIUS_KM = (1, 80)


def _money(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def boostable_refusal(delivery: Delivery) -> str:
    """Why this delivery cannot be boosted ("" when it can)."""
    if delivery.channel.driver not in BOOSTABLE_DRIVERS:
        return _("Only posts on a Facebook Page or an Instagram business account can be boosted.")
    if delivery.status != DeliveryStatus.PUBLISHED or not delivery.external_id:
        return _("Only a post the portal has published can be boosted.")
    return ""


def _check(boost: BoostRequest) -> None:
    """The request's own facts, in words a person understands."""
    errors: dict[str, Any] = {}
    if boost.start and boost.end and boost.end <= boost.start:
        errors["end"] = _("The boost must end after it starts.")
    if not boost.amount or boost.amount < 1:
        errors["amount"] = _("Give the amount in rupiah.")
    if (
        boost.age_min < AGE_RANGE[0]
        or boost.age_max > AGE_RANGE[1]
        or boost.age_min > boost.age_max
    ):
        errors["age_min"] = _("The ages run from %(low)s to %(high)s, youngest first.") % {
            "low": AGE_RANGE[0],
            "high": AGE_RANGE[1],
        }
    if boost.audience == AudienceKind.RADIUS:
        if boost.latitude is None or boost.longitude is None or boost.radius_km is None:
            errors["radius_km"] = _("Give the point (latitude, longitude) and the radius.")
        elif not (-90 <= boost.latitude <= 90 and -180 <= boost.longitude <= 180):
            errors["latitude"] = _("That point is not on the map.")
        elif not (RADIUS_KM[0] <= boost.radius_km <= RADIUS_KM[1]):
            errors["radius_km"] = _("The radius is %(low)s to %(high)s km.") % {
                "low": RADIUS_KM[0],
                "high": RADIUS_KM[1],
            }
    else:
        boost.region_key = (boost.region_key or settings.BOOST_REGENCY_LOCATION_KEY).strip()
        if not boost.region_key:
            errors["region_key"] = _(
                "The regency's location key is not set; choose a radius around a point instead."
            )
    if (
        boost.budget_line_id
        and boost.start
        and boost.budget_line.year != timezone.localtime(boost.start).year
    ):
        errors["budget_line"] = _("Choose a budget line of the year the boost starts.")
    if boost.ad_account_id and not boost.ad_account.is_active:
        errors["ad_account"] = _("This ad account is no longer in use.")
    if not (boost.reason or "").strip():
        errors["reason"] = _("Say why this post should be boosted.")
    if errors:
        raise ValidationError(errors)


def boost_create(
    *, actor: User, delivery: Delivery, submit: bool = False, **fields: Any
) -> BoostRequest:
    """A request to boost a published post, kept as a draft (or submitted at once). The worker
    asks Meta for an estimate of its reach after commit."""
    delivery = Delivery.objects.select_related("post", "channel").get(pk=delivery.pk)
    require(
        boost_policy.may_request_for(actor, delivery),
        _("You may ask to boost only your division's posts."),
    )
    refusal = boostable_refusal(delivery)
    if refusal:
        raise ValidationError(refusal)
    division = delivery.post.division or delivery.channel.responsible_division or actor.division
    if division is None:
        raise ValidationError(_("The post belongs to no division; its boost has no approver."))
    boost = BoostRequest(delivery=delivery, division=division, requested_by=actor)
    for name in REQUEST_FIELDS:
        if name in fields:
            setattr(boost, name, fields[name])
    _check(boost)
    with transaction.atomic():
        boost.full_clean(validate_constraints=False)
        boost.save()
        step(
            boost,
            "create",
            actor=actor,
            comment=boost.reason,
            details={"planned": boost.planned, "line": boost.budget_line.code},
        )
        enqueue_on_commit("boosts.tasks.boost_estimate", boost.pk)
    if submit:
        boost = boost_submit(actor=actor, boost=boost)
    return boost


def boost_update(*, actor: User, boost: BoostRequest, **fields: Any) -> BoostRequest:
    """Change a draft."""
    with transaction.atomic():
        boost = locked(boost)
        require(
            boost_policy.user_has_permission_for_instance(actor, "change", boost),
            _("Only the draft's author changes it, while it is a draft."),
        )
        for name in REQUEST_FIELDS:
            if name in fields:
                setattr(boost, name, fields[name])
        _check(boost)
        boost.full_clean(validate_constraints=False)
        boost.estimate_lower = boost.estimate_upper = None
        boost.estimate_note = ""
        boost.save()
        step(boost, "change", actor=actor, details={"planned": boost.planned})
        enqueue_on_commit("boosts.tasks.boost_estimate", boost.pk)
    return boost


def boost_submit(*, actor: User, boost: BoostRequest) -> BoostRequest:
    """Send a draft to the division's Kepala Bidang (to the Kepala Dinas when the division has
    none)."""
    with transaction.atomic():
        boost = locked(boost)
        require(
            boost_policy.user_has_permission_for_instance(actor, "change", boost),
            _("Only the draft's author submits it."),
        )
        _check(boost)
        if boost.start < timezone.now() - timedelta(minutes=5):
            raise ValidationError({"start": _("The start has passed; choose a later one.")})
        boost.status = BoostStatus.SUBMITTED
        boost.submitted_at = timezone.now()
        boost.save(update_fields=["status", "submitted_at", "region_key", "updated_at"])
        step(boost, "submit", actor=actor)
        heads = list(kepala_bidang(boost.division_id)) or list(kepala_dinas())
        tell(
            heads,
            boost,
            "boost.submitted",
            key="submitted",
            author=actor.get_full_name(),
            amount=_money(boost.planned),
        )
    return boost


def _require_room(boost: BoostRequest) -> None:
    # The line is locked until the approval commits: two requests approved at once on one line
    # see each other's commitment instead of both fitting in the same room.
    BudgetLine.objects.select_for_update().filter(pk=boost.budget_line_id).first()
    figures = line_figures(boost.budget_line, excluding=boost.pk)
    if boost.planned > figures.left:
        raise ValidationError(
            _(
                "This boost may spend Rp %(planned)s, more than its budget line %(line)s has left "
                "(Rp %(left)s)."
            )
            % {
                "planned": _money(boost.planned),
                "line": boost.budget_line.code,
                "left": _money(max(figures.left, 0)),
            }
        )


def boost_approve_division(*, actor: User, boost: BoostRequest, comment: str = "") -> BoostRequest:
    """The first approval, by the Kepala Bidang of the request's division."""
    with transaction.atomic():
        boost = locked(boost)
        require(
            boost_policy.user_has_permission_for_instance(actor, "approve_division", boost),
            _("Only the Kepala Bidang of the request's division approves it first."),
        )
        if boost.status != BoostStatus.SUBMITTED:
            raise ValidationError(
                _("Only a request waiting for the Kepala Bidang can be approved here.")
            )
        _require_room(boost)
        boost.status = BoostStatus.APPROVED_DIVISION
        boost.save(update_fields=["status", "updated_at"])
        step(boost, "approve_division", actor=actor, comment=comment.strip())
        notification_settle(key_prefix=f"boost-{boost.pk}-submitted")
        tell(
            kepala_dinas(),
            boost,
            "boost.approved_division",
            key="approved_division",
            reviewer=actor.get_full_name(),
            amount=_money(boost.planned),
        )
    return boost


def _account_refusal(boost: BoostRequest) -> str:
    account = boost.ad_account
    if account.credential_id is None:
        return _("The ad account %(account)s has no token in the vault yet.") % {"account": account}
    if account.status != AdAccountStatus.ACTIVE:
        return _(
            "The ad account %(account)s is not active on Meta (%(status)s). %(problem)s Check it "
            "again once it is settled."
        ) % {"account": account, "status": account.get_status_display(), "problem": account.problem}
    if boost.social_issue and not account.issues_authorized:
        return _(
            "The ad account %(account)s is not authorised for ads about social issues, elections "
            "or politics. The person who administers it completes Meta's authorisation "
            "(identity and a “paid for by” disclaimer, facebook.com/id/authorizations), then the "
            "Kepala Dinas checks the account again here."
        ) % {"account": account}
    return ""


def boost_approve(*, actor: User, boost: BoostRequest, request: HttpRequest | None) -> BoostRequest:
    """The final approval, by the Kepala Dinas with a second factor given in the last minutes.
    The worker then creates the boost on Meta."""
    with transaction.atomic():
        boost = locked(boost)
        require(
            boost_policy.user_has_permission_for_instance(actor, "approve", boost),
            _("Only the Kepala Dinas gives the final approval."),
        )
        if request is None or not two_factor_is_fresh(request):
            raise TwoFactorNotFresh(_("Confirm with your authenticator app first."))
        without_head = (
            boost.status == BoostStatus.SUBMITTED and not kepala_bidang(boost.division_id).exists()
        )
        if boost.status != BoostStatus.APPROVED_DIVISION and not without_head:
            raise ValidationError(
                _("Only a request its Kepala Bidang approved can be given the final approval.")
            )
        _require_room(boost)
        refusal = _account_refusal(boost)
        if refusal:
            raise ValidationError(refusal)
        if boost.end <= timezone.now():
            raise ValidationError(_("The boost's end has passed; it cannot run any more."))
        boost.status = BoostStatus.APPROVED
        boost.save(update_fields=["status", "updated_at"])
        comment = _("The division has no Kepala Bidang.") if without_head else ""
        step(boost, "approve", actor=actor, comment=comment, details={"planned": boost.planned})
        notification_settle(key_prefix=f"boost-{boost.pk}-")
        tell(
            [boost.requested_by],
            boost,
            "boost.approved",
            key="approved",
            reviewer=actor.get_full_name(),
        )
        enqueue_on_commit("boosts.tasks.boost_launch", boost.pk)
    return boost


def boost_reject(*, actor: User, boost: BoostRequest, comment: str) -> BoostRequest:
    """Refuse a request waiting for approval, saying why (a comment is required)."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say why the request is rejected.")})
    with transaction.atomic():
        boost = locked(boost)
        if boost.status == BoostStatus.SUBMITTED:
            allowed = boost_policy.user_has_permission_for_instance(
                actor, "approve_division", boost
            ) or boost_policy.user_has_permission_for_instance(actor, "approve", boost)
        elif boost.status == BoostStatus.APPROVED_DIVISION:
            allowed = boost_policy.user_has_permission_for_instance(actor, "approve", boost)
        else:
            raise ValidationError(_("Only a request waiting for approval can be rejected."))
        require(allowed, _("You may not reject this request."))
        boost.status = BoostStatus.REJECTED
        boost.review_comment = comment
        boost.ended_at = timezone.now()
        boost.save(update_fields=["status", "review_comment", "ended_at", "updated_at"])
        step(boost, "reject", actor=actor, comment=comment)
        notification_settle(key_prefix=f"boost-{boost.pk}-")
        tell(
            [boost.requested_by],
            boost,
            "boost.rejected",
            key="rejected",
            reviewer=actor.get_full_name(),
            comment=comment,
        )
    return boost


def boost_stop(
    *, actor: User | None, boost: BoostRequest, reason: str, action: str = "stop"
) -> BoostRequest:
    """Stop a boost at once: in the books now (nothing more is committed), and on Meta by the
    worker right after commit (its objects paused). ``actor`` None is the portal itself (the
    budget's watch)."""
    with transaction.atomic():
        boost = locked(boost)
        if actor is not None:
            require(
                boost_policy.user_has_permission_for_instance(actor, "stop", boost),
                _("Only the Kepala Dinas stops a boost."),
            )
        if boost.status not in COMMITTING:
            raise ValidationError(_("Only an approved or running boost can be stopped."))
        was_creating = boost.status == BoostStatus.CREATING
        boost.status = BoostStatus.STOPPED
        boost.stop_reason = (reason or "").strip()[:300] or _("Stopped by the Kepala Dinas.")
        boost.ended_at = timezone.now()
        boost.save(update_fields=["status", "stop_reason", "ended_at", "updated_at"])
        step(boost, action, actor=actor, comment=boost.stop_reason)
        recipients = {boost.requested_by, *kepala_dinas()}
        tell(recipients, boost, "boost.stopped", key="stopped", message=boost.stop_reason)
        if boost.objects_made or was_creating:
            enqueue_on_commit("boosts.tasks.boost_pause", boost.pk)
    return boost
