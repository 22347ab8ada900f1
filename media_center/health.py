"""Checks behind /healthz: can the portal reach its database, broker and file storage?"""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:
        logger.exception("health: database unreachable")
        return False


def broker_ok() -> bool:
    try:
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
            return os.path.isdir(folder) and os.access(folder, os.W_OK)
        from celery import current_app

        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.exception("health: broker unreachable")
        return False


def storage_ok() -> bool:
    try:
        location = getattr(default_storage, "location", None)
        if settings.STORAGE_BACKEND == "local":
            os.makedirs(location, exist_ok=True)
            return os.access(location, os.W_OK)
        default_storage.exists("healthz-probe")
        return True
    except Exception:
        logger.exception("health: storage unreachable")
        return False


def report() -> dict[str, str]:
    return {
        "database": "ok" if database_ok() else "down",
        "broker": "ok" if broker_ok() else "down",
        "storage": "ok" if storage_ok() else "down",
    }


def media_address_problems() -> list[str]:
    """Why the platforms could not fetch the portal's media (production only)."""
    if not getattr(settings, "MEDIA_ADDRESS_CHECK", False):
        return []
    from publishing.addresses import media_base_problems

    try:
        return media_base_problems()
    except Exception:
        logger.exception("health: media address check failed")
        return []
