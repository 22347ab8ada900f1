"""Renditions, made by the worker: the sizes each kind of asset gets."""

from __future__ import annotations

import os
import shutil
import tempfile

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from .. import renditions as rendering
from ..models import Asset, Rendition
from ..permissions import asset_policy
from .common import COPY_CHUNK, _delete_files, _require
from .storing import _render_after_commit, upload_dir

WANTED_RENDITIONS = {
    Asset.Kind.PHOTO: ["preview", "platform", "thumb"],
    Asset.Kind.VIDEO: ["poster", "thumb"],
}


def _wanted(asset: Asset) -> list[str]:
    if asset.kind == Asset.Kind.DOCUMENT:
        return ["preview", "thumb"] if asset.mime_type == "application/pdf" else []
    return WANTED_RENDITIONS.get(asset.kind, [])


class LocalCopy:
    """The original as a local file path: the file itself on local storage, a temporary copy
    (streamed) on object storage."""

    def __init__(self, name: str):
        self.name = name
        self.temp: str | None = None

    def __enter__(self) -> str:
        if isinstance(default_storage, FileSystemStorage):
            return default_storage.path(self.name)
        with default_storage.open(self.name, "rb") as source:
            handle = tempfile.NamedTemporaryFile(dir=upload_dir(), suffix=".src", delete=False)
            with handle:
                shutil.copyfileobj(source, handle, COPY_CHUNK)
        self.temp = handle.name
        return self.temp

    def __exit__(self, *exc) -> None:
        if self.temp and os.path.exists(self.temp):
            os.unlink(self.temp)


def asset_render(*, asset_id: int) -> Asset | None:
    """Make the renditions an asset still lacks and mark it ready, or failed with the reason.

    Idempotent: an asset that is no longer processing is left alone, and existing renditions are
    not made again.
    """
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or asset.status != Asset.Status.PROCESSING:
        return asset
    wanted = _wanted(asset)
    have = set(asset.renditions.values_list("name", flat=True))
    rendered: list[rendering.RenderedImage] = []
    error = ""
    if set(wanted) - have:
        try:
            with LocalCopy(asset.file.name) as path:
                if asset.kind == Asset.Kind.PHOTO:
                    rendered = rendering.photo_renditions(path)
                elif asset.kind == Asset.Kind.VIDEO:
                    rendered = rendering.video_poster(path)
                else:
                    rendered = rendering.pdf_first_page(path)
        except rendering.RenditionError as exc:
            error = _(
                "The file is damaged or incomplete and no picture could be made from it (%(reason)s)."
            ) % {"reason": exc}
        except FileNotFoundError:
            error = _("The original file is missing from storage.")
    saved: list[str] = []
    try:
        with transaction.atomic():
            asset = Asset.objects.select_for_update().get(pk=asset_id)
            if asset.status != Asset.Status.PROCESSING:
                return asset
            for image in rendered:
                if image.name in have:
                    continue
                rendition = Rendition(
                    asset=asset,
                    name=image.name,
                    width=image.width,
                    height=image.height,
                    size=len(image.content),
                )
                rendition.file.save(f"{image.name}.jpg", ContentFile(image.content), save=False)
                saved.append(rendition.file.name)
                rendition.save()
            asset.status = Asset.Status.FAILED if error else Asset.Status.READY
            asset.error = error
            if not error and asset.kind == Asset.Kind.PHOTO and rendered and not asset.width:
                asset.width, asset.height = rendered[0].width, rendered[0].height
            asset.save(update_fields=["status", "error", "width", "height", "updated_at"])
    except BaseException:
        _delete_files(saved)
        raise
    return asset


def asset_retry(*, actor: User, asset: Asset) -> Asset:
    """Send a failed asset back to the worker (after the worker or a library was fixed)."""
    _require(asset_policy.user_has_permission_for_instance(actor, "change", asset))
    with transaction.atomic():
        asset.status = Asset.Status.PROCESSING
        asset.error = ""
        asset.save(update_fields=["status", "error", "updated_at"])
        _render_after_commit(asset.pk)
    return asset
