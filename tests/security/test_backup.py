"""Nothing lost: a populated portal is backed up, restored into a fresh database and a fresh
media storage by another process (as an office would after losing a server), and every row and
every file's SHA-256 compared. On a local folder and on S3 object storage."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from accounts.models import Credential
from media_center.backup import MANIFEST, backup_create
from tests import figures
from tests.portal_data import SECRET_PASSWORD, SECRET_TOTP_SEED, populate

from .snapshot import snapshot

pytestmark = pytest.mark.django_db
BASE_DIR = Path(settings.BASE_DIR)
BACKUP_BUCKET = "portal-backups-test"


# --- an empty installation, made once -----------------------------------------------------------


def _pg_admin():
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def _pg_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{db.get('USER')}{password}@" if db.get("USER") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


class EmptyInstallations:
    """A freshly migrated database (no data), copied anew for each restore."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.vendor = connection.vendor
        self.made: list[str] = []
        if self.vendor == "postgresql":
            self.template = f"{connection.settings_dict['NAME']}_empty"
            with _pg_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.template}"')
                admin.execute(f'CREATE DATABASE "{self.template}"')
            url = _pg_url(self.template)
        else:
            self.template_file = folder / "empty.sqlite3"
            url = f"sqlite:///{self.template_file}"
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=BASE_DIR,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def new(self) -> str:
        name = f"restore_{uuid.uuid4().hex[:8]}"
        if self.vendor == "postgresql":
            database = f"{connection.settings_dict['NAME']}_{name}"
            with _pg_admin() as admin:
                admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "{self.template}"')
            self.made.append(database)
            return _pg_url(database)
        copy = self.folder / f"{name}.sqlite3"
        shutil.copyfile(self.template_file, copy)
        return f"sqlite:///{copy}"

    def drop(self) -> None:
        if self.vendor != "postgresql":
            return
        with _pg_admin() as admin:
            for database in [*self.made, self.template]:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def empty_installations(tmp_path_factory, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        installations = EmptyInstallations(tmp_path_factory.mktemp("installations"))
    yield installations
    with django_db_blocker.unblock():
        installations.drop()


RESTORE_SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import CommandError, call_command
for name in sys.argv[1:-1]:
    try:
        call_command("restore", name)
    except CommandError as error:
        print("REFUSED " + name + ": " + str(error))
call_command("restore", sys.argv[-1])
from tests.security.snapshot import snapshot
from accounts import vault
from accounts.models import Credential
print("SNAPSHOT " + json.dumps(snapshot()))
payload = vault.decrypt(Credential.objects.get(label__startswith="Login admin").ciphertext)
print("DECRYPTED " + json.dumps(dict(payload.items())))
"""


def restore_elsewhere(names: list[str], env: dict[str, str]) -> dict:
    """Restore (the last of) ``names`` in a new process on another database and storage."""
    result = subprocess.run(
        [sys.executable, "-c", RESTORE_SCRIPT, *names],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "SECRET_KEY": settings.SECRET_KEY,
            "VAULT_KEYS": ",".join(settings.VAULT_KEYS),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    found: dict = {"refused": []}
    for line in result.stdout.splitlines():
        if line.startswith("SNAPSHOT "):
            found["snapshot"] = json.loads(line.removeprefix("SNAPSHOT "))
        elif line.startswith("DECRYPTED "):
            found["decrypted"] = json.loads(line.removeprefix("DECRYPTED "))
        elif line.startswith("REFUSED "):
            found["refused"].append(line)
    return found


def assert_same_portal(original: dict, restored: dict) -> None:
    assert restored["files"] == original["files"]
    for label, rows in original["rows"].items():
        assert restored["rows"][label] == rows, f"{label} differs after restore"
    assert restored["rows"].keys() == original["rows"].keys()
    figures.add("backup_rows", sum(len(rows) for rows in original["rows"].values()))
    figures.add("backup_files", len(original["files"]))


def assert_populated(state: dict) -> None:
    rows = state["rows"]
    for label in (
        "accounts.user",
        "accounts.division",
        "accounts.credential",
        "accounts.auditevent",
        "accounts.notification",
        "assets.folder",
        "assets.asset",
        "assets.rendition",
        "assets.tag",
        "media_center.survey",
        "media_center.vote",
        "media_center.guidelineversion",
        "media_center.website",
        "media_center.embedsite",
        "auth.group",
        "guardian.userobjectpermission",
        "otp_totp.totpdevice",
        "authtoken.token",
    ):
        assert rows.get(label), f"the populated portal has no {label}"
    assert len(state["files"]) >= 10  # originals and renditions


def assert_no_plaintext_secret(folder_files: dict[str, bytes], credential: Credential) -> None:
    everything = b"".join(folder_files.values())
    assert SECRET_PASSWORD.encode() not in everything
    assert SECRET_TOTP_SEED.encode() not in everything
    assert credential.ciphertext.encode() in folder_files["database.jsonl"]


# --- tests --------------------------------------------------------------------------------------


def test_backup_of_a_local_portal_restores_into_an_empty_one(portal, tmp_path, empty_installations):
    original = snapshot()
    assert_populated(original)
    backups = tmp_path / "backups"
    out = call_backup(backups)
    name = out.strip().splitlines()[-1]
    manifest = json.loads((backups / name / MANIFEST).read_text())
    assert manifest["database"]["rows"]["assets.asset"] == 5
    assert len(manifest["media"]["files"]) == len(original["files"])
    assert manifest["media"]["missing"] == []
    written = {
        str(path.relative_to(backups / name)): path.read_bytes()
        for path in (backups / name).rglob("*")
        if path.is_file()
    }
    assert_no_plaintext_secret(written, portal.credential)
    assert ((backups / name / "database.jsonl").stat().st_mode & 0o777) == 0o600

    # A damaged copy of the backup is refused before anything is written.
    damaged = f"{name}-damaged"
    shutil.copytree(backups / name, backups / damaged)
    victim = next((backups / damaged / "media" / "originals").rglob("*.jpg"))
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")

    restored = restore_elsewhere(
        [damaged, name],
        {
            "DATABASE_URL": empty_installations.new(),
            "MEDIA_ROOT": str(tmp_path / "fresh-media"),
            "BACKUP_DIR": str(backups),
        },
    )
    assert len(restored["refused"]) == 1 and "damaged" in restored["refused"][0]
    assert_same_portal(original, restored["snapshot"])
    assert restored["decrypted"]["password"] == SECRET_PASSWORD


def call_backup(folder: Path) -> str:
    from io import StringIO

    out = StringIO()
    call_command("backup", dir=str(folder), stdout=out)
    return out.getvalue()


def test_restore_refuses_a_portal_that_is_not_empty(portal, tmp_path):
    name = call_backup(tmp_path).strip().splitlines()[-1]
    with pytest.raises(CommandError) as refused:
        call_command("restore", name, dir=str(tmp_path))
    assert "not empty" in str(refused.value)
    assert "accounts.user" in str(refused.value)


def test_an_interrupted_backup_is_never_taken_for_a_complete_one(portal, tmp_path):
    name = call_backup(tmp_path).strip().splitlines()[-1]
    (tmp_path / name / MANIFEST).unlink()
    with pytest.raises(CommandError) as refused:
        call_command("restore", name, dir=str(tmp_path))
    assert "no complete backup" in str(refused.value)
    assert name not in call_command_output("restore", "--list", dir=str(tmp_path))


def call_command_output(*args, **kwargs) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


@pytest.fixture
def s3_portal(s3_storage, s3_endpoint, staf, staf_other, editor, kadis, admin_user):
    s3_storage.create_bucket(Bucket=BACKUP_BUCKET)
    backups = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BACKUP_BUCKET,
            "endpoint_url": s3_endpoint,
            "access_key": "testing",
            "secret_key": "testing",
            "region_name": "us-east-1",
            "addressing_style": "path",
            "default_acl": None,
        },
    }
    with override_settings(STORAGES={**settings.STORAGES, "backups": backups}):
        yield populate(
            staf=staf, staf_other=staf_other, editor=editor, kadis=kadis, admin=admin_user
        )
    for item in s3_storage.list_objects_v2(Bucket=BACKUP_BUCKET).get("Contents", []):
        s3_storage.delete_object(Bucket=BACKUP_BUCKET, Key=item["Key"])
    s3_storage.delete_bucket(Bucket=BACKUP_BUCKET)


def test_backup_on_object_storage_restores_into_a_fresh_bucket(
    s3_portal, s3_storage, s3_endpoint, empty_installations
):
    original = snapshot()
    assert_populated(original)
    name = call_command_output("backup").strip().splitlines()[-1]
    listed = {
        item["Key"]
        for item in s3_storage.list_objects_v2(Bucket=BACKUP_BUCKET, Prefix=name)["Contents"]
    }
    assert f"{name}/{MANIFEST}" in listed and f"{name}/database.jsonl" in listed
    assert len(listed) == len(original["files"]) + 2
    body = s3_storage.get_object(Bucket=BACKUP_BUCKET, Key=f"{name}/database.jsonl")["Body"]
    assert_no_plaintext_secret({"database.jsonl": body.read()}, s3_portal.credential)

    fresh_bucket = f"portal-restored-{uuid.uuid4().hex[:8]}"
    s3_storage.create_bucket(Bucket=fresh_bucket)
    restored = restore_elsewhere(
        [name],
        {
            "DATABASE_URL": empty_installations.new(),
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": fresh_bucket,
            "AWS_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "BACKUP_S3_BUCKET": BACKUP_BUCKET,
        },
    )
    assert_same_portal(original, restored["snapshot"])
    assert restored["decrypted"]["totp_seed"] == SECRET_TOTP_SEED
    for item in s3_storage.list_objects_v2(Bucket=fresh_bucket).get("Contents", []):
        s3_storage.delete_object(Bucket=fresh_bucket, Key=item["Key"])
    s3_storage.delete_bucket(Bucket=fresh_bucket)


def test_backup_writes_into_the_configured_folder(portal, tmp_path, settings):
    storages = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    with override_settings(STORAGES=storages):
        summary = backup_create(target=FileSystemStorage(location=tmp_path), name="portal-uji")
        assert (tmp_path / "portal-uji" / MANIFEST).exists()
        assert call_command_output("restore", "--list").split() == ["portal-uji"]
    assert summary.row_count > 50 and summary.files >= 10
