"""What the media library's services share: their refusals and small helpers."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User

from ..models import Asset
from ..permissions import asset_policy

logger = logging.getLogger(__name__)


MEDIA_SALT = "assets.media"
COPY_CHUNK = 1024 * 1024
MAX_TAGS = 30


class DuplicateAsset(Exception):
    """The same bytes are already in the library, as ``existing``.

    ``existing`` may sit in a restricted folder the uploader cannot open: what a person is told
    comes from ``answer_for`` (or ``message_for``), which names the asset only to someone who
    may see it."""

    def __init__(self, existing: Asset):
        super().__init__(f"duplicate of asset {existing.pk}")
        self.existing = existing

    @property
    def message(self) -> str:
        return _('This file is already in the library as "%(title)s".') % {
            "title": self.existing.title
        }

    def visible_to(self, user: User | None) -> bool:
        return user is None or asset_policy.user_has_permission_for_instance(
            user, "view", self.existing
        )

    def message_for(self, user: User | None) -> str:
        if self.visible_to(user):
            return self.message
        return _(
            "A file with the same content is already in the library, in a folder you cannot "
            "open. If you need it, ask the Head of Department or the administrator, who see "
            "every folder."
        )

    def answer_for(self, user: User | None) -> dict:
        """The message, with the existing asset's id, title and address when ``user`` may see it."""
        answer: dict = {"message": self.message_for(user)}
        if self.visible_to(user):
            answer |= {
                "asset": self.existing.pk,
                "title": self.existing.title,
                "url": reverse("assets:asset_detail", args=[self.existing.pk]),
            }
        return answer


class StorageUnavailable(Exception):
    """The file storage failed while the file was written (disk full, object storage down).
    Nothing of the file is kept; the person may try again later."""

    @property
    def message(self) -> str:
        return _(
            "The file could not be stored: the media storage is not answering. Nothing was "
            "kept; try again in a few minutes, and tell the administrator if it goes on."
        )


class AssetTooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size

    @property
    def message(self) -> str:
        return _("The file is too large (%(size)s); the library takes files up to %(limit)s.") % {
            "size": human_size(self.size),
            "limit": human_size(settings.ASSET_MAX_UPLOAD_BYTES),
        }


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have the right to do this here."))


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # one stubborn file must not keep the others
            logger.exception("could not delete %s from storage", name)
