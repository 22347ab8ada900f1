import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .roles import Role
from .services import audit_record, user_requires_two_factor

# Pages a person who still owes a second factor may reach.
_EXEMPT_URL_NAMES = {
    "accounts:login",
    "accounts:logout",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "set_language",
    "healthz",
}
_EXEMPT_PREFIXES = ("/static/", "/simulator/", "/i18n/")


class TwoFactorRequiredMiddleware:
    """Kepala Dinas and Admin sign in with a second factor before anything else.

    A signed-in person of those roles whose session is not yet verified is sent to enrol a TOTP
    device (first time) or to enter a code; API calls on such a session get 403.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        if request.path.startswith(_EXEMPT_PREFIXES):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in _EXEMPT_URL_NAMES:
            return None
        if not user_requires_two_factor(user):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Two-factor verification is required for this account.")},
                status=403,
            )
        from django_otp.plugins.otp_totp.models import TOTPDevice

        has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        target = "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
        return redirect(target)


# The moment of a Kepala Dinas's last request, kept in their session.
LAST_ACTIVITY_KEY = "last_activity"
# The stamp is renewed at most this often, so that not every request writes the session.
ACTIVITY_RESOLUTION_SECONDS = 30


class KepalaDinasIdleTimeoutMiddleware:
    """Sign a Kepala Dinas out after ``KEPALA_DINAS_IDLE_MINUTES`` without a request.

    The vault opens to this role alone, so a browser of theirs left signed in on an office desk
    must not stay open for the whole ``SESSION_COOKIE_AGE``. The login page then says why. Other
    roles keep the normal session age; API tokens are not sessions and are not affected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        minutes = settings.KEPALA_DINAS_IDLE_MINUTES
        user = getattr(request, "user", None)
        if minutes <= 0 or user is None or not user.is_authenticated:
            return self.get_response(request)
        if not user.has_role(Role.KEPALA_DINAS):
            return self.get_response(request)
        now = time.time()
        last = request.session.get(LAST_ACTIVITY_KEY)
        if last is not None and now - float(last) > minutes * 60:
            return self._sign_out(request, minutes)
        if last is None or now - float(last) >= ACTIVITY_RESOLUTION_SECONDS:
            request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _sign_out(self, request, minutes: int):
        user = request.user
        audit_record(
            actor=user,
            action="user.idle_logout",
            target=user,
            request=request,
            details={"idle_minutes": minutes},
        )
        logout(request)
        if request.path.startswith("/api/"):
            # Carries on as an anonymous request: the API answers that a sign-in is needed.
            return self.get_response(request)
        messages.warning(
            request,
            ngettext(
                "You were signed out after %(minutes)d minute without activity. Sign in again "
                "to continue.",
                "You were signed out after %(minutes)d minutes without activity. Sign in again "
                "to continue.",
                minutes,
            )
            % {"minutes": minutes},
        )
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        next_url = request.get_full_path() if request.method == "GET" else None
        if next_url:
            return redirect_to_login(next_url)
        return redirect(settings.LOGIN_URL)
