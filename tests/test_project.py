"""The project's own files: the deployment description and the README stay true."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def test_docker_compose_file_is_accepted():
    command = compose_command()
    if command is None:
        message = "docker-compose is not installed (Debian package 'docker-compose')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run(
        [*command, "-f", "docker-compose.yml", "config", "--services"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SECRET_KEY": "x", "VAULT_KEYS": "y", "ALLOWED_HOSTS": "z"},
    )
    assert result.returncode == 0, result.stderr
    services = set(result.stdout.split())
    assert {"postgres", "redis", "minio", "web", "worker", "beat"} <= services


def test_every_environment_variable_is_documented():
    """Each variable the settings read is in .env.example and in the README."""
    import re

    source = (BASE_DIR / "config" / "settings.py").read_text()
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z_][A-Z0-9_]*)"', source))
    names |= set(re.findall(r'_secret\("([A-Z_]+)"', source))
    example = (BASE_DIR / ".env.example").read_text()
    readme = (BASE_DIR / "README.md").read_text()
    missing = sorted(n for n in names if n not in example or f"`{n}`" not in readme)
    assert not missing, f"undocumented variables: {missing}"


def test_readme_starts_with_the_two_commands():
    readme = (BASE_DIR / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make run" in quick and "make test" in quick
