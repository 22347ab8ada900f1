"""A quieter start: the banner's command works on this machine, a refused request logs one line,
and the broker's empty hostname warning says nothing."""

import logging
import os
import subprocess

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from config.logging_filters import NoBrokerHostnameWarning, OneLineForbidden
from media_center.management.commands import runportal


def test_the_totp_command_runs_without_uv_on_the_path(monkeypatch, kadis):
    monkeypatch.setattr(runportal.shutil, "which", lambda name: None)
    command = runportal.manage_command("demo_totp", "kadis")
    assert not command.startswith("uv ")
    assert command.endswith("manage.py demo_totp kadis")
    # As a person would type it in the project folder, with no uv on the PATH.
    program = command.split()[0]
    assert (settings.BASE_DIR / program).exists(), command
    monkeypatch.setattr(runportal.shutil, "which", lambda name: "/usr/local/bin/uv")
    assert runportal.manage_command("demo_totp", "kadis") == (
        "uv run python manage.py demo_totp kadis"
    )


def test_the_banner_command_runs_where_uv_is_not_on_the_path(monkeypatch):
    monkeypatch.setattr(runportal.shutil, "which", lambda name: None)
    command = runportal.manage_command("help", "demo_totp")
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        command.split(), cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "demo_totp" in done.stdout


@pytest.mark.django_db
def test_a_refused_request_logs_one_line(client_for, staf, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_for(staf).get("/accounts/vault/")
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    OneLineForbidden().filter(record)
    text = logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
    assert text == "WARNING django.request Forbidden (Permission denied): /accounts/vault/"
    assert "Traceback" not in text


def test_other_errors_keep_their_traceback():
    try:
        raise PermissionDenied
    except PermissionDenied:
        import sys

        record = logging.LogRecord("django.request", 40, "", 0, "boom", (), sys.exc_info())
    record.status_code = 500
    OneLineForbidden().filter(record)
    assert record.exc_info is not None


def test_the_empty_hostname_warning_is_dropped_and_nothing_else():
    quiet = NoBrokerHostnameWarning()
    hostname = logging.LogRecord(
        "kombu.connection", 30, "", 0, "No hostname was supplied. Reverting to default 'localhost'",
        (), None,
    )  # fmt: skip
    other = logging.LogRecord("kombu.connection", 30, "", 0, "Connection lost", (), None)
    assert not quiet.filter(hostname) and quiet.filter(other)


def test_the_settings_use_the_filters():
    filters = settings.LOGGING["handlers"]["console"]["filters"]
    assert {"one_line_forbidden", "no_broker_hostname", "redact_secrets"} <= set(filters)
