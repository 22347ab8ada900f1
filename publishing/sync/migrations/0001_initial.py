"""Account sync's models, on the tables they had as part of ``publishing`` (state only)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = (
    "syncrule",
    "synctarget",
    "pollstate",
    "seennativepost",
    "partneraccount",
    "repostsuggestion",
)


def _move_content_types(apps, old: str, new: str) -> None:
    """The models' content types (and so their permissions) follow them to their app."""
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def _content_types_follow(apps, schema_editor) -> None:
    _move_content_types(apps, "publishing", "publishing_sync")


def _content_types_return(apps, schema_editor) -> None:
    _move_content_types(apps, "publishing_sync", "publishing")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("publishing", "0007_sync_models_to_their_own_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only where Django files the models changes.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="PartnerAccount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "platform",
                            models.CharField(
                                choices=[
                                    ("facebook", "Facebook"),
                                    ("x", "X"),
                                    ("instagram", "Instagram"),
                                ],
                                max_length=20,
                                verbose_name="platform",
                            ),
                        ),
                        ("handle", models.CharField(max_length=100, verbose_name="handle")),
                        (
                            "external_id",
                            models.CharField(
                                max_length=100, verbose_name="account id on the platform"
                            ),
                        ),
                        ("name", models.CharField(max_length=150, verbose_name="name")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("office", "Public service office"),
                                    ("regent", "Regent (Bupati)"),
                                    ("vice_regent", "Vice Regent (Wakil Bupati)"),
                                ],
                                max_length=20,
                                verbose_name="kind",
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True, verbose_name="watched")),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created"),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "via_channel",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="publishing.channel",
                                verbose_name="read through the channel",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "partner account",
                        "verbose_name_plural": "partner accounts",
                        "db_table": "publishing_partneraccount",
                        "ordering": ["kind", "name"],
                    },
                ),
                migrations.CreateModel(
                    name="PollState",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "cursor",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="newest post seen"
                            ),
                        ),
                        (
                            "cursor_id",
                            models.CharField(
                                blank=True,
                                max_length=200,
                                verbose_name="id of the newest post seen",
                            ),
                        ),
                        (
                            "walk_cursor",
                            models.TextField(
                                blank=True, verbose_name="where the unfinished walk continues"
                            ),
                        ),
                        ("walk_since", models.DateTimeField(blank=True, null=True)),
                        ("walk_top", models.DateTimeField(blank=True, null=True)),
                        ("walk_top_id", models.CharField(blank=True, max_length=200)),
                        ("walk_rank", models.BigIntegerField(blank=True, null=True)),
                        (
                            "last_poll_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="last poll"),
                        ),
                        (
                            "last_success_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="last successful poll"
                            ),
                        ),
                        ("last_error", models.TextField(blank=True, verbose_name="last error")),
                        (
                            "failures",
                            models.PositiveIntegerField(
                                default=0, verbose_name="failures in a row"
                            ),
                        ),
                        (
                            "next_poll_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="next poll"),
                        ),
                        (
                            "channel",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="poll_state",
                                to="publishing.channel",
                            ),
                        ),
                        (
                            "partner",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="poll_state",
                                to="publishing_sync.partneraccount",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "publishing_pollstate",
                    },
                ),
                migrations.CreateModel(
                    name="RepostSuggestion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "external_id",
                            models.CharField(max_length=200, verbose_name="id on the platform"),
                        ),
                        ("text", models.TextField(blank=True, verbose_name="text")),
                        (
                            "permalink",
                            models.URLField(
                                blank=True, max_length=500, verbose_name="address on the platform"
                            ),
                        ),
                        ("media", models.JSONField(blank=True, default=list)),
                        ("posted_at", models.DateTimeField(verbose_name="posted")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting"),
                                    ("accepted", "Accepted"),
                                    ("dismissed", "Dismissed"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=20,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "decided_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="decided"),
                        ),
                        ("comment", models.TextField(blank=True, verbose_name="comment")),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="found"),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "partner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="suggestions",
                                to="publishing_sync.partneraccount",
                            ),
                        ),
                        (
                            "post",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="repost_of",
                                to="publishing.post",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "repost suggestion",
                        "verbose_name_plural": "repost suggestions",
                        "db_table": "publishing_repostsuggestion",
                        "ordering": ["-posted_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="SeenNativePost",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "external_id",
                            models.CharField(max_length=200, verbose_name="id on the platform"),
                        ),
                        ("created_at", models.DateTimeField(verbose_name="posted")),
                        ("seen_at", models.DateTimeField(auto_now_add=True, verbose_name="found")),
                        ("text", models.TextField(blank=True, verbose_name="text")),
                        (
                            "permalink",
                            models.URLField(
                                blank=True, max_length=500, verbose_name="address on the platform"
                            ),
                        ),
                        ("media", models.JSONField(blank=True, default=list)),
                        ("is_reply", models.BooleanField(default=False)),
                        ("rank", models.BigIntegerField(default=0)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting to be mirrored"),
                                    ("mirroring", "Being mirrored"),
                                    ("mirrored", "Mirrored"),
                                    ("ours", "Published by the portal"),
                                    ("skipped", "Not for any rule"),
                                    ("gone", "Deleted before it was mirrored"),
                                    ("failed", "Could not be mirrored"),
                                    ("deleted", "Deleted at the source; mirrors removed"),
                                ],
                                default="pending",
                                max_length=20,
                                verbose_name="status",
                            ),
                        ),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        ("problems", models.JSONField(blank=True, default=dict)),
                        (
                            "mirrored_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="mirrored"),
                        ),
                        (
                            "channel",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="seen_posts",
                                to="publishing.channel",
                            ),
                        ),
                        (
                            "mirror_posts",
                            models.ManyToManyField(
                                blank=True,
                                db_table="publishing_seennativepost_mirror_posts",
                                related_name="mirrored_from",
                                to="publishing.post",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "native post seen",
                        "verbose_name_plural": "native posts seen",
                        "db_table": "publishing_seennativepost",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="SyncRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kinds",
                            models.CharField(
                                choices=[
                                    ("all", "All posts"),
                                    ("with_media", "Only posts with photos or videos"),
                                    ("no_replies", "All posts except replies"),
                                ],
                                default="all",
                                max_length=20,
                                verbose_name="which posts",
                            ),
                        ),
                        ("enabled", models.BooleanField(default=True, verbose_name="enabled")),
                        (
                            "active_since",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                verbose_name="mirrors posts made from",
                            ),
                        ),
                        (
                            "needs_approval",
                            models.BooleanField(
                                default=False,
                                help_text="Off: a post that appeared on the office's own account is mirrored at once. On: each mirror waits for the Head of Department's approval.",
                                verbose_name="mirrored posts wait for approval",
                            ),
                        ),
                        (
                            "propagate_deletions",
                            models.BooleanField(
                                default=False,
                                verbose_name="delete the mirrors when the source post is deleted",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created"),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed")),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="set by",
                            ),
                        ),
                        (
                            "source",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="publishing.channel",
                                verbose_name="source channel",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "sync rule",
                        "verbose_name_plural": "sync rules",
                        "db_table": "publishing_syncrule",
                        "ordering": ["source__name", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="SyncTarget",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "add_hashtag",
                            models.CharField(
                                blank=True,
                                help_text="For example #Bojonegoro",
                                max_length=100,
                                verbose_name="add a hashtag",
                            ),
                        ),
                        (
                            "link_back",
                            models.BooleanField(
                                default=False, verbose_name="add a link to the source post"
                            ),
                        ),
                        (
                            "shorten_for_x",
                            models.BooleanField(
                                default=False,
                                verbose_name="shorten for X with a link to the source post",
                            ),
                        ),
                        (
                            "channel",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="publishing.channel",
                                verbose_name="target channel",
                            ),
                        ),
                        (
                            "rule",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="target_links",
                                to="publishing_sync.syncrule",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "publishing_synctarget",
                        "ordering": ["rule_id", "channel__platform", "channel__name"],
                    },
                ),
                migrations.AddField(
                    model_name="syncrule",
                    name="targets",
                    field=models.ManyToManyField(
                        related_name="sync_rules_in",
                        through="publishing_sync.SyncTarget",
                        to="publishing.channel",
                        verbose_name="target channels",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="partneraccount",
                    constraint=models.UniqueConstraint(
                        fields=("platform", "handle"), name="partner_unique_handle"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="pollstate",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("channel__isnull", False), ("partner__isnull", True)),
                            models.Q(("channel__isnull", True), ("partner__isnull", False)),
                            _connector="OR",
                        ),
                        name="pollstate_one_account",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="repostsuggestion",
                    constraint=models.UniqueConstraint(
                        fields=("partner", "external_id"), name="suggestion_unique"
                    ),
                ),
                migrations.AddIndex(
                    model_name="seennativepost",
                    index=models.Index(
                        fields=["channel", "status"], name="publishing__channel_587e98_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="seennativepost",
                    constraint=models.UniqueConstraint(
                        fields=("channel", "external_id"), name="seen_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="synctarget",
                    constraint=models.UniqueConstraint(
                        fields=("rule", "channel"), name="synctarget_unique"
                    ),
                ),
            ],
        ),
        migrations.RunPython(_content_types_follow, _content_types_return, elidable=True),
    ]
