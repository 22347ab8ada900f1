"""What each platform would refuse in a post, told before it is sent.

Used live by the composer (htmx, while typing), by ``post_submit`` and ``post_approve`` (a post
with problems is not submitted or approved) and by the API. The rules are the drivers' own: each
channel's driver ``limits`` and ``validate`` (``publishing/drivers``), so the composer never
accepts what the driver would refuse, and never refuses what it would take.

A text's length is the one its platform counts (the driver's ``facts.text_length``: X's weighted
length by ``twitter-text-parser``, see ``publishing/drivers/x.py``).

Media are checked in the form the delivery will send them: a photo the platform does not take as
it is (a PNG for Instagram, a file over the size limit) goes as the library's 1080-pixel JPEG
rendition, and a video in a container the platform refuses is transcoded by a worker, so neither
is a problem here; an aspect ratio or a video length the platform refuses is.

A photo whose shape Instagram refuses (most phone photos are 3:4) is said once, in one wording
(:func:`ratio_problem`), here and at delivery alike, with the way out: a crop to 4:5, 1:1 or
1.91:1 around a point of interest (``assets.crops``), which Instagram then gets instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from assets.crops import Crop
from assets.models import Asset

from .drivers.registry import get_driver
from .drivers.types import MediaItem, MediaKind, PlatformLimits, PostPayload
from .models import Channel, Post

# How far a photo's width / height may lie outside a platform's range (a pixel's rounding).
RATIO_TOLERANCE = 0.001

# A stand-in address: the delivery gives each platform a real, signed, expiring one.
_PLACEHOLDER_URL = "https://portal.invalid/media/{pk}"


@dataclass
class ChannelCheck:
    """One target channel: what it would refuse, and the text's length as that platform counts."""

    channel: Channel
    text: str
    length: int
    limit: int
    problems: list[str] = field(default_factory=list)
    # The posts the text becomes on this channel, each with its length, when more than one (a
    # thread on X): as the channel's driver will split it.
    parts: list[tuple[str, int]] = field(default_factory=list)
    # Photos the platform refuses for their shape and that a crop would make acceptable.
    crop_offers: list[Asset] = field(default_factory=list)
    # How the preview shows this platform, as its driver declares: the first photo or video
    # only (a carousel), the crops of photos (a platform that takes only some shapes), and how
    # a length is said ("%(length)s of %(limit)s ...").
    first_media_only: bool = False
    takes_crops: bool = False
    length_note: Any = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def _count(self, length: int) -> str:
        return str(self.length_note) % {"length": length, "limit": self.limit}

    @property
    def count(self) -> str:
        """The text's length as the preview says it."""
        return self._count(self.length)

    @property
    def counted_parts(self) -> list[tuple[str, int, str]]:
        """The thread's parts, each with its length and how the preview says it."""
        return [(part, length, self._count(length)) for part, length in self.parts]

    @property
    def platform(self) -> str:
        return self.channel.platform


@dataclass
class CheckReport:
    """Problems of the post as a whole, and per target channel."""

    problems: list[str] = field(default_factory=list)
    channels: list[ChannelCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(check.ok for check in self.channels)

    def all_problems(self) -> list[str]:
        found = list(self.problems)
        for check in self.channels:
            found += [f"{check.channel.name} ({check.channel.get_platform_display()}): {p}"
                      for p in check.problems]  # fmt: skip
        return found

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "channels": [
                {
                    "channel": check.channel.pk,
                    "platform": check.platform,
                    "length": check.length,
                    "limit": check.limit,
                    "problems": check.problems,
                    "crop_offers": [asset.pk for asset in check.crop_offers],
                }
                for check in self.channels
            ],
        }


def _rendition(asset: Asset, name: str):
    return asset.rendition(name)


def takes_only_some_shapes(limits: PlatformLimits) -> bool:
    """Whether the platform refuses photos of some shapes, and so gets crops."""
    return limits.only_some_shapes


def ratio_refused(limits: PlatformLimits, width: int | None, height: int | None) -> bool:
    """Whether a photo of ``width`` x ``height`` is outside the platform's range of shapes."""
    if not (takes_only_some_shapes(limits) and width and height):
        return False
    low, high = limits.min_aspect_ratio, limits.max_aspect_ratio
    return not low - RATIO_TOLERANCE <= width / height <= high + RATIO_TOLERANCE


def ratio_problem(platform: str, title: str, width: int, height: int) -> str:
    """The one wording of a refused shape, wherever it is said."""
    return _(
        "%(platform)s takes photos from 4:5 (upright) to 1.91:1 (wide); “%(title)s” is "
        "%(width)dx%(height)d. Crop it for %(platform)s or choose another photo."
    ) % {"platform": platform, "title": title, "width": width, "height": height}


def shape_for(asset: Asset, limits: PlatformLimits, crop: Crop | None) -> tuple[int, int]:
    """The width and height the platform gets of a photo: its crop's when it has one there."""
    if crop is not None and takes_only_some_shapes(limits) and asset.width and asset.height:
        return crop.size_for(asset.width, asset.height)
    return asset.width, asset.height


def media_item_for(
    asset: Asset, limits: PlatformLimits, crop: Crop | None = None
) -> MediaItem | None:
    """The asset as it will be sent to a platform with these limits (see the module's note);
    ``None`` for what no platform takes (sound, documents)."""
    url = _PLACEHOLDER_URL.format(pk=asset.pk)
    if asset.kind == Asset.Kind.PHOTO:
        mime, size = asset.mime_type, asset.size
        width, height = shape_for(asset, limits, crop)
        too_big = limits.max_image_bytes is not None and size > limits.max_image_bytes
        if mime not in limits.image_types or too_big:
            rendition = _rendition(asset, "platform")
            mime = "image/jpeg"
            size = rendition.size if rendition is not None else None
        return MediaItem(
            kind=MediaKind.IMAGE,
            mime_type=mime,
            width=width,
            height=height,
            size=size,
            url=url,
            filename=asset.original_name,
        )
    if asset.kind == Asset.Kind.VIDEO:
        mime = asset.mime_type
        if mime not in limits.video_types:
            mime = limits.video_types[0]  # transcoded by a worker
        return MediaItem(
            kind=MediaKind.VIDEO,
            mime_type=mime,
            width=asset.width,
            height=asset.height,
            duration=asset.duration,
            size=asset.size,
            url=url,
            filename=asset.original_name,
        )
    return None


def _media_problems(items: Sequence[MediaItem], limits: PlatformLimits, name: str) -> list[str]:
    """What the drivers' ``validate`` leaves to the delivery but a person should know now."""
    problems = []
    for item in items:
        problems += _item_problems(item, limits, name)
    return problems


def _item_problems(item: MediaItem, limits: PlatformLimits, name: str) -> list[str]:
    if item.kind != MediaKind.VIDEO:
        return []
    problems = []
    if limits.max_video_seconds and (item.duration or 0) > limits.max_video_seconds:
        problems.append(
            _("%(platform)s takes videos up to %(limit)s; “%(file)s” lasts %(length)s.")
            % {
                "platform": name,
                "limit": _duration(limits.max_video_seconds),
                "file": item.filename,
                "length": _duration(item.duration or 0),
            }
        )
    if limits.max_video_bytes and (item.size or 0) > limits.max_video_bytes:
        problems.append(
            _("%(platform)s takes videos up to %(limit)d MB; “%(file)s” is larger.")
            % {
                "platform": name,
                "limit": limits.max_video_bytes // (1024 * 1024),
                "file": item.filename,
            }
        )
    return problems


def limit_problems(
    asset: Asset, limits: PlatformLimits, name: str, crop: Crop | None = None
) -> list[str]:
    """What a platform with these ``limits`` (called ``name``) refuses in this photo or video:
    a shape outside its range (unless ``crop`` fits it), a video too long or too large."""
    problems = []
    if asset.kind == Asset.Kind.PHOTO and ratio_refused(limits, *shape_for(asset, limits, crop)):
        problems.append(ratio_problem(name, asset.title, asset.width, asset.height))
    item = media_item_for(asset, limits, crop) if asset.kind == Asset.Kind.VIDEO else None
    if item is not None:
        problems += _item_problems(item, limits, name)
    return problems


def _kind_problem(asset: Asset) -> str:
    if asset.kind in (Asset.Kind.PHOTO, Asset.Kind.VIDEO):
        return ""
    return _("“%(title)s” is a %(kind)s: only photos and videos can be published.") % {
        "title": asset.title,
        "kind": asset.get_kind_display().lower(),
    }


def _state_problems(asset: Asset) -> list[str]:
    """An asset that cannot go out whatever the platform: still processing, failed, in the trash."""
    problems = []
    if asset.status == Asset.Status.PROCESSING:
        problems.append(
            _("“%(title)s” is still being processed; wait until it is ready.")
            % {"title": asset.title}
        )
    elif asset.status == Asset.Status.FAILED:
        problems.append(
            _("“%(title)s” could not be processed and cannot be published.")
            % {"title": asset.title}
        )
    if asset.deleted_at is not None:
        problems.append(_("“%(title)s” is in the trash.") % {"title": asset.title})
    return problems


def asset_problems(asset: Asset) -> list[str]:
    """Why ``asset`` cannot be published on any platform (empty: it can)."""
    kind = _kind_problem(asset)
    return _state_problems(asset) + ([kind] if kind else [])


def media_problems(post: Post, channels: Iterable[Channel] | None = None) -> list[str]:
    """What in the post's media a target channel would refuse (empty: nothing)."""
    channels = list(post.channels.all() if channels is None else channels)
    uses = list(post.media.select_related("asset").prefetch_related("asset__renditions"))
    problems = [p for use in uses for p in asset_problems(use.asset)]
    if problems:
        return list(dict.fromkeys(problems))
    seen_drivers = set()
    for channel in channels:
        if channel.driver in seen_drivers:
            continue
        seen_drivers.add(channel.driver)
        limits = get_driver(channel.driver).limits
        name = channel.get_platform_display()
        for use in uses:
            problems += limit_problems(use.asset, limits, name, use.crop)
    return list(dict.fromkeys(problems))


def delivery_problem(post: Post, channel: Channel, limits: PlatformLimits) -> str:
    """What ``channel`` refuses in the post's media at delivery time, in one sentence (empty:
    nothing): the same refusals the composer and the workflow said before."""
    name = channel.get_platform_display()
    for use in post.media.select_related("asset"):
        crop = use.crop if takes_only_some_shapes(limits) else None
        found = asset_problems(use.asset) or limit_problems(use.asset, limits, name, crop)
        if found:
            return " ".join(found)
    return ""


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d}" if minutes else _("%(seconds)d s") % {"seconds": rest}


def check_channel(
    channel: Channel,
    *,
    text: str,
    assets: Sequence[Asset],
    link: str = "",
    thread: bool = False,
    first_comment: str = "",
    crops: Mapping[int, Crop] | None = None,
) -> ChannelCheck:
    """What ``channel``'s platform would refuse in this post (``crops``: per asset id)."""
    driver = get_driver(channel.driver)
    limits = driver.limits
    name = channel.get_platform_display()
    count = driver.facts.text_length
    weighs = count is not len  # the platform weighs characters (X): threads are split by weight
    crops = crops or {}
    items = [
        item
        for item in (media_item_for(a, limits, crops.get(a.pk)) for a in assets)
        if item is not None
    ]
    payload = PostPayload(
        text=text,
        media=tuple(items),
        link=link,
        first_comment=first_comment,
        # A weighted length is checked below with the driver's own count; the driver the rest.
        thread=thread or weighs,
    )
    full_text = payload.full_text
    problems: list[str] = []
    length, limit = count(full_text), limits.max_text_length
    if weighs and length > limit and not thread:
        problems.append(
            _("The text counts %(length)d characters on %(platform)s (at most %(limit)d; links "
              "count 23). Shorten it, write a variant for %(platform)s, or let it become a thread.")
            % {"length": length, "limit": limit, "platform": name}
        )  # fmt: skip
    parts: list[tuple[str, int]] = []
    split = getattr(driver, "posts_for", None)
    if split is not None and thread:
        texts = split(replace(payload, thread=True))
        if len(texts) > 1:
            parts = [(part, count(part)) for part in texts]
    offers = [a for a in assets if a.kind == Asset.Kind.PHOTO
              and ratio_refused(limits, *shape_for(a, limits, crops.get(a.pk)))]  # fmt: skip
    problems += [ratio_problem(name, a.title, a.width, a.height) for a in offers]
    problems += _media_problems(items, limits, name)
    for problem in driver.validate(payload):
        if str(problem) not in problems:
            problems.append(str(problem))
    return ChannelCheck(channel=channel, text=full_text, length=length, limit=limit,
                        problems=problems, parts=parts, crop_offers=offers,
                        first_media_only=driver.facts.first_media_only,
                        takes_crops=takes_only_some_shapes(limits),
                        length_note=driver.facts.length_note)  # fmt: skip


def check_post_content(
    *,
    text: str,
    variants: Mapping[str, str] | None = None,
    assets: Sequence[Asset] = (),
    channels: Iterable[Channel] = (),
    link: str = "",
    thread: bool = False,
    first_comment: str = "",
    crops: Mapping[int, Crop] | None = None,
) -> CheckReport:
    """Live checks of what is being written (the composer): per channel, with its variant
    (``crops``: Instagram's crop per asset id)."""
    variants = variants or {}
    report = CheckReport()
    channels = list(channels)
    if not channels:
        report.problems.append(_("Choose at least one channel."))
    if not (text or "").strip() and not assets and not any(v.strip() for v in variants.values()):
        report.problems.append(_("Write a text or choose a photo or video."))
    for asset in assets:
        if problem := _kind_problem(asset):
            report.problems.append(problem)
    for channel in channels:
        own = (variants.get(channel.platform) or "").strip()
        report.channels.append(
            check_channel(
                channel,
                text=own or text,
                assets=[a for a in assets if a.kind in (Asset.Kind.PHOTO, Asset.Kind.VIDEO)],
                link=link,
                thread=thread,
                first_comment=first_comment,
                crops=crops,
            )
        )
    return report


def readiness_problems(
    *,
    assets: Sequence[Asset],
    channels: Iterable[Channel],
    scheduled_at: datetime | None,
    now: datetime | None = None,
) -> list[str]:
    """What stops a post from going to approval or out, beyond its content: a schedule in the
    past, an asset still processing or failed, a channel inactive, without a responsible
    division, or whose login lacks a permission publishing needs."""
    now = now or timezone.now()
    problems = []
    if scheduled_at is not None and scheduled_at <= now:
        problems.append(_("The scheduled time has already passed; choose a later time."))
    for asset in assets:
        problems += _state_problems(asset)
    for channel in channels:
        if not channel.is_active:
            problems.append(_("The channel %(channel)s is not active.") % {"channel": channel.name})
        if reason := channel.publishing_blocked_reason:
            problems.append(str(reason))
        if channel.responsible_division_id is None:
            problems.append(
                _("The channel %(channel)s has no responsible division yet; the Head of "
                  "Department must assign one first.") % {"channel": channel.name}
            )  # fmt: skip
    return problems


def check_post(post: Post, *, schedule: bool = True) -> CheckReport:
    """Every check of a saved post: its content per channel and whether it may go out."""
    uses = list(post.media.all())
    assets = [m.asset for m in uses]
    channels = list(post.channels.all())
    report = check_post_content(
        text=post.text,
        variants={v.platform: v.text for v in post.variants.all()},
        assets=assets,
        channels=channels,
        link=post.link,
        thread=post.thread,
        first_comment=post.first_comment,
        crops={m.asset_id: m.crop for m in uses if m.crop is not None},
    )
    report.problems += readiness_problems(
        assets=assets, channels=channels, scheduled_at=post.scheduled_at if schedule else None
    )
    return report
