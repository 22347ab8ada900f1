"""Portal-wide middleware: language choice and the Permissions-Policy header."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from core.api import API_PREFIX


class PortalLocaleMiddleware:
    """Pick the interface language.

    Pages speak Bahasa Indonesia unless the person chose English with the language switch (a
    cookie); browsers in Indonesia often send ``Accept-Language: en`` without meaning it. The API
    honours ``Accept-Language`` so that clients can ask for English messages.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        from_header = False
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
            if request.path.startswith(API_PREFIX) and request.META.get("HTTP_ACCEPT_LANGUAGE"):
                language = translation.get_language_from_request(request)
                from_header = True
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if from_header or request.path.startswith(API_PREFIX):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class PermissionsPolicyMiddleware:
    """Deny browser features the portal never uses (camera, microphone, location...)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class BadParameterMiddleware:
    """Answer a ``core.params.BadParameter`` raised by a view with 400 and its message: a page
    for people, JSON for API clients (also with ``DEBUG`` on, where Django would show its
    technical page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from config.views import bad_request
        from core.params import BadParameter

        if isinstance(exception, BadParameter):
            return bad_request(request, exception)
        return None
