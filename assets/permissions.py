"""Who may do what in the media library.

* Every member of staff sees every folder that is not restricted, and every asset in it: other
  divisions reuse the office's media, that is the point of the library.
* A restricted folder (and its subfolders) is seen only by its division, the Kepala Dinas, the
  Admin, and the people or groups granted ``view_folder`` on it (django-guardian).
* Staf and Editors upload, edit and move to trash the assets in their division's folders; the
  guardian rights ``add_folder`` / ``change_folder`` / ``delete_folder`` on a folder (or one above
  it) open the same to people of other divisions.
* Editors organise the folders of their division (create, rename, move, restrict); the Kepala
  Dinas and the Admin organise every folder. Emptying the trash is for Editors and up.
* Creating a folder (``folder_create_refusal``): the Kepala Dinas and the Admin anywhere, for
  any division; an Editor at the top or inside their division's folders, for their division
  only; a Staf inside their division's folders that are not restricted (nor inside a restricted
  one), for their division only, never at the top and never a restricted folder (a folder for
  today's event without waiting for an Editor).

Role rights come from ``accounts.roles.ROLE_PERMISSIONS``; the policies below add the division
and the per-folder grants on top.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from accounts.permissions import ModelPermissionPolicy
from accounts.roles import Role

from .models import Asset, Folder, StorageCheck

# Folder actions: "view" (see it and its assets), "add" (put assets in it), "change" (edit its
# assets), "delete" (move its assets to trash), "manage" (organise the folder itself).
_ASSET_ACTION_PERMS = {"add": "add_asset", "change": "change_asset", "delete": "delete_asset"}
_GRANT_CODENAMES = {
    "view": "view_folder",
    "add": "add_folder",
    "change": "change_folder",
    "delete": "delete_folder",
}


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_senior(user: Any) -> bool:
    """Kepala Dinas, Admin and superusers see and organise every folder."""
    if not _active(user):
        return False
    return user.is_superuser or user.has_role(Role.KEPALA_DINAS) or user.has_role(Role.ADMIN)


def _granted_folders(user: Any, codename: str) -> QuerySet:
    """Folders on which the person (or one of their groups) holds ``codename`` through guardian."""
    return get_objects_for_user(
        user,
        f"assets.{codename}",
        klass=Folder,
        with_superuser=False,
        accept_global_perms=False,
    ).values("pk")


def visible_folders_q(user: Any, prefix: str = "") -> Q:
    """A filter for folders (or, with ``prefix="folder__"``, assets) the person may see."""
    if not _active(user):
        return Q(pk__in=[])
    if is_senior(user):
        return Q()
    q = Q(**{f"{prefix}access_root__isnull": True})
    if user.division_id:
        q |= Q(**{f"{prefix}access_root__division_id": user.division_id})
    q |= Q(**{f"{prefix}access_root__in": _granted_folders(user, "view_folder")})
    return q


class _Grants:
    """The guardian rights one person holds on a folder and the folders above it (two queries)."""

    def __init__(self, user: Any, folder: Folder):
        ids = [*folder.ancestor_ids(), folder.pk]
        folders = list(Folder.objects.filter(pk__in=ids))
        checker = ObjectPermissionChecker(user)
        checker.prefetch_perms(folders)
        self.by_folder = {f.pk: set(checker.get_perms(f)) for f in folders}

    def on(self, folder_id: int | None) -> set[str]:
        return self.by_folder.get(folder_id, set()) if folder_id else set()

    def anywhere(self) -> set[str]:
        return set().union(*self.by_folder.values()) if self.by_folder else set()


class FolderPermissionPolicy(ModelPermissionPolicy):
    def _can_see(self, user: Any, folder: Folder, grants: _Grants | None) -> bool:
        if folder.access_root_id is None or is_senior(user):
            return True
        root_division = (
            folder.division_id
            if folder.access_root_id == folder.pk
            else Folder.objects.filter(pk=folder.access_root_id)
            .values_list("division_id", flat=True)
            .first()
        )
        if user.division_id and user.division_id == root_division:
            return True
        grants = grants or _Grants(user, folder)
        return "view_folder" in grants.on(folder.access_root_id)

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return action in self.rights(user, instance)

    def rights(self, user: Any, folder: Folder) -> set[str]:
        """Every action the person may take on this folder (for pages showing many buttons)."""
        if not _active(user) or not user.has_perm("assets.view_folder"):
            return set()
        grants = _Grants(user, folder) if folder.pk else None
        if folder.pk and not self._can_see(user, folder, grants):
            return set()
        rights = {"view"}
        senior = is_senior(user)
        own = bool(user.division_id) and user.division_id == folder.division_id
        granted = grants.anywhere() if grants else set()
        for action, perm in _ASSET_ACTION_PERMS.items():
            if user.has_perm(f"assets.{perm}") and (
                senior or own or _GRANT_CODENAMES[action] in granted
            ):
                rights.add(action)
        if user.has_perm("assets.change_folder") and (senior or own):
            rights.add("manage")
        if user.has_perm("assets.add_folder") and (senior or own):
            rights.add("subfolder")
        elif own and "add" in rights and folder.access_root_id is None:
            rights.add("subfolder")  # a Staf, in an open folder of their division
        return rights

    def instances_user_has_permission_for(self, user: Any, action: str) -> QuerySet:
        if not _active(user) or not user.has_perm("assets.view_folder"):
            return Folder.objects.none()
        folders = Folder.objects.filter(visible_folders_q(user))
        if action == "view" or is_senior(user):
            return folders
        if action == "manage":
            if not user.has_perm("assets.change_folder"):
                return Folder.objects.none()
            return folders.filter(division_id=user.division_id)
        if action == "subfolder":
            if user.has_perm("assets.add_folder"):
                return folders.filter(division_id=user.division_id)
            if not user.has_perm("assets.add_asset"):
                return Folder.objects.none()
            return folders.filter(division_id=user.division_id, access_root__isnull=True)
        perm = _ASSET_ACTION_PERMS.get(action)
        if perm is None or not user.has_perm(f"assets.{perm}"):
            return Folder.objects.none()
        # Own division, or a grant on the folder itself (grants on a folder above are honoured by
        # the per-folder check; this list is what upload forms offer).
        return folders.filter(
            Q(division_id=user.division_id)
            | Q(pk__in=_granted_folders(user, _GRANT_CODENAMES[action]))
        )

    def user_may_create_root(self, user: Any, division_id: int | None) -> bool:
        """Top-level folders: Kepala Dinas and Admin anywhere, Editors for their division."""
        if not _active(user) or not user.has_perm("assets.add_folder"):
            return False
        return is_senior(user) or (bool(division_id) and division_id == user.division_id)

    def folder_create_refusal(
        self, user: Any, *, parent: Folder | None, division_id: int | None, restricted: bool
    ) -> str | None:
        """Why the person may not create this folder, or ``None`` when they may (see the
        module's docstring for the rule)."""
        if not _active(user):
            return _("Sign in first.")
        if is_senior(user):
            return None if user.has_perm("assets.add_folder") else _("You may not create folders.")
        if not user.division_id or division_id != user.division_id:
            return _("You may create folders only for your own division.")
        if parent is None:
            if self.user_may_create_root(user, division_id):
                return None
            return _(
                "Top-level folders are made by Editors; create your folder inside one of your "
                "division's folders."
            )
        if "subfolder" not in self.rights(user, parent):
            if parent.access_root_id is not None and not user.has_perm("assets.add_folder"):
                return _("Inside a restricted folder, only Editors create folders.")
            return _("You may not create a folder inside this folder.")
        if restricted and not user.has_perm("assets.change_folder"):
            return _("Only Editors restrict folders.")
        return None


class AssetPermissionPolicy(ModelPermissionPolicy):
    """An asset's rights are those of its folder: view, change, delete (to trash), restore."""

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        if action == "restore":
            action = "delete"
        if action == "empty_trash":
            return self.user_has_permission(user, "empty_trash")
        return action in folder_policy.rights(user, instance.folder)

    def user_has_permission(self, user: Any, action: str) -> bool:
        if not _active(user):
            return False
        if action == "empty_trash":
            return user.has_perm("assets.empty_trash")
        return super().user_has_permission(user, action)

    def instances_user_has_permission_for(self, user: Any, action: str) -> QuerySet:
        if not self.user_has_permission(user, "view"):
            return Asset.objects.none()
        if action == "view":
            return Asset.objects.filter(visible_folders_q(user, prefix="folder__"))
        folders = folder_policy.instances_user_has_permission_for(user, action)
        return Asset.objects.filter(folder__in=folders.values("pk"))


class StorageCheckPermissionPolicy(ModelPermissionPolicy):
    """Editors, the Kepala Dinas and the Admin read the storage checks; only the worker writes."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action == "view" and super().user_has_permission(user, action)


folder_policy = FolderPermissionPolicy(Folder)
asset_policy = AssetPermissionPolicy(Asset)
storage_check_policy = StorageCheckPermissionPolicy(StorageCheck)
