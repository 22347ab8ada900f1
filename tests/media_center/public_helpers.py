"""Public posts for the tests of the public pages.

The publishing workflow and the delivery engine are built elsewhere; ``published_post`` writes,
through the ORM, the state a post is in after its deliveries went out: status published with a
publication time, its photos attached, one published delivery per channel with the post's
address on that platform. The library side (folders, uploads, renditions) goes through the real
services.
"""

from __future__ import annotations

import io
import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from assets.models import Asset, Folder
from assets.services import asset_create_from_file, asset_render
from publishing.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Post,
    PostMedia,
    PostStatus,
)
from publishing.services.channels import channel_create
from tests.assets import media

_colours = itertools.count(1)


def photo(user, folder: Folder, *, title: str = "Foto kegiatan", size=(800, 600)) -> Asset:
    """A photo uploaded and rendered (thumbnail, platform size, preview), distinct each call."""
    n = next(_colours)
    data = media.jpeg(size, color=((n * 37) % 256, (n * 91) % 256, (n * 53) % 256))
    asset = asset_create_from_file(
        actor=user, folder=folder, fileobj=io.BytesIO(data), filename=f"foto-{n}.jpg", title=title
    )
    rendered = asset_render(asset_id=asset.pk)
    assert rendered.status == Asset.Status.READY, rendered.error
    return Asset.objects.get(pk=asset.pk)


def video(user, folder: Folder, *, title: str = "Video kegiatan") -> Asset:
    asset = asset_create_from_file(
        actor=user,
        folder=folder,
        fileobj=io.BytesIO(media.mp4(0.5)),
        filename="video.mp4",
        title=title,
    )
    rendered = asset_render(asset_id=asset.pk)
    assert rendered.status == Asset.Status.READY, rendered.error
    return Asset.objects.get(pk=asset.pk)


def channels() -> dict[str, Channel]:
    """The office's Facebook Page, X account and Instagram account (no credential needed here)."""
    specs = {
        "facebook": ("Media Center Bojonegoro", "MediaCenterBJN", "facebook"),
        "x": ("Media Center BJN", "mediacenterBJN", "x"),
        "instagram": ("mediacenterbojonegoro", "mediacenterbojonegoro", "instagram_graph"),
    }
    found = {}
    for key, (name, handle, driver) in specs.items():
        existing = Channel.objects.filter(handle=handle, driver=driver).first()
        found[key] = existing or channel_create(
            actor=None, name=name, handle=handle, driver=driver, account_group="media_center"
        )
    return found


def published_post(
    *,
    author,
    text: str,
    photos: list[Asset] = (),
    is_public: bool = True,
    show_author: bool = False,
    status: str = PostStatus.PUBLISHED,
    published_at: datetime | None = None,
    title: str = "",
    link: str = "",
    permalinks: dict[Channel, str] | None = None,
) -> Post:
    """A post as it stands once delivered (see the module's docstring): stands for the state the
    publishing workflow and the delivery engine leave behind."""
    finished = status in (PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED)
    when = published_at or (timezone.now() - timedelta(minutes=5) if finished else None)
    post = Post.objects.create(
        title=title,
        text=text,
        link=link,
        status=status,
        is_public=is_public,
        show_author=show_author,
        author=author,
        division=author.division,
        released_at=when,
        published_at=when,
    )
    for position, asset in enumerate(photos):
        PostMedia.objects.create(post=post, asset=asset, position=position)
    for channel, permalink in (permalinks or {}).items():
        post.channels.add(channel)
        Delivery.objects.create(
            post=post,
            channel=channel,
            status=DeliveryStatus.PUBLISHED if finished else DeliveryStatus.PENDING,
            external_id=permalink.rstrip("/").rsplit("/", 1)[-1] if finished else "",
            permalink=permalink if finished else "",
            published_at=when,
        )
    return post


def portal_public_posts(data) -> tuple[Post, Post]:
    """A public post with the populated portal's photo, and a draft: made once per portal (for
    the pages that the security tests walk)."""
    made = getattr(data, "_public_posts", None)
    if made is None:
        author = data.people["staf"]
        accounts = channels()
        shown = published_post(
            author=author,
            text="Rapat koordinasi penanganan banjir\nBupati memimpin rapat di aula.",
            photos=[data.photo],
            permalinks={accounts["facebook"]: "https://www.facebook.com/MediaCenterBJN/posts/1"},
        )
        draft = published_post(author=author, text="Draf", status=PostStatus.DRAFT)
        made = data._public_posts = (shown, draft)
    return made
