"""The channel pages of the Kepala Dinas, mounted under /publishing/channels/."""

from django.urls import path

from . import channel_views

app_name = "channels"

urlpatterns = [
    path("", channel_views.channel_list, name="channel_list"),
    path("<int:pk>/", channel_views.channel_detail, name="channel_detail"),
    path("<int:pk>/edit/", channel_views.channel_edit, name="channel_edit"),
    path("<int:pk>/active/", channel_views.channel_active, name="channel_active"),
    path("<int:pk>/usage/", channel_views.channel_usage, name="channel_usage"),
    path("<int:pk>/login-code/", channel_views.channel_login_code, name="channel_login_code"),
    path("<int:pk>/connect/", channel_views.channel_connect, name="channel_connect"),
    path(
        "oauth/<str:platform>/callback/",
        channel_views.oauth_callback,
        name="oauth_callback",
    ),
]
