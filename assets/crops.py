"""Crops of a photo to a shape a platform takes (Instagram: 4:5, 1:1 or 1.91:1).

A crop is a rendition of the photo, named after its shape and its point of interest, so the
same crop is made once however often it is asked for (a double click, two tabs, a later
delivery) and can always be made again from the original, which is only read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import renditions as rendering
from .models import Asset, Rendition

RATIO_LABELS = {"4x5": "4:5", "1x1": "1:1", "191x100": gettext_lazy("1.91:1")}


class CropError(ValueError):
    """A crop that cannot be made; the message says why."""


@dataclass(frozen=True)
class Crop:
    """A shape (a key of ``renditions.CROP_RATIOS``) and a point of interest, 0..1 of the
    upright picture's width and height, kept to a thousandth."""

    ratio: str
    x: float = 0.5
    y: float = 0.5

    @classmethod
    def parse(cls, ratio: object, x: object, y: object) -> Crop:
        """A crop from what a person or a client sent (``CropError`` with a clear reason)."""
        if ratio not in rendering.CROP_RATIOS:
            raise CropError(_("Choose a shape: 4:5, 1:1 or 1.91:1."))
        point = []
        for value in (x, y):
            try:
                number = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                number = math.nan
            if not 0 <= number <= 1:  # also refuses NaN
                raise CropError(_("The point of interest must lie inside the photo."))
            point.append(round(number, 3))
        return cls(str(ratio), point[0], point[1])

    @property
    def label(self) -> str:
        return RATIO_LABELS[self.ratio]

    @property
    def rendition_name(self) -> str:
        return f"ig-{self.ratio}-{round(self.x * 1000):04d}{round(self.y * 1000):04d}"

    def size_for(self, width: int, height: int) -> tuple[int, int]:
        """The crop's size for a picture of ``width`` x ``height`` (without making it)."""
        return rendering.crop_size((width, height), rendering.CROP_RATIOS[self.ratio])

    def as_text(self) -> str:
        return f"{self.ratio}:{self.x:.3f}:{self.y:.3f}"


def crop_rendition_delete(asset: Asset, crop: Crop) -> None:
    """Remove a crop nobody uses any more (its file once the transaction is committed)."""
    for rendition in Rendition.objects.filter(asset=asset, name=crop.rendition_name):
        name = rendition.file.name
        rendition.delete()
        transaction.on_commit(lambda name=name: default_storage.delete(name))


def crop_rendition(asset: Asset, crop: Crop) -> Rendition:
    """The asset's rendition for ``crop``: the existing one, or made now from the original."""
    from .services.renditions import LocalCopy

    name = crop.rendition_name
    existing = Rendition.objects.filter(asset=asset, name=name).first()
    if existing is not None:
        return existing
    if asset.kind != Asset.Kind.PHOTO or asset.status != Asset.Status.READY:
        raise CropError(_("Only a photo that is ready can be cropped."))
    ratio = rendering.CROP_RATIOS[crop.ratio]
    try:
        with LocalCopy(asset.file.name) as path:
            image = rendering.photo_crop(path, ratio, (crop.x, crop.y), name)
    except rendering.RenditionError as exc:
        raise CropError(
            _("The photo could not be cropped (%(reason)s).") % {"reason": exc}
        ) from None
    except FileNotFoundError:
        raise CropError(_("The original file is missing from storage.")) from None
    rendition = Rendition(
        asset=asset, name=name, width=image.width, height=image.height, size=len(image.content)
    )
    rendition.file.save(f"{name}.jpg", ContentFile(image.content), save=False)
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:
        # The same crop was made meanwhile (a double click): keep that one.
        default_storage.delete(rendition.file.name)
        return Rendition.objects.get(asset=asset, name=name)
    return rendition
