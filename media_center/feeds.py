"""RSS 2.0 and Atom feeds of the latest public posts (``django.contrib.syndication``).

Each entry links to the post's permanent address and carries its first picture as an enclosure.
The feeds are built from the same selector as the public pages, so they show no more than those.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import linebreaks, urlize
from django.utils.translation import gettext as _

from . import selectors
from .selectors import PublicPost

# Readers poll often; five minutes in shared caches keeps the portal out of their way.
FEED_MAX_AGE = 300


@dataclass(frozen=True)
class FeedEntry:
    post: PublicPost
    # Absolute address of the first picture (readers fetch it from anywhere).
    enclosure: Enclosure | None


class LatestPostsFeed(Feed):
    feed_type = Rss201rev2Feed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response

    def get_object(self, request, *args, **kwargs):
        # Items need absolute picture addresses; the request is the only place to learn the host.
        return request

    def title(self) -> str:
        return f"{_('Media Center')} · {settings.PUBLIC_OFFICE_NAME}"

    def link(self) -> str:
        return reverse("home")

    def description(self) -> str:
        return _("News, photos and information from the Media Center.")

    subtitle = description

    def feed_url(self, request) -> str:
        return request.build_absolute_uri(request.path)

    def items(self, request) -> list[FeedEntry]:
        entries = []
        for post in selectors.public_post_latest():
            cover = post.cover
            picture = (cover.large or cover.thumb) if cover else None
            enclosure = (
                Enclosure(
                    url=request.build_absolute_uri(picture.url),
                    length=str(picture.size),
                    mime_type="image/jpeg",
                )
                if picture
                else None
            )
            entries.append(FeedEntry(post=post, enclosure=enclosure))
        return entries

    def item_title(self, item: FeedEntry) -> str:
        return item.post.headline

    def item_description(self, item: FeedEntry) -> str:
        return linebreaks(
            urlize(item.post.body or item.post.headline, nofollow=True, autoescape=True)
        )

    def item_link(self, item: FeedEntry) -> str:
        return item.post.get_absolute_url()

    def item_pubdate(self, item: FeedEntry):
        return item.post.published_at

    def item_author_name(self, item: FeedEntry) -> str | None:
        return item.post.author_name or None

    def item_enclosures(self, item: FeedEntry) -> list[Enclosure]:
        return [item.enclosure] if item.enclosure else []


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = Atom1Feed
