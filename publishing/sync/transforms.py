"""How a mirrored post's text is changed for one target (see ``SyncTarget``)."""

from __future__ import annotations

from ..drivers.registry import driver_class


def _hashtag(tag: str) -> str:
    tag = tag.strip()
    if not tag:
        return ""
    return tag if tag.startswith("#") else f"#{tag}"


def transform_text(
    text: str,
    *,
    driver: str,
    permalink: str = "",
    hashtag: str = "",
    link_back: bool = False,
    shorten_for_x: bool = False,
) -> str:
    """The text for one target (``driver``: its channel's): a hashtag and a link back to the
    source post added when asked; for a platform that takes only a short text
    (``facts.shortens``), cut to fit with an ellipsis and the link to the full post, counted as
    the platform counts."""
    text = (text or "").strip()
    tag = _hashtag(hashtag)
    if tag and tag.casefold() not in text.casefold():
        text = f"{text}\n\n{tag}".strip()
    if link_back and permalink and permalink not in text:
        text = f"{text}\n\n{permalink}".strip()
    target = driver_class(driver)
    count, limit = target.facts.text_length, target.limits.max_text_length
    if shorten_for_x and target.facts.shortens and count(text) > limit:
        tail = f"… {permalink}" if permalink else "…"
        budget = limit - count(tail)
        body = text.replace(permalink, "").strip() if permalink else text
        cut = len(body)
        while cut > 0 and count(body[:cut].rstrip()) > budget:
            # Step back to a word boundary when there is one close by.
            space = body.rfind(" ", 0, cut - 1)
            cut = space if space > cut - 30 and space > 0 else cut - 1
        text = body[:cut].rstrip() + tail
    return text
