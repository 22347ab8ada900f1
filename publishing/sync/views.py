"""Pages of account sync: the sync page (rules, last poll per account, problems), a rule's form,
and the "Usulan repost" queue. Thin: parse, call a service or a selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..models import Channel
from ..permissions import channel_policy
from . import selectors, services
from .forms import AcceptForm, SyncRuleForm
from .permissions import repost_policy, sync_rule_policy


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
@require_GET
def sync_page(request):
    _require(sync_rule_policy.user_has_permission(request.user, "view"))
    return render(
        request,
        "publishing/sync/sync.html",
        {
            "rules": selectors.sync_rules_for(request.user),
            "states": selectors.poll_states(),
            "problems": selectors.seen_problems(),
            "mirrors": selectors.recent_mirrors(),
            "may_manage": sync_rule_policy.user_has_permission(request.user, "manage"),
        },
    )


def _specs(form: SyncRuleForm) -> list[services.TargetSpec]:
    return [
        services.TargetSpec(channel=channel, **form.transform_of(channel))
        for channel in form.cleaned_data["targets"]
    ]


@login_required
@require_http_methods(["GET", "POST"])
def rule_form(request, pk: int | None = None):
    _require(sync_rule_policy.user_has_permission(request.user, "manage"))
    rule = get_object_or_404(selectors.sync_rules_for(request.user), pk=pk) if pk else None
    if rule is not None:
        _require(sync_rule_policy.user_has_permission_for_instance(request.user, "manage", rule))
    channels = Channel.objects.filter(is_active=True).order_by("platform", "name")
    initial = {"enabled": True, "kinds": "all"}
    transforms = {}
    if rule is not None:
        initial = {
            "source": rule.source,
            "targets": list(rule.targets.all()),
            "kinds": rule.kinds,
            "needs_approval": rule.needs_approval,
            "propagate_deletions": rule.propagate_deletions,
            "enabled": rule.enabled,
        }
        transforms = {
            link.channel_id: {
                "add_hashtag": link.add_hashtag,
                "link_back": link.link_back,
                "shorten_for_x": link.shorten_for_x,
            }
            for link in rule.target_links.all()
        }
    form = SyncRuleForm(
        request.POST or None, initial=initial, channels=channels, transforms=transforms
    )
    if rule is not None:
        form.fields["source"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = {
            "kinds": data["kinds"],
            "enabled": data["enabled"],
            "needs_approval": data["needs_approval"],
            "propagate_deletions": data["propagate_deletions"],
        }
        try:
            if rule is None:
                services.sync_rule_create(
                    actor=request.user, source=data["source"], targets=_specs(form), **options
                )
                messages.success(request, _("The sync rule is set."))
            else:
                services.sync_rule_update(
                    actor=request.user, rule=rule, targets=_specs(form), **options
                )
                messages.success(request, _("The sync rule is changed."))
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not set this rule."))
        else:
            return redirect("sync:index")
    return render(request, "publishing/sync/rule_form.html", {"form": form, "rule": rule})


@login_required
@require_POST
def rule_delete(request, pk: int):
    rule = get_object_or_404(selectors.sync_rules_for(request.user), pk=pk)
    services.sync_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("The sync rule is removed."))
    return redirect("sync:index")


def _accept_channels(user):
    return channel_policy.instances_user_has_permission_for(user, "submit").order_by(
        "platform", "name"
    )


@login_required
@require_GET
def repost_queue(request):
    _require(repost_policy.user_has_permission(request.user, "view"))
    channels = _accept_channels(request.user)
    suggestions = list(selectors.repost_suggestions_for(request.user))
    for suggestion in suggestions:
        suggestion.form = AcceptForm(channels=channels, prefix=f"s{suggestion.pk}")
    return render(
        request,
        "publishing/sync/reposts.html",
        {
            "suggestions": suggestions,
            "partners": selectors.partners_for(request.user),
            "decided": selectors.repost_suggestions_for(request.user, status="").exclude(
                status="pending"
            )[:20],
        },
    )


@login_required
@require_POST
def repost_accept(request, pk: int):
    suggestion = get_object_or_404(selectors.repost_suggestions_for(request.user, status=""), pk=pk)
    form = AcceptForm(request.POST, channels=_accept_channels(request.user), prefix=f"s{pk}")
    if not form.is_valid():
        messages.error(request, _("Choose at least one channel to repost to."))
        return redirect("sync:reposts")
    try:
        services.repost_suggestion_accept(
            actor=request.user,
            suggestion=suggestion,
            channels=list(form.cleaned_data["channels"]),
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The repost waits for approval."))
    return redirect("sync:reposts")


@login_required
@require_POST
def repost_dismiss(request, pk: int):
    suggestion = get_object_or_404(selectors.repost_suggestions_for(request.user, status=""), pk=pk)
    try:
        services.repost_suggestion_dismiss(actor=request.user, suggestion=suggestion)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The suggestion is dismissed."))
    return redirect("sync:reposts")
