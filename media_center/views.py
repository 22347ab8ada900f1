from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import health, selectors, services
from .forms import GuidelineForm, WebsiteForm
from .guidelines import render as render_guidelines
from .models import GuidelineVersion, Website
from .permissions import guideline_policy, website_policy
from .registry import compliance, registry_rows


@login_required
def dashboard(request):
    return render(
        request,
        "media_center/dashboard.html",
        {
            "cards": selectors.dashboard_cards(request.user),
            "worker": selectors.worker_status(),
        },
    )


@never_cache
def healthz(request):
    report = health.report()
    healthy = all(state == "ok" for state in report.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", **report}, status=200 if healthy else 503
    )


# --- guidelines ---------------------------------------------------------------------------------


def _require(policy, request, action: str) -> None:
    if not policy.user_has_permission(request.user, action):
        raise PermissionDenied


@login_required
def guidelines(request, number: int | None = None):
    _require(guideline_policy, request, "view")
    current = selectors.guideline_current(user=request.user)
    if number is None:
        version = current
    else:
        try:
            version = selectors.guideline_version(user=request.user, number=number)
        except GuidelineVersion.DoesNotExist:
            raise Http404 from None
    return render(
        request,
        "media_center/guidelines.html",
        {
            "version": version,
            "current": current,
            "body": render_guidelines(version.body) if version else "",
            "versions": selectors.guideline_versions(user=request.user),
            "can_edit": guideline_policy.user_has_permission(request.user, "add"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def guidelines_edit(request):
    _require(guideline_policy, request, "add")
    current = selectors.guideline_current(user=request.user)
    initial = {}
    if current is not None:
        initial = {
            "title": current.title,
            "regulation_number": current.regulation_number,
            "regulation_date": current.regulation_date,
            "rotation_days": current.rotation_days,
            "body": current.body,
        }
    form = GuidelineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.guideline_save(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Version %(number)s of the guidelines is saved and now in force.")
                % {"number": version.number},
            )
            return redirect("media_center:guidelines")
    return render(
        request,
        "media_center/guidelines_form.html",
        {
            "form": form,
            "current": current,
            "preview": render_guidelines(form["body"].value() or ""),
        },
    )


@login_required
@require_POST
def guidelines_preview(request):
    """The sanitised HTML of the text being edited (htmx swaps it into the page)."""
    _require(guideline_policy, request, "add")
    return render(
        request,
        "media_center/partials/guidelines_preview.html",
        {"body": render_guidelines(request.POST.get("body", "")[:200_000])},
    )


# --- registry and compliance --------------------------------------------------------------------


@login_required
def registry(request):
    _require(website_policy, request, "view")
    rows = registry_rows(request.user)
    return render(
        request,
        "media_center/registry.html",
        {
            "rows": rows,
            "findings": compliance(rows),
            "can_add": website_policy.user_has_permission(request.user, "add"),
        },
    )


@login_required
def compliance_view(request):
    _require(website_policy, request, "view")
    rows = registry_rows(request.user)
    return render(
        request,
        "media_center/compliance.html",
        {"findings": compliance(rows), "total": len(rows)},
    )


def _website_form(request, initial=None) -> WebsiteForm:
    return WebsiteForm(
        request.POST or None,
        initial=initial,
        divisions=selectors.assignable_divisions(),
        staff=selectors.assignable_staff(),
        credentials=selectors.usable_credentials(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def website_create(request):
    _require(website_policy, request, "add")
    form = _website_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            services.website_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The website has been added to the registry."))
            return redirect("media_center:registry")
    return render(request, "media_center/website_form.html", {"form": form, "website": None})


@login_required
@require_http_methods(["GET", "POST"])
def website_edit(request, pk: int):
    _require(website_policy, request, "change")
    try:
        website = selectors.website_for_change(user=request.user, website_id=pk)
    except Website.DoesNotExist:
        raise Http404 from None
    form = _website_form(
        request,
        initial={
            "name": website.name,
            "address": website.address,
            "responsible_division": website.responsible_division_id,
            "staff": list(website.staff.all()),
            "platform_two_factor": website.platform_two_factor,
            "credential": website.credential_id,
            "notes": website.notes,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.website_update(
                actor=request.user, website_id=website.pk, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The website has been saved."))
            return redirect("media_center:registry")
    return render(request, "media_center/website_form.html", {"form": form, "website": website})
