from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.registry import compliance, registry_rows
from core import params

from . import charts, exports, health, selectors, services
from .forms import (
    EmbedSiteForm,
    GuidelineForm,
    QuestionForm,
    ResultsFilterForm,
    SurveyForm,
    WebsiteForm,
)
from .guidelines import render as render_guidelines
from .models import ANSWER_SCORES, Answer, EmbedSite, GuidelineVersion, VoteState, Website
from .permissions import embed_site_policy, guideline_policy, survey_policy, website_policy
from .satisfaction import GRADES


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
    body = {"status": "ok" if healthy else "down", **report}
    # Media the platforms cannot fetch: the portal works, Instagram posts would not. Said plainly
    # without taking the portal out of service.
    if problems := health.media_address_problems():
        body.update(media_address="unreachable", problems=[str(p) for p in problems])
        if healthy:
            body["status"] = "degraded"
    return JsonResponse(body, status=200 if healthy else 503)


# --- the office's survey pages ------------------------------------------------------------------


def _survey_or_404(request, slug: str):
    if not survey_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied
    survey = selectors.survey_for_office(user=request.user, slug=slug)
    if survey is None:
        raise Http404(_("There is no survey at this address."))
    return survey


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def survey_list(request):
    if not survey_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied
    can_add = survey_policy.user_has_permission(request.user, "add")
    form = SurveyForm(request.POST or None)
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if form.is_valid():
            try:
                survey = services.survey_create(
                    actor=request.user,
                    question=form.cleaned_data["question"],
                    slug=form.cleaned_data["slug"],
                    featured=form.cleaned_data["featured"],
                    request=request,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The survey has been created."))
                return redirect("media_center:survey_detail", slug=survey.slug)
    return render(
        request,
        "media_center/survey_list.html",
        {
            "surveys": selectors.survey_list(user=request.user),
            "form": form,
            "can_add": can_add,
            "can_manage_sites": embed_site_policy.user_has_permission(request.user, "view"),
        },
    )


# Days shown when the range is not given (or only one end of it is).
DEFAULT_SPAN = {"day": 29, "week": 83, "month": 364}


def _filters(request, *, strict: bool = False):
    """The unit and range of days (WIB) asked for; a bad value answers 400 (``core.params``).

    With no dates: the last 30 days (12 weeks, 12 months). With only one end: the other is
    filled in (the range ends today, or starts that long before the given end). A start after
    the end is shown on the page with the default range (``strict``, for exports: 400).
    """
    unit = request.GET.get("unit") or selectors.Unit.DAY
    if unit not in selectors.Unit.values:
        raise params.BadParameter(
            _("Choose how to group the results: %(units)s.")
            % {"units": ", ".join(selectors.Unit.values)}
        )
    date_from = params.day(request.GET.get("date_from"), name=_("From"))
    date_to = params.day(request.GET.get("date_to"), name=_("To"))
    span = timedelta(days=DEFAULT_SPAN[unit])
    today = timezone.localdate()
    if date_from is None and date_to is None:
        date_to, date_from = today, today - span
    elif date_from is None:
        date_from = date_to - span
    elif date_to is None:
        date_to = max(date_from, today)
    if date_from > date_to:
        if strict:
            raise params.BadParameter(_("The start date is after the end date."))
        form = ResultsFilterForm(
            {"unit": unit, "date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        )
        form.is_valid()  # shows why the range was not taken
        return form, unit, today - span, today
    form = ResultsFilterForm(initial={"unit": unit, "date_from": date_from, "date_to": date_to})
    return form, unit, date_from, date_to


@login_required
def survey_detail(request, slug: str):
    survey = _survey_or_404(request, slug)
    form, unit, date_from, date_to = _filters(request)
    results = selectors.survey_results(survey=survey, date_from=date_from, date_to=date_to)
    held = selectors.survey_results(
        survey=survey, date_from=date_from, date_to=date_to, state=VoteState.HELD
    )
    series = selectors.survey_series(survey=survey, unit=unit, date_from=date_from, date_to=date_to)
    query = f"unit={unit}&date_from={date_from.isoformat()}&date_to={date_to.isoformat()}"
    embed_url = request.build_absolute_uri(reverse("media_center:survey_embed", args=[slug]))
    script_url = request.build_absolute_uri(reverse("media_center:survey_embed_js", args=[slug]))
    return render(
        request,
        "media_center/survey_detail.html",
        {
            "survey": survey,
            "form": form,
            "unit": unit,
            "date_from": date_from,
            "date_to": date_to,
            "results": results,
            "held": held,
            "held_all": selectors.held_votes(survey=survey).count(),
            "series": series,
            "chart": charts.stacked_bars(
                series, date_format="YEAR_MONTH_FORMAT" if unit == "month" else "SHORT_DATE_FORMAT"
            ),
            "query": query,
            "scores": [(value, label, ANSWER_SCORES[value]) for value, label in Answer.choices],
            "grades": GRADES,
            "can_change": survey_policy.user_has_permission_for_instance(
                request.user, "change", survey
            ),
            "question_form": QuestionForm(initial={"question": survey.question}),
            "script_snippet": f'<script src="{script_url}" async></script>',
            "iframe_snippet": (
                f'<iframe src="{embed_url}" title="{_("Satisfaction survey")}" '
                'width="100%" height="330" loading="lazy"></iframe>'
            ),
        },
    )


@login_required
@require_POST
def survey_action(request, slug: str):
    survey = _survey_or_404(request, slug)
    if not survey_policy.user_has_permission_for_instance(request.user, "change", survey):
        raise PermissionDenied
    action = request.POST.get("action")
    if action in {"open", "close"}:
        services.survey_set_open(
            actor=request.user, survey=survey, is_open=action == "open", request=request
        )
        messages.success(
            request,
            _("The survey is open for answers.")
            if action == "open"
            else _("The survey is closed."),
        )
    elif action == "feature":
        services.survey_feature(actor=request.user, survey=survey, request=request)
        messages.success(request, _("The widget of the public pages now shows this survey."))
    elif action == "question":
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                services.survey_update(
                    actor=request.user,
                    survey=survey,
                    question=form.cleaned_data["question"],
                    request=request,
                )
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("The question has been saved."))
        else:
            messages.error(
                request, _("The question may not be empty or longer than 300 characters.")
            )
    else:
        return HttpResponse(_("Unknown action."), status=400)
    return redirect("media_center:survey_detail", slug=survey.slug)


@login_required
@require_http_methods(["GET", "POST"])
def survey_held(request, slug: str):
    """The votes held past their address's allowance: accept (count) or reject them, in bulk."""
    survey = _survey_or_404(request, slug)
    can_review = survey_policy.user_has_permission_for_instance(request.user, "change", survey)
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied
        decision = request.POST.get("decision")
        if decision not in {"accept", "reject"}:
            return HttpResponse(_("Unknown action."), status=400)
        every = request.POST.get("scope") == "all"
        ids = (
            None
            if every
            else params.id_list(
                request.POST.getlist("vote"), name="vote", limit=services.REVIEW_BATCH
            )
        )
        if ids == []:
            messages.error(request, _("Select at least one vote first."))
            return redirect("media_center:survey_held", slug=survey.slug)
        changed = services.votes_review(
            actor=request.user,
            survey=survey,
            accept=decision == "accept",
            vote_ids=ids,
            request=request,
        )
        text = (
            ngettext(
                "%(count)d held vote is now counted.",
                "%(count)d held votes are now counted.",
                changed,
            )
            if decision == "accept"
            else ngettext(
                "%(count)d held vote is rejected (kept, not counted).",
                "%(count)d held votes are rejected (kept, not counted).",
                changed,
            )
        )
        messages.success(request, text % {"count": changed})
        return redirect("media_center:survey_held", slug=survey.slug)
    return render(
        request,
        "media_center/survey_held.html",
        {
            "survey": survey,
            "groups": selectors.held_vote_groups(survey=survey),
            "held": selectors.survey_results(survey=survey, state=VoteState.HELD),
            "can_review": can_review,
            "batch": services.REVIEW_BATCH,
        },
    )


@login_required
def survey_export(request, slug: str, fmt: str):
    survey = _survey_or_404(request, slug)
    if fmt not in {"csv", "xlsx"}:
        raise Http404(_("Exports are CSV or XLSX."))
    _form, unit, date_from, date_to = _filters(request, strict=True)
    results = selectors.survey_results(survey=survey, date_from=date_from, date_to=date_to)
    series = selectors.survey_series(survey=survey, unit=unit, date_from=date_from, date_to=date_to)
    name = f"survei-{survey.slug}-{date_from.isoformat()}-{date_to.isoformat()}"
    if fmt == "csv":
        response = HttpResponse(
            exports.as_csv(survey, series, results), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            exports.as_xlsx(survey, series, results),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def embed_sites(request):
    if not embed_site_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied
    form = EmbedSiteForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        if request.POST.get("action") == "add":
            if not embed_site_policy.user_has_permission(request.user, "add"):
                raise PermissionDenied
            if form.is_valid():
                try:
                    site = services.embed_site_add(
                        actor=request.user,
                        origin=form.cleaned_data["origin"],
                        name=form.cleaned_data["name"],
                        request=request,
                    )
                except ValidationError as exc:
                    form.add_error("origin", _error_text(exc))
                else:
                    messages.success(
                        request, _("%(origin)s may now embed the survey.") % {"origin": site.origin}
                    )
                    return redirect("media_center:embed_sites")
        elif request.POST.get("action") == "remove":
            if not embed_site_policy.user_has_permission(request.user, "delete"):
                raise PermissionDenied
            site_id = params.object_id(request.POST.get("site"), name="site", required=True)
            site = EmbedSite.objects.filter(pk=site_id).first()
            if site is None:
                raise Http404(_("That site is not on the list."))
            services.embed_site_remove(actor=request.user, site=site, request=request)
            messages.success(
                request, _("%(origin)s may no longer embed the survey.") % {"origin": site.origin}
            )
            return redirect("media_center:embed_sites")
        else:
            return HttpResponse(_("Unknown action."), status=400)
    return render(
        request,
        "media_center/embed_sites.html",
        {
            "sites": selectors.embed_site_list(user=request.user),
            "form": form,
            "can_add": embed_site_policy.user_has_permission(request.user, "add"),
            "can_remove": embed_site_policy.user_has_permission(request.user, "delete"),
        },
    )


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
