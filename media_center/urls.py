from django.urls import path

from . import views

app_name = "media_center"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("guidelines/", views.guidelines, name="guidelines"),
    path("guidelines/v<int:number>/", views.guidelines, name="guidelines_version"),
    path("guidelines/edit/", views.guidelines_edit, name="guidelines_edit"),
    path("guidelines/preview/", views.guidelines_preview, name="guidelines_preview"),
    path("registry/", views.registry, name="registry"),
    path("registry/compliance/", views.compliance_view, name="compliance"),
    path("registry/websites/new/", views.website_create, name="website_create"),
    path("registry/websites/<int:pk>/", views.website_edit, name="website_edit"),
]
