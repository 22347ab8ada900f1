from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import accounts.api
import assets.api
import insights.api
import media_center.api
import publishing.api
import publishing.sync.api
import skm.api
from media_center.public_views import home
from media_center.views import healthz

api_patterns = [
    *accounts.api.urlpatterns,
    *assets.api.urlpatterns,
    *publishing.api.urlpatterns,
    *publishing.sync.api.urlpatterns,
    *insights.api.urlpatterns,
    *media_center.api.urlpatterns,
    *skm.api.urlpatterns,
]

# Django's admin speaks as the portal, not as "Django administration".
admin.site.site_header = _("Portal Media Center · administration")
admin.site.site_title = _("Portal Media Center")
admin.site.index_title = _("Administration")

urlpatterns = [
    # Anonymous visitors see the public home; staff reach the dashboard through the login.
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("library/", include("assets.urls")),
    path("publishing/channels/", include("publishing.channel_urls", namespace="channels")),
    path("publishing/sync/", include("publishing.sync.urls")),
    path("publishing/", include("publishing.urls")),
    path("insights/", include("insights.urls")),
    path("boosts/", include("boosts.urls")),
    path("", include("skm.urls")),
    path("", include("media_center.urls")),
    path("api/v1/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    # The admin signs in through the portal's own login (lockout and second factor included).
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
        name="admin-login",
    ),
    path("admin/", admin.site.urls),
]

if settings.SIMULATOR_ENABLED:
    urlpatterns.append(path("simulator/", include("publishing.simulator.urls")))

# Under /api/ an unknown address answers JSON, like the rest of the API.
handler404 = "config.views.page_not_found"
handler400 = "config.views.bad_request"
