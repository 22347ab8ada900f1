"""The guidelines' Markdown turned into HTML that is safe to show (Python-Markdown, then nh3)."""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code",
    "ul", "ol", "li", "dl", "dt", "dd", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "a", "abbr", "table", "thead", "tbody", "tr", "th", "td", "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def render(text: str) -> SafeString:
    """Markdown to sanitised HTML: no script, no style, no event handler, no foreign scheme.

    Raw HTML in the text is escaped or stripped; links keep ``rel="noopener noreferrer"``.
    """
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists", "def_list", "abbr"])
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just above)
