"""The channel pages of the Kepala Dinas, mounted under /publishing/channels/."""

from django.urls import path

import core.converters  # noqa: F401  (registers <id:…>)

from . import channel_views

app_name = "channels"

urlpatterns = [
    path("", channel_views.channel_list, name="channel_list"),
    path("<id:pk>/", channel_views.channel_detail, name="channel_detail"),
    path("<id:pk>/edit/", channel_views.channel_edit, name="channel_edit"),
    path("<id:pk>/active/", channel_views.channel_active, name="channel_active"),
    path("<id:pk>/connect/", channel_views.channel_connect, name="channel_connect"),
    path("<id:pk>/test/", channel_views.channel_test, name="channel_test"),
    path("setup-guide/", channel_views.setup_guide, name="setup_guide"),
    path("<id:pk>/usage/", channel_views.channel_usage, name="channel_usage"),
    path("<id:pk>/login-code/", channel_views.channel_login_code, name="channel_login_code"),
    path(
        "oauth/<str:platform>/callback/",
        channel_views.oauth_callback,
        name="oauth_callback",
    ),
]
