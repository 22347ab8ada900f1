"""PostgreSQL's full-text index over the assets' search text (SQLite searches without one)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS assets_asset_search_gin ON assets_asset "
    "USING gin (to_tsvector('simple', search_text))"
)
DROP = "DROP INDEX IF EXISTS assets_asset_search_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
