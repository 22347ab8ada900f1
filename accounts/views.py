import base64
import json
import secrets
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from . import selectors, services, vault_targets
from .events import describe
from .forms import AuditFilterForm, CredentialForm, OfficeProfileForm, TokenForm
from .models import SECRET_FIELDS, Credential, CredentialKind
from .permissions import audit_event_policy, credential_policy, office_profile_policy
from .vault import VaultKeyError


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
        services.user_password_changed(
            actor=self.request.user, user=self.request.user, request=self.request
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


def _reverify(request, next_url: str):
    """Send the person to give a fresh code from their current device, then come back."""
    from urllib.parse import urlencode

    messages.info(request, _("Confirm with a code from your current authenticator app first."))
    return redirect(reverse("accounts:two_factor_verify") + "?" + urlencode({"next": next_url}))


def _recovery_codes_page(request, codes: list[str], *, status: int = 200):
    title = _("Portal Media Center: recovery codes of %(user)s") % {"user": request.user.username}
    text = "\n".join([title, *codes])
    download = "data:text/plain;charset=utf-8," + quote(text + "\n")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "download": download, "remaining": len(codes), "new": True},
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrol an authenticator app.

    With no confirmed device yet (the first enrolment) the password is enough. An account that
    has one replaces it only from a session verified with it in the last few minutes; anyone
    else (a password alone) is sent to give a code instead and sees no new secret.
    """
    replacing = services.two_factor_has_device(user=request.user)
    if replacing and not request.user.is_verified():
        return redirect("accounts:two_factor_verify")
    if not services.two_factor_enrolment_allowed(request=request, user=request.user):
        return _reverify(request, reverse("accounts:two_factor_setup"))
    device = services.totp_device_for_enrolment(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.totp_enrol_confirm(
                request=request, user=request.user, token=form.cleaned_data["token"]
            )
        except services.TwoFactorNotFresh:
            return _reverify(request, reverse("accounts:two_factor_setup"))
        if result.ok:
            messages.success(request, _("Two-factor sign-in is now on for your account."))
            if result.recovery_codes:
                return _recovery_codes_page(request, result.recovery_codes)
            return redirect("accounts:two_factor_recovery")
        form.add_error(
            "token", _("That code is not right. Check your phone's clock and try again.")
        )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret": secret,
            "replacing": replacing,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_recovery(request):
    """How many recovery codes are left, and new ones (shown once) from a fresh session."""
    if not services.two_factor_has_device(user=request.user):
        return redirect("accounts:two_factor_setup")
    if not request.user.is_verified():
        return redirect("accounts:two_factor_verify")
    if request.method == "POST":
        try:
            codes = services.recovery_codes_generate(request=request, user=request.user)
        except services.TwoFactorNotFresh:
            return _reverify(request, reverse("accounts:two_factor_recovery"))
        return _recovery_codes_page(request, codes)
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": None,
            "remaining": services.recovery_codes_remaining(user=request.user),
            "fresh": services.two_factor_is_fresh(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    form = TokenForm(request.POST or None, recovery=True)
    if request.method == "POST" and form.is_valid():
        result = services.two_factor_verify(
            request=request, user=request.user, token=form.cleaned_data["token"]
        )
        if result.ok:
            if result.recovery_code_used:
                remaining = services.recovery_codes_remaining(user=request.user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code; %(count)d code is left. Set up "
                        "your authenticator app again or make new codes on your profile.",
                        "You signed in with a recovery code; %(count)d codes are left. Set up "
                        "your authenticator app again or make new codes on your profile.",
                        remaining,
                    )
                    % {"count": remaining},
                )
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
@never_cache  # the new API token is shown once: never kept by a cache or the back button
@require_http_methods(["GET", "POST"])
def profile(request):
    new_token = None
    if request.method == "POST":
        if request.POST.get("action") == "create_token":
            try:
                new_token = services.api_token_create(user=request.user, request=request).key
            except services.TwoFactorNotFresh:
                return _reverify(request, reverse("accounts:profile"))
        elif request.POST.get("action") == "revoke_token":
            services.api_token_revoke(user=request.user, request=request)
            messages.success(request, _("Your API token has been revoked."))
            return redirect("accounts:profile")
    has_token = Token.objects.filter(user=request.user).exists()
    return render(
        request,
        "accounts/profile.html",
        {
            "has_token": has_token,
            "new_token": new_token,
            "has_device": services.two_factor_has_device(user=request.user),
            "recovery_remaining": services.recovery_codes_remaining(user=request.user),
        },
    )


@login_required
def audit_list(request):
    if not audit_event_policy.user_has_permission(request.user, "view"):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None, actions=selectors.audit_actions())
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_event_list(user=request.user, **filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    page.object_list = describe(list(page.object_list), request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


# --- the vault ----------------------------------------------------------------------------------
#
# Views parse and render only; the services check the rights again and do the work. Every page
# here is private (never cached) and marked so that Django's error reports hide posted values.


def _require_vault(request, action: str, credential: Credential | None = None) -> None:
    if credential is None:
        allowed = credential_policy.user_has_permission(request.user, action)
    else:
        allowed = credential_policy.user_has_permission_for_instance(
            request.user, action, credential
        )
    if not allowed:
        raise PermissionDenied


def _credential_row(request, pk: int) -> selectors.CredentialRow:
    _require_vault(request, "view")
    try:
        return selectors.credential_row(user=request.user, credential_id=pk)
    except Credential.DoesNotExist:
        raise Http404 from None


@login_required
@never_cache
def vault(request):
    _require_vault(request, "view")
    return render(
        request,
        "accounts/vault_list.html",
        {"rows": selectors.credential_rows(user=request.user), "kinds": CredentialKind.choices},
    )


@sensitive_post_parameters()
@sensitive_variables()
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def credential_create(request, kind: str):
    _require_vault(request, "add")
    if kind not in CredentialKind.values:
        raise Http404
    form = CredentialForm(
        request.POST or None,
        kind=kind,
        mode="create",
        target_choices=selectors.vault_target_choices(),
        initial={"target": request.GET.get("target", "")},
    )
    if request.method == "POST" and form.is_valid():
        target = selectors.vault_target(form.cleaned_data["target"])
        try:
            credential = services.credential_create(
                actor=request.user,
                label=form.cleaned_data["label"],
                kind=kind,
                secret=form.secret_payload(),
                target=target,
                expires_at=form.cleaned_data["expires_at"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("“%(label)s” is now kept in the vault.") % {"label": credential.label},
            )
            return redirect("accounts:credential_detail", credential.pk)
    return render(
        request,
        "accounts/credential_form.html",
        {"form": form, "mode": "create", "kind_label": CredentialKind(kind).label},
    )


@login_required
@never_cache
def credential_detail(request, pk: int):
    row = _credential_row(request, pk)
    return render(
        request,
        "accounts/credential_detail.html",
        {
            "row": row,
            "credential": row.credential,
            "history": selectors.credential_history(credential_id=pk),
            "rotation_days": vault_targets.rotation_period().days,
        },
    )


@sensitive_post_parameters()
@sensitive_variables()
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def credential_edit(request, pk: int):
    row = _credential_row(request, pk)
    credential = row.credential
    _require_vault(request, "change", credential)
    form = CredentialForm(
        request.POST or None,
        kind=credential.kind,
        mode="edit",
        initial={"label": credential.label, "expires_at": credential.expires_at},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.credential_update_secret(
                actor=request.user,
                credential_id=credential.pk,
                secret=form.secret_payload(),
                label=form.cleaned_data["label"] or credential.label,
                expires_at=form.cleaned_data["expires_at"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The credential has been saved."))
            return redirect("accounts:credential_detail", credential.pk)
    return render(
        request,
        "accounts/credential_form.html",
        {"form": form, "mode": "edit", "credential": credential, "row": row},
    )


@sensitive_post_parameters()
@sensitive_variables()
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def credential_rotate(request, pk: int):
    row = _credential_row(request, pk)
    credential = row.credential
    _require_vault(request, "rotate", credential)
    form = CredentialForm(
        request.POST or None,
        kind=credential.kind,
        mode="rotate",
        initial={"expires_at": credential.expires_at},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.credential_rotate(
                actor=request.user,
                credential_id=credential.pk,
                secret=form.secret_payload(),
                expires_at=form.cleaned_data["expires_at"],
                request=request,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The credential has been rotated."))
            return redirect("accounts:credential_detail", credential.pk)
    return render(
        request,
        "accounts/credential_form.html",
        {"form": form, "mode": "rotate", "credential": credential, "row": row},
    )


@login_required
@never_cache
@require_POST
def credential_revoke(request, pk: int):
    row = _credential_row(request, pk)
    _require_vault(request, "revoke", row.credential)
    services.credential_revoke(
        actor=request.user,
        credential_id=pk,
        reason=request.POST.get("reason", "")[:300],
        request=request,
    )
    messages.success(request, _("The credential has been revoked and is kept for the record."))
    return redirect("accounts:credential_detail", pk)


def _totp_now(seed: str) -> str | None:
    from django_otp.oath import totp

    cleaned = seed.replace(" ", "").upper()
    try:
        key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (ValueError, TypeError):
        return None
    return f"{totp(key):06d}"


def _reveal_nonce_key(pk: int) -> str:
    return f"vault_reveal_nonce:{pk}"


@sensitive_post_parameters()
@sensitive_variables()
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def credential_reveal(request, pk: int):
    """Show a secret once, after a fresh second factor. Nothing of it is kept in the session.

    Each form carries a one-time nonce: posting the same form again (a reload) shows nothing.
    """
    row = _credential_row(request, pk)
    credential = row.credential
    _require_vault(request, "reveal", credential)
    form = TokenForm(request.POST if "token" in request.POST else None)
    context = {"credential": credential, "row": row, "form": form, "revealed": None}
    if request.method == "POST":
        expected = request.session.pop(_reveal_nonce_key(credential.pk), None)
        given = request.POST.get("nonce", "")
        if not expected or not secrets.compare_digest(expected, given):
            context["replayed"] = True
        elif form.is_bound and form.is_valid():
            result = services.two_factor_verify(
                request=request, user=request.user, token=form.cleaned_data["token"]
            )
            if not result.ok:
                form.add_error(
                    "token",
                    _("That code is not right. Check your phone's clock and try again."),
                )
        if not form.errors and not context.get("replayed"):
            try:
                payload = services.credential_reveal(
                    actor=request.user, credential_id=credential.pk, request=request
                )
            except services.TwoFactorNotFresh:
                pass
            except VaultKeyError:
                context["unreadable"] = True
            else:
                labels = {spec.name: spec.label for spec in SECRET_FIELDS[credential.kind]}
                revealed = []
                for name, value in payload.items():
                    text = json.dumps(value, indent=2) if isinstance(value, dict) else value
                    revealed.append({"label": labels.get(name, name), "value": text})
                    if name == "totp_seed":
                        code = _totp_now(value)
                        if code:
                            revealed.append({"label": _("Current two-factor code"), "value": code})
                context["revealed"] = revealed
    if not context["revealed"]:
        nonce = secrets.token_urlsafe(16)
        request.session[_reveal_nonce_key(credential.pk)] = nonce
        context["nonce"] = nonce
    context["fresh"] = services.two_factor_is_fresh(request)
    return render(request, "accounts/credential_reveal.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    if request.method == "POST":
        services.notification_mark_read(user=request.user)
        return redirect("accounts:notifications")
    page = Paginator(selectors.notification_list(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/notifications.html", {"page": page, "query": ""})


@login_required
@require_http_methods(["GET", "POST"])
def office_profile(request):
    """The office's name, address and logo on letters and reports; the Kepala Dinas sets it."""
    if not office_profile_policy.user_has_permission(request.user, "change"):
        raise PermissionDenied
    current = selectors.office_profile()
    initial = (
        {
            "name": current.name,
            "parent": current.parent,
            "address": current.address,
            "contact": current.contact,
        }
        if current
        else {}
    )
    form = OfficeProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["logo"]
        logo = upload.read(services.LOGO_MAX_BYTES + 1) if upload else None
        try:
            services.office_profile_save(
                actor=request.user,
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
                address=form.cleaned_data["address"],
                contact=form.cleaned_data["contact"],
                logo=logo,
                remove_logo=form.cleaned_data["remove_logo"],
                request=request,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The office profile has been saved."))
            return redirect("accounts:office_profile")
    return render(
        request,
        "accounts/office_profile.html",
        {"form": form, "letterhead": selectors.office_letterhead()},
        status=400 if request.method == "POST" else 200,
    )
