"""An asset's metadata (one or many at once), the trash and its emptying."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record

from ..models import Asset, Folder, Theme
from ..permissions import asset_policy, folder_policy
from .common import DuplicateAsset, _delete_files, _require
from .names import _without_invisible, parse_tags, title_from_filename
from .storing import _existing_duplicate, _search_text, _set_tags

logger = logging.getLogger(__name__)


_EDITABLE = {"title", "theme", "event_date", "description", "credit", "location"}


def asset_update(*, actor: User, asset: Asset, **changes: Any) -> Asset:
    """Change an asset's metadata (``title``, ``theme``, ``tags``, ``event_date``,
    ``description``, ``credit``, ``location``) or move it (``folder``)."""
    _require(asset_policy.user_has_permission_for_instance(actor, "change", asset))
    unknown = set(changes) - _EDITABLE - {"tags", "folder"}
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        target = changes.pop("folder", None)
        if target is not None and target.pk != asset.folder_id:
            _require(
                folder_policy.user_has_permission_for_instance(actor, "add", target),
                _("You may not put assets into that folder."),
            )
            asset.folder = target
        for field, value in changes.items():
            if field == "tags":
                continue
            if isinstance(value, str) and field in {"title", "credit", "location"}:
                value = _without_invisible(value)
            setattr(asset, field, value)
        if not asset.title:
            asset.title = title_from_filename(asset.original_name)
        tag_names = (
            parse_tags(changes["tags"])
            if "tags" in changes
            else list(asset.tags.values_list("name", flat=True))
        )
        asset.search_text = _search_text(asset, tag_names)
        asset.full_clean(validate_constraints=False)
        asset.save()
        if "tags" in changes:
            _set_tags(asset, tag_names)
    return asset


def asset_bulk_update(
    *,
    actor: User,
    assets: Iterable[Asset],
    folder: Folder | None = None,
    theme: Theme | None = None,
    add_tags: str | Iterable[str] | None = None,
    event_date: date | None = None,
) -> int:
    """Apply one change to many assets at once, all or nothing. Returns how many changed."""
    assets = list(assets)
    extra_tags = parse_tags(add_tags)
    for asset in assets:
        _require(
            asset_policy.user_has_permission_for_instance(actor, "change", asset),
            _('You may not change "%(title)s".') % {"title": asset.title},
        )
    if folder is not None:
        _require(
            folder_policy.user_has_permission_for_instance(actor, "add", folder),
            _("You may not put assets into that folder."),
        )
    with transaction.atomic():
        for asset in assets:
            if folder is not None:
                asset.folder = folder
            if theme is not None:
                asset.theme = theme
            if event_date is not None:
                asset.event_date = event_date
            tag_names = list(asset.tags.values_list("name", flat=True))
            if extra_tags:
                tag_names += [t for t in extra_tags if t not in tag_names]
                _set_tags(asset, tag_names)
            asset.search_text = _search_text(asset, tag_names)
            asset.save()
    return len(assets)


def asset_trash(*, actor: User, asset: Asset, request: HttpRequest | None = None) -> Asset:
    """Move an asset to the trash: hidden from the library, restorable, files kept."""
    _require(asset_policy.user_has_permission_for_instance(actor, "delete", asset))
    if asset.deleted_at:
        return asset
    with transaction.atomic():
        asset.deleted_at = timezone.now()
        asset.deleted_by = actor
        asset.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        audit_record(actor=actor, action="asset.trash", target=asset, request=request)
    return asset


def asset_restore(*, actor: User, asset: Asset, request: HttpRequest | None = None) -> Asset:
    """Bring an asset back from the trash (unless the same file was uploaded again since)."""
    _require(asset_policy.user_has_permission_for_instance(actor, "restore", asset))
    if not asset.deleted_at:
        return asset
    existing = _existing_duplicate(asset.sha256)
    if existing is not None:
        raise DuplicateAsset(existing)
    with transaction.atomic():
        asset.deleted_at = None
        asset.deleted_by = None
        try:
            with transaction.atomic():
                asset.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        except IntegrityError:
            raise DuplicateAsset(_existing_duplicate(asset.sha256) or asset) from None
        audit_record(actor=actor, action="asset.restore", target=asset, request=request)
    return asset


def trash_empty(
    *, actor: User, asset_ids: Iterable[int] | None = None, request: HttpRequest | None = None
) -> int:
    """Delete trashed assets for good (all the actor can see, or ``asset_ids``). Their files
    are removed from storage only after the deletion is committed."""
    _require(
        asset_policy.user_has_permission(actor, "empty_trash"),
        _("Only editors and above empty the trash."),
    )
    from ..selectors import trash_list

    assets = trash_list(user=actor)
    if asset_ids is not None:
        assets = assets.filter(pk__in=list(asset_ids))
    assets = list(assets.prefetch_related("renditions"))
    names = [a.file.name for a in assets] + [
        r.file.name for a in assets for r in a.renditions.all()
    ]
    with transaction.atomic():
        for asset in assets:
            audit_record(
                actor=actor,
                action="asset.delete",
                target=asset,
                request=request,
                details={"sha256": asset.sha256, "name": asset.original_name},
            )
        Asset.objects.filter(pk__in=[a.pk for a in assets]).delete()
        transaction.on_commit(lambda: _delete_files(names))
    return len(assets)
