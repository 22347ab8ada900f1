"""The boosts' pages: thin; forms parse, services write, selectors read."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.services import TwoFactorNotFresh
from core import params
from publishing.models import Delivery

from . import reports, selectors, services
from .budget import line_figures
from .forms import (
    AdAccountForm,
    BoostRequestForm,
    BudgetLineForm,
    ReceiptForm,
    ReviewForm,
    StopForm,
)
from .models import AdAccount, BoostRequest, BoostStatus, BudgetLine
from .permissions import ad_account_policy, boost_policy, budget_line_policy


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _words(error: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


def _boost(request, pk: int, action: str = "view") -> BoostRequest:
    boost = get_object_or_404(
        BoostRequest.objects.select_related(
            "delivery__post", "delivery__channel", "budget_line", "ad_account", "division",
            "requested_by",
        ),
        pk=pk,
    )  # fmt: skip
    _require(boost_policy.user_has_permission_for_instance(request.user, action, boost))
    return boost


def _reverify(request, next_url: str):
    from urllib.parse import urlencode

    messages.info(request, _("Confirm with a code from your authenticator app first."))
    return redirect(reverse("accounts:two_factor_verify") + "?" + urlencode({"next": next_url}))


# --- requests ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def boost_list(request):
    _require(boost_policy.user_has_permission(request.user, "view"))
    status = request.GET.get("status", "")
    if status not in BoostStatus.values:
        status = ""
    return render(request, "boosts/list.html", {
        "boosts": selectors.boosts_for(request.user, status=status)[:200],
        "statuses": BoostStatus.choices, "status": status,
        "waiting": len(selectors.approval_queue(request.user)),
        "may_add": boost_policy.user_has_permission(request.user, "add"),
    })  # fmt: skip


@login_required
@require_http_methods(["GET"])
def approval_queue(request):
    user = request.user
    _require(
        boost_policy.user_has_permission(user, "approve_division")
        or boost_policy.user_has_permission(user, "approve")
    )
    waiting = selectors.approval_queue(user)
    rows = [(boost, line_figures(boost.budget_line, excluding=boost.pk)) for boost in waiting]
    return render(request, "boosts/queue.html", {"rows": rows, "form": ReviewForm()})


@login_required
@require_http_methods(["GET"])
def post_choice(request):
    _require(boost_policy.user_has_permission(request.user, "add"))
    deliveries = selectors.boostable_deliveries(request.user)[:50]
    return render(request, "boosts/post_choice.html", {"deliveries": deliveries})


def _form_choices(user) -> dict:
    year = timezone.localdate().year
    return {
        "lines": BudgetLine.objects.filter(year__gte=year - 1).order_by("-year", "code"),
        "accounts": AdAccount.objects.filter(is_active=True),
    }


@login_required
@require_http_methods(["GET", "POST"])
def boost_new(request, delivery_pk: int):
    delivery = get_object_or_404(Delivery.objects.select_related("post", "channel"),
                                 pk=delivery_pk)  # fmt: skip
    _require(boost_policy.may_request_for(request.user, delivery))
    refusal = services.boostable_refusal(delivery)
    form = BoostRequestForm(request.POST or None, **_form_choices(request.user))
    if request.method == "POST" and not refusal and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "submit"}
        try:
            boost = services.boost_create(actor=request.user, delivery=delivery,
                                          submit="send" in request.POST, **fields)  # fmt: skip
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The request is kept."))
            return redirect("boosts:detail", boost.pk)
    return render(request, "boosts/form.html", {
        "form": form, "delivery": delivery, "refusal": refusal,
        "lines": [(line, line_figures(line)) for line in form.fields["budget_line"].queryset],
    })  # fmt: skip


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def boost_edit(request, pk: int):
    boost = _boost(request, pk, "change")
    form = BoostRequestForm(request.POST or None, instance=None, initial=_initial(boost),
                            **_form_choices(request.user))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "submit"}
        try:
            boost = services.boost_update(actor=request.user, boost=boost, **fields)
            if "send" in request.POST:
                boost = services.boost_submit(actor=request.user, boost=boost)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The request is kept."))
            return redirect("boosts:detail", boost.pk)
    return render(request, "boosts/form.html", {
        "form": form, "delivery": boost.delivery, "boost": boost,
        "lines": [(line, line_figures(line)) for line in form.fields["budget_line"].queryset],
    })  # fmt: skip


def _initial(boost: BoostRequest) -> dict:
    return {name: getattr(boost, name) for name in BoostRequestForm.Meta.fields}


@login_required
@require_http_methods(["GET"])
def boost_detail(request, pk: int):
    boost = _boost(request, pk)
    user = request.user
    return render(request, "boosts/detail.html", {
        "boost": boost,
        "steps": boost.steps.select_related("actor"),
        "days": boost.spend_days.all(),
        "receipts": boost.receipts.select_related("asset", "added_by"),
        "figures": line_figures(boost.budget_line),
        "comparison": selectors.comparison(boost),
        "waits_for_me": selectors.waits_for(user, boost),
        "may_change": boost_policy.user_has_permission_for_instance(user, "change", boost),
        "may_stop": boost.status in {BoostStatus.APPROVED, BoostStatus.CREATING,
                                     BoostStatus.RUNNING}
        and boost_policy.user_has_permission_for_instance(user, "stop", boost),
        "may_file": boost_policy.user_has_permission_for_instance(user, "receipt", boost),
        "review_form": ReviewForm(), "stop_form": StopForm(), "receipt_form": ReceiptForm(),
    })  # fmt: skip


def _act(request, boost: BoostRequest, work) -> HttpResponse:
    try:
        work()
    except (ValidationError, PermissionDenied) as error:
        if isinstance(error, TwoFactorNotFresh):
            return _reverify(request, reverse("boosts:detail", args=[boost.pk]))
        messages.error(request, _words(error))
    return redirect("boosts:detail", boost.pk)


@login_required
@require_POST
def boost_submit(request, pk: int):
    boost = _boost(request, pk, "change")
    return _act(request, boost, lambda: services.boost_submit(actor=request.user, boost=boost))


@login_required
@require_POST
def boost_approve(request, pk: int):
    boost = _boost(request, pk)
    form = ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    if boost.status == BoostStatus.SUBMITTED and boost_policy.user_has_permission_for_instance(
        request.user, "approve_division", boost
    ):
        return _act(request, boost, lambda: services.boost_approve_division(
            actor=request.user, boost=boost, comment=comment))  # fmt: skip
    _require(boost_policy.user_has_permission_for_instance(request.user, "approve", boost))
    return _act(request, boost, lambda: services.boost_approve(
        actor=request.user, boost=boost, request=request))  # fmt: skip


@login_required
@require_POST
def boost_reject(request, pk: int):
    boost = _boost(request, pk)
    form = ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    return _act(request, boost, lambda: services.boost_reject(
        actor=request.user, boost=boost, comment=comment))  # fmt: skip


@login_required
@require_POST
def boost_stop(request, pk: int):
    boost = _boost(request, pk, "stop")
    form = StopForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(request, boost, lambda: services.boost_stop(
        actor=request.user, boost=boost, reason=reason))  # fmt: skip


@login_required
@require_POST
def receipt_add(request, pk: int):
    boost = _boost(request, pk, "receipt")
    form = ReceiptForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of receipt and its file."))
        return redirect("boosts:detail", boost.pk)
    upload = form.cleaned_data["file"]
    return _act(request, boost, lambda: services.receipt_add(
        actor=request.user, boost=boost, kind=form.cleaned_data["kind"], fileobj=upload,
        filename=upload.name, note=form.cleaned_data["note"]))  # fmt: skip


# --- budget lines and ad accounts ----------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def budget_lines(request):
    _require(budget_line_policy.user_has_permission(request.user, "view"))
    year = params.integer(request.GET.get("year"), name="year", minimum=2000, maximum=2100)
    today = timezone.localdate()
    return render(request, "boosts/budget_lines.html", {
        "rows": selectors.budget_lines(request.user, year=year),
        "year": year, "month": f"{today.year}-{today.month:02d}",
        "may_add": budget_line_policy.user_has_permission(request.user, "add"),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def budget_line_edit(request, pk: int | None = None):
    line = get_object_or_404(BudgetLine, pk=pk) if pk else None
    _require(budget_line_policy.user_has_permission(request.user, "change" if line else "add"))
    # The form works on a copy: the service compares the line before and after.
    shown = BudgetLine.objects.get(pk=line.pk) if line else None
    form = BudgetLineForm(request.POST or None, instance=shown,
                          initial={"year": timezone.localdate().year})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_line_save(actor=request.user, line=line, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The budget line is kept."))
            return redirect("boosts:budget_lines")
    return render(request, "boosts/budget_line_form.html", {"form": form, "line": line})


@login_required
@require_http_methods(["GET"])
def budget_report(request, pk: int, fmt: str):
    line = get_object_or_404(BudgetLine, pk=pk)
    _require(budget_line_policy.user_has_permission(request.user, "view"))
    if fmt not in {"pdf", "xlsx"}:
        raise Http404
    today = timezone.localdate()
    year = params.integer(request.GET.get("year"), name="year", minimum=2000, maximum=2100,
                          default=today.year)  # fmt: skip
    month = params.integer(request.GET.get("month"), name="month", minimum=1, maximum=12,
                           default=today.month)  # fmt: skip
    data = reports.context(line, date(year, month, 1))
    if fmt == "pdf":
        body, content_type = reports.report_pdf(data), "application/pdf"
    else:
        body = reports.report_xlsx(data)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="belanja-promosi-{line.pk}-{year}-{month:02d}.{fmt}"'
    )
    return response


@login_required
@require_http_methods(["GET"])
def ad_accounts(request):
    _require(ad_account_policy.user_has_permission(request.user, "view"))
    return render(request, "boosts/ad_accounts.html", {
        "accounts": selectors.ad_accounts(request.user),
        "may_add": ad_account_policy.user_has_permission(request.user, "add"),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def ad_account_edit(request, pk: int | None = None):
    account = get_object_or_404(AdAccount, pk=pk) if pk else None
    _require(ad_account_policy.user_has_permission(request.user, "change" if account else "add"))
    shown = AdAccount.objects.get(pk=account.pk) if account else None
    form = AdAccountForm(request.POST or None, instance=shown)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.ad_account_save(actor=request.user, account=account,
                                               **form.cleaned_data)  # fmt: skip
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The ad account is kept."))
            return redirect("boosts:ad_accounts")
    return render(request, "boosts/ad_account_form.html", {"form": form, "account": account})


@login_required
@require_POST
def ad_account_check(request, pk: int):
    account = get_object_or_404(AdAccount, pk=pk)
    _require(ad_account_policy.user_has_permission(request.user, "change"))
    try:
        services.ad_account_check_request(actor=request.user, account=account)
    except ValidationError as error:
        messages.error(request, _words(error))
    else:
        messages.info(request, _("The account is being checked on Meta; look again in a moment."))
    return redirect("boosts:ad_accounts")
