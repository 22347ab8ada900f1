from django.db import migrations

ROLE_GROUPS = ["Staf", "Editor", "Kepala Dinas", "Admin"]


def create_role_groups(apps, schema_editor):
    # Rights are attached after every migration by accounts.roles.sync_role_permissions.
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
