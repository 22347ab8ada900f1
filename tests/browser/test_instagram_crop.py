"""A phone's 3:4 photo for Instagram, in Chromium at 1366x900 and on a phone (390x844, touch):
the composer says once why Instagram refuses it and offers the crop; the editor drags the frame
to the top of the photo and applies it (a double click makes one crop); the Kepala Dinas
approves; Instagram gets the square crop of the photo's top, Facebook the whole photo."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from assets.models import Rendition
from assets.services import asset_create_from_file, asset_render, folder_create
from publishing.models import Post, PostStatus
from publishing.services.posts import post_approve
from tests.browser.test_publishing import media_center, sign_in  # noqa: F401 - fixture
from tests.publishing.conftest import signed_in_session

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ONE_WORDING = "hanya menerima foto dengan rasio 4:5 (tegak) sampai 1,91:1 (mendatar)"
RED, BLUE = (210, 30, 30), (30, 30, 210)


def _phone_photo() -> bytes:
    """3:4 like a phone's: red in the top third, blue below."""
    image = Image.new("RGB", (1500, 2000), BLUE)
    image.paste(RED, (0, 0, 1500, 660))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _drag_to_top(page, *, touch: bool) -> None:
    frame = page.locator("#crop-frame")
    box = frame.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    if not touch:
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 6):
            page.mouse.move(x, y - step * 80)
        page.mouse.up()
        return
    # A finger: pointer events of type touch, as a phone's browser sends them.
    for kind, dy in (("pointerdown", 0), ("pointermove", -150), ("pointermove", -400),
                     ("pointerup", -400)):  # fmt: skip
        frame.dispatch_event(kind, {"pointerId": 7, "pointerType": "touch", "isPrimary": True,
                                    "clientX": x, "clientY": y + dy, "bubbles": True})  # fmt: skip


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_phone_photo_is_cropped_for_instagram(
    browser,
    live_server,
    delivery_worker,
    use_queue,
    editor,
    kadis,
    media_center,  # noqa: F811
    screen,
):
    phone = screen == "phone"
    size = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
    context = browser.new_context(base_url=live_server.url, viewport=size, is_mobile=phone,
                                  has_touch=phone)  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    folder = folder_create(actor=editor, name=f"Pasar {screen}", division=editor.division)
    photo = asset_create_from_file(actor=editor, folder=folder, fileobj=io.BytesIO(_phone_photo()),
                                   filename="IMG_2041.jpg", title=f"Pasar Kota {screen}")  # fmt: skip
    asset_render(asset_id=photo.pk)
    facebook, _x, instagram = media_center
    text = f"Bupati meninjau Pasar Kota ({screen})."

    sign_in(page, editor)
    page.goto(f"/publishing/compose/?assets={photo.pk}")
    page.get_by_label("Teks", exact=True).fill(text)
    page.locator(f"input[name=channels][value='{instagram.pk}']").check()
    page.locator(f"input[name=channels][value='{facebook.pk}']").check()
    # One message, in one wording, with the way out.
    page.locator(".check-problems", has_text=ONE_WORDING).wait_for()
    checks = page.locator("#checks").inner_text()
    assert checks.count(ONE_WORDING) == 1, checks
    assert "1500x2000" in checks and "potret" not in checks and "lanskap" not in checks
    page.get_by_role("button", name="Potong untuk Instagram").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    page.locator("#crop-image").evaluate("image => image.decode()")
    dialog.get_by_label("1:1 persegi").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    frame = page.locator("#crop-frame")
    assert frame.get_attribute("aria-valuenow") == "50"
    if not phone:  # the arrow keys move it too
        frame.focus()
        page.keyboard.press("ArrowDown")
        assert frame.get_attribute("aria-valuenow") == "52"
    _drag_to_top(page, touch=phone)
    assert frame.get_attribute("aria-valuenow") == "38"  # pushed against the top edge
    dialog.get_by_role("button", name="Terapkan potongan").dblclick()
    dialog.wait_for(state="hidden")
    page.locator(".crop-note", has_text="dipotong 1:1").wait_for()
    page.locator(".check-ok", has_text="Siap").wait_for()
    assert ONE_WORDING not in page.locator("#checks").inner_text()
    crops = Rendition.objects.filter(asset=photo, name__startswith="ig-")
    assert list(crops.values_list("name", "width", "height")) == [("ig-1x1-05000375", 1080, 1080)]
    page.get_by_role("button", name="Simpan dan ajukan untuk persetujuan").click()
    page.wait_for_url("**/publishing/posts/*/")
    post = Post.objects.get(text=text)
    # The post page shows what Instagram gets, for whoever approves it.
    shown = page.locator(".crop-shown", has_text="dipotong 1:1")
    shown.wait_for()
    assert shown.locator("img").evaluate("image => image.decode().then(() => image.naturalWidth)")
    assert post.status == PostStatus.SUBMITTED
    assert post.media.get().crop_ratio == "1x1"

    post_approve(actor=kadis, post=post)
    page.goto(f"/publishing/posts/{post.pk}/")
    try:
        page.locator(".delivery.status-published").nth(1).wait_for(timeout=60_000)
    except Exception:
        states = list(post.deliveries.values_list("channel__handle", "status", "last_error"))
        pytest.fail(f"not all delivered: {states}\n{delivery_worker.log()[-3000:]}")

    # Instagram got the square from the top of the photo (red), Facebook the whole photo.
    log = signed_in_session(editor).get(f"{live_server.url}/simulator/_log", timeout=10).json()
    sent = {p["platform"]: p for p in log["posts"] if p["published"] and p["text"] == text}
    (on_instagram,) = sent["instagram"]["media"]
    assert (on_instagram["width"], on_instagram["height"]) == (1080, 1080)
    received = Image.open(io.BytesIO(requests.get(on_instagram["url"], timeout=10).content))
    assert received.size == (1080, 1080)
    assert received.convert("RGB").getpixel((540, 30))[0] > 150  # the top: red
    assert received.convert("RGB").getpixel((540, 1050))[2] > 150
    (on_facebook,) = sent["facebook"]["media"]
    assert (on_facebook["width"], on_facebook["height"]) == (810, 1080)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()
