"""Who may draft, submit and approve for a channel (publishing.permissions)."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

from publishing.models import AccountGroup, DriverName
from publishing.permissions import channel_policy
from publishing.services.channels import channel_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(kadis, divisions, editor):
    return channel_create(
        actor=kadis,
        name="Media Center",
        handle="mediacenterBJN",
        driver=DriverName.X,
        account_group=AccountGroup.MEDIA_CENTER,
        responsible_division=divisions["PKP"],
    )


def test_the_division_editor_submits_staff_draft_and_only_the_head_approves(
    channel, kadis, editor, staf, staf_other, admin_user
):
    assert channel_policy.user_has_permission_for_instance(editor, "submit", channel)
    assert channel_policy.user_has_permission_for_instance(staf, "draft", channel)
    assert not channel_policy.user_has_permission_for_instance(staf, "submit", channel)
    assert not channel_policy.user_has_permission_for_instance(staf_other, "draft", channel)
    assert channel_policy.user_has_permission_for_instance(kadis, "approve", channel)
    for person in (editor, staf, admin_user):
        assert not channel_policy.user_has_permission_for_instance(person, "approve", channel)


def test_named_staff_and_guardian_grants_open_a_channel_of_another_division(
    channel, staf_other, editor
):
    channel.staff.add(staf_other)
    assert channel_policy.user_has_permission_for_instance(staf_other, "submit", channel)
    assign_perm("publishing.approve_channel", editor, channel)
    assert channel_policy.user_has_permission_for_instance(editor, "approve", channel)


def test_a_channel_without_a_responsible_division_cannot_be_published_to(channel, kadis, editor):
    channel.responsible_division = None
    channel.save()
    for action in ("draft", "submit", "approve"):
        assert not channel_policy.user_has_permission_for_instance(kadis, action, channel)
    assert not channel_policy.user_has_permission_for_instance(editor, "submit", channel)


def test_only_the_head_adds_channels(editor, admin_user):
    from django.core.exceptions import PermissionDenied

    for person in (editor, admin_user):
        with pytest.raises(PermissionDenied):
            channel_create(
                actor=person,
                name="X",
                handle="x",
                driver=DriverName.X,
                account_group=AccountGroup.PEMKAB,
            )
