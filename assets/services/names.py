"""Names of folders, files and tags: cleaned before they are stored."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .common import MAX_TAGS

# Right-to-left and other direction marks make a name read differently from what it is.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff]")


def _without_invisible(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = _INVISIBLE.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in " ")
    return " ".join(text.split())


def clean_folder_name(name: str) -> str:
    """A folder name made safe: invisible and control characters removed, spaces tidied.

    Raises ``ValidationError`` (with a message for a person) for names that cannot be made safe.
    """
    cleaned = _without_invisible(name)
    if not cleaned:
        raise ValidationError(_("A folder needs a name."), code="empty")
    if "/" in cleaned or "\\" in cleaned:
        raise ValidationError(
            _("A folder name cannot contain / or \\; create a folder inside another instead."),
            code="slash",
        )
    if cleaned.strip(".") == "":
        raise ValidationError(_('"." and ".." cannot be folder names.'), code="dots")
    if len(cleaned) > 120:
        raise ValidationError(
            _("A folder name can be at most 120 characters long (this one has %(count)d).")
            % {"count": len(cleaned)},
            code="long",
        )
    return cleaned


def clean_filename(filename: str) -> str:
    """The file's own name for display and download: no folders, no invisible characters."""
    name = _without_invisible(str(filename or "").replace("\\", "/").split("/")[-1])
    name = name.strip(". ") or "file"
    if len(name) > 255:
        stem, extension = os.path.splitext(name)
        name = stem[: 255 - len(extension[:20])] + extension[:20]
    return name


def title_from_filename(filename: str) -> str:
    stem = os.path.splitext(clean_filename(filename))[0]
    title = " ".join(re.sub(r"[_\-.]+", " ", stem).split())
    return (title or stem or _("Untitled"))[:200]


def parse_tags(value: str | Iterable[str] | None) -> list[str]:
    """Tags from a comma-separated string or a list: trimmed, lower case, unique, in order."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    tags: list[str] = []
    for item in items:
        tag = _without_invisible(str(item)).lower()[:50].strip()
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(_("At most %(count)d tags per asset.") % {"count": MAX_TAGS})
    return tags
