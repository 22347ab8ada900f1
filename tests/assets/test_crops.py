"""Instagram's crop of a photo: a rendition of the shape asked for, around the point of interest,
from the upright picture; the original is only read."""

from __future__ import annotations

import hashlib
import io
import threading
import uuid

import pytest
from django.db import connection
from PIL import Image

from assets.crops import Crop, CropError, crop_rendition
from assets.models import Asset, Rendition
from assets.services import asset_create_from_file, asset_render, folder_create

pytestmark = [pytest.mark.django_db(transaction=True)]


def _photo(editor, division, image: Image.Image, name="IMG_0001.jpg", **save) -> Asset:
    folder = folder_create(actor=editor, name=f"Potong {uuid.uuid4().hex[:6]}", division=division)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, **save)
    asset = asset_create_from_file(
        actor=editor, folder=folder, fileobj=io.BytesIO(buffer.getvalue()), filename=name
    )
    asset_render(asset_id=asset.pk)
    return Asset.objects.get(pk=asset.pk)


def _halves(size, left=(200, 30, 30), right=(30, 30, 200), *, vertical=False) -> Image.Image:
    """Red on one side, blue on the other (left/right, or top/bottom when ``vertical``)."""
    image = Image.new("RGB", size, right)
    width, height = size
    image.paste(left, (0, 0, width, height // 2) if vertical else (0, 0, width // 2, height))
    return image


def _read(rendition: Rendition) -> Image.Image:
    with rendition.file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def _digest(asset: Asset) -> str:
    with asset.file.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.mark.parametrize(
    ("ratio", "size"), [("4x5", (864, 1080)), ("1x1", (1080, 1080)), ("191x100", (1080, 566))]
)
def test_each_shape_has_exactly_its_size_and_the_original_stays(editor, divisions, ratio, size):
    phone = _photo(editor, divisions["PKP"], _halves((1500, 2000)))  # 3:4, as phones take them
    before = _digest(phone)
    rendition = crop_rendition(phone, Crop.parse(ratio, "0.5", "0.5"))
    assert (rendition.width, rendition.height) == size
    picture = _read(rendition)
    assert picture.size == size and picture.format == "JPEG"
    assert 0.8 <= size[0] / size[1] <= 1.91  # what Instagram takes
    phone.refresh_from_db()
    assert _digest(phone) == before and (phone.width, phone.height) == (1500, 2000)
    assert phone.rendition("platform") is not None  # the other renditions are untouched


def test_the_point_of_interest_is_kept_up_to_the_edges(editor, divisions):
    wide = _photo(editor, divisions["PKP"], _halves((2000, 1000)))  # red left, blue right
    left = _read(crop_rendition(wide, Crop.parse("4x5", 0, 0.5)))
    right = _read(crop_rendition(wide, Crop.parse("4x5", 1, 0.5)))
    assert left.size == right.size == (800, 1000)
    # Pushed against the edge, not past it: the crop is all red, or all blue.
    for x in (5, 400, 795):
        assert left.getpixel((x, 500))[0] > 150 and right.getpixel((x, 500))[2] > 150
    tall = _photo(editor, divisions["PKP"], _halves((1000, 3000), vertical=True))  # red on top
    top = _read(crop_rendition(tall, Crop.parse("191x100", 0.5, 0)))
    bottom = _read(crop_rendition(tall, Crop.parse("191x100", 0.5, 1)))
    assert top.getpixel((500, 5))[0] > 150 and top.getpixel((500, top.height - 5))[0] > 150
    assert bottom.getpixel((500, 5))[2] > 150


def test_a_photo_turned_by_its_exif_is_cropped_upright(editor, divisions):
    # Stored 2000x1500 (left red, right blue), orientation 6: shown turned right, 1500x2000,
    # red on top.
    exif = Image.Exif()
    exif[0x0112] = 6
    turned = _photo(editor, divisions["PKP"], _halves((2000, 1500)), exif=exif.tobytes())
    assert (turned.width, turned.height) == (1500, 2000)
    top = _read(crop_rendition(turned, Crop.parse("1x1", 0.5, 0)))
    assert top.size == (1080, 1080)
    # Upright, the red half is on top across the whole width: the crop's top row is red from
    # side to side, and its lower third (below the middle of the photo) blue.
    assert top.getpixel((20, 20))[0] > 150 and top.getpixel((1060, 20))[0] > 150
    assert top.getpixel((540, 1060))[2] > 150
    bottom = _read(crop_rendition(turned, Crop.parse("1x1", 0.5, 1)))
    assert bottom.getpixel((20, 20))[0] > 150 and bottom.getpixel((1060, 20))[0] > 150
    assert bottom.getpixel((540, 1060))[2] > 150 and bottom.getpixel((20, 1060))[2] > 150


def test_a_huge_phone_photo_is_cropped(editor, divisions):
    huge = _photo(editor, divisions["PKP"], _halves((6000, 8000)), name="IMG_9999.jpg")
    rendition = crop_rendition(huge, Crop.parse("4x5", 0.3, 0.7))
    assert (rendition.width, rendition.height) == (864, 1080)
    assert _read(rendition).size == (864, 1080)


def test_the_same_crop_twice_is_one_rendition(editor, divisions):
    phone = _photo(editor, divisions["PKP"], _halves((900, 1200)))
    crop = Crop.parse("1x1", "0.25", "0.75")
    first, second = crop_rendition(phone, crop), crop_rendition(phone, crop)
    assert first.pk == second.pk
    assert Rendition.objects.filter(asset=phone, name=crop.rendition_name).count() == 1


def test_two_crops_at_once_make_one_rendition(editor, divisions):
    """A double click: two requests for the same crop at the same moment."""
    phone = _photo(editor, divisions["PKP"], _halves((900, 1200)))
    crop = Crop.parse("4x5", "0.5", "0.4")
    made, errors = [], []

    def make():
        try:
            made.append(crop_rendition(Asset.objects.get(pk=phone.pk), crop).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=make) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(made)) == 1
    assert Rendition.objects.filter(asset=phone, name=crop.rendition_name).count() == 1


@pytest.mark.parametrize(
    ("ratio", "x", "y"),
    [("4x5", "-0.1", "0.5"), ("4x5", "0.5", "1.5"), ("4x5", "kiri", "0.5"), ("4x5", "nan", "0.5"),
     ("4x5", "inf", "0.5"), ("4x5", None, "0.5"), ("3x4", "0.5", "0.5"), ("", "0.5", "0.5")],
)  # fmt: skip
def test_nonsense_is_refused_with_a_reason(ratio, x, y):
    with pytest.raises(CropError) as refused:
        Crop.parse(ratio, x, y)
    assert str(refused.value)


def test_only_a_photo_that_is_ready_is_cropped(editor, divisions):
    phone = _photo(editor, divisions["PKP"], _halves((900, 1200)))
    Asset.objects.filter(pk=phone.pk).update(status=Asset.Status.PROCESSING)
    phone.refresh_from_db()
    with pytest.raises(CropError):
        crop_rendition(phone, Crop.parse("1x1", 0.5, 0.5))


def test_a_heic_phone_photo_is_cropped(editor, divisions):
    from tests.assets import media

    folder = folder_create(actor=editor, name="HEIC", division=divisions["PKP"])
    asset = asset_create_from_file(
        actor=editor, folder=folder, fileobj=io.BytesIO(media.heic((900, 1200))),
        filename="IMG_0042.HEIC",
    )  # fmt: skip
    asset_render(asset_id=asset.pk)
    asset.refresh_from_db()
    assert asset.status == Asset.Status.READY, asset.error
    rendition = crop_rendition(asset, Crop.parse("4x5", 0.5, 0.5))
    assert (rendition.width, rendition.height) == (864, 1080)
    picture = _read(rendition)
    assert picture.format == "JPEG" and picture.size == (864, 1080)
