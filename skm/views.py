"""The SKM's pages: the public questionnaire and results, and the office's pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.allowance import client_address

from . import charts, reports, selectors, services
from .forms import (
    PROFILE_LABELS,
    FollowUpForm,
    PaperResponseForm,
    PeriodForm,
    PublicResponseForm,
    PublishForm,
    ServiceForm,
)
from .models import FollowUp, Period, Service
from .permissions import follow_up_policy, period_policy, response_policy, service_policy
from .regulation import GRADES


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def _results_context(period: Period) -> dict:
    results = selectors.period_results(period)
    return {
        "period": period,
        "results": results,
        "grades": GRADES,
        "nrr_chart": charts.horizontal_bars(
            [(f"U{e.number} {e.name}", e.nrr) for e in results.elements],
            maximum=4,
            title=_("Mean score (NRR) per element"),
        ),
        "follow_ups": {f.element: f for f in FollowUp.objects.filter(period=period)},
        "profile_blocks": charts.profile_blocks(results.profile, PROFILE_LABELS),
    }


# --- public ---------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def public_index(request):
    services_open = [(s, selectors.period_current(s)) for s in selectors.services_active()]
    return render(
        request,
        "skm/public_index.html",
        {
            "services": [(s, p) for s, p in services_open if p and not p.is_published],
            "published": selectors.periods_published()[:20],
        },
    )


@require_http_methods(["GET", "POST"])
def public_form(request, slug: str):
    """The questionnaire: one page, plain form POST, no script needed."""
    service = selectors.service_public(slug)
    if service is None:
        raise Http404(_("There is no survey at this address."))
    period = selectors.period_current(service)
    if period is None or period.is_published:
        return render(request, "skm/public_closed.html", {"service": service}, status=200)
    questions = selectors.questions_of(service)
    form = PublicResponseForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            status = services.response_submit(
                period=period, answers=form.cleaned_data, address=client_address(request)
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            if status is services.SubmitStatus.RATE_LIMITED:
                form.add_error(
                    None,
                    _("Too many answers from your network just now. Wait a minute and send again."),
                )
                return render(
                    request,
                    "skm/public_form.html",
                    {"service": service, "period": period, "form": form},
                    status=429,
                )
            return render(request, "skm/public_thanks.html", {"service": service, "period": period})
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "skm/public_form.html",
        {"service": service, "period": period, "form": form},
        status=status,
    )


@require_http_methods(["GET"])
def public_results(request, pk: int):
    period = get_object_or_404(selectors.periods_published(), pk=pk)
    return render(request, "skm/public_results.html", _results_context(period))


# --- the office ----------------------------------------------------------------------------------


def _period_for(request, pk: int, action: str = "view") -> Period:
    if not period_policy.user_has_permission(request.user, action):
        raise PermissionDenied
    return get_object_or_404(selectors.periods_all(), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def office(request):
    if not period_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied
    service_form = ServiceForm(request.POST if "add_service" in request.POST else None)
    period_form = PeriodForm(
        request.POST if "add_period" in request.POST else None,
        initial={"year": timezone.localdate().year},
    )
    if request.method == "POST":
        try:
            if "add_service" in request.POST and service_form.is_valid():
                service = services.service_create(
                    actor=request.user, name=service_form.cleaned_data["name"], request=request
                )
                messages.success(
                    request, _("The service has been added with the regulation's questions.")
                )
                return redirect("skm:service_edit", pk=service.pk)
            if "add_period" in request.POST and period_form.is_valid():
                service_id = request.POST.get("service", "")
                service = get_object_or_404(
                    Service,
                    pk=int(service_id) if service_id.isdigit() and len(service_id) < 18 else 0,
                )
                period = services.period_create(
                    actor=request.user, service=service, request=request, **period_form.cleaned_data
                )
                messages.success(request, _("The period has been opened."))
                return redirect("skm:period", pk=period.pk)
        except ValidationError as exc:
            (service_form if "add_service" in request.POST else period_form).add_error(
                None, _error_text(exc)
            )
    periods = list(selectors.periods_all())
    return render(
        request,
        "skm/office.html",
        {
            "services": Service.objects.all(),
            "rows": [(p, selectors.period_progress(p)) for p in periods],
            "service_form": service_form,
            "period_form": period_form,
            "can_add": period_policy.user_has_permission(request.user, "add"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request, pk: int):
    if not service_policy.user_has_permission(request.user, "change"):
        raise PermissionDenied
    service = get_object_or_404(Service, pk=pk)
    questions = selectors.questions_of(service)
    error = ""
    if request.method == "POST":
        wording = {
            q.element: {
                key: request.POST.get(f"{key}_{q.element}", "")[:300]
                for key in ("text", "label_1", "label_2", "label_3", "label_4")
            }
            for q in questions
        }
        try:
            services.questions_update(
                actor=request.user, service=service, wording=wording, request=request
            )
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            messages.success(request, _("The questions have been saved."))
            return redirect("skm:service_edit", pk=service.pk)
    return render(
        request,
        "skm/service_edit.html",
        {"service": service, "questions": questions, "error": error},
    )


@login_required
@require_http_methods(["GET"])
def period_detail(request, pk: int):
    period = _period_for(request, pk)
    context = _results_context(period)
    context.update(
        progress=selectors.period_progress(period),
        can_paper=response_policy.user_has_permission(request.user, "add")
        and not period.is_published,
        can_publish=period_policy.user_has_permission(request.user, "publish")
        and not period.is_published,
        can_follow_up=follow_up_policy.user_has_permission(request.user, "change"),
        publish_form=PublishForm(
            initial={"conclusion": reports.default_conclusion(period, context["results"])}
        ),
    )
    return render(request, "skm/period.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def paper_entry(request, pk: int):
    """Paper questionnaires, one after another, by keyboard alone: digits, Tab, Enter."""
    if not response_policy.user_has_permission(request.user, "add"):
        raise PermissionDenied
    period = get_object_or_404(selectors.periods_all(), pk=pk)
    if period.is_published:
        raise PermissionDenied
    questions = selectors.questions_of(period.service)
    form = PaperResponseForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_enter_paper(
                actor=request.user, period=period, answers=form.cleaned_data, request=request
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            progress = selectors.period_progress(period)
            messages.success(
                request,
                _("Questionnaire saved: %(collected)s of %(target)s.")
                % {"collected": progress.collected, "target": progress.target},
            )
            return redirect("skm:paper_entry", pk=period.pk)
    return render(
        request,
        "skm/paper_entry.html",
        {
            "period": period,
            "form": form,
            "questions": questions,
            "progress": selectors.period_progress(period),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def held_accept(request, pk: int):
    period = _period_for(request, pk)
    count = services.held_accept(actor=request.user, period=period, request=request)
    messages.success(request, _("%(count)s held questionnaires now count.") % {"count": count})
    return redirect("skm:period", pk=period.pk)


@login_required
@require_POST
def follow_up(request, pk: int):
    period = _period_for(request, pk)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The follow-up plan was not saved: check the fields."))
    else:
        services.follow_up_save(
            actor=request.user, period=period, request=request, **form.cleaned_data
        )
        messages.success(request, _("The follow-up plan has been saved."))
    return redirect("skm:period", pk=period.pk)


@login_required
@require_POST
def publish(request, pk: int):
    period = _period_for(request, pk, "publish")
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the conclusions before publishing."))
        return redirect("skm:period", pk=period.pk)
    try:
        services.period_publish(
            actor=request.user,
            period=period,
            conclusion=form.cleaned_data["conclusion"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The results have been published."))
    return redirect("skm:period", pk=period.pk)


@login_required
@require_http_methods(["GET"])
def report(request, pk: int, fmt: str):
    period = _period_for(request, pk)
    if fmt == "pdf":
        body, content_type = reports.report_pdf(period), "application/pdf"
    elif fmt == "xlsx":
        body = reports.report_xlsx(period)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="skm-{period.pk}.{fmt}"'
    return response
