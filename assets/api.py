"""API views of this app; ``urlpatterns`` is mounted under /api/v1/."""

urlpatterns: list = []
