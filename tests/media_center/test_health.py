import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"}


def test_healthz_is_503_when_storage_is_unreachable(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": blocker / "media"},
        },
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"] == "down"
    assert response.json()["database"] == "ok"


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings, tmp_path):
    from config.celery import app

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "data_folder_in": str(tmp_path / "missing"),
        }
        response = client.get("/healthz")
    else:
        original = app.conf.broker_url
        app.conf.broker_url = "redis://127.0.0.1:1/0"
        try:
            response = client.get("/healthz")
        finally:
            app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
