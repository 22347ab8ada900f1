"""Addresses of media: signed, expiring links the platforms fetch."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse

from ..models import Asset
from .common import MEDIA_SALT


def _stored_name(asset: Asset, rendition: str | None) -> str:
    if not rendition:
        return asset.file.name
    found = asset.rendition(rendition)
    if found is None:
        raise LookupError(f"asset {asset.pk} has no rendition {rendition!r}")
    return found.file.name


def asset_public_url(
    asset: Asset,
    rendition: str | None = None,
    expires: int | None = None,
    *,
    download: bool = False,
    absolute: bool = False,
) -> str:
    """An address of the original (or a rendition) that anyone holding it may fetch until it
    expires: a presigned URL on object storage, a signed portal address on local storage.

    A portal address is relative (pages work under any host name the portal is reached by);
    ``absolute`` puts ``ASSET_PUBLIC_BASE_URL`` before it, for those who fetch it from elsewhere
    (a platform fetching a photo, an API client).

    Expiry is rounded up to the next ten minutes so that pages show stable addresses that
    browsers can cache. Raises ``LookupError`` if the rendition does not exist.
    """
    expires = settings.ASSET_URL_EXPIRE if expires is None else expires
    name = _stored_name(asset, rendition)
    if not isinstance(default_storage, FileSystemStorage):
        parameters = {}
        if download:
            filename = asset.original_name.replace('"', "")
            parameters["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        return default_storage.url(name, parameters=parameters or None, expire=expires)
    until = (int(time.time()) + expires) // 600 * 600 + 600
    token = signing.dumps(
        {"a": asset.pk, "r": rendition or "", "e": until, "d": int(download)}, salt=MEDIA_SALT
    )
    url = reverse("assets:media", args=[token])
    base = settings.ASSET_PUBLIC_BASE_URL.rstrip("/") if absolute else ""
    return f"{base}{url}" if base else url


@dataclass(frozen=True)
class MediaToken:
    asset_id: int
    rendition: str
    download: bool


def media_token_read(token: str) -> MediaToken | None:
    """What a signed media address stands for, or None when it is forged or expired."""
    try:
        data = signing.loads(token, salt=MEDIA_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or int(data.get("e", 0)) < time.time():
        return None
    return MediaToken(int(data["a"]), str(data.get("r") or ""), bool(data.get("d")))
