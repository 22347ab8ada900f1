"""Account sync became an app of its own (``publishing_sync``) without moving a row: its models
leave the ``publishing`` app's state and enter the new app's, on the same tables."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("publishing", "0006_postmedia_instagram_crop"), ("publishing_sync", None)]
TABLES = {
    "publishing_syncrule",
    "publishing_synctarget",
    "publishing_pollstate",
    "publishing_seennativepost",
    "publishing_seennativepost_mirror_posts",
    "publishing_partneraccount",
    "publishing_repostsuggestion",
}


def _migrate(targets, state):
    """Migrate the database to ``targets``; the models as they were at ``state``."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(state).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_read_by_the_new_app():
    old = _migrate(BEFORE, [BEFORE[0]])
    assert old.get_model("publishing", "SyncRule")._meta.db_table == "publishing_syncrule"
    channel_model = old.get_model("publishing", "Channel")
    source = channel_model.objects.create(
        platform="facebook", name="Sumber", handle="sumber", account_group="pemkab",
        driver="facebook",
    )  # fmt: skip
    target = channel_model.objects.create(
        platform="x", name="Tujuan", handle="tujuan", account_group="pemkab", driver="x"
    )
    rule = old.get_model("publishing", "SyncRule").objects.create(
        source=source, kinds="all", active_since=datetime(2026, 1, 1, tzinfo=UTC)
    )
    old.get_model("publishing", "SyncTarget").objects.create(rule=rule, channel=target)

    latest = _latest()
    new = _migrate(latest, latest)
    with pytest.raises(LookupError):
        new.get_model("publishing", "SyncRule")
    moved = new.get_model("publishing_sync", "SyncRule").objects.get(pk=rule.pk)
    assert moved.source_id == source.pk
    assert list(moved.targets.values_list("pk", flat=True)) == [target.pk]
    assert set(connection.introspection.table_names()) >= TABLES
