"""A phone's 3:4 photo for Instagram: one refusal in one wording, with a crop to 4:5, 1:1 or
1.91:1 as the way out; the crop is part of what is approved, and only Instagram gets it."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from accounts.models import AuditEvent
from assets.crops import Crop
from assets.models import Rendition
from publishing.checks import check_post
from publishing.models import PostStatus
from publishing.services.posts import post_approve, post_create, post_submit, post_update
from tests.conftest import wait_for
from tests.publishing.delivery_fixtures import make_channels, photo_asset
from tests.publishing.workflow_fixtures import later

pytestmark = [pytest.mark.django_db(transaction=True)]

FINISHED = (PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED, PostStatus.FAILED)
ONE_WORDING = "hanya menerima foto dengan rasio 4:5 (tegak) sampai 1,91:1 (mendatar)"


@pytest.fixture
def channels(simulator, kadis, divisions):
    return make_channels(kadis, divisions["PKP"])


@pytest.fixture
def phone(editor, divisions):
    return photo_asset(editor, divisions["PKP"], size=(1500, 2000), name="IMG_2041.jpg")


def _checks(client, phone, channels, *crops):
    return client.post(
        "/publishing/compose/checks/",
        {
            "text": "Kunjungan Bupati ke Pasar Kota.",
            "assets": [phone.pk],
            "channels": [channels["instagram_graph"].pk, channels["facebook"].pk],
            "crop": list(crops),
        },
    ).content.decode()


def test_the_composer_says_it_once_and_offers_the_crop(client_for, editor, phone, channels):
    client = client_for(editor)
    html = _checks(client, phone, channels)
    assert html.count(ONE_WORDING) == 1, html
    assert "“IMG 2041” berukuran 1500x2000" in html
    for other_wording in ("potret", "lanskap", "810x1080"):
        assert other_wording not in html
    assert html.count("crop-open") == 1 and "Potong untuk Instagram</button>" in html
    assert f'data-crop-asset="{phone.pk}"' in html
    # Cropped: no problem left, and the crop is said (with a way to change it).
    html = _checks(client, phone, channels, f"{phone.pk}:4x5:0.500:0.300")
    assert ONE_WORDING not in html
    assert "dipotong 4:5" in html and "Ubah potongan" in html


def test_the_crop_is_made_on_the_server_once(client_for, editor, phone, channels):
    client = client_for(editor)
    asked = {"asset": phone.pk, "ratio": "191x100", "x": "0.5", "y": "0.25"}
    first, second = (
        client.post("/publishing/compose/crop/", asked),
        client.post("/publishing/compose/crop/", asked),
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    answer = first.json()
    assert answer["crop"] == f"{phone.pk}:191x100:0.500:0.250"
    assert (answer["width"], answer["height"]) == (1080, 566)
    names = list(Rendition.objects.filter(asset=phone, name__startswith="ig-").values_list("name"))
    assert names == [("ig-191x100-05000250",)]
    picture = client.get(answer["url"])
    assert picture.status_code == 200


@pytest.mark.parametrize(
    "asked",
    [
        {"ratio": "4x5", "x": "-0.2", "y": "0.5"},
        {"ratio": "4x5", "x": "0.5", "y": "1.01"},
        {"ratio": "4x5", "x": "tengah", "y": "0.5"},
        {"ratio": "4x5", "x": "NaN", "y": "0.5"},
        {"ratio": "4x5", "x": "", "y": ""},
        {"ratio": "3x4", "x": "0.5", "y": "0.5"},
        {"ratio": "", "x": "0.5", "y": "0.5"},
    ],
)
def test_a_nonsense_crop_gets_a_clear_error(client_for, editor, phone, channels, asked):
    answer = client_for(editor).post("/publishing/compose/crop/", {"asset": phone.pk, **asked})
    assert answer.status_code == 400
    assert answer.json()["error"] in (
        "Titik fokus harus berada di dalam foto.",
        "Pilih bentuk: 4:5, 1:1 atau 1,91:1.",
    )
    assert not Rendition.objects.filter(asset=phone, name__startswith="ig-").exists()


def test_the_crop_address_refuses_other_doors(client_for, editor, staf, phone, channels):
    client = client_for(editor)
    assert client.get("/publishing/compose/crop/").status_code == 405
    for asset in ("abc", "", "999999"):
        answer = client.post("/publishing/compose/crop/", {"asset": asset, "ratio": "1x1"})
        assert answer.status_code in (400, 404), (asset, answer.status_code)
    # A bad crop in the composer's form is said on the form, not a server error.
    page = client.post(
        "/publishing/compose/",
        {"text": "Foto.", "assets": [phone.pk], "channels": [channels["facebook"].pk],
         "crop": [f"{phone.pk}:4x5:2:0.5"], "action": "save"},
    )  # fmt: skip
    assert page.status_code == 200
    assert "Titik fokus harus berada di dalam foto." in page.content.decode()


def test_a_changed_crop_goes_back_to_approval(editor, kadis, phone, channels):
    post = post_create(
        actor=editor,
        text="Pasar Kota.",
        asset_ids=[phone.pk],
        channel_ids=[channels["instagram_graph"].pk],
        scheduled_at=later(5),
    )
    assert not check_post(post).ok  # 3:4 for Instagram
    post_update(actor=editor, post=post, crops={phone.pk: Crop.parse("4x5", 0.5, 0.2)})
    assert check_post(post).ok
    post_approve(actor=kadis, post=post_submit(actor=editor, post=post))
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    # Re-cropped: the new crop replaces the old one, and the Head approves again.
    post = post_update(actor=editor, post=post, crops={phone.pk: Crop.parse("1x1", 0.5, 0.9)})
    assert post.status == PostStatus.SUBMITTED and post.approved_by is None
    (use,) = post.media.all()
    assert use.crop == Crop("1x1", 0.5, 0.9)
    crops = Rendition.objects.filter(asset=phone, name__startswith="ig-")
    assert list(crops.values_list("name", flat=True)) == ["ig-1x1-05000900"]  # the old one went
    event = AuditEvent.objects.filter(action="post.update").latest("pk")
    assert event.details["changed"] == ["crops"] and event.details["back_to_approval"]
    # The working title and the same crop again change nothing that was approved.
    post_approve(actor=kadis, post=post)
    post = post_update(
        actor=editor, post=post, title="Pasar", crops={phone.pk: Crop.parse("1x1", 0.5, 0.9)}
    )
    assert post.status == PostStatus.SCHEDULED
    # Changing the photos keeps the crop of the photo that stays.
    post = post_update(actor=editor, post=post, text="Pasar Kota, pagi ini.")
    assert post.media.get().crop == Crop("1x1", 0.5, 0.9)


def _received(url: str) -> Image.Image:
    return Image.open(io.BytesIO(requests.get(url, timeout=10).content))


@pytest.mark.e2e
@pytest.mark.usefixtures("use_queue")
def test_instagram_gets_the_crop_and_facebook_the_whole_photo(
    simulator, channels, editor, kadis, phone
):
    before = phone.file.read()
    post = post_create(
        actor=editor,
        text="Bupati meninjau Pasar Kota.",
        asset_ids=[phone.pk],
        channel_ids=[channels["instagram_graph"].pk, channels["facebook"].pk],
        crops={phone.pk: Crop.parse("4x5", 0.5, 0.0)},
    )
    post_approve(actor=kadis, post=post_submit(actor=editor, post=post))
    wait_for(lambda: post.__class__.objects.get(pk=post.pk).status in FINISHED, 60)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED, [d.last_error for d in post.deliveries.all()]
    (on_instagram,) = simulator.posts("instagram", "mediacenterbojonegoro")
    (media,) = on_instagram["media"]
    assert (media["width"], media["height"]) == (864, 1080)
    assert _received(media["url"]).size == (864, 1080)
    (on_facebook,) = simulator.posts("facebook", "MediaCenterBJN")
    assert [(m["width"], m["height"]) for m in on_facebook["media"]] == [(810, 1080)]
    phone.file.seek(0)
    assert phone.file.read() == before  # the original stays
