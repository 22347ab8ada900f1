"""Services enqueue Celery tasks here, by the task's name.

A service never imports its app's ``tasks`` module (the tasks call the services, so the two would
import each other): it names the task and the job is sent once the database transaction commits,
so the worker finds the rows the service wrote. Only ids and plain values travel as arguments,
never a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import current_app
from django.db import transaction


def enqueue(task_name: str, *args: Any, eta: datetime | None = None, **kwargs: Any) -> None:
    """Send ``task_name`` to the worker now, or to run at ``eta`` (routes and the default queue
    apply as for ``delay``)."""
    current_app.send_task(task_name, args=args, kwargs=kwargs, eta=eta)


def enqueue_on_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Send ``task_name`` to the worker when the current transaction commits."""
    transaction.on_commit(lambda: enqueue(task_name, *args, **kwargs))
