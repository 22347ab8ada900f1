from django.urls import path

import core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "boosts"

urlpatterns = [
    path("", views.boost_list, name="list"),
    path("approvals/", views.approval_queue, name="queue"),
    path("posts/", views.post_choice, name="post_choice"),
    path("new/<id:delivery_pk>/", views.boost_new, name="new"),
    path("<id:pk>/", views.boost_detail, name="detail"),
    path("<id:pk>/edit/", views.boost_edit, name="edit"),
    path("<id:pk>/submit/", views.boost_submit, name="submit"),
    path("<id:pk>/approve/", views.boost_approve, name="approve"),
    path("<id:pk>/reject/", views.boost_reject, name="reject"),
    path("<id:pk>/stop/", views.boost_stop, name="stop"),
    path("<id:pk>/receipts/", views.receipt_add, name="receipt_add"),
    path("budget/", views.budget_lines, name="budget_lines"),
    path("budget/new/", views.budget_line_edit, name="budget_line_new"),
    path("budget/<id:pk>/", views.budget_line_edit, name="budget_line_edit"),
    path("budget/<id:pk>/report.<str:fmt>", views.budget_report, name="budget_report"),
    path("accounts/", views.ad_accounts, name="ad_accounts"),
    path("accounts/new/", views.ad_account_edit, name="ad_account_new"),
    path("accounts/<id:pk>/", views.ad_account_edit, name="ad_account_edit"),
    path("accounts/<id:pk>/check/", views.ad_account_check, name="ad_account_check"),
]
