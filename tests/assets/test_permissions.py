"""Rights per folder: open to all staff by default, restricted folders for their division and
the people given rights (django-guardian)."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from accounts.roles import Role
from assets.permissions import asset_policy, folder_policy
from assets.selectors import asset_get_for_user, asset_list, folder_get_for_user
from assets.services import (
    asset_trash,
    asset_update,
    folder_create,
    folder_grant,
    folder_set_restricted,
)

from . import media

pytestmark = pytest.mark.django_db


def test_open_folders_are_seen_by_every_division(staf, staf_other, pkp_folder, upload):
    asset = upload(staf, pkp_folder, media.jpeg(), "a.jpg")
    assert asset_get_for_user(staf_other, asset.pk) == asset
    assert folder_policy.rights(staf_other, pkp_folder) == {"view"}
    assert folder_policy.rights(staf, pkp_folder) == {
        "view",
        "add",
        "change",
        "delete",
        "subfolder",
    }


def test_staf_of_another_division_cannot_change_or_trash(staf, staf_other, pkp_folder, upload):
    asset = upload(staf, pkp_folder, media.jpeg(), "a.jpg")
    with pytest.raises(PermissionDenied):
        asset_update(actor=staf_other, asset=asset, title="Diubah")
    with pytest.raises(PermissionDenied):
        asset_trash(actor=staf_other, asset=asset)


def test_a_restricted_folder_is_hidden_from_other_divisions(
    editor, staf, staf_other, kadis, pkp_folder, upload
):
    inner = folder_create(actor=editor, name="Rahasia", parent=pkp_folder)
    deeper = folder_create(actor=editor, name="Dalam", parent=inner)
    asset = upload(staf, deeper, media.jpeg(), "a.jpg")
    folder_set_restricted(actor=editor, folder=inner, restricted=True)
    deeper.refresh_from_db()
    assert deeper.access_root_id == inner.pk
    # Another division sees neither the folder, its subfolder, nor what is inside.
    assert folder_get_for_user(staf_other, inner.pk) is None
    assert folder_get_for_user(staf_other, deeper.pk) is None
    assert asset_get_for_user(staf_other, asset.pk) is None
    assert asset not in asset_list(user=staf_other)
    assert not folder_policy.user_has_permission_for_instance(staf_other, "view", deeper)
    # Its own division and the Kepala Dinas still do.
    assert asset_get_for_user(staf, asset.pk) == asset
    assert asset_get_for_user(kadis, asset.pk) == asset
    # Opening it again shows it to everyone.
    folder_set_restricted(actor=editor, folder=inner, restricted=False)
    assert asset_get_for_user(staf_other, asset.pk) == asset


def test_guardian_grants_open_a_restricted_folder_to_a_person_or_group(
    editor, staf, staf_other, make_user, pkp_folder, upload
):
    folder_set_restricted(actor=editor, folder=pkp_folder, restricted=True)
    asset = upload(staf, pkp_folder, media.jpeg(), "a.jpg")
    folder_grant(actor=editor, folder=pkp_folder, user=staf_other, rights=["view"])
    assert asset_get_for_user(staf_other, asset.pk) == asset
    assert not asset_policy.user_has_permission_for_instance(staf_other, "change", asset)
    folder_grant(actor=editor, folder=pkp_folder, user=staf_other, rights=["view", "change"])
    assert asset_policy.user_has_permission_for_instance(staf_other, "change", asset)
    folder_grant(actor=editor, folder=pkp_folder, user=staf_other, rights=[])
    assert asset_get_for_user(staf_other, asset.pk) is None
    # Through a group.
    group = Group.objects.create(name="Tim Liputan")
    third = make_user("staf_egov", Role.STAF, "E-Gov")
    third.groups.add(group)
    folder_grant(actor=editor, folder=pkp_folder, group=group, rights=["view", "add"])
    assert asset_get_for_user(third, asset.pk) == asset
    assert folder_policy.user_has_permission_for_instance(third, "add", pkp_folder)


def test_a_staf_cannot_restrict_or_grant(staf, pkp_folder, staf_other):
    with pytest.raises(PermissionDenied):
        folder_set_restricted(actor=staf, folder=pkp_folder, restricted=True)
    with pytest.raises(PermissionDenied):
        folder_grant(actor=staf, folder=pkp_folder, user=staf_other, rights=["view"])


def test_editor_organises_only_their_divisions_folders(editor, piap_folder, pkp_folder, kadis):
    assert "manage" in folder_policy.rights(editor, pkp_folder)
    assert "manage" not in folder_policy.rights(editor, piap_folder)
    assert "manage" in folder_policy.rights(kadis, piap_folder)
    with pytest.raises(PermissionDenied):
        folder_create(actor=editor, name="X", parent=piap_folder)
