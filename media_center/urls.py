from django.urls import path

from . import views

app_name = "media_center"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
