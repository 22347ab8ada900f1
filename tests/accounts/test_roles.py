import pytest
from django.contrib.auth.models import Group, Permission

from accounts.roles import ROLE_PERMISSIONS, Role

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_holding_exactly_its_rights():
    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(names), role


def test_the_role_table_names_only_real_permissions():
    for names in ROLE_PERMISSIONS.values():
        for name in names:
            app_label, codename = name.split(".")
            assert Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).exists(), name


def test_a_person_reports_their_most_senior_role(make_user):
    user = make_user("dua", Role.STAF)
    user.groups.add(Group.objects.get(name=Role.EDITOR.value))
    user = type(user).objects.get(pk=user.pk)
    assert user.role == Role.EDITOR
    assert user.has_role(Role.STAF)
