"""Fixtures of the media library tests: themes, one folder per division, and an upload helper
that goes through the real service (as a person's upload would)."""

from __future__ import annotations

import io

import pytest

from accounts.roles import Role
from assets.models import Asset, Folder, Theme
from assets.services import asset_create_from_file, asset_render, folder_create

from . import media


@pytest.fixture(scope="package", autouse=True)
def _fast_password_hashing():
    """People are made in nearly every test here; what is tested is the library, not hashing."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def themes(db) -> dict[str, Theme]:
    return {
        name: Theme.objects.get_or_create(name=name, defaults={"position": i})[0]
        for i, name in enumerate(["Pemerintahan", "Kesehatan", "Pendidikan", "Budaya"])
    }


@pytest.fixture
def pkp_folder(divisions, editor) -> Folder:
    return folder_create(actor=editor, name="Kegiatan PKP", division=divisions["PKP"])


@pytest.fixture
def piap_folder(divisions, make_user) -> Folder:
    piap_editor = make_user("editor_piap", Role.EDITOR, "PIAP")
    return folder_create(actor=piap_editor, name="Kegiatan PIAP", division=divisions["PIAP"])


@pytest.fixture
def upload():
    """Upload bytes as ``user`` into ``folder`` through the service; render them at once when
    ``render=True`` (the queue itself is tested with a real worker in tests/e2e)."""

    def make(
        user, folder, data: bytes | None = None, name: str = "foto.jpg", *, render=False, **kw
    ):
        asset = asset_create_from_file(
            actor=user,
            folder=folder,
            fileobj=io.BytesIO(media.jpeg() if data is None else data),
            filename=name,
            **kw,
        )
        if render:
            asset = asset_render(asset_id=asset.pk)
        return Asset.objects.get(pk=asset.pk)

    return make
