"""An upload's renditions are made by a real Celery worker process, through the real broker."""

import io

import pytest

from assets.models import Asset
from assets.services import asset_create_from_file, folder_create
from tests.assets import media
from tests.conftest import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_worker_makes_renditions_and_marks_broken_files(celery_worker, editor, staf):
    folder = folder_create(actor=editor, name="Liputan", division=editor.division)
    photo = asset_create_from_file(
        actor=staf, folder=folder, fileobj=io.BytesIO(media.jpeg((1800, 1200))), filename="a.jpg"
    )
    video = asset_create_from_file(
        actor=staf, folder=folder, fileobj=io.BytesIO(media.webm()), filename="b.webm"
    )
    whole = media.jpeg((1600, 1200), quality=95)
    broken = asset_create_from_file(
        actor=staf,
        folder=folder,
        fileobj=io.BytesIO(whole[: len(whole) // 2]),
        filename="potong.jpg",
    )

    def settled():
        states = dict(Asset.objects.values_list("pk", "status"))
        return all(state != "processing" for state in states.values()) and states

    states = wait_for(
        settled, timeout=90, message="worker did not process:\n" + celery_worker.log()[-2000:]
    )
    assert states[photo.pk] == "ready" and states[video.pk] == "ready"
    assert states[broken.pk] == "failed"
    assert Asset.objects.get(pk=broken.pk).error
    assert set(Asset.objects.get(pk=photo.pk).renditions.values_list("name", flat=True)) == {
        "thumb",
        "platform",
        "preview",
    }
