"""One redaction for every log line of every process: web (Django), gunicorn's access and error
logs, the Celery worker and beat, and ``runportal``'s own output.

A secret is recognised by its shape, whichever process writes the line and whether or not that
process ever decrypted it: ``access_token=…`` and the other OAuth parameters (in a query string,
a form body, JSON or a Python ``repr``, URL-encoded once or twice), ``Bearer …`` and
``Authorization:`` headers, Fernet tokens (``gAAAAA…``), Facebook tokens (``EAA…``), JWTs,
passwords in form bodies. The values the vault handled in this process are blanked out as well
(``accounts.vault.redact``).

``RedactSecretsFilter`` is installed on every handler: through Django's ``LOGGING``, gunicorn's
logger class (``config/gunicorn.py``) and Celery's logging signals (``config/celery.py``). This
module imports nothing of Django, so gunicorn's master process uses it before Django starts.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

REDACTED = "[redacted]"

# Names whose value is a secret: OAuth and platform parameters, passwords, session cookies.
_NAMES_OF_SECRETS = (
    r"(?:[a-z0-9_.-]*(?:token|secret|password|passwd|pwd|apikey|api_key|appsecret_proof"
    r"|signature|sessionid|session_id|credential)[a-z0-9_.-]*"
    r"|code|code_verifier|oauth_verifier|sig|auth|signed_request|enc_password)"
)
# Names that contain a secret-looking word but say nothing secret.
_NOT_SECRET = {"token_type", "csrftoken_name", "token_fingerprint", "page_token_count"}
_SEP = r"(?:=|%3d|%253d)"
# A value in a query string or form body ends at "&" (also when URL-encoded), space or quote.
_VALUE = r"(?:(?!%26|%2526)[^\s&\"'<>,;\\])+"
# A name starts after a character that cannot be part of it, or after an encoded one ("%3F").
_START = r"(?:(?<![a-z0-9_.%-])|(?<=%[0-9a-f]{2}))"
_QUERY = re.compile(
    rf"{_START}(?P<name>{_NAMES_OF_SECRETS}){_SEP}(?P<value>\"[^\"]*\"|{_VALUE})",
    re.IGNORECASE,
)
# JSON and Python reprs: "access_token": "…", 'password': '…', escaped quotes included.
_MAPPING = re.compile(
    rf"(?P<q>\\?[\"'])(?P<name>{_NAMES_OF_SECRETS})(?P=q)\s*:\s*(?P<vq>\\?[\"'])"
    rf"(?P<value>.*?)(?P=vq)",
    re.IGNORECASE,
)
# Headers: "Authorization: Bearer …", "Cookie: sessionid=…" (to the end of the line or quote).
_HEADER = re.compile(
    r"(?P<name>(?:proxy-)?authorization|cookie|set-cookie|x-api-key|x-auth-token"
    r"|x-csrftoken|x-ig-www-claim)(?P<sep>\\?[\"']?\s*[:=]\s*\\?[\"']?)"
    r"(?P<value>[^\r\n\"'\\]+)",
    re.IGNORECASE,
)
# A bearer token wherever it is quoted (an exception's text, a header dumped by a library).
_BEARER = re.compile(r"\b(?P<name>bearer)\s+(?P<value>[A-Za-z0-9\-._~+/:|%]{8,}=*)", re.I)
_SHAPES = [
    # Fernet tokens (the vault's ciphertext and anything else Fernet sealed).
    re.compile(r"gAAAAA[A-Za-z0-9_\-]{20,}={0,2}"),
    # Facebook access tokens: user, Page and app tokens start with "EAA".
    re.compile(r"(?:(?<![A-Za-z0-9])|(?<=%[0-9A-Fa-f]{2}))EAA[A-Za-z0-9]{20,}"),
    # JSON Web Tokens.
    re.compile(
        r"(?:(?<![A-Za-z0-9])|(?<=%[0-9A-Fa-f]{2}))eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]+"
    ),
]


def _keep_name(pattern: re.Pattern[str]):
    def replace(match: re.Match[str]) -> str:
        if match.group("name").lower() in _NOT_SECRET:
            return match.group(0)
        start, end = match.span("value")
        whole = match.group(0)
        offset = match.start()
        return whole[: start - offset] + REDACTED + whole[end - offset :]

    return lambda text: pattern.sub(replace, text)


_REPLACERS = [_keep_name(p) for p in (_HEADER, _MAPPING, _QUERY, _BEARER)]


def redact(text: Any) -> Any:
    """``text`` with every secret recognised by its shape, and every value the vault handled in
    this process, replaced by ``[redacted]``. Anything but a string is returned unchanged."""
    if not isinstance(text, str) or not text:
        return text
    for replace in _REPLACERS:
        text = replace(text)
    for shape in _SHAPES:
        text = shape.sub(REDACTED, text)
    vault = sys.modules.get("accounts.vault")  # only if this process has a vault at all
    if vault is not None:
        text = vault.redact(text)
    return text


class RedactSecretsFilter(logging.Filter):
    """A handler filter: the record's message (formatted once here, so that a secret passed as
    an argument is caught too), its traceback and stack are redacted before any formatter
    writes them. The record itself is changed, so every handler after this one writes the
    redacted line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the formatter's business, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(*loggers: logging.Logger | None) -> None:
    """Put the filter on every handler of ``loggers`` (all loggers known so far when none is
    named), once each."""
    if not loggers:
        loggers = (logging.getLogger(), *logging.Logger.manager.loggerDict.values())
    for logger in loggers:
        for handler in getattr(logger, "handlers", None) or []:
            if not any(isinstance(f, RedactSecretsFilter) for f in handler.filters):
                handler.addFilter(RedactSecretsFilter())


class RedactingStream:
    """A text stream that writes each line redacted (``runportal``'s own output)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(redact(text))

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)
