"""gunicorn's settings for the portal: ``gunicorn -c python:config.gunicorn config.wsgi``.

Used by ``runportal`` (``make run``), the Dockerfile and docker-compose. Its logger class puts the
portal's one log redaction (``core.redaction``) on gunicorn's error and access logs, wherever
they are written (``--access-logfile``, ``--error-logfile``, syslog): the Facebook SDK sends
``access_token`` in the query string, and the access log writes the request line.
"""

import logging

from gunicorn.glogging import Logger

from core.redaction import install


class RedactingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        install(self.error_log, self.access_log, logging.getLogger())


logger_class = RedactingLogger
