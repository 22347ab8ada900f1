from django.db import migrations


def create_group(apps, schema_editor):
    # Rights are attached after every migration by accounts.roles.sync_role_permissions.
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Kepala Bidang")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_office_profile")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
