"""The Celery application. Tasks live in each app's ``tasks.py`` and take ids only."""

import logging
import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _redact_secrets(logger=None, **_kwargs) -> None:
    """The worker's and beat's own handlers (the task logger's too, which does not propagate)
    get the portal's one log redaction, like every other process."""
    from core.redaction import install

    install(logger, logging.getLogger(), logging.getLogger("celery.redirected"))
