"""The portal's URLs plus a stand-in composer page, to test the hand-off to publishing."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as portal_urlpatterns


def compose(request):
    return HttpResponse(request.GET.get("assets", ""))


composer = ([path("compose/", compose, name="compose")], "publishing")

urlpatterns = [path("publishing/", include(composer)), *portal_urlpatterns]
