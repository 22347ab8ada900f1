"""A page token in the log: the Facebook SDK sends ``access_token`` in the query string, and
gunicorn's access log wrote it in clear, in a process that never decrypted it.

One redaction (``core.redaction``) now covers every log line of every process, by the shapes
of secrets and by the values the vault handled. Here: each shape, then the real processes
(gunicorn with its access and error logs, a Celery worker) writing a token they never
decrypted."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import time
import urllib.request

import pytest

from accounts import vault
from config.celery import app as celery_app
from core.redaction import REDACTED, RedactSecretsFilter, redact
from tests.conftest import WorkerProcess, database_url_for_workers, wait_for
from tests.servers import Gunicorn

PAGE_TOKEN = "EAAGm0PZB2kZCkBAO7x9QeLrSqzW1dNvYbHkT3uJ"
PLAIN = "q7Wn2xK9vLp4Rt8Zs1Yd6Hc3Jf5Mb0Ng"  # a token with no recognisable prefix
FERNET = "gAAAAABnS2xkX3Rva2VuX2Zvcl90ZXN0aW5nX3JlZGFjdGlvbl9vbmx5X2xvbmc="


@pytest.mark.parametrize(
    "line",
    [
        f"GET /simulator/facebook/v21.0/100090000000101/feed?access_token={PLAIN}&fields=id",
        f"POST /oauth/access_token client_id=1&client_secret={PLAIN}&code={PLAIN}",
        f"GET /publishing/channels/oauth/facebook/callback/?code={PLAIN}&state=abc HTTP/1.1",
        f"grant_type=refresh_token&refresh_token={PLAIN}&client_id=portal-media-center",
        f"GET /me?access_token=EAAG1&appsecret_proof={PLAIN}",
        f'OAuth oauth_consumer_key="ck", oauth_token="{PLAIN}", oauth_signature="x"',
        f"oauth_token={PLAIN}&oauth_verifier=v123456789",
        f"Authorization: Bearer {PLAIN}",
        f"headers={{'Authorization': 'Bearer {PLAIN}', 'User-Agent': 'tweepy'}}",
        f"Authorization: Basic {PLAIN}==",
        f"Authorization: Token {PLAIN}",
        f"requests.exceptions.HTTPError: 401 for bearer {PLAIN}",
        f"payload {FERNET} stored",
        f"Cookie: sessionid={PLAIN}; csrftoken=abc",
        f"username=admin&password={PLAIN}&next=/",
        f"csrfmiddlewaretoken=x&new_password1={PLAIN}&new_password2={PLAIN}",
        f"enc_password=#PWD_INSTAGRAM:4:1700000000:{PLAIN}",
        f'{{"access_token": "{PLAIN}", "token_type": "bearer", "expires_in": 7200}}',
        f'{{\\"refresh_token\\": \\"{PLAIN}\\"}}',  # JSON inside a JSON string
        f"{{'password': '{PLAIN}', 'username': 'kominfo'}}",
        f"https://bucket.s3/x.jpg?X-Amz-Credential=AKIA/1&X-Amz-Signature={PLAIN}",
        f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.{PLAIN}",
    ],
)
def test_each_shape_of_secret_is_redacted(line):
    cleaned = redact(line)
    assert PLAIN not in cleaned and FERNET not in cleaned, cleaned
    assert REDACTED in cleaned


def test_a_facebook_token_is_redacted_anywhere_by_its_shape():
    assert redact(f"token {PAGE_TOKEN} refused") == f"token {REDACTED} refused"


def test_a_url_encoded_token_is_redacted():
    """In a redirect address's query (once encoded), and encoded twice."""
    once = f"redirect_uri=https%3A%2F%2Fp.example%2Fcb%3Faccess_token%3D{PLAIN}%26state%3Dok"
    twice = f"next=%2Fx%3Fu%3Dcb%253Faccess_token%253D{PLAIN}%2526state%253Dok"
    for line in (once, twice):
        cleaned = redact(line)
        assert PLAIN not in cleaned
        assert "state%3Dok" in cleaned or "state%253Dok" in cleaned  # the rest stays readable
    # The login page's "next" carries the callback's code, encoded.
    login = f"GET /accounts/login/?next=/publishing/channels/oauth/x/callback/%3Fcode%3D{PLAIN}"
    assert PLAIN not in redact(login) and PAGE_TOKEN not in redact(f"u%3D{PAGE_TOKEN}")
    percent = f"access_token=EAAG%2F{PLAIN}%2B%3D&x=1"
    assert PLAIN not in redact(percent) and redact(percent).endswith("&x=1")


def test_a_token_split_across_query_parameters_is_redacted_in_each_part():
    # The parameter repeated, each copy holding a part.
    repeated = f"GET /me?access_token={PLAIN[:16]}&fields=id&access_token={PLAIN[16:]} HTTP/1.1"
    cleaned = redact(repeated)
    assert PLAIN[:16] not in cleaned and PLAIN[16:] not in cleaned and "fields=id" in cleaned
    # An app token is "{app-id}|{app-secret}": the secret after the bar, also URL-encoded.
    for line in (
        f"GET /debug_token?input_token=x1&access_token=100000000000001|{PLAIN}",
        f"GET /debug_token?access_token=100000000000001%7C{PLAIN}&input_token=x1",
    ):
        assert PLAIN not in redact(line), redact(line)
    # Client id and secret in two parameters: the secret goes, the public id stays.
    pair = redact(f"client_id=portal-media-center&client_secret={PLAIN}")
    assert "client_id=portal-media-center" in pair and PLAIN not in pair


def test_what_is_not_a_secret_stays_readable():
    for line in (
        "GET /library/?q=banjir&page=2 HTTP/1.1",
        "Task publishing.tasks.deliver[3f1c] succeeded in 0.2s: None",
        "exitcode=1 status_code=200 error_code=190 token_type=bearer",
        "Basic information about the portal",
        '{"error": {"code": 190, "message": "Invalid OAuth access token."}}',
    ):
        assert redact(line) == line


def test_values_the_vault_handled_are_redacted_whatever_their_shape():
    secret = "kata sandi tanpa bentuk 7e1d"
    vault.decrypt(vault.encrypt({"password": secret}))
    assert redact(f"login failed for {secret}!") == f"login failed for {REDACTED}!"


def test_the_filter_redacts_arguments_tracebacks_and_stacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecretsFilter())
    logger = logging.getLogger("portal.redaction-test")
    logger.addHandler(handler)
    try:
        logger.warning("calling %s", f"/me?access_token={PLAIN}")
        try:
            raise RuntimeError(f"401 Authorization: Bearer {PLAIN}")
        except RuntimeError:
            logger.exception("driver crashed")
        logger.warning("where", stack_info=True, extra={"x": f"code={PLAIN}"})
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "calling /me?access_token=[redacted]" in text and "RuntimeError" in text
    assert PLAIN not in text


def test_celery_loggers_get_the_filter_when_celery_sets_them_up():
    from celery.signals import after_setup_logger, after_setup_task_logger

    for signal in (after_setup_logger, after_setup_task_logger):
        logger = logging.getLogger(f"celery.test.{signal.name}")
        handler = logging.StreamHandler(io.StringIO())
        logger.addHandler(handler)
        try:
            signal.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None,
                        format="", colorize=False)  # fmt: skip
            assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
        finally:
            logger.removeHandler(handler)


# --- the real processes -------------------------------------------------------------------------


def test_gunicorns_access_log_never_holds_a_token_it_was_sent(tmp_path, transactional_db):
    server = Gunicorn(tmp_path, {"DATABASE_URL": database_url_for_workers()}).start()
    try:
        for path in (
            f"/healthz?access_token={PAGE_TOKEN}&appsecret_proof={PLAIN}",
            f"/publishing/channels/oauth/facebook/callback/?code={PLAIN}&state=s",
            f"/simulator/facebook/v21.0/me?access_token=100000000000001%7C{PLAIN}",
        ):
            request = urllib.request.Request(
                server.url + path,
                headers={"Referer": f"{server.url}/x?refresh_token={PLAIN}", "Cookie": "a=b"},
            )
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=60)
        wait_for(
            lambda: server.access_log.exists() and server.access_log.read_text().count("\n") >= 3,
            timeout=20,
        )
    finally:
        server.stop()
    written = server.access_log.read_text()
    assert "/healthz?access_token=[redacted]" in written
    assert "oauth/facebook/callback/?code=[redacted]&state=s" in written
    every_log = server.logs()
    assert PAGE_TOKEN not in every_log and PLAIN not in every_log


def test_a_celery_worker_logs_no_token_it_never_decrypted(tmp_path, db):
    """A message the worker cannot run is logged with its whole body: the token in its
    arguments is redacted there too."""
    queue = f"redact-{os.getpid()}-{int(time.time())}"
    worker = WorkerProcess(
        {**os.environ, "DATABASE_URL": database_url_for_workers(), "PYTHONUNBUFFERED": "1"},
        queue,
        tmp_path / "worker.log",
        concurrency=1,
        name="redact",
    )
    worker.start()
    try:
        wait_for(lambda: "ready" in worker.log(), timeout=60, message=worker.log()[-2000:])
        celery_app.send_task(
            "publishing.tasks.no_such_task",
            args=[f"https://graph.facebook.com/me?access_token={PLAIN}"],
            kwargs={"authorization": f"Bearer {PAGE_TOKEN}"},
            queue=queue,
        )
        wait_for(lambda: "no_such_task" in worker.log(), timeout=60, message=worker.log()[-2000:])
    finally:
        worker.stop()
    log = worker.log()
    assert "access_token=[redacted]" in log
    assert PLAIN not in log and PAGE_TOKEN not in log
