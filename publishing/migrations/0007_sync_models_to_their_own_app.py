"""Account sync's models leave this app's state for their own app (``publishing_sync``);
no table changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0006_postmedia_instagram_crop"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only where Django files the models changes.
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="pollstate",
                    name="partner",
                ),
                migrations.RemoveField(
                    model_name="repostsuggestion",
                    name="partner",
                ),
                migrations.RemoveField(
                    model_name="pollstate",
                    name="channel",
                ),
                migrations.RemoveField(
                    model_name="repostsuggestion",
                    name="decided_by",
                ),
                migrations.RemoveField(
                    model_name="repostsuggestion",
                    name="post",
                ),
                migrations.RemoveField(
                    model_name="seennativepost",
                    name="channel",
                ),
                migrations.RemoveField(
                    model_name="seennativepost",
                    name="mirror_posts",
                ),
                migrations.RemoveField(
                    model_name="syncrule",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="syncrule",
                    name="source",
                ),
                migrations.RemoveField(
                    model_name="syncrule",
                    name="targets",
                ),
                migrations.RemoveField(
                    model_name="synctarget",
                    name="rule",
                ),
                migrations.RemoveField(
                    model_name="synctarget",
                    name="channel",
                ),
                migrations.DeleteModel(
                    name="PartnerAccount",
                ),
                migrations.DeleteModel(
                    name="PollState",
                ),
                migrations.DeleteModel(
                    name="RepostSuggestion",
                ),
                migrations.DeleteModel(
                    name="SeenNativePost",
                ),
                migrations.DeleteModel(
                    name="SyncRule",
                ),
                migrations.DeleteModel(
                    name="SyncTarget",
                ),
            ],
        ),
    ]
