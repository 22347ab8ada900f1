"""A known secret, once in the vault, is found nowhere else: not in logs, pages, API answers, audit
details, notifications, mails, error reports or the database dump (except as ciphertext).

The one place it may appear is the page the Kepala Dinas asked to reveal it on, once."""

import io
import json
import logging
import sys
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.views.debug import ExceptionReporter

from accounts import services, vault
from accounts.models import AuditEvent, Credential, Notification
from tests.vault_fixtures import reveal

pytestmark = pytest.mark.django_db

SECRET = "Kata-Sandi-Diketahui-4b8e1f0c2d7a"


@contextmanager
def captured_logs():
    """What the portal's configured log handlers write (filters included), not a test double."""
    handlers = {
        handler
        for logger in (logging.getLogger(), logging.getLogger("django"))
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
        and any(isinstance(f, vault.RedactSecretsFilter) for f in handler.filters)
    }
    assert handlers, "the portal's log handlers are not configured"
    stream = io.StringIO()
    previous = {handler: handler.setStream(stream) for handler in handlers}
    try:
        yield stream
    finally:
        for handler, old in previous.items():
            handler.setStream(old)


def test_the_known_secret_is_only_ever_ciphertext(
    client_for,
    kadis,
    editor,
    staf,
    admin_user,
    superuser,
    website,
    django_capture_on_commit_callbacks,
):
    with captured_logs() as logs, django_capture_on_commit_callbacks(execute=True):
        head = client_for(kadis)
        created = head.post(
            "/accounts/vault/new/password/",
            {
                "label": "Login admin Media Center",
                "target": f"website:{website.pk}",
                "secret_username": "admin",
                "secret_password": SECRET,
                "expires_at": "2020-01-01T00:00",  # already expired: the check will notify
            },
        )
        assert created.status_code == 302
        credential = Credential.objects.get()
        # Django's error reports would hide the posted values of that form.
        assert created.wsgi_request.sensitive_post_parameters == "__ALL__"

        revealed = reveal(head, credential.pk)
        assert SECRET in revealed.content.decode()  # the one allowed place, shown once

        # A worker uses it, and a careless driver logs it, plainly and in a traceback.
        payload = services.credential_secret_for_use(
            credential_id=credential.pk, used_by="delivery:42"
        )
        driver_log = logging.getLogger("publishing.drivers.example")
        driver_log.error("platform answered 401 for password %s", payload["password"])
        try:
            raise RuntimeError(f"login failed with {payload['password']}")
        except RuntimeError:
            driver_log.exception("driver crashed")
        services.credential_health_check(credential_id=credential.pk)

        # An API request that echoes nothing back, even when refused.
        refused = head.post(
            "/api/v1/credentials/",
            {"label": "x", "kind": "password", "secret": {"username": "a", "pin": SECRET}},
            content_type="application/json",
        )
        assert refused.status_code == 400

        answers = [refused.content.decode()]
        pages = [
            "/dashboard/",
            "/accounts/vault/",
            f"/accounts/vault/{credential.pk}/",
            f"/accounts/vault/{credential.pk}/edit/",
            f"/accounts/vault/{credential.pk}/rotate/",
            f"/accounts/vault/{credential.pk}/reveal/",
            "/accounts/notifications/",
            "/accounts/audit/",
            "/registry/",
            "/registry/compliance/",
            f"/registry/websites/{website.pk}/",
            "/guidelines/",
            "/api/v1/credentials/",
            "/api/schema/",
        ]
        for client in (head, client_for(editor), client_for(staf), client_for(admin_user)):
            for path in pages:
                answers.append(client.get(path).content.decode())
        root = Client()
        root.force_login(superuser)
        for path in (
            "/admin/accounts/credential/",
            f"/admin/accounts/credential/{credential.pk}/change/",
            f"/admin/media_center/website/{website.pk}/change/",
            "/admin/accounts/auditevent/",
            "/api/v1/credentials/",
        ):
            answers.append(root.get(path).content.decode())

    log_text = logs.getvalue()
    assert "platform answered 401" in log_text and "driver crashed" in log_text
    assert vault.REDACTED in log_text
    assert SECRET not in log_text

    for answer in answers:
        assert SECRET not in answer

    assert AuditEvent.objects.filter(action="credential.use").exists()
    assert SECRET not in json.dumps(list(AuditEvent.objects.values("details", "object_repr")))
    assert Notification.objects.filter(kind="credential.expired").exists()
    assert SECRET not in json.dumps(list(Notification.objects.values("params", "url")))
    assert mail.outbox and all(SECRET not in m.body + m.subject for m in mail.outbox)

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert SECRET not in dump.getvalue()
    assert Credential.objects.get().ciphertext in dump.getvalue()


def test_error_reports_hide_the_secret(kadis, client_for):
    head = client_for(kadis)
    response = head.post(
        "/accounts/vault/new/password/",
        {"label": "x", "secret_username": "admin", "secret_password": SECRET},
    )
    request = response.wsgi_request
    try:
        # Fails inside the service, after the secret is in its local variables.
        services.credential_create(
            actor=kadis,
            label="x",
            kind="password",
            secret={"username": "admin", "password": SECRET, "unknown": SECRET},
        )
    except Exception:
        report = ExceptionReporter(request, *sys.exc_info())
        text = report.get_traceback_text()
        html = report.get_traceback_html()
    assert "credential_create" in text  # the frame is there...
    assert SECRET not in text and SECRET not in html  # ...its values and the posted form are not
