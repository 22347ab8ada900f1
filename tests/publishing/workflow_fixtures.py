"""Channels of the three Media Center accounts and library assets, made through the services,
for the workflow's tests (services, pages, API, browser)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import Asset
from assets.services import asset_create_from_file, asset_render, folder_create
from publishing.models import AccountGroup, DriverName
from publishing.services.channels import channel_create
from tests.assets import media


@pytest.fixture
def channels(kadis, divisions) -> dict:
    """The Media Center's Facebook Page, X and Instagram accounts (division PKP), and the
    regency's X account (division PIAP)."""
    pkp, piap = divisions["PKP"], divisions["PIAP"]
    return {
        "facebook": channel_create(
            actor=kadis, name="Media Center Bojonegoro", handle="MediaCenterBJN",
            driver=DriverName.FACEBOOK, account_group=AccountGroup.MEDIA_CENTER,
            responsible_division=pkp, external_id="100000000000001",
        ),
        "x": channel_create(
            actor=kadis, name="Media Center", handle="mediacenterBJN", driver=DriverName.X,
            account_group=AccountGroup.MEDIA_CENTER, responsible_division=pkp,
        ),
        "instagram": channel_create(
            actor=kadis, name="Media Center", handle="mediacenterbojonegoro",
            driver=DriverName.INSTAGRAM_GRAPH, account_group=AccountGroup.MEDIA_CENTER,
            responsible_division=pkp,
        ),
        "pemkab_x": channel_create(
            actor=kadis, name="Pemkab Bojonegoro", handle="bojonegorokab", driver=DriverName.X,
            account_group=AccountGroup.PEMKAB, responsible_division=piap,
        ),
    }  # fmt: skip


@pytest.fixture
def library_folder(editor):
    return folder_create(actor=editor, name="Kegiatan PKP", division=editor.division)


@pytest.fixture
def make_asset(staf, library_folder):
    counter = iter(range(1, 10_000))

    def make(name="foto.jpg", data=None, *, render=True, user=None, into=None, **extra) -> Asset:
        asset = asset_create_from_file(
            actor=user or staf,
            folder=into or library_folder,
            fileobj=io.BytesIO(
                data
                if data is not None
                else media.jpeg((1200, 900), color=(next(counter) * 7 % 255, 90, 40))
            ),
            filename=name,
            **extra,
        )
        if render:
            asset_render(asset_id=asset.pk)
        return Asset.objects.get(pk=asset.pk)

    return make


@pytest.fixture
def photo(make_asset) -> Asset:
    return make_asset("banjir.jpg", title="Rapat penanganan banjir")


def later(hours: float = 2):
    return timezone.now() + timedelta(hours=hours)
