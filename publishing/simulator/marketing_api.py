"""Meta's Marketing API as facebook-business meets it, below the simulator's Graph API
(``/act_{id}/...`` and the ids of the objects made there), for the boosts of published posts.

Ad accounts are ``Account`` rows of kind ``ad_account`` (their currency, ``account_status``,
``disable_reason`` and whether they are authorised for ads about social issues, elections or
politics in ``extra``), managed by a System User whose token calls them. Campaigns, ad sets,
creatives and ads are ``AdObject`` rows with their states. Strict like Meta: a budget below the
minimum, an unauthorised social-issue campaign, a disabled account, a post that does not exist,
an age under 18 are refused with Meta's error envelope. An ad spends while it and its ad set and
campaign are ``ACTIVE`` within the ad set's dates: ``SPEND_RATE`` of the daily budget per day
(deterministic; tests move ``now`` or set a day's spend with ``set_spend``); its insights come
per day. Faults are the simulator's own (``Fault``), set on the ad account: rate limits (17, 613,
80004), server errors, expired tokens, and an ad created whose answer is lost.
"""

from __future__ import annotations

import json
import math
import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from . import services
from .common import after_accept, json_answer, take_fault
from .models import Account, AdObject, Fault

ACCOUNT_TZ = ZoneInfo("Asia/Jakarta")
# A day of running spends this share of the daily budget (the simulator's own pacing).
SPEND_RATE = Decimal("0.9")
# The smallest daily budget an ad set may have here, in rupiah (the simulator's own figure: Meta
# gives each account's through ``/act_{id}/minimum_budgets``); an account may set its own.
MIN_DAILY_BUDGET = 15000
CPM = 15000  # rupiah per thousand impressions
OBJECTIVES = {
    "OUTCOME_AWARENESS": {"REACH", "IMPRESSIONS", "AD_RECALL_LIFT"},
    "OUTCOME_ENGAGEMENT": {"POST_ENGAGEMENT", "IMPRESSIONS", "REACH"},
    "OUTCOME_TRAFFIC": {"LINK_CLICKS", "LANDING_PAGE_VIEWS", "REACH", "IMPRESSIONS"},
}
SPECIAL_AD_CATEGORIES = {
    "NONE", "EMPLOYMENT", "HOUSING", "FINANCIAL_PRODUCTS_SERVICES", "ISSUES_ELECTIONS_POLITICS",
}  # fmt: skip
STATUSES = {"ACTIVE", "PAUSED", "ARCHIVED", "DELETED"}
THROTTLES = {
    17: (2446079, "(#17) User request limit reached"),
    613: (1487742, "(#613) There have been too many calls from this ad-account. Please wait a "
                   "bit and try again."),
    80004: (None, "(#80004) There have been too many calls to this ad-account. Wait a bit and "
                  "try again. For more info, please refer to "
                  "https://developers.facebook.com/docs/graph-api/overview/rate-limiting#ads-management."),
}  # fmt: skip
_EDGE_KINDS = {"campaigns": "campaign", "adsets": "adset", "adcreatives": "creative", "ads": "ad"}


def now() -> datetime:
    """The simulator's clock for spend (tests replace it to let days pass)."""
    return timezone.now()


# --- answers --------------------------------------------------------------------------------------


def _error(
    message, code, *, status=400, subcode=None, headers=None, kind="OAuthException", **extra
):
    error = {"message": message, "type": kind, "code": code,
             "fbtrace_id": secrets.token_urlsafe(8)}  # fmt: skip
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    return json_answer({"error": error}, status=status, headers=headers)


def _invalid(title: str, message: str, subcode: int | None = None):
    return _error("Invalid parameter", 100, subcode=subcode, is_transient=False,
                  error_user_title=title, error_user_msg=message)  # fmt: skip


def _unknown(node: str, method: str):
    verb = "post" if method == "POST" else "get"
    return _error(
        f"Unsupported {verb} request. Object with ID '{node}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation.",
        100, subcode=33, kind="GraphMethodException",
    )  # fmt: skip


def _usage(account: Account, *, minutes: int = 0, full: bool = False) -> dict[str, str]:
    share = 100 if full else 4
    usage = {account.external_id.removeprefix("act_"): [
        {"type": "ads_management", "call_count": share, "total_cputime": 1, "total_time": 2,
         "estimated_time_to_regain_access": minutes},
    ]}  # fmt: skip
    return {"X-Business-Use-Case-Usage": json.dumps(usage)}


def _fault_answer(fault: Fault, account: Account):
    if fault.mode == Fault.Mode.RATE_LIMIT:
        code = fault.code if fault.code in THROTTLES else 80004
        subcode, message = THROTTLES[code]
        minutes = max(1, math.ceil(fault.retry_after / 60))
        return _error(message, code, subcode=subcode, is_transient=True,
                      headers=_usage(account, minutes=minutes, full=True))  # fmt: skip
    if fault.mode == Fault.Mode.SERVER_ERROR:
        return _error("An unexpected error has occurred. Please retry your request later.", 2,
                      status=500, is_transient=True)  # fmt: skip
    if fault.mode == Fault.Mode.TOKEN_EXPIRED:
        when = (timezone.now() - timedelta(minutes=1)).strftime("%A, %d-%b-%y %H:%M:%S")
        return _error(f"Error validating access token: Session has expired on {when} PDT.", 190,
                      subcode=463)  # fmt: skip
    return None


# --- the dispatcher -------------------------------------------------------------------------------


def answer(request: HttpRequest, parts: list[str], data: dict[str, Any], caller):
    """The Marketing API's answer to this Graph request, or ``None`` when it is not one (not an
    ad account, nor an object made in one)."""
    node_id, edge = parts[0], (parts[1] if len(parts) > 1 else "")
    obj = None
    if node_id.startswith("act_"):
        account = Account.objects.filter(kind=Account.Kind.AD_ACCOUNT, external_id=node_id).first()
        if account is None:
            request.sim.account = caller.account
            return _unknown(node_id, request.method)
    else:
        obj = AdObject.objects.select_related("account").filter(external_id=node_id).first()
        if obj is None:
            return None
        account = obj.account
    request.sim.account = account
    if caller.account.pk != account.manager_id:
        return _error("(#200) User does not have sufficient permission for this action on this "
                      "ad account", 200)  # fmt: skip
    granted = services.token_scopes(caller.token)
    needed = {"ads_management"} if request.method != "GET" else {"ads_management", "ads_read"}
    if not granted & needed:
        return _error("(#200) Requires ads_management permission to manage the object", 200)
    if request.method == "GET":
        operation = "read"
    elif request.method == "POST" and edge == "ads":
        operation = "publish"  # the ad: what will spend
    else:
        operation = "write"
    fault = take_fault(request, operation)
    if fault is not None and (refusal := _fault_answer(fault, account)) is not None:
        return refusal
    target = obj if obj is not None else account
    handler = _HANDLERS.get((type(target).__name__, request.method, edge))
    if handler is None:
        return _unknown(f"{node_id}/{edge}" if edge else node_id, request.method)
    if obj is not None and obj.status == "DELETED" and request.method != "GET":
        return _unknown(node_id, request.method)
    response = handler(request, target, data)
    for name, value in _usage(account).items():
        response.setdefault(name, value)
    return response


# --- the ad account -------------------------------------------------------------------------------


def _status(account: Account) -> int:
    return int(account.extra.get("account_status", 1))


def _account_node(request, account: Account, data):
    extra = account.extra
    body = {
        "id": account.external_id,
        "account_id": account.external_id.removeprefix("act_"),
        "name": account.name,
        "currency": extra.get("currency", "IDR"),
        "account_status": _status(account),
        "disable_reason": int(extra.get("disable_reason", 0)),
        "timezone_name": "Asia/Jakarta",
    }
    fields = [f for f in str(data.get("fields") or "").split(",") if f]
    if fields:
        body = {k: v for k, v in body.items() if k in fields or k == "id"}
    return json_answer(body)


def _json(data, name, default=None):
    value = data.get(name, default)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _closed(account: Account):
    """Meta refuses new objects on an account that cannot run ads (the simulator's wording)."""
    if _status(account) == 1:
        return None
    return _invalid("Ad Account Not Active",
                    "This ad account is disabled or has an unsettled balance; ads cannot be "
                    "created in it.")  # fmt: skip


def _new(account: Account, kind: str, name: str, **fields) -> AdObject:
    return AdObject.objects.create(
        account=account, kind=kind, external_id=services.new_id(17), name=name, **fields
    )


def _campaign_create(request, account: Account, data):
    name = str(data.get("name") or "")
    objective = str(data.get("objective") or "")
    categories = _json(data, "special_ad_categories")
    if not name:
        return _error("(#100) The parameter name is required", 100)
    if objective not in OBJECTIVES:
        return _error(f"(#100) Param objective must be one of {{{', '.join(OBJECTIVES)}}}", 100)
    if categories is None:
        return _error("(#100) The parameter special_ad_categories is required", 100)
    if not isinstance(categories, list) or any(c not in SPECIAL_AD_CATEGORIES for c in categories):
        return _error("(#100) Param special_ad_categories has an invalid value", 100)
    categories = [c for c in categories if c != "NONE"]
    countries = _json(data, "special_ad_category_country") or []
    if categories and not countries:
        return _invalid("Special Ad Category Country Required",
                        "Select the country for your special ad category.")  # fmt: skip
    if (refusal := _closed(account)) is not None:
        return refusal
    if "ISSUES_ELECTIONS_POLITICS" in categories and not account.extra.get("issues_authorized"):
        return _invalid(
            "Authorization Required",
            "This ad account must complete the authorization process to run ads about social "
            'issues, elections or politics, and the ads need a "Paid for by" disclaimer.',
            1487390,
        )
    status = str(data.get("status") or "ACTIVE")
    if status not in ("ACTIVE", "PAUSED"):
        return _error("(#100) Param status must be one of {ACTIVE, PAUSED}", 100)
    if "validate_only" in (_json(data, "execution_options") or []):
        return json_answer({"success": True})
    campaign = _new(account, "campaign", name, status=status,
                    fields={"objective": objective, "special_ad_categories": categories,
                            "special_ad_category_country": countries})  # fmt: skip
    return json_answer({"id": campaign.external_id})


def _when(value) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError):
        pass
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ACCOUNT_TZ)


def _days(start: datetime, end: datetime) -> int:
    return max(1, math.ceil((end - start).total_seconds() / 86400))


def _adset_create(request, account: Account, data):
    campaign = (
        AdObject.objects.filter(
            account=account, kind="campaign", external_id=str(data.get("campaign_id") or "")
        )
        .exclude(status="DELETED")
        .first()
    )
    if campaign is None:
        return _error("(#100) Param campaign_id must be a valid campaign of this ad account", 100)
    optimization = str(data.get("optimization_goal") or "")
    billing = str(data.get("billing_event") or "")
    if not billing:
        return _error("(#100) The parameter billing_event is required", 100)
    if optimization not in OBJECTIVES[campaign.fields["objective"]]:
        return _invalid("Invalid Optimization Goal",
                        "The optimization goal is not available for the campaign's objective.")  # fmt: skip
    targeting = _json(data, "targeting")
    if not isinstance(targeting, dict) or not targeting.get("geo_locations"):
        return _error("(#100) Targeting spec must include geo_locations", 100)
    if int(targeting.get("age_min", 18)) < 18 or int(targeting.get("age_max", 65)) > 65:
        return _invalid("Invalid Age", "The age range must be between 18 and 65.")
    start = _when(data.get("start_time")) or now()
    end = _when(data.get("end_time"))
    daily, lifetime = data.get("daily_budget"), data.get("lifetime_budget")
    if bool(daily) == bool(lifetime):
        return _error("(#100) Set either daily_budget or lifetime_budget", 100)
    if lifetime and end is None:
        return _error("(#100) end_time is required with lifetime_budget", 100)
    if end is not None and end <= start:
        return _error("(#100) end_time must be after start_time", 100)
    minimum = int(account.extra.get("min_daily_budget", MIN_DAILY_BUDGET))
    per_day = int(daily) if daily else int(lifetime) // _days(start, end)
    if per_day < minimum:
        return _invalid(
            "Budget Is Too Low",
            f"The budget for this ad set must be at least Rp{minimum:,} per day.".replace(",", "."),
            1885272,
        )
    if (refusal := _closed(account)) is not None:
        return refusal
    adset = _new(account, "adset", str(data.get("name") or ""), parent=campaign,
                 status=str(data.get("status") or "ACTIVE"),
                 fields={"optimization_goal": optimization, "billing_event": billing,
                         "bid_strategy": str(data.get("bid_strategy") or ""),
                         "daily_budget": int(daily) if daily else None,
                         "lifetime_budget": int(lifetime) if lifetime else None,
                         "start_time": start.isoformat(),
                         "end_time": end.isoformat() if end else None,
                         "targeting": targeting})  # fmt: skip
    return json_answer({"id": adset.external_id})


def _post_of(platform: str, external_id: str, owner_id: str = ""):
    from .models import Post

    posts = Post.objects.filter(
        account__platform=platform, external_id=external_id, published=True,
        deleted_at__isnull=True, parent__isnull=True,
    )  # fmt: skip
    if owner_id:
        posts = posts.filter(account__external_id=owner_id)
    return posts.first()


def _creative_create(request, account: Account, data):
    story = str(data.get("object_story_id") or "")
    media = str(data.get("source_instagram_media_id") or "")
    if story:
        if _post_of("facebook", story) is None:
            return _invalid("Invalid Post", f"The post {story} does not exist or cannot be "
                                            "promoted.")  # fmt: skip
        fields = {"object_story_id": story}
    elif media:
        user, page = str(data.get("instagram_user_id") or ""), str(data.get("object_id") or "")
        if not user or not page:
            return _error("(#100) instagram_user_id and object_id are required", 100)
        if _post_of("instagram", media, user) is None:
            return _invalid("Invalid Instagram Media", f"The media {media} does not exist for "
                                                       "this Instagram account.")  # fmt: skip
        fields = {"object_id": page, "instagram_user_id": user, "source_instagram_media_id": media}
    else:
        return _error("(#100) The creative needs object_story_id or source_instagram_media_id", 100)
    creative = _new(account, "creative", str(data.get("name") or ""), status="ACTIVE",
                    fields=fields)  # fmt: skip
    return json_answer({"id": creative.external_id})


def _ad_create(request, account: Account, data):
    adset = (
        AdObject.objects.filter(
            account=account, kind="adset", external_id=str(data.get("adset_id") or "")
        )
        .exclude(status="DELETED")
        .first()
    )
    spec = _json(data, "creative") or {}
    creative = AdObject.objects.filter(
        account=account, kind="creative",
        external_id=str(spec.get("creative_id") if isinstance(spec, dict) else ""),
    ).exclude(status="DELETED").first()  # fmt: skip
    if adset is None or creative is None:
        return _error("(#100) Param adset_id and creative must name objects of this ad account",
                      100)  # fmt: skip
    if (refusal := _closed(account)) is not None:
        return refusal
    ad = _new(account, "ad", str(data.get("name") or ""), parent=adset, creative=creative,
              status=str(data.get("status") or "ACTIVE"))  # fmt: skip
    _refresh(ad)
    return after_accept(
        request,
        lambda: json_answer({"id": ad.external_id}),
        lambda: _error("An unexpected error has occurred. Please retry your request later.", 2,
                       status=500, is_transient=True),
    )  # fmt: skip


_CREATORS = {"campaigns": _campaign_create, "adsets": _adset_create,
             "adcreatives": _creative_create, "ads": _ad_create}  # fmt: skip


def _object_json(obj: AdObject, fields: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"id": obj.external_id, "name": obj.name}
    if obj.kind != "creative":
        body["status"] = obj.status
        body["effective_status"] = _effective(obj)
    if obj.kind == "ad" and obj.creative_id:
        body["creative"] = {"id": obj.creative.external_id}
    if obj.kind in ("adset", "ad") and obj.parent_id:
        body["campaign_id" if obj.kind == "adset" else "adset_id"] = obj.parent.external_id
    for name, value in obj.fields.items():
        body.setdefault(name, value)
    if fields:
        body = {k: v for k, v in body.items() if k in fields or k == "id"}
    return body


def _fields(data) -> list[str]:
    names = []
    for item in str(data.get("fields") or "").split(","):
        name = item.split("{", 1)[0].strip()
        if name:
            names.append(name)
    return names


def _edge_list(request, account: Account, data, edge: str):
    rows = AdObject.objects.filter(account=account, kind=_EDGE_KINDS[edge]).exclude(
        status="DELETED"
    )
    for rule in _json(data, "filtering") or []:
        if rule.get("field") == "name" and rule.get("operator") == "CONTAIN":
            rows = rows.filter(name__contains=str(rule.get("value", "")))
    try:
        limit = max(1, min(int(data.get("limit") or 25), 100))
    except ValueError:
        return _error("(#100) The parameter limit must be an integer", 100)
    found = [_object_json(obj, _fields(data)) for obj in rows.order_by("-id")[:limit]]
    return json_answer(
        {"data": found, "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}}}
    )


def _edge_post(request, account: Account, data, edge: str):
    with transaction.atomic():
        return _CREATORS[edge](request, account, data)


def _audience(targeting) -> tuple[int, int]:
    geo = (targeting or {}).get("geo_locations") or {}
    if geo.get("custom_locations"):
        place = geo["custom_locations"][0]
        radius = float(place.get("radius") or 10)
        if place.get("distance_unit") == "mile":
            radius *= 1.609
        middle = int(math.pi * radius * radius * 900)
    elif geo.get("cities") or geo.get("regions"):
        middle = 950_000 * len(geo.get("cities") or []) + 30_000_000 * len(geo.get("regions") or [])
    else:
        middle = 200_000_000 * max(1, len(geo.get("countries") or []))
    span = max(1, int(targeting.get("age_max", 65)) - int(targeting.get("age_min", 18)))
    middle = middle * span // 47
    return middle * 85 // 100, middle * 115 // 100


def _delivery_estimate(request, account: Account, data):
    targeting = _json(data, "targeting_spec")
    if not isinstance(targeting, dict) or not targeting.get("geo_locations"):
        return _error("(#100) targeting_spec with geo_locations is required", 100)
    lower, upper = _audience(targeting)
    return json_answer({"data": [{"daily_outcomes_curve": [], "estimate_dau": lower // 5,
                                  "estimate_mau_lower_bound": lower,
                                  "estimate_mau_upper_bound": upper, "estimate_ready": True}]})  # fmt: skip


def _reach_estimate(request, account: Account, data):
    targeting = _json(data, "targeting_spec")
    if not isinstance(targeting, dict) or not targeting.get("geo_locations"):
        return _error("(#100) targeting_spec with geo_locations is required", 100)
    lower, upper = _audience(targeting)
    return json_answer({"data": {"users_lower_bound": lower, "users_upper_bound": upper,
                                 "estimate_ready": True}})  # fmt: skip


# --- objects and their states ---------------------------------------------------------------------


def _chain(obj: AdObject) -> list[AdObject]:
    """The object and those above it (ad, ad set, campaign)."""
    chain = [obj]
    while chain[-1].parent_id:
        chain.append(chain[-1].parent)
    return chain


def _effective(obj: AdObject) -> str:
    """``effective_status``: the object's own, or ``CAMPAIGN_PAUSED`` / ``ADSET_PAUSED`` when
    it is active below a paused parent."""
    if obj.status != "ACTIVE":
        return obj.status
    for parent in _chain(obj)[1:]:
        if parent.status != "ACTIVE":
            return f"{parent.kind.upper()}_PAUSED"
    return "ACTIVE"


def _running(ad: AdObject) -> bool:
    return _status(ad.account) == 1 and all(item.status == "ACTIVE" for item in _chain(ad))


def _refresh(ad: AdObject) -> None:
    """Open or close the ad's running span after a state change."""
    ad.refresh_from_db()
    spans = list(ad.spans)
    is_open = bool(spans) and spans[-1][1] is None
    moment = now().isoformat()
    if _running(ad) and not is_open:
        spans.append([moment, None])
    elif not _running(ad) and is_open:
        spans[-1] = [spans[-1][0], moment]
    if spans != ad.spans:
        ad.spans = spans
        ad.save(update_fields=["spans"])


def _ads_below(obj: AdObject):
    if obj.kind == "ad":
        return [obj]
    if obj.kind == "adset":
        return list(obj.children.all())
    if obj.kind == "campaign":
        return list(AdObject.objects.filter(parent__parent=obj, kind="ad"))
    return []


def _set_status(obj: AdObject, status: str) -> None:
    obj.status = status
    obj.save(update_fields=["status"])
    if status == "DELETED":  # Meta deletes what is below a deleted campaign or ad set
        for child in obj.children.all():
            _set_status(child, "DELETED")
    for ad in _ads_below(obj):
        _refresh(ad)


def _object_node(request, obj: AdObject, data):
    return json_answer(_object_json(obj, _fields(data)))


def _object_update(request, obj: AdObject, data):
    status = str(data.get("status") or "")
    if obj.kind == "creative":
        if status:
            return _error("(#100) An ad creative has no status", 100)
        return json_answer({"success": True})
    if status and status not in STATUSES:
        return _error("(#100) Param status must be one of {ACTIVE, PAUSED, ARCHIVED, DELETED}",
                      100)  # fmt: skip
    if status == "ACTIVE" and (refusal := _closed(obj.account)) is not None:
        return refusal
    with transaction.atomic():
        if status:
            _set_status(obj, status)
        if data.get("name"):
            obj.name = str(data["name"])
            obj.save(update_fields=["name"])
    return json_answer({"success": True})


def _object_delete(request, obj: AdObject, data):
    with transaction.atomic():
        _set_status(obj, "DELETED")
    return json_answer({"success": True})


# --- spend and insights ---------------------------------------------------------------------------


def _daily_budget(adset: AdObject) -> int:
    fields = adset.fields
    if fields.get("daily_budget"):
        return int(fields["daily_budget"])
    start, end = _when(fields["start_time"]), _when(fields["end_time"])
    return int(fields["lifetime_budget"]) // _days(start, end)


def _running_seconds(ad: AdObject, day: date) -> float:
    adset = ad.parent
    begin = datetime.combine(day, time(), ACCOUNT_TZ)
    finish = begin + timedelta(days=1)
    begin = max(begin, _when(adset.fields["start_time"]))
    if adset.fields.get("end_time"):
        finish = min(finish, _when(adset.fields["end_time"]))
    moment, total = now(), 0.0
    for start, stop in ad.spans:
        low = max(begin, datetime.fromisoformat(start))
        high = min(finish, datetime.fromisoformat(stop) if stop else moment)
        total += max(0.0, (high - low).total_seconds())
    return total


def day_spend(ad: AdObject, day: date) -> int:
    """What the ad spent that day (the account's day), in rupiah."""
    if day.isoformat() in ad.spend:
        return int(ad.spend[day.isoformat()])
    seconds = _running_seconds(ad, day)
    amount = Decimal(_daily_budget(ad.parent)) * SPEND_RATE * Decimal(seconds) / 86400
    return int(amount.quantize(Decimal(1), rounding=ROUND_DOWN))


def set_spend(ad_id: str, day: date, amount: int) -> None:
    """Set a day's spend of an ad by hand (a test or the demo)."""
    ad = AdObject.objects.get(external_id=ad_id, kind="ad")
    ad.spend = {**ad.spend, day.isoformat(): int(amount)}
    ad.save(update_fields=["spend"])


def _insight_row(ad: AdObject, day: date, spend: int) -> dict[str, Any]:
    impressions = spend * 1000 // CPM
    reach = impressions * 10 // 13
    engagements = impressions // 25
    campaign = ad.parent.parent
    return {
        "account_id": ad.account.external_id.removeprefix("act_"),
        "campaign_id": campaign.external_id, "adset_id": ad.parent.external_id,
        "ad_id": ad.external_id, "objective": campaign.fields.get("objective", ""),
        "date_start": day.isoformat(), "date_stop": day.isoformat(),
        "spend": str(spend), "impressions": str(impressions), "reach": str(reach),
        "frequency": f"{impressions / reach:.6f}" if reach else "0",
        "actions": [{"action_type": "post_engagement", "value": str(engagements)},
                    {"action_type": "page_engagement", "value": str(engagements)}],
    }  # fmt: skip


def _insights(request, obj: AdObject, data):
    if obj.kind != "ad":
        return _error("(#100) The simulator reads insights of ads only", 100)
    window = _json(data, "time_range") or {}
    try:
        since = date.fromisoformat(window["since"])
        until = date.fromisoformat(window["until"])
    except (KeyError, TypeError, ValueError):
        return _error("(#100) time_range must be {'since': 'YYYY-MM-DD', 'until': 'YYYY-MM-DD'}",
                      100)  # fmt: skip
    if str(data.get("time_increment", "1")) != "1" or until < since:
        return _error("(#100) The simulator answers time_increment=1 over a valid range", 100)
    lifetime = obj.parent.fields.get("lifetime_budget")
    rows, spent = [], 0
    start_day = _when(obj.parent.fields["start_time"]).astimezone(ACCOUNT_TZ).date()
    cursor = start_day if start_day < since else since
    while cursor <= until:
        spend = day_spend(obj, cursor)
        if lifetime:
            spend = max(0, min(spend, int(lifetime) - spent))
        spent += spend
        if cursor >= since and spend > 0:
            rows.append(_insight_row(obj, cursor, spend))
        cursor += timedelta(days=1)
    fields = _fields(data)
    if fields:
        keep = set(fields) | {"date_start", "date_stop"}
        rows = [{k: v for k, v in row.items() if k in keep} for row in rows]
    return json_answer(
        {"data": rows, "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}}}
    )


_HANDLERS = {
    ("Account", "GET", ""): _account_node,
    ("Account", "GET", "delivery_estimate"): _delivery_estimate,
    ("Account", "GET", "reachestimate"): _reach_estimate,
    **{("Account", "GET", edge): (lambda r, a, d, e=edge: _edge_list(r, a, d, e))
       for edge in _EDGE_KINDS},
    **{("Account", "POST", edge): (lambda r, a, d, e=edge: _edge_post(r, a, d, e))
       for edge in _EDGE_KINDS},
    ("AdObject", "GET", ""): _object_node,
    ("AdObject", "POST", ""): _object_update,
    ("AdObject", "DELETE", ""): _object_delete,
    ("AdObject", "GET", "insights"): _insights,
}  # fmt: skip
