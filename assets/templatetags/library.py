"""Template helpers of the media library."""

from django import template

from assets.services import asset_public_url, human_size

register = template.Library()


@register.simple_tag
def media_url(asset, rendition: str = "") -> str:
    """A signed address of the asset's original or rendition, or "" when there is none yet."""
    try:
        return asset_public_url(asset, rendition or None)
    except LookupError:
        return ""


@register.filter
def filesize(value) -> str:
    return human_size(int(value or 0))


@register.filter
def duration(seconds) -> str:
    if seconds is None:
        return ""
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
