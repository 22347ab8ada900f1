"""Folders: create, rename, move, restrict, grant, delete."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from accounts.models import Division, User
from accounts.services import audit_record

from ..models import Asset, Folder
from ..permissions import folder_policy
from .common import _require
from .names import clean_folder_name


def _sibling_exists(name: str, parent: Folder | None, exclude: int | None = None) -> bool:
    siblings = Folder.objects.filter(parent=parent, name__iexact=name)
    if exclude:
        siblings = siblings.exclude(pk=exclude)
    return siblings.exists()


def _name_taken_error(name: str) -> ValidationError:
    return ValidationError(
        {"name": _('There is already a folder named "%(name)s" here.') % {"name": name}},
        code="taken",
    )


def folder_create(
    *,
    actor: User | None,
    name: str,
    parent: Folder | None = None,
    division: Division | None = None,
    restricted: bool = False,
) -> Folder:
    """Create a folder under ``parent`` (or at the top) for ``division`` (the parent's when not
    given). Names are unique among siblings. Who may create which folder is the folder policy's
    ``folder_create_refusal``: e.g. nobody but the Kepala Dinas and the Admin creates a folder
    owned by another division."""
    name = clean_folder_name(name)
    if parent is not None:
        division = division or parent.division
    if division is None:
        raise ValidationError({"division": _("Choose the division the folder belongs to.")})
    if actor is not None:
        refusal = folder_policy.folder_create_refusal(
            actor, parent=parent, division_id=division.pk, restricted=restricted
        )
        if refusal:
            raise PermissionDenied(refusal)
    with transaction.atomic():
        if _sibling_exists(name, parent):
            raise _name_taken_error(name)
        folder = Folder(
            name=name, parent=parent, division=division, restricted=restricted, created_by=actor
        )
        folder.full_clean(exclude=["path", "access_root"], validate_constraints=False)
        try:
            with transaction.atomic():
                folder.save()
        except IntegrityError:
            raise _name_taken_error(name) from None
        folder.path = f"{parent.path if parent else '/'}{folder.pk}/"
        folder.depth = parent.depth + 1 if parent else 0
        folder.access_root = folder if restricted else (parent.access_root if parent else None)
        folder.save(update_fields=["path", "depth", "access_root"])
        if restricted:
            audit_record(actor=actor, action="folder.restrict", target=folder)
    return folder


def folder_get_or_create_path(*, actor: User | None, path: list[str], division: Division) -> Folder:
    """The folder at ``path`` (names from the top, e.g. ``["Sinkronisasi", "X", "2026", "11"]``),
    creating the missing ones in ``division``. Existing folders are matched ignoring case."""
    if not path:
        raise ValidationError(_("A folder path needs at least one name."))
    parent: Folder | None = None
    for raw in path:
        name = clean_folder_name(raw)
        existing = Folder.objects.filter(parent=parent, name__iexact=name).first()
        if existing is None:
            try:
                existing = folder_create(actor=actor, name=name, parent=parent, division=division)
            except ValidationError:
                existing = Folder.objects.filter(parent=parent, name__iexact=name).first()
                if existing is None:
                    raise
        elif actor is not None:
            _require(folder_policy.user_has_permission_for_instance(actor, "view", existing))
        parent = existing
    return parent


def folder_rename(*, actor: User, folder: Folder, name: str) -> Folder:
    _require(folder_policy.user_has_permission_for_instance(actor, "manage", folder))
    name = clean_folder_name(name)
    with transaction.atomic():
        if _sibling_exists(name, folder.parent, exclude=folder.pk):
            raise _name_taken_error(name)
        folder.name = name
        try:
            with transaction.atomic():
                folder.save(update_fields=["name"])
        except IntegrityError:
            raise _name_taken_error(name) from None
    return folder


def _refresh_subtree(folder: Folder, old_path: str, depth_change: int) -> None:
    """After a move: new paths below ``folder`` and the access root each one inherits."""
    Folder.objects.filter(path__startswith=old_path).exclude(pk=folder.pk).update(
        path=Concat(Value(folder.path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    _refresh_access_roots(folder)


def _refresh_access_roots(top: Folder) -> None:
    """Recompute ``access_root`` for ``top`` and every folder below it (ordered by depth)."""
    top.refresh_from_db()
    inherited = None
    if top.parent_id:
        inherited = Folder.objects.values_list("access_root", flat=True).get(pk=top.parent_id)
    roots = {top.parent_id: inherited}
    for folder in Folder.objects.filter(path__startswith=top.path).order_by("depth"):
        root = folder.pk if folder.restricted else roots.get(folder.parent_id)
        roots[folder.pk] = root
        if folder.access_root_id != root:
            Folder.objects.filter(pk=folder.pk).update(access_root=root)


def folder_move(*, actor: User, folder: Folder, parent: Folder | None) -> Folder:
    """Move a folder (with everything in it) under ``parent``, or to the top."""
    _require(folder_policy.user_has_permission_for_instance(actor, "manage", folder))
    if parent is not None:
        _require(folder_policy.user_has_permission_for_instance(actor, "manage", parent))
        if parent.pk == folder.pk or parent.path.startswith(folder.path):
            raise ValidationError(
                {"parent": _("A folder cannot be moved into itself or one of its subfolders.")}
            )
    else:
        _require(folder_policy.user_may_create_root(actor, folder.division_id))
    with transaction.atomic():
        if _sibling_exists(folder.name, parent, exclude=folder.pk):
            raise _name_taken_error(folder.name)
        old_path, old_depth = folder.path, folder.depth
        folder.parent = parent
        folder.path = f"{parent.path if parent else '/'}{folder.pk}/"
        folder.depth = parent.depth + 1 if parent else 0
        folder.save(update_fields=["parent", "path", "depth"])
        _refresh_subtree(folder, old_path, folder.depth - old_depth)
        audit_record(
            actor=actor,
            action="folder.move",
            target=folder,
            details={"to": parent.pk if parent else None},
        )
    folder.refresh_from_db()
    return folder


def folder_set_restricted(*, actor: User, folder: Folder, restricted: bool) -> Folder:
    """Restrict a folder (and its subfolders) to its division and to people given rights."""
    _require(folder_policy.user_has_permission_for_instance(actor, "manage", folder))
    with transaction.atomic():
        folder.restricted = restricted
        folder.save(update_fields=["restricted"])
        _refresh_access_roots(folder)
        audit_record(
            actor=actor,
            action="folder.restrict" if restricted else "folder.open",
            target=folder,
        )
    folder.refresh_from_db()
    return folder


FOLDER_RIGHTS = ("view", "add", "change", "delete")


def folder_grant(
    *, actor: User, folder: Folder, rights: Iterable[str], user: User | None = None, group=None
) -> None:
    """Set exactly ``rights`` (of view/add/change/delete) on ``folder`` for one person or group."""
    from guardian.shortcuts import assign_perm, remove_perm

    _require(folder_policy.user_has_permission_for_instance(actor, "manage", folder))
    if (user is None) == (group is None):
        raise ValidationError(_("Choose one person or one group."))
    rights = set(rights)
    unknown = rights - set(FOLDER_RIGHTS)
    if unknown:
        raise ValidationError(_("Unknown right: %(names)s") % {"names": ", ".join(sorted(unknown))})
    principal = user or group
    with transaction.atomic():
        for right in FOLDER_RIGHTS:
            perm = f"assets.{right}_folder"
            if right in rights:
                assign_perm(perm, principal, folder)
            else:
                remove_perm(perm, principal, folder)
        audit_record(
            actor=actor,
            action="folder.grant",
            target=folder,
            details={
                "user": user.username if user else None,
                "group": group.name if group else None,
                "rights": sorted(rights),
            },
        )


def folder_delete(*, actor: User, folder: Folder) -> None:
    """Delete an empty folder (no subfolder, no asset, not even in the trash)."""
    _require(folder_policy.user_has_permission_for_instance(actor, "manage", folder))
    if folder.children.exists() or Asset.objects.filter(folder=folder).exists():
        raise ValidationError(
            _("Only an empty folder can be deleted: move or delete what is in it first.")
        )
    with transaction.atomic():
        audit_record(actor=actor, action="folder.delete", target=folder)
        folder.delete()
