"""The worker's side of a boost: create it on Meta exactly once, keep it within its budget line,
stop it, read what it spent. Runs only in the worker: the ad account's token is decrypted here,
just before the call, through the vault (which records the use).

Exactly-once, as for deliveries: the request is claimed on its locked row (approved → creating);
a try that finds the request already ``creating`` (an answer lost, a worker that died) looks up
what exists on Meta by the request's key before it creates anything. Each object id is kept as
soon as it is known. A failure leaves nothing running: the driver deletes or pauses what it made,
the portal pauses what it knows of, and the request says what happened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import CredentialUnavailable, credential_for_use, credential_secret_for_use
from core.enqueue import enqueue
from publishing.drivers.errors import DriverError, RetryableError, UncertainSend

from ..budget import boost_spent, line_figures
from ..models import (
    COMMITTING,
    AdAccount,
    AdAccountStatus,
    AudienceKind,
    BoostGoal,
    BoostRequest,
    BoostSpendDay,
    BoostStatus,
    BudgetKind,
)
from .common import kepala_dinas, locked, step, tell

logger = logging.getLogger(__name__)

MAX_TRIES = 6
# Meta's category for ads about social issues, elections or politics, and where they run.
SOCIAL_ISSUE_CATEGORY = "ISSUES_ELECTIONS_POLITICS"


def driver() -> Any:
    """The Marketing API driver (``publishing.drivers.meta_ads``)."""
    from publishing.drivers import meta_ads

    return meta_ads


def _secret(account: AdAccount, used_by: str) -> dict[str, Any]:
    secret, _row = credential_for_use(credential_id=account.credential_id, used_by=used_by)
    return dict(secret)


def _retry_in(boost_tries: int, exc: DriverError) -> timedelta:
    """Meta's own wait when it gives one, else the publishing's back-off (doubling, at most an
    hour)."""
    base = settings.PUBLISHING_RETRY_BASE_SECONDS
    seconds = exc.retry_after or min(base * 2 ** max(boost_tries - 1, 0), 3600)
    return timedelta(seconds=seconds)


def _targeting(boost: BoostRequest):
    meta = driver()
    if boost.audience == AudienceKind.RADIUS:
        return meta.Targeting(
            latitude=boost.latitude,
            longitude=boost.longitude,
            radius_km=boost.radius_km,
            age_min=boost.age_min,
            age_max=boost.age_max,
        )
    return meta.Targeting(
        city_keys=(boost.region_key,), age_min=boost.age_min, age_max=boost.age_max
    )


def _spec(boost: BoostRequest):
    meta = driver()
    delivery, channel = boost.delivery, boost.delivery.channel
    instagram = channel.driver == "instagram_graph"
    daily = boost.budget_kind == BudgetKind.DAILY
    return meta.BoostSpec(
        key=str(boost.idempotency_key),
        name=f"Boost #{boost.pk} {delivery.post.display_title[:60]}",
        ad_account_id=boost.ad_account.act_id,
        page_id=_linked_page_id(channel) if instagram else channel.external_id,
        goal=BoostGoal(boost.goal).value,
        daily_budget=boost.amount if daily else None,
        lifetime_budget=None if daily else boost.amount,
        start=boost.start,
        end=boost.end,
        targeting=_targeting(boost),
        special_ad_categories=(SOCIAL_ISSUE_CATEGORY,) if boost.social_issue else (),
        object_story_id="" if instagram else _story_id(channel.external_id, delivery.external_id),
        instagram_media_id=delivery.external_id if instagram else "",
        instagram_user_id=channel.external_id if instagram else "",
    )


def _linked_page_id(channel) -> str:
    """The Facebook Page an Instagram business account is linked to (Meta runs its ads as that
    Page): the channel's ``page_id`` option, else the active Facebook channel of the same
    account group."""
    from publishing.models import Channel

    if channel.options.get("page_id"):
        return str(channel.options["page_id"])
    page = (
        Channel.objects.filter(driver="facebook", account_group=channel.account_group,
                               is_active=True)
        .exclude(external_id="")
        .order_by("pk")
        .first()
    )  # fmt: skip
    return page.external_id if page else ""


def _story_id(page_id: str, post_id: str) -> str:
    """A Page post's ``<page>_<post>`` id (the Graph API gives it so, or the post's own id)."""
    return post_id if "_" in post_id else f"{page_id}_{post_id}"


def _keep_objects(boost_id: int, objects: Any) -> BoostRequest:
    """Write each known object id at once (a crash later keeps them)."""
    with transaction.atomic():
        boost = locked(boost_id)
        for name in ("campaign_id", "adset_id", "creative_id", "ad_id"):
            value = getattr(objects, name, "") or ""
            if value:
                setattr(boost, name, value)
        boost.save(update_fields=["campaign_id", "adset_id", "creative_id", "ad_id", "updated_at"])
    return boost


def _known_objects(boost: BoostRequest):
    return driver().BoostObjects(
        campaign_id=boost.campaign_id,
        adset_id=boost.adset_id,
        creative_id=boost.creative_id,
        ad_id=boost.ad_id,
    )


@dataclass
class _Claim:
    boost: BoostRequest | None
    look_up: bool = False


def _claim(boost_id: int) -> _Claim:
    with transaction.atomic():
        boost = locked(boost_id)
        if boost.status == BoostStatus.APPROVED:
            boost.status = BoostStatus.CREATING
            look_up = False
            step(boost, "creating")
        elif boost.status == BoostStatus.CREATING:
            look_up = True  # an earlier try may have gone through: look it up first
        else:
            return _Claim(None)
        boost.attempts += 1
        boost.save(update_fields=["status", "attempts", "updated_at"])
    return _Claim(boost, look_up)


def boost_launch(*, boost_id: int) -> str:
    """Create the approved boost on Meta, paused, then activate it. Returns the status."""
    claim = _claim(boost_id)
    boost = claim.boost
    if boost is None:
        return BoostRequest.objects.get(pk=boost_id).status
    meta = driver()
    try:
        credential = _secret(boost.ad_account, f"boost:{boost.pk}")
        objects = _known_objects(boost)
        if not objects.complete:
            found = None
            if claim.look_up:
                found = meta.find_boost(
                    credential, boost.ad_account.act_id, str(boost.idempotency_key)
                )
            if found is None or not found.complete:
                # What an earlier try left (paused) is kept; only the missing objects are made.
                objects = meta.create_boost(credential, _spec(boost), resume=found)
            else:
                objects = found
            boost = _keep_objects(boost.pk, objects)
        return _activate(boost, credential, objects)
    except CredentialUnavailable as exc:
        return _fail(
            boost_id, str(exc) or _("The ad account's token was revoked."), "no_credential"
        )
    except RetryableError as exc:
        return _later(boost_id, exc)
    except DriverError as exc:
        made = getattr(exc, "made", None)
        if made is not None:
            _keep_objects(boost_id, made)
        return _fail(boost_id, str(exc.user_message), exc.code, made=made)


def _activate(boost: BoostRequest, credential: dict, objects: Any) -> str:
    meta = driver()
    with transaction.atomic():
        current = locked(boost.pk)
        # Stopped while it was being made: it stays paused.
        stopped = current.status if current.status != BoostStatus.CREATING else None
    if stopped is not None:
        meta.set_running(credential, objects, False)
        return stopped
    meta.set_running(credential, objects, True)
    with transaction.atomic():
        boost = locked(boost.pk)
        if boost.status != BoostStatus.CREATING:  # stopped during the call: pause it again
            transaction.on_commit(lambda: enqueue("boosts.tasks.boost_pause", boost.pk))
            return boost.status
        boost.status = BoostStatus.RUNNING
        boost.started_at = timezone.now()
        boost.uncertain = False
        boost.last_error = boost.error_code = ""
        boost.ad_library_url = meta.ad_library_url(objects.ad_id) if objects.ad_id else ""
        boost.save()
        step(boost, "running", details={"campaign": objects.campaign_id, "ad": objects.ad_id})
        tell({boost.requested_by, *kepala_dinas()}, boost, "boost.running", key="running")
    return boost.status


def _later(boost_id: int, exc: RetryableError) -> str:
    with transaction.atomic():
        boost = locked(boost_id)
        boost.uncertain = boost.uncertain or isinstance(exc, UncertainSend)
        if boost.attempts >= MAX_TRIES:
            return _fail_locked(boost, str(exc.user_message), exc.code)
        boost.last_error, boost.error_code = str(exc.user_message), exc.code
        boost.save(update_fields=["uncertain", "last_error", "error_code", "updated_at"])
        step(boost, "retry_later", comment=str(exc.user_message), details={"code": exc.code})
        eta = timezone.now() + _retry_in(boost.attempts, exc)
        transaction.on_commit(lambda: enqueue("boosts.tasks.boost_launch", boost_id, eta=eta))
    return boost.status


def _fail(boost_id: int, message: str, code: str, made: Any = None) -> str:
    with transaction.atomic():
        return _fail_locked(locked(boost_id), message, code, made=made)


def _fail_locked(boost: BoostRequest, message: str, code: str, made: Any = None) -> str:
    """The request failed: nothing committed on its line any more; what Meta still holds of it
    (paused) is named; the requester and the Kepala Dinas are told."""
    if boost.status not in COMMITTING:
        return boost.status
    if boost.objects_made:
        message = f"{message} " + _(
            "What was made on Meta is paused and spends nothing (campaign %(campaign)s)."
        ) % {"campaign": boost.campaign_id or "-"}
    if made is None and (boost.objects_made or boost.uncertain):
        # Made by the portal, or perhaps made by a try whose answer was lost: paused (found by
        # the request's key when its ids are not known).
        transaction.on_commit(lambda: enqueue("boosts.tasks.boost_pause", boost.pk))
    boost.status = BoostStatus.FAILED
    boost.last_error, boost.error_code = message[:2000], code[:40]
    boost.ended_at = timezone.now()
    boost.save()
    step(boost, "fail", comment=message, details={"code": code})
    tell(
        {boost.requested_by, *kepala_dinas()}, boost, "boost.failed", key="failed", message=message
    )
    return boost.status


def boost_pause(*, boost_id: int) -> str:
    """Pause on Meta what a stopped or failed boost holds (found by its key when its ids are not
    known yet). Retried later when Meta does not answer."""
    boost = BoostRequest.objects.select_related("ad_account").get(pk=boost_id)
    if boost.status in COMMITTING:
        return boost.status  # running as it should; a stop changes the status first
    meta = driver()
    try:
        credential = _secret(boost.ad_account, f"boost:{boost.pk}")
        objects = _known_objects(boost)
        if not objects.campaign_id:
            found = meta.find_boost(credential, boost.ad_account.act_id, str(boost.idempotency_key))
            if found is None:
                return "nothing"
            objects = found
            _keep_objects(boost.pk, found)
        meta.set_running(credential, objects, False)
    except CredentialUnavailable as exc:
        _pause_problem(boost_id, str(exc))
        return "refused"
    except RetryableError as exc:
        enqueue("boosts.tasks.boost_pause", boost_id, eta=timezone.now() + _retry_in(1, exc))
        return "later"
    except DriverError as exc:
        _pause_problem(boost_id, str(exc.user_message))
        return "refused"
    with transaction.atomic():
        step(locked(boost_id), "paused_on_meta")
    return "paused"


def _pause_problem(boost_id: int, message: str) -> None:
    with transaction.atomic():
        boost = locked(boost_id)
        text = _("Meta did not pause the boost: %(message)s. Pause it in Ads Manager.") % {
            "message": message
        }
        boost.last_error = text
        boost.save(update_fields=["last_error", "updated_at"])
        step(boost, "pause_failed", comment=text)
        tell(kepala_dinas(), boost, "boost.failed", key="pause-failed", message=text)


# --- spend ---------------------------------------------------------------------------------------


def spend_due(today: date) -> list[int]:
    """Boosts to read today: the running ones, and those ended in the last three days (their last
    days' spend arrives late)."""
    recent = timezone.now() - timedelta(days=3)
    running = BoostRequest.objects.filter(status=BoostStatus.RUNNING)
    ended = BoostRequest.objects.filter(
        status__in=[BoostStatus.FINISHED, BoostStatus.STOPPED, BoostStatus.FAILED],
        ended_at__gte=recent,
    ).exclude(campaign_id="")
    return sorted({*running.values_list("pk", flat=True), *ended.values_list("pk", flat=True)})


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def boost_read_spend(*, boost_id: int, today: date | None = None) -> dict:
    """Read the boost's spend, reach, impressions, frequency and results per day; close it once
    its end has passed; pause it when its next day would pass its budget line."""
    today = today or timezone.localdate()
    boost = BoostRequest.objects.select_related("ad_account", "budget_line").get(pk=boost_id)
    if not boost.campaign_id:
        return {"read": 0}
    meta = driver()
    since = _local_day(boost.start)
    until = min(today, _local_day(boost.end))
    try:
        credential = _secret(boost.ad_account, f"boost:{boost.pk}:spend")
        days = meta.read_spend(credential, _known_objects(boost), since, until)
    except (CredentialUnavailable, DriverError) as exc:
        logger.warning("spend of boost %s not read: %s", boost_id, exc)
        if boost.status == BoostStatus.RUNNING and not isinstance(exc, RetryableError):
            # The login is gone (expired, revoked, missing): the portal can neither read nor
            # pause the boost, which runs on Meta until its end or budget. Told once a day.
            tell(kepala_dinas(), boost, "boost.spend_unread", key=f"spend-unread-{today}",
                 message=str(exc))  # fmt: skip
        return {"read": 0, "error": str(exc)}
    with transaction.atomic():
        for day in days:
            BoostSpendDay.objects.update_or_create(
                boost=boost,
                day=day.day,
                defaults={
                    "spend": day.spend,
                    "reach": day.reach,
                    "impressions": day.impressions,
                    "frequency": day.frequency,
                    "results": day.results,
                },
            )
        boost = locked(boost.pk)
        boost.spend_read_at = timezone.now()
        boost.save(update_fields=["spend_read_at", "updated_at"])
        if boost.status == BoostStatus.RUNNING and boost.is_over:
            boost.status, boost.ended_at = BoostStatus.FINISHED, timezone.now()
            boost.save(update_fields=["status", "ended_at", "updated_at"])
            step(boost, "finish", details={"spent": boost_spent(boost.pk)})
    paused = boost.status == BoostStatus.RUNNING and _would_pass_line(boost)
    return {"read": len(days), "paused": paused}


def _would_pass_line(boost: BoostRequest) -> bool:
    """Pause the boost when what it may spend next no longer fits in its line; tell the Kepala
    Dinas."""
    from .requests import boost_stop

    figures = line_figures(boost.budget_line, excluding=boost.pk)
    spent = boost_spent(boost.pk)
    if boost.budget_kind == BudgetKind.DAILY:
        exposure = boost.amount
    else:
        exposure = max(boost.amount - spent, 0)
    room = figures.left
    if room >= exposure and room >= 0:
        return False
    reason = _("It would pass its budget line %(line)s.") % {"line": boost.budget_line.code}
    boost_stop(actor=None, boost=boost, reason=reason, action="budget_pause")
    tell(
        kepala_dinas(),
        boost,
        "boost.budget_paused",
        key="budget-paused",
        line=boost.budget_line.code,
        left=f"{max(room, 0):,}".replace(",", "."),
    )
    return True


# --- estimates and accounts ------------------------------------------------------------------------


def boost_estimate(*, boost_id: int) -> str:
    """Ask Meta how many people the request's audience holds (where it gives an estimate)."""
    boost = BoostRequest.objects.select_related("ad_account").get(pk=boost_id)
    if boost.is_closed or boost.ad_account.credential_id is None:
        return "skipped"
    meta = driver()
    try:
        credential = _secret(boost.ad_account, f"boost:{boost.pk}:estimate")
        found = meta.estimate_reach(
            credential, boost.ad_account.act_id, _targeting(boost), BoostGoal(boost.goal).value
        )
    except (CredentialUnavailable, DriverError) as exc:
        note, found = _("Meta gave no estimate: %(message)s") % {"message": str(exc)[:200]}, None
    else:
        note = "" if found else _("Meta gives no estimate for this audience.")
    BoostRequest.objects.filter(pk=boost_id).update(
        estimate_lower=found[0] if found else None,
        estimate_upper=found[1] if found else None,
        estimate_note=note[:300],
    )
    return "estimated" if found else "none"


ACCOUNT_STATUSES = {s.value for s in AdAccountStatus}


def ad_account_check(*, account_id: int) -> str:
    """Read the ad account's state on Meta: status, currency, authorisation for social-issue
    ads, and what to do when it cannot be used."""
    account = AdAccount.objects.get(pk=account_id)
    meta = driver()
    try:
        info = meta.account_info(_secret(account, f"ad_account:{account.pk}"), account.act_id)
    except (CredentialUnavailable, DriverError) as exc:
        account.status, account.problem = AdAccountStatus.OTHER, str(exc)[:300]
    else:
        account.status = info.status if info.status in ACCOUNT_STATUSES else AdAccountStatus.OTHER
        account.currency = info.currency or account.currency
        account.issues_authorized = info.issues_authorized
        account.problem = (info.problem or "")[:300]
        if account.currency != "IDR":
            account.problem = _(
                "The account bills in %(currency)s; the portal's budgets are in rupiah (IDR)."
            ) % {"currency": account.currency}
            account.status = AdAccountStatus.OTHER
    account.checked_at = timezone.now()
    account.save(update_fields=["status", "currency", "issues_authorized", "problem", "checked_at"])
    return account.status


def check_ad_account_credential(credential: Any, account: AdAccount):
    """The vault's daily check of an ad account's System User token (inside the worker): does
    Meta still answer with it, and can the account run ads?"""
    from accounts.vault_targets import CheckResult
    from publishing.drivers.errors import TokenExpired

    try:
        secret = dict(credential_secret_for_use(credential_id=credential.pk,
                                                used_by=f"check:ad_account:{account.pk}"))  # fmt: skip
        info = driver().account_info(secret, account.act_id)
    except TokenExpired as exc:
        return CheckResult(ok=False, message=str(exc.user_message), revoked=True)
    except (CredentialUnavailable, DriverError) as exc:
        return CheckResult(ok=False, message=str(exc))
    return CheckResult(ok=not info.problem, message=info.problem)
