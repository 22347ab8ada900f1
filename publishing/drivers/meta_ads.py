"""Paid boosts of published Facebook Page and Instagram posts through Meta's Marketing API, with
facebook-business (``AdAccount``, ``Campaign``, ``AdSet``, ``AdCreative``, ``Ad``).

Not a channel driver (it is not in ``DRIVER_MODULES``): the boosts app calls these functions with
the vault's System User token (``{"access_token": ...}``) and the ad account it pays from. Calls
go through ``_graph.graph_api`` like the Facebook driver's (``appsecret_proof``, timeouts, the
simulator) and every failure becomes one of the typed errors of ``errors.py``; no message ever
holds the token (``http.redact``).

A boost is four objects, made in this order, all ``PAUSED``: a campaign (the goal and the special
ad category), an ad set (budget, dates, audience), an ad creative (the existing post) and an ad.
``set_running`` then starts or stops it. Every object's name carries the request's key
(``[boost:<key>]``), so that after an answer lost on the way ``find_boost`` finds what was made
and nothing is made twice. When a step fails after others succeeded, what was made is deleted (or
paused when it cannot be deleted) and the error carries ``made``: what is left, never running.

The facts relied on (fields, codes, the IDR offset) are kept as contract examples in
``tests/contracts/meta_ads/`` with their sources.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from facebook_business.adobjects.ad import Ad
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adcreative import AdCreative
from facebook_business.adobjects.adset import AdSet
from facebook_business.adobjects.campaign import Campaign
from facebook_business.api import FacebookAdsApi

from ._graph import graph_api, graph_call
from .errors import DriverError, PermanentError, UncertainSend

PLATFORM = "facebook"
# The currency's offset: budgets are sent in the currency's minor unit; the rupiah has none
# (offset 1: Rp50.000 is sent as 50000). Marketing API, Currency Codes.
CURRENCY_OFFSETS = {"IDR": 1}
GOALS = {
    # goal: (campaign objective, ad set optimization goal, billing event)
    "reach": ("OUTCOME_AWARENESS", "REACH", "IMPRESSIONS"),
    "engagement": ("OUTCOME_ENGAGEMENT", "POST_ENGAGEMENT", "IMPRESSIONS"),
}
ISSUES = "ISSUES_ELECTIONS_POLITICS"
MIN_AGE, MAX_AGE = 18, 65
# ``account_status`` of an ad account (Marketing API, Ad Account reference).
ACCOUNT_STATUSES = {1: "active", 2: "disabled", 3: "unsettled"}
# Refusals the driver names (code, subcode). Codes the official pages did not show are marked in
# the contract examples (``verified_in_official_docs: false``) with where they were found.
BUDGET_TOO_LOW = {(100, 1885272)}
ISSUES_NOT_AUTHORIZED = {(100, 1487390)}


# --- what crosses the interface ------------------------------------------------------------------


@dataclass(frozen=True)
class AdAccountInfo:
    """An ad account as the boosts app needs it: can it pay for a boost, and in what money."""

    id: str
    name: str
    currency: str
    status: str  # "active" | "disabled" | "unsettled" | "other"
    issues_authorized: bool
    problem: str = ""  # what stands in the way, in the interface's language; "" when usable
    account_status: int | None = None  # Meta's own code
    disable_reason: int | None = None

    @property
    def usable(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class Targeting:
    """Who sees a boost: a country, or regions / cities by Meta's location keys, or a radius
    around a point (kilometres); and an age range (18 to 65)."""

    country: str = "ID"
    region_keys: tuple[str, ...] = ()
    city_keys: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = None
    age_min: int = MIN_AGE
    age_max: int = MAX_AGE


@dataclass(frozen=True)
class BoostSpec:
    """One boost request as the platform is asked for it."""

    key: str  # the request's idempotency key (uuid); in every object's name
    name: str  # a person's name for it, e.g. "Boost #12 Festival Budaya"
    ad_account_id: str
    page_id: str
    goal: str  # "reach" | "engagement"
    daily_budget: int | None  # rupiah, whole units
    lifetime_budget: int | None  # rupiah, whole units
    start: datetime  # aware
    end: datetime  # aware
    targeting: Targeting
    special_ad_categories: tuple[str, ...] = ()
    special_ad_category_country: tuple[str, ...] = ("ID",)
    object_story_id: str = ""  # a Facebook Page post, "<page>_<post>"
    instagram_media_id: str = ""
    instagram_user_id: str = ""


@dataclass(frozen=True)
class BoostObjects:
    """The platform's ids of one boost's objects (empty where not made)."""

    campaign_id: str = ""
    adset_id: str = ""
    creative_id: str = ""
    ad_id: str = ""

    @property
    def complete(self) -> bool:
        return all((self.campaign_id, self.adset_id, self.creative_id, self.ad_id))

    @property
    def empty(self) -> bool:
        return not any((self.campaign_id, self.adset_id, self.creative_id, self.ad_id))


@dataclass(frozen=True)
class DaySpend:
    """One day of a boost's results, as Meta's insights give them (``time_increment=1``)."""

    day: date
    spend: Decimal  # in the account's currency (rupiah)
    reach: int | None
    impressions: int | None
    frequency: Decimal | None
    results: int | None  # post engagements (engagement goal) or people reached (reach goal)


@dataclass
class _Made:
    """What one ``create_boost`` made so far (mutable while it works)."""

    ids: dict[str, str] = field(default_factory=dict)

    def objects(self) -> BoostObjects:
        return BoostObjects(**{f"{kind}_id": self.ids.get(kind, "") for kind in _KINDS})


_KINDS = ("campaign", "adset", "creative", "ad")
_NODE = {"campaign": Campaign, "adset": AdSet, "creative": AdCreative, "ad": Ad}


# --- helpers -------------------------------------------------------------------------------------


def account_node(ad_account_id: str) -> str:
    """``act_<digits>`` from ``act_<digits>`` or the digits alone."""
    digits = str(ad_account_id).strip().removeprefix("act_")
    if not digits.isdigit():
        raise PermanentError(
            _("The ad account id is not valid (it must be act_ followed by digits)."),
            platform=PLATFORM,
            code="invalid",
        )
    return f"act_{digits}"


def key_tag(key: str) -> str:
    return f"[boost:{key}]"


def object_name(spec: BoostSpec, part: str) -> str:
    """An object's name: the person's name, the part, and the request's key."""
    return f"{spec.name[:200]} · {part} {key_tag(spec.key)}"


def ad_library_url(ad_id: str) -> str:
    """The ad's page in Meta's Ad Library (ads about social issues stay there seven years)."""
    return f"https://www.facebook.com/ads/library/?id={ad_id}"


def _api(credential) -> FacebookAdsApi:
    return graph_api(credential, platform=PLATFORM)


def _call(credential, operation, *, write: bool):
    return graph_call(credential, operation, platform=PLATFORM, write=write)


def _code_pair(exc: DriverError) -> tuple[int | None, int | None]:
    code = exc.platform_code
    if isinstance(code, str) and "/" in code:
        first, second = code.split("/", 1)
        return _int(first), _int(second)
    return _int(code), None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _named(exc: DriverError) -> DriverError:
    """A Marketing API refusal the boosts app acts on, named by a stable ``code``."""
    if not isinstance(exc, PermanentError):
        return exc
    pair = _code_pair(exc)
    if pair in BUDGET_TOO_LOW:
        exc.code = "budget_too_low"
        exc.user_message = _(
            "The budget is below the minimum Meta accepts for this ad set; raise the daily or "
            "total budget."
        )
    elif pair in ISSUES_NOT_AUTHORIZED:
        exc.code = "issues_not_authorized"
        exc.user_message = _issues_words()
    return exc


def _issues_words() -> str:
    return _(
        "This ad account is not authorised for ads about social issues, elections or politics. "
        "An admin of the ad account must complete Meta's authorisation (identity and "
        '"Paid for by" disclaimer) in Business Settings, then try again.'
    )


# --- the ad account ------------------------------------------------------------------------------


def account_info(credential, ad_account_id: str) -> AdAccountInfo:
    """The ad account's name, currency and status, and whether it may run ads about social
    issues, elections or politics (asked with a validate-only campaign: nothing is created)."""
    node = account_node(ad_account_id)
    account = AdAccount(node, api=_api(credential))
    fields = ["id", "name", "currency", "account_status", "disable_reason"]
    data = _call(credential, lambda: account.api_get(fields=fields), write=False)
    data = data.export_all_data() if hasattr(data, "export_all_data") else dict(data)
    code = _int(data.get("account_status"))
    status = ACCOUNT_STATUSES.get(code, "other")
    reason = _int(data.get("disable_reason"))
    authorized = _issues_authorized(credential, account) if status == "active" else False
    problem = ""
    if status == "disabled":
        problem = _(
            "Meta has disabled this ad account (reason code %(reason)s); it must be restored in "
            "Meta's Business Settings before anything is boosted."
        ) % {"reason": reason if reason is not None else "-"}
    elif status == "unsettled":
        problem = _(
            "This ad account has an unpaid balance; settle it in Meta's Billing before boosting."
        )
    elif status == "other":
        problem = _(
            "This ad account cannot run ads now (Meta's status %(code)s); check it in Meta's "
            "Business Settings."
        ) % {"code": code if code is not None else "-"}
    elif data.get("currency") not in CURRENCY_OFFSETS:
        problem = _(
            "This ad account pays in %(currency)s; the portal's budgets are in rupiah (IDR)."
        ) % {"currency": data.get("currency") or "-"}
    return AdAccountInfo(
        id=str(data.get("id") or node),
        name=str(data.get("name") or ""),
        currency=str(data.get("currency") or ""),
        status=status,
        issues_authorized=authorized,
        problem=problem,
        account_status=code,
        disable_reason=reason,
    )


def _issues_authorized(credential, account: AdAccount) -> bool:
    params = {
        "name": "authorisation check",
        "objective": GOALS["reach"][0],
        "status": Campaign.Status.paused,
        "special_ad_categories": [ISSUES],
        "special_ad_category_country": ["ID"],
        "execution_options": [Campaign.ExecutionOptions.validate_only],
    }
    try:
        _call(credential, lambda: account.create_campaign(params=params), write=False)
    except PermanentError as exc:
        if _code_pair(exc) in ISSUES_NOT_AUTHORIZED:
            return False
        raise
    return True


def estimate_reach(
    credential, ad_account_id: str, targeting: Targeting, goal: str
) -> tuple[int, int] | None:
    """How many people the audience holds for this goal (lower, upper), from the ad account's
    ``delivery_estimate``; ``None`` when Meta does not give one."""
    _objective, optimization, _billing = _goal(goal)
    account = AdAccount(account_node(ad_account_id), api=_api(credential))
    params = {"targeting_spec": _targeting_spec(targeting), "optimization_goal": optimization}
    rows = _call(
        credential,
        lambda: [row.export_all_data() for row in account.get_delivery_estimate(params=params)],
        write=False,
    )
    if not rows:
        return None
    row = rows[0]
    lower = _int(row.get("estimate_mau_lower_bound"))
    upper = _int(row.get("estimate_mau_upper_bound"))
    if not row.get("estimate_ready", True) or lower is None or upper is None or lower < 0:
        return None
    return lower, upper


# --- creating a boost ----------------------------------------------------------------------------


def _goal(goal: str) -> tuple[str, str, str]:
    if goal not in GOALS:
        raise PermanentError(
            _("A boost's goal is reach or engagement."), platform=PLATFORM, code="invalid"
        )
    return GOALS[goal]


def _targeting_spec(targeting: Targeting) -> dict[str, Any]:
    """Meta's targeting spec: ``geo_locations`` (a country, region or city keys, or a
    ``custom_locations`` radius in kilometres) and the age range."""
    if not MIN_AGE <= targeting.age_min <= targeting.age_max <= MAX_AGE:
        raise PermanentError(
            _("The audience's age must be between 18 and 65."), platform=PLATFORM, code="invalid"
        )
    geo: dict[str, Any] = {}
    if targeting.latitude is not None and targeting.longitude is not None:
        radius = targeting.radius_km or 10
        geo["custom_locations"] = [
            {"latitude": targeting.latitude, "longitude": targeting.longitude,
             "radius": radius, "distance_unit": "kilometer"}
        ]  # fmt: skip
    if targeting.region_keys:
        geo["regions"] = [{"key": key} for key in targeting.region_keys]
    if targeting.city_keys:
        geo["cities"] = [{"key": key} for key in targeting.city_keys]
    if not geo:
        geo["countries"] = [targeting.country]
    return {"geo_locations": geo, "age_min": targeting.age_min, "age_max": targeting.age_max}


def _check_spec(spec: BoostSpec) -> None:
    problems = []
    if bool(spec.daily_budget) == bool(spec.lifetime_budget):
        problems.append(_("A boost has either a daily or a total budget."))
    if spec.start.tzinfo is None or spec.end.tzinfo is None or spec.end <= spec.start:
        problems.append(_("A boost ends after it starts."))
    if bool(spec.object_story_id) == bool(spec.instagram_media_id):
        problems.append(_("A boost promotes one Facebook Page post or one Instagram post."))
    if spec.instagram_media_id and not spec.instagram_user_id:
        problems.append(_("An Instagram boost needs the Instagram account's id."))
    if problems:
        raise PermanentError(" ".join(problems), platform=PLATFORM, code="invalid")


def _campaign_params(spec: BoostSpec) -> dict[str, Any]:
    objective, _optimization, _billing = _goal(spec.goal)
    params: dict[str, Any] = {
        "name": object_name(spec, "campaign"),
        "objective": objective,
        "status": Campaign.Status.paused,
        "special_ad_categories": list(spec.special_ad_categories),
    }
    if spec.special_ad_categories:
        params["special_ad_category_country"] = list(spec.special_ad_category_country)
    return params


def _adset_params(spec: BoostSpec, campaign_id: str, offset: int) -> dict[str, Any]:
    _objective, optimization, billing = _goal(spec.goal)
    targeting = _targeting_spec(spec.targeting)
    targeting["publisher_platforms"] = ["instagram" if spec.instagram_media_id else "facebook"]
    params: dict[str, Any] = {
        "name": object_name(spec, "ad set"),
        "campaign_id": campaign_id,
        "billing_event": billing,
        "optimization_goal": optimization,
        "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
        "start_time": spec.start.isoformat(),
        "end_time": spec.end.isoformat(),
        "targeting": targeting,
        "status": AdSet.Status.paused,
    }
    if spec.daily_budget:
        params["daily_budget"] = int(spec.daily_budget) * offset
    else:
        params["lifetime_budget"] = int(spec.lifetime_budget or 0) * offset
    return params


def _creative_params(spec: BoostSpec) -> dict[str, Any]:
    params: dict[str, Any] = {"name": object_name(spec, "creative")}
    if spec.object_story_id:
        params["object_story_id"] = spec.object_story_id
    else:
        params["object_id"] = spec.page_id
        params["instagram_user_id"] = spec.instagram_user_id
        params["source_instagram_media_id"] = spec.instagram_media_id
    return params


def create_boost(
    credential, spec: BoostSpec, *, resume: BoostObjects | None = None
) -> BoostObjects:
    """Make the boost's campaign, ad set, creative and ad, all paused; ``resume`` (what
    ``find_boost`` found after an uncertain try) is kept and only the missing objects are made.

    A step whose answer is lost is looked up by the key before anything else happens. On any
    failure after an object exists, what this call made is deleted (paused where deletion
    fails) and the error is raised with ``made``: what is left, never running. An
    ``UncertainSend`` that the look-up could not settle may still leave an object that appears
    later: the caller runs ``find_boost`` before any new try, then resumes or discards it.
    """
    _check_spec(spec)
    info = account_info(credential, spec.ad_account_id)
    if info.problem:
        raise PermanentError(info.problem, platform=PLATFORM, code=f"account_{info.status}")
    if ISSUES in spec.special_ad_categories and not info.issues_authorized:
        raise PermanentError(_issues_words(), platform=PLATFORM, code="issues_not_authorized")
    offset = CURRENCY_OFFSETS[info.currency]
    account = AdAccount(account_node(spec.ad_account_id), api=_api(credential))
    kept = resume or BoostObjects()
    made = _Made(ids={k: getattr(kept, f"{k}_id") for k in _KINDS if getattr(kept, f"{k}_id")})
    resumed = set(made.ids)
    steps = (
        ("campaign", lambda: account.create_campaign(params=_campaign_params(spec))),
        ("adset", lambda: account.create_ad_set(
            params=_adset_params(spec, made.ids["campaign"], offset))),
        ("creative", lambda: account.create_ad_creative(params=_creative_params(spec))),
        ("ad", lambda: account.create_ad(params={
            "name": object_name(spec, "ad"), "adset_id": made.ids["adset"],
            "creative": {"creative_id": made.ids["creative"]}, "status": Ad.Status.paused})),
    )  # fmt: skip
    for kind, create in steps:
        if kind in made.ids:
            continue
        try:
            made.ids[kind] = _create(credential, account, kind, spec.key, create)
        except DriverError as exc:
            ours = {k: v for k, v in made.ids.items() if k not in resumed}
            left = undo(credential, BoostObjects(**{f"{k}_id": v for k, v in ours.items()}))
            exc = _named(exc)
            exc.made = _merge(left, {k: made.ids[k] for k in resumed})  # type: ignore[attr-defined]
            raise exc from None
    return made.objects()


def _create(credential, account: AdAccount, kind: str, key: str, create) -> str:
    """One object made; after a lost answer it is looked up by the key (it may exist)."""
    try:
        return str(_call(credential, create, write=True)["id"])
    except UncertainSend as uncertain:
        try:
            found = _find_kind(credential, account, kind, key)
        except DriverError:
            raise uncertain from None  # still uncertain: the caller looks it up later
        if found:
            return found
        raise


def _merge(left: BoostObjects, kept: dict[str, str]) -> BoostObjects:
    ids = {f"{k}_id": v for k, v in kept.items()}
    for kind in _KINDS:
        value = getattr(left, f"{kind}_id")
        if value:
            ids[f"{kind}_id"] = value
    return BoostObjects(**ids)


def undo(credential, objects: BoostObjects) -> BoostObjects:
    """Delete a boost's objects, the ad first; one that cannot be deleted is paused (a creative
    has no status and never runs by itself). Returns what is left."""
    api = _api(credential)
    left: dict[str, str] = {}
    for kind in reversed(_KINDS):
        object_id = getattr(objects, f"{kind}_id")
        if not object_id:
            continue
        node = _NODE[kind](object_id, api=api)
        try:
            _call(credential, node.api_delete, write=True)
            continue
        except DriverError:
            left[f"{kind}_id"] = object_id
        if kind != "creative":
            with contextlib.suppress(DriverError):
                _call(
                    credential,
                    lambda n=node: n.api_update(params={"status": Campaign.Status.paused}),
                    write=True,
                )
    return BoostObjects(**left)


def discard_boost(credential, objects: BoostObjects) -> BoostObjects:
    """Take down a boost found half-made (after an uncertain try the boosts app gives up):
    the same clean-up ``create_boost`` does on a failure. Returns what is left, paused."""
    return undo(credential, objects)


# --- finding a boost by its key ------------------------------------------------------------------

_EDGES = {"campaign": "campaigns", "adset": "adsets", "creative": "adcreatives", "ad": "ads"}


def _find_kind(credential, account: AdAccount, kind: str, key: str) -> str:
    """The id of the account's object of ``kind`` whose name carries the key, or ``""``."""
    tag = key_tag(key)
    params = {
        "fields": "id,name",
        "filtering": json.dumps([{"field": "name", "operator": "CONTAIN", "value": tag}]),
        "limit": 50,
    }
    api = account.get_api_assured()
    body = _call(
        credential,
        lambda: api.call("GET", (account.get_id_assured(), _EDGES[kind]), params=params).json(),
        write=False,
    )
    for row in body.get("data") or []:
        if tag in str(row.get("name", "")):
            return str(row["id"])
    return ""


def find_boost(credential, ad_account_id: str, key: str) -> BoostObjects | None:
    """What exists of the boost with this key (deleted objects are not found); ``None`` when
    nothing does. Used before any new try after an uncertain one."""
    account = AdAccount(account_node(ad_account_id), api=_api(credential))
    found = BoostObjects(
        **{f"{kind}_id": _find_kind(credential, account, kind, key) for kind in _KINDS}
    )
    return None if found.empty else found


# --- running, stopping, reading ------------------------------------------------------------------


def set_running(credential, objects: BoostObjects, running: bool) -> None:
    """Start (``ACTIVE``) or stop (``PAUSED``) a boost. Starting sets the ad and ad set first and
    the campaign last; stopping pauses the campaign first, so it stops at once."""
    api = _api(credential)
    status = Campaign.Status.active if running else Campaign.Status.paused
    order = ("ad", "adset", "campaign") if running else ("campaign", "adset", "ad")
    for kind in order:
        object_id = getattr(objects, f"{kind}_id")
        if not object_id:
            continue
        node = _NODE[kind](object_id, api=api)
        _call(
            credential,
            lambda n=node: n.api_update(params={"status": status}),
            write=True,
        )


INSIGHT_FIELDS = ["spend", "reach", "impressions", "frequency", "actions", "objective"]


def read_spend(credential, objects: BoostObjects, since: date, until: date) -> list[DaySpend]:
    """The ad's results per day from ``since`` to ``until`` (the account's days), from its
    insights with ``time_increment=1``; days without delivery are absent."""
    if not objects.ad_id:
        return []
    ad = Ad(objects.ad_id, api=_api(credential))
    params = {
        "time_range": {"since": since.isoformat(), "until": until.isoformat()},
        "time_increment": 1,
        "level": "ad",
    }
    rows = _call(
        credential,
        lambda: [row.export_all_data() for row in ad.get_insights(fields=INSIGHT_FIELDS,
                                                                  params=params)],
        write=False,
    )  # fmt: skip
    return sorted((_day(row) for row in rows), key=lambda d: d.day)


def _day(row: dict[str, Any]) -> DaySpend:
    actions = {a.get("action_type"): _int(a.get("value")) for a in row.get("actions") or []}
    reach = _int(row.get("reach"))
    if row.get("objective") == GOALS["engagement"][0]:
        results = actions.get("post_engagement")
    else:
        results = reach
    return DaySpend(
        day=date.fromisoformat(row["date_start"]),
        spend=_decimal(row.get("spend")) or Decimal(0),
        reach=reach,
        impressions=_int(row.get("impressions")),
        frequency=_decimal(row.get("frequency")),
        results=results,
    )


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
