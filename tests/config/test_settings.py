"""Settings in both modes, checked in fresh processes as the portal really starts."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

BASE_DIR = settings.BASE_DIR
CLEARED = {"SECRET_KEY", "VAULT_KEYS", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#" + "k" * 60 + "Q9!zR$",
    "VAULT_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "portal.example.go.id",
    # Where the platforms fetch media (checked at start: publishing.W001).
    "ASSET_PUBLIC_BASE_URL": "https://portal.example.go.id",
}


def database_in(tmp_path) -> dict[str, str]:
    """A database of the test's own, whatever the run uses (these processes open none)."""
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'portal-settings-test.sqlite3'}"}


def run_django(code: str, env_overrides: dict, tmp_path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env |= {"VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env |= env_overrides
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "VAULT_KEYS", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_secret(missing, tmp_path):
    env = {k: v for k, v in (PRODUCTION | database_in(tmp_path)).items() if k != missing}
    result = run_django("print('started')", env, tmp_path)
    assert result.returncode != 0
    assert "started" not in result.stdout
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert missing in message
    assert "Traceback" not in message


def test_a_vault_key_that_is_not_a_fernet_key_is_refused(tmp_path):
    result = run_django(
        "print('started')",
        PRODUCTION | database_in(tmp_path) | {"VAULT_KEYS": "not-a-key"},
        tmp_path,
    )
    assert result.returncode != 0
    assert "VAULT_KEYS" in result.stderr
    assert "not-a-key" not in result.stderr


def test_development_generates_secrets_once_and_keeps_them(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY[:12], settings.VAULT_KEYS[0][:12])"
    first = run_django(code, {"DEBUG": "true"}, tmp_path)
    second = run_django(code, {"DEBUG": "true"}, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    secrets_dir = tmp_path / "var" / "secrets"
    assert (secrets_dir / "SECRET_KEY").stat().st_mode & 0o777 == 0o600
    assert (secrets_dir / "VAULT_KEYS").exists()


def test_development_defaults_are_embedded(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, "
        "settings.STORAGES['default']['BACKEND'], settings.SOCIAL_API_BASE, settings.TIME_ZONE, "
        "settings.LANGUAGE_CODE)"
    )
    result = run_django(code, {"DEBUG": "true"}, tmp_path)
    out = result.stdout.split()
    assert result.returncode == 0, result.stderr
    if not os.environ.get("DATABASE_URL"):
        assert out[0] == "django.db.backends.sqlite3"
    if not os.environ.get("REDIS_URL"):
        assert out[1] == "filesystem://"
    assert out[2] == "django.core.files.storage.FileSystemStorage"
    assert out[3] == "http://127.0.0.1:8000/simulator"
    assert out[4:] == ["Asia/Jakarta", "id"]


def test_redis_url_moves_broker_and_cache_to_redis(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.CELERY_BROKER_URL, settings.CACHES['default']['BACKEND'])"
    )
    result = run_django(code, {"DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/3"}, tmp_path)
    assert result.stdout.split() == [
        "redis://127.0.0.1:6379/3",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_s3_storage_is_chosen_by_environment(tmp_path):
    code = "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])"
    env = {
        "DEBUG": "true",
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": "media",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    }
    result = run_django(code, env, tmp_path)
    assert result.stdout.strip() == "storages.backends.s3.S3Storage"
    assert run_django(code, {"DEBUG": "true", "STORAGE_BACKEND": "ftp"}, tmp_path).returncode != 0


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env |= PRODUCTION | database_in(tmp_path) | {"VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_simulator_is_not_routed_in_production(tmp_path):
    code = (
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/simulator/_log'); print('routed')\n"
        "except Resolver404:\n    print('absent')"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=BASE_DIR,
        env={
            **os.environ,
            **PRODUCTION,
            **database_in(tmp_path),
            "VAR_DIR": str(tmp_path / "var"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "absent", result.stderr


def test_the_images_static_files_let_production_pages_render(tmp_path):
    """The image's build step (the Dockerfile's collectstatic line, run as it is) leaves the
    static files and their manifest where the running portal looks: a page with DEBUG off
    answers 200, not 500 for a missing manifest entry."""
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    step = dockerfile.split("RUN python manage.py i18n compile", 1)[1].split("USER portal", 1)[0]
    command = "python manage.py i18n compile " + step.replace("\\\n", " ")
    command = command.split("&& chown", 1)[0]  # the image's user does not exist here
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env |= {"VAR_DIR": str(tmp_path / "var"), **database_in(tmp_path)}
    env["PATH"] = f"{os.path.dirname(sys.executable)}:{env.get('PATH', '')}"
    subprocess.run(["sh", "-c", command], cwd=BASE_DIR, env=env, check=True, timeout=300)
    page = run_django(
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        "from django.test import Client; "
        "print(Client(raise_request_exception=False).get("
        "'/', HTTP_HOST='portal.example.go.id', secure=True).status_code)",
        {**PRODUCTION, **database_in(tmp_path)},
        tmp_path,
    )
    assert page.stdout.strip().splitlines()[-1] == "200", page.stderr[-2000:]
