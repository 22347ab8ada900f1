"""Celery tasks of this app: thin, taking ids only (see STYLE.md)."""

from .sync import tasks as sync_tasks  # noqa: F401 - account sync (publishing/sync/tasks.py)
