from django.urls import path

import core.converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "skm"

urlpatterns = [
    # The public: the questionnaire of each service, the published results.
    path("skm/", views.public_index, name="public_index"),
    path("skm/hasil/<id:pk>/", views.public_results, name="public_results"),
    path("skm/<slug:slug>/", views.public_form, name="public_form"),
    # The office.
    path("satisfaction/", views.office, name="office"),
    path("satisfaction/services/<id:pk>/", views.service_edit, name="service_edit"),
    path("satisfaction/periods/<id:pk>/", views.period_detail, name="period"),
    path("satisfaction/periods/<id:pk>/paper/", views.paper_entry, name="paper_entry"),
    path("satisfaction/periods/<id:pk>/held/", views.held_accept, name="held_accept"),
    path("satisfaction/periods/<id:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("satisfaction/periods/<id:pk>/publish/", views.publish, name="publish"),
    path("satisfaction/periods/<id:pk>/report.<str:fmt>", views.report, name="report"),
]
