from django.urls import path

import core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "publishing"

urlpatterns = [
    path("", views.post_list, name="post_list"),
    path("compose/", views.compose, name="compose"),
    path("compose/checks/", views.compose_checks, name="compose_checks"),
    path("compose/assets/", views.asset_picker, name="asset_picker"),
    path("compose/crop/", views.compose_crop, name="compose_crop"),
    path("approvals/", views.approval_queue, name="approval_queue"),
    path("approvals/approve/", views.approve_many, name="approve_many"),
    path("calendar/", views.calendar, name="calendar"),
    path("posts/<id:pk>/", views.post_detail, name="post_detail"),
    path("posts/<id:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<id:pk>/progress/", views.post_progress, name="post_progress"),
    path("posts/<id:pk>/submit/", views.post_submit, name="post_submit"),
    path("posts/<id:pk>/approve/", views.post_approve, name="post_approve"),
    path("posts/<id:pk>/reject/", views.post_reject, name="post_reject"),
    path("posts/<id:pk>/return/", views.post_return, name="post_return"),
    path("posts/<id:pk>/reschedule/", views.post_reschedule, name="post_reschedule"),
    path("posts/<id:pk>/delete/", views.post_delete, name="post_delete"),
    path("deliveries/<id:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
