"""How a mirrored post's text is changed for one target (see ``SyncTarget``)."""

from __future__ import annotations

from ..drivers.x import MAX_WEIGHTED, weighted_length


def _hashtag(tag: str) -> str:
    tag = tag.strip()
    if not tag:
        return ""
    return tag if tag.startswith("#") else f"#{tag}"


def transform_text(
    text: str,
    *,
    platform: str,
    permalink: str = "",
    hashtag: str = "",
    link_back: bool = False,
    shorten_for_x: bool = False,
) -> str:
    """The text for one target: a hashtag and a link back to the source post added when asked;
    for X, shortened to fit with an ellipsis and the link to the full post."""
    text = (text or "").strip()
    tag = _hashtag(hashtag)
    if tag and tag.casefold() not in text.casefold():
        text = f"{text}\n\n{tag}".strip()
    if link_back and permalink and permalink not in text:
        text = f"{text}\n\n{permalink}".strip()
    if shorten_for_x and platform == "x" and weighted_length(text) > MAX_WEIGHTED:
        tail = f"… {permalink}" if permalink else "…"
        budget = MAX_WEIGHTED - weighted_length(tail)
        body = text.replace(permalink, "").strip() if permalink else text
        cut = len(body)
        while cut > 0 and weighted_length(body[:cut].rstrip()) > budget:
            # Step back to a word boundary when there is one close by.
            space = body.rfind(" ", 0, cut - 1)
            cut = space if space > cut - 30 and space > 0 else cut - 1
        text = body[:cut].rstrip() + tail
    return text
