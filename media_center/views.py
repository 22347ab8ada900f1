from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from . import health, selectors


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
