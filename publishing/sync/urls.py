"""Pages of account sync, mounted under /publishing/sync/ (namespace ``sync``)."""

from django.urls import path

import core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "sync"

urlpatterns = [
    path("", views.sync_page, name="index"),
    path("rules/new/", views.rule_form, name="rule_new"),
    path("rules/<id:pk>/", views.rule_form, name="rule_edit"),
    path("rules/<id:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("reposts/", views.repost_queue, name="reposts"),
    path("reposts/<id:pk>/accept/", views.repost_accept, name="repost_accept"),
    path("reposts/<id:pk>/dismiss/", views.repost_dismiss, name="repost_dismiss"),
]
