"""Log filters that keep the console readable (see ``LOGGING`` in settings)."""

from __future__ import annotations

import logging


class OneLineForbidden(logging.Filter):
    """A refused request (403) is an everyday event, not a fault: Django logs it with the
    exception's full traceback; keep its one line ("Forbidden (Permission denied): /path")."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True


class NoBrokerHostnameWarning(logging.Filter):
    """kombu warns "No hostname was supplied" for every connection to a broker without a host;
    the embedded filesystem broker never has one, so the warning says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "kombu.connection"
            and record.getMessage().startswith("No hostname was supplied")
        )
