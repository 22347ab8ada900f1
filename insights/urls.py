from django.urls import path

import core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("next-slot/", views.next_slot, name="next_slot"),
    path("partners/", views.partners, name="partners"),
    path("reports/", views.reports, name="reports"),
    path("reports/<id:pk>/", views.report, name="report"),
    path("reports/<id:pk>/report.<str:fmt>", views.report_file, name="report_file"),
]
