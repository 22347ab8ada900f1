from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.api import API_PREFIX


def csrf_failure(request, reason=""):
    """A forged or expired form: a clear page, never a crash (the reason stays in the logs)."""
    return render(request, "csrf_failure.html", status=403)


def page_not_found(request, exception=None):
    """Nothing at this address: a page for people, JSON for API clients."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": _("There is nothing at this address of the API.")}, status=404
        )
    return render(request, "404.html", status=404)


def bad_request(request, exception=None):
    """A request the portal cannot take (a bad number or date in the address): 400 with the
    reason when it is one of ours, a general sentence otherwise."""
    from core.params import BadParameter

    message = (
        exception.message
        if isinstance(exception, BadParameter)
        else _("The request cannot be understood. Check the address and try again.")
    )
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "400.html", {"message": message}, status=400)
