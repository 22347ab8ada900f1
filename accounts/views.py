import base64

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from . import selectors, services
from .forms import AuditFilterForm, TokenForm
from .permissions import audit_event_policy


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit_record(
            actor=self.request.user,
            action="user.login",
            target=self.request.user,
            request=self.request,
        )
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.audit_record(
                actor=request.user, action="user.logout", target=request.user, request=request
            )
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit_record(
            actor=self.request.user,
            action="user.password_change",
            target=self.request.user,
            request=self.request,
        )
        messages.success(self.request, _("Your password has been changed."))
        return response


def locked_out(request, credentials=None, *args, **kwargs):
    """Shown by django-axes when an account is locked after repeated failed logins."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    if request.user.is_verified():
        return redirect("media_center:dashboard")
    device = services.totp_device_for_enrolment(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_enrol_confirm(
            request=request, user=request.user, token=form.cleaned_data["token"]
        ):
            messages.success(request, _("Two-factor sign-in is now on for your account."))
            return redirect("media_center:dashboard")
        form.add_error(
            "token", _("That code is not right. Check your phone's clock and try again.")
        )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr": _qr_data_uri(device.config_url), "secret": secret},
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.two_factor_verify(
            request=request, user=request.user, token=form.cleaned_data["token"]
        )
        if result.ok:
            return redirect(_safe_next(request) or "media_center:dashboard")
        form.add_error(
            "token", _("That code is not right. Check your phone's clock and try again.")
        )
        if result.wait_seconds:
            form.add_error(
                "token",
                ngettext(
                    "After several wrong codes, wait %(seconds)d second before the next try.",
                    "After several wrong codes, wait %(seconds)d seconds before the next try.",
                    result.wait_seconds,
                )
                % {"seconds": result.wait_seconds},
            )
    return render(request, "accounts/two_factor_verify.html", {"form": form})


def _safe_next(request) -> str | None:
    target = request.GET.get("next") or request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    new_token = None
    if request.method == "POST":
        if request.POST.get("action") == "create_token":
            new_token = services.api_token_create(user=request.user, request=request).key
        elif request.POST.get("action") == "revoke_token":
            services.api_token_revoke(user=request.user, request=request)
            messages.success(request, _("Your API token has been revoked."))
            return redirect("accounts:profile")
    has_token = Token.objects.filter(user=request.user).exists()
    return render(
        request,
        "accounts/profile.html",
        {"has_token": has_token, "new_token": new_token},
    )


@login_required
def audit_list(request):
    if not audit_event_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None, actions=selectors.audit_actions())
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_event_list(user=request.user, **filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
