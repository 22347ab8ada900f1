from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .services import user_requires_two_factor

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
