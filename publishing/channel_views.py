"""The Kepala Dinas's channel pages: the list, one channel (its facts, who runs it, the state of
its login without the secret), editing and assigning it, and connecting its account by OAuth.

Views parse and render only; the services in ``services/channels.py`` check the rights again.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import vault_targets
from accounts.permissions import credential_policy

from . import channel_selectors as selectors
from .channel_forms import ChannelForm, ChannelUsageForm
from .drivers.registry import facts_of, oauth_callbacks
from .drivers.types import HealthState
from .models import Channel, LoginWait
from .permissions import channel_policy
from .registry import NO_DIVISION_REASON, profile_url
from .services import channels as services
from .services import logins as login_services
from .services import usage as usage_services

# Pending OAuth flows live in the session under this key, by ``state``; each is taken once.
FLOWS_KEY = "channel_oauth_flows"
FLOW_LIFETIME = 15 * 60  # seconds a person has to answer the platform's consent page


def _require(request, action: str) -> None:
    if not channel_policy.user_has_permission(request.user, action):
        raise PermissionDenied


def _channel(request, pk: int) -> Channel:
    _require(request, "change")
    try:
        return selectors.channel_for_change(user=request.user, channel_id=pk)
    except Channel.DoesNotExist:
        raise Http404 from None


def _can_connect(request) -> bool:
    return credential_policy.user_has_permission(request.user, "add")


@login_required
@never_cache
def channel_list(request):
    _require(request, "change")
    period = vault_targets.rotation_period()
    channels = selectors.channels_for_change(user=request.user)
    return render(
        request,
        "publishing/channels/list.html",
        {
            "rows": [
                {
                    "channel": channel,
                    "profile_url": profile_url(channel),
                    "state": channel.credential.state() if channel.credential else None,
                    "rotation_due": (
                        channel.credential.rotation_due(period) if channel.credential else False
                    ),
                }
                for channel in channels
            ],
            "no_division_reason": NO_DIVISION_REASON,
        },
    )


@login_required
@never_cache
def channel_detail(request, pk: int):
    channel = _channel(request, pk)
    return render(request, "publishing/channels/detail.html", _detail_context(request, channel))


def _detail_context(request, channel: Channel, usage_form: ChannelUsageForm | None = None) -> dict:
    credential = channel.credential
    oauth = facts_of(channel.driver).oauth
    return {
        "channel": channel,
        "profile_url": profile_url(channel),
        "credential": credential,
        "state": credential.state() if credential else None,
        "rotation_due": (
            credential.rotation_due(vault_targets.rotation_period()) if credential else False
        ),
        "can_connect": _can_connect(request),
        "oauth": oauth is not None,
        "oauth_platform": oauth.label if oauth is not None else "",
        "manual_kinds": selectors.manual_kinds(channel),
        "permission_gaps": channel.permission_gaps(),
        "history": selectors.channel_history(channel_id=channel.pk),
        "no_division_reason": NO_DIVISION_REASON,
        "login_wait": LoginWait.objects.filter(channel=channel).first(),
        **_usage_context(channel, usage_form),
    }


def _usage_context(channel: Channel, form: ChannelUsageForm | None = None) -> dict:
    if not usage_services.is_metered(channel):
        return {}
    usage = usage_services.channel_usage(channel)
    return {
        "usage": usage,
        "usage_estimate": usage.money(usage.estimate),
        "usage_form": form
        or ChannelUsageForm(
            initial={
                "poll_minutes": channel.poll_minutes,
                "call_price": channel.call_price,
                "call_price_currency": channel.call_price_currency,
                "monthly_call_ceiling": channel.monthly_call_ceiling,
            }
        ),
    }


@login_required
@require_POST
def channel_usage(request, pk: int):
    """The channel's poll interval, price per call and monthly ceiling (per-call platforms)."""
    channel = _channel(request, pk)
    if not usage_services.is_metered(channel):
        raise Http404
    form = ChannelUsageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            usage_services.channel_usage_update(
                actor=request.user,
                channel=channel,
                poll_minutes=data["poll_minutes"],
                call_price=data["call_price"],
                call_price_currency=data["call_price_currency"],
                monthly_call_ceiling=data["monthly_call_ceiling"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The API call budget has been saved."))
            return redirect("channels:channel_detail", channel.pk)
    messages.error(request, _("The API call budget was not saved: check the fields."))
    return render(
        request,
        "publishing/channels/detail.html",
        _detail_context(request, channel, form),
        status=400,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def channel_edit(request, pk: int):
    channel = _channel(request, pk)
    _require(request, "assign")
    form = ChannelForm(
        request.POST or None,
        divisions=selectors.assignable_divisions(),
        staff=selectors.assignable_staff(),
        options=facts_of(channel.driver).channel_options,
        initial={
            **{f"option_{name}": value for name, value in channel.options_for_driver().items()},
            "name": channel.name,
            "handle": channel.handle,
            "account_group": channel.account_group,
            "external_id": channel.external_id,
            "platform_two_factor": channel.platform_two_factor,
            "responsible_division": channel.responsible_division_id,
            "staff": list(channel.staff.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.channel_update(
                    actor=request.user,
                    channel=channel,
                    name=data["name"],
                    handle=data["handle"],
                    account_group=data["account_group"],
                    external_id=data["external_id"],
                    platform_two_factor=data["platform_two_factor"],
                    options=form.option_values(),
                    request=request,
                )
                services.channel_assign(
                    actor=request.user,
                    channel=channel,
                    division=data["responsible_division"],
                    staff=data["staff"],
                    request=request,
                )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    field = field if field in form.fields else f"option_{field}"
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("The channel has been saved."))
            return redirect("channels:channel_detail", channel.pk)
    return render(request, "publishing/channels/form.html", {"form": form, "channel": channel})


@login_required
@require_POST
def channel_active(request, pk: int):
    channel = _channel(request, pk)
    active = request.POST.get("active") == "1"
    services.channel_set_active(
        actor=request.user, channel=channel, is_active=active, request=request
    )
    messages.success(
        request,
        _("The channel is active again.") if active else _("The channel has been switched off."),
    )
    return redirect("channels:channel_detail", channel.pk)


@login_required
@never_cache
@require_POST
def channel_test(request, pk: int):
    """ "Uji koneksi": what the platform says the channel's login can and cannot do."""
    channel = _channel(request, pk)
    if not _can_connect(request):
        raise PermissionDenied
    try:
        health = services.channel_test_connection(
            actor=request.user, channel=channel, request=request
        )
    except services.ConnectError as error:
        messages.error(request, str(error))
        return redirect("channels:channel_detail", channel.pk)
    channel.refresh_from_db()
    missing = {name for name, _blocks in health.missing}
    states = {
        HealthState.VALID: _("Valid"),
        HealthState.EXPIRING: _("Valid, but it expires soon"),
        HealthState.EXPIRED: _("Expired or revoked"),
        HealthState.NEEDS_ATTENTION: _("A person must answer a security check"),
        HealthState.UNREACHABLE: _("The platform did not answer"),
    }
    return render(
        request,
        "publishing/channels/test.html",
        {
            "channel": channel,
            "health": health,
            "state_label": states.get(health.state, str(health.state)),
            "works": [
                (name, blocks)
                for name, blocks in services.permission_uses(channel)
                if name not in missing and name in set(health.scopes)
            ],
        },
    )


@login_required
@never_cache
@require_GET
def setup_guide(request):
    """How to register each platform's app, as its driver says, with the addresses this portal
    answers at."""
    _require(request, "change")
    return render(request, "publishing/channels/setup_guide.html", services.setup_facts(request))


def _callback_url(request, channel: Channel) -> str:
    """The portal's OAuth callback as registered with the platform: on the portal's public
    address when it is set (the platforms accept only the registered address), else on the
    address this request came to."""
    path = reverse("channels:oauth_callback", args=[facts_of(channel.driver).oauth.callback])
    if settings.ASSET_PUBLIC_BASE_URL:
        return settings.ASSET_PUBLIC_BASE_URL.rstrip("/") + path
    return request.build_absolute_uri(path)


@login_required
@never_cache
@require_POST
def channel_connect(request, pk: int):
    """Send the Kepala Dinas to the platform's consent page; the flow waits in the session."""
    channel = _channel(request, pk)
    if not _can_connect(request):
        raise PermissionDenied
    redirect_uri = _callback_url(request, channel)
    try:
        start = services.channel_connect_start(
            actor=request.user, channel=channel, redirect_uri=redirect_uri
        )
    except services.ConnectError as error:
        messages.error(request, str(error))
        return redirect("channels:channel_detail", channel.pk)
    now = time.time()
    flows = {
        state: flow
        for state, flow in request.session.get(FLOWS_KEY, {}).items()
        if now - flow.get("started", 0) < FLOW_LIFETIME
    }
    flows[start.state] = {
        "channel": channel.pk,
        "user": request.user.pk,
        "redirect_uri": redirect_uri,
        "code_verifier": start.code_verifier,
        "started": now,
    }
    request.session[FLOWS_KEY] = flows
    return redirect(start.url)


@sensitive_variables()
@login_required
@never_cache
@require_GET
def oauth_callback(request, platform: str):
    """Where the platform sends the Kepala Dinas back. The ``state`` must be one this session
    started and not yet used; it is spent now, whatever happens next."""
    if platform not in oauth_callbacks():
        raise Http404
    if not _can_connect(request):
        raise PermissionDenied
    state = request.GET.get("state", "")
    flows = request.session.get(FLOWS_KEY, {})
    flow = flows.pop(state, None) if state else None
    request.session[FLOWS_KEY] = flows
    if flow is None or flow.get("user") != request.user.pk:
        messages.error(
            request,
            _(
                "This answer from the platform does not belong to a connection started here, or "
                "it has already been used. Nothing was stored; start again from the channel's page."
            ),
        )
        return redirect("channels:channel_list")
    channel = _channel(request, flow["channel"])
    if time.time() - flow.get("started", 0) > FLOW_LIFETIME:
        messages.error(request, _("The connection took too long. Nothing was stored; try again."))
        return redirect("channels:channel_detail", channel.pk)
    error = request.GET.get("error")
    code = request.GET.get("code", "")
    if error or not code:
        detail = request.GET.get("error_description") or error or _("no authorisation code")
        messages.error(
            request,
            _("The platform did not grant access (%(detail)s). Nothing was stored.")
            % {"detail": detail[:200]},
        )
        return redirect("channels:channel_detail", channel.pk)
    try:
        services.channel_connect_finish(
            actor=request.user,
            channel=channel,
            code=code,
            redirect_uri=flow["redirect_uri"],
            code_verifier=flow.get("code_verifier", ""),
            request=request,
        )
    except services.ConnectError as exc:
        messages.error(request, _("Connecting failed: %(reason)s") % {"reason": str(exc)})
        return redirect("channels:channel_detail", channel.pk)
    messages.success(
        request,
        _("%(channel)s is connected; its login is kept in the vault.") % {"channel": channel.name},
    )
    return redirect("channels:channel_detail", channel.pk)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_variables("code")
def channel_login_code(request, pk: int):
    """Answer a login of the channel's account that waits for a person (Kepala Dinas only)."""
    channel = _channel(request, pk)
    if not _can_connect(request):
        raise PermissionDenied
    wait = LoginWait.objects.filter(channel=channel).first()
    error = ""
    if request.method == "POST" and wait is not None:
        try:
            login_services.login_code_submit(
                actor=request.user,
                channel=channel,
                code=request.POST.get("code", ""),
                request=request,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Thank you: the portal completes the login now."))
            return redirect("channels:channel_detail", channel.pk)
    return render(
        request,
        "publishing/channels/login_code.html",
        {"channel": channel, "wait": wait, "error": error},
        status=400 if error else 200,
    )
