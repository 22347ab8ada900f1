"""Account sync and partner reposts.

A **sync rule** mirrors what is posted natively on one of the office's channels (the source) to
other channels (the targets), each with its own small text transform. Every native post a poll
finds is remembered once per (channel, external id) in :class:`SeenNativePost`, with what became
of it: mirrored into which post, or skipped and why. That table, not a timestamp, is what keeps a
re-poll, a restart or two overlapping polls from mirroring anything twice; a post the portal
published itself (its id is on a ``Delivery``) is recognised and never mirrored back.

**Partner accounts** (other offices, the Regent, the Vice Regent) are watched through one of the
office's channels on the same platform; their new posts become **repost suggestions** that an
editor accepts (a post with origin ``repost``, through approval like any other) or dismisses.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..drivers.registry import Platform

__all__ = [
    "PartnerAccount",
    "PartnerKind",
    "PollState",
    "RepostSuggestion",
    "SeenNativePost",
    "SeenStatus",
    "SuggestionStatus",
    "SyncKinds",
    "SyncRule",
    "SyncTarget",
]


class SyncKinds(models.TextChoices):
    ALL = "all", _("All posts")
    WITH_MEDIA = "with_media", _("Only posts with photos or videos")
    NO_REPLIES = "no_replies", _("All posts except replies")


class SyncRule(models.Model):
    """Mirror new native posts of ``source`` to each of its targets."""

    source = models.ForeignKey(
        "publishing.Channel",
        verbose_name=_("source channel"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    targets = models.ManyToManyField(
        "publishing.Channel",
        verbose_name=_("target channels"),
        through="SyncTarget",
        related_name="sync_rules_in",
    )
    kinds = models.CharField(
        _("which posts"), max_length=20, choices=SyncKinds.choices, default=SyncKinds.ALL
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # When the rule was set or last switched on: a native post made before it (by the platform's
    # own time) is history and is not mirrored by this rule.
    active_since = models.DateTimeField(_("mirrors posts made from"), default=timezone.now)
    needs_approval = models.BooleanField(
        _("mirrored posts wait for approval"),
        default=False,
        help_text=_(
            "Off: a post that appeared on the office's own account is mirrored at once. On: each "
            "mirror waits for the Head of Department's approval."
        ),
    )
    propagate_deletions = models.BooleanField(
        _("delete the mirrors when the source post is deleted"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        db_table = "publishing_syncrule"  # its name from when sync was part of publishing
        ordering = ["source__name", "id"]
        verbose_name = _("sync rule")
        verbose_name_plural = _("sync rules")

    def __str__(self) -> str:
        return f"{self.source} → {', '.join(str(t) for t in self.targets.all())}"

    def accepts(self, *, has_media: bool, is_reply: bool) -> bool:
        """Whether a native post of this shape is for this rule."""
        if self.kinds == SyncKinds.WITH_MEDIA:
            return has_media
        if self.kinds == SyncKinds.NO_REPLIES:
            return not is_reply
        return True


class SyncTarget(models.Model):
    """One target of a rule and how the text is changed for it."""

    rule = models.ForeignKey(SyncRule, on_delete=models.CASCADE, related_name="target_links")
    channel = models.ForeignKey(
        "publishing.Channel",
        verbose_name=_("target channel"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    add_hashtag = models.CharField(
        _("add a hashtag"), max_length=100, blank=True, help_text=_("For example #Bojonegoro")
    )
    link_back = models.BooleanField(_("add a link to the source post"), default=False)
    shorten_for_x = models.BooleanField(
        _("shorten for X with a link to the source post"), default=False
    )

    class Meta:
        db_table = "publishing_synctarget"  # its name from when sync was part of publishing
        ordering = ["rule_id", "channel__platform", "channel__name"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "channel"], name="synctarget_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} → {self.channel_id}"


class PollState(models.Model):
    """Where the polling of one account stands: the high-water mark, a walk under way, the last
    try, the back-off.

    ``cursor`` / ``cursor_id`` (the high-water mark) name the newest post of the last *complete*
    walk down the account's listing: everything up to it has been read. A poll walks the
    platform's pages from the newest post down to the mark; when the per-poll bound stops it
    first, the walk's platform cursor, lower bound and top are kept (``walk_*``) and the next poll
    continues it, so nothing between is skipped. Nothing moves on a failure.
    """

    channel = models.OneToOneField(
        "publishing.Channel",
        on_delete=models.CASCADE,
        related_name="poll_state",
        null=True,
        blank=True,
    )
    partner = models.OneToOneField(
        "PartnerAccount",
        on_delete=models.CASCADE,
        related_name="poll_state",
        null=True,
        blank=True,
    )
    cursor = models.DateTimeField(_("newest post seen"), null=True, blank=True)
    cursor_id = models.CharField(_("id of the newest post seen"), max_length=200, blank=True)
    walk_cursor = models.TextField(_("where the unfinished walk continues"), blank=True)
    walk_since = models.DateTimeField(null=True, blank=True)
    walk_top = models.DateTimeField(null=True, blank=True)
    walk_top_id = models.CharField(max_length=200, blank=True)
    walk_rank = models.BigIntegerField(null=True, blank=True)
    last_poll_at = models.DateTimeField(_("last poll"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful poll"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True)

    class Meta:
        db_table = "publishing_pollstate"  # its name from when sync was part of publishing
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__isnull=False, partner__isnull=True)
                | models.Q(channel__isnull=True, partner__isnull=False),
                name="pollstate_one_account",
            ),
        ]

    def __str__(self) -> str:
        return f"poll {self.channel_id or self.partner_id}"


class SeenStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("seen post", "Waiting to be mirrored")
    MIRRORING = "mirroring", pgettext_lazy("seen post", "Being mirrored")
    MIRRORED = "mirrored", pgettext_lazy("seen post", "Mirrored")
    OURS = "ours", pgettext_lazy("seen post", "Published by the portal")
    SKIPPED = "skipped", pgettext_lazy("seen post", "Not for any rule")
    GONE = "gone", pgettext_lazy("seen post", "Deleted before it was mirrored")
    FAILED = "failed", pgettext_lazy("seen post", "Could not be mirrored")
    DELETED = "deleted", pgettext_lazy("seen post", "Deleted at the source; mirrors removed")


class SeenNativePost(models.Model):
    """A post found on a source channel: remembered once, with what became of it."""

    channel = models.ForeignKey(
        "publishing.Channel", on_delete=models.CASCADE, related_name="seen_posts"
    )
    external_id = models.CharField(_("id on the platform"), max_length=200)
    created_at = models.DateTimeField(_("posted"))
    seen_at = models.DateTimeField(_("found"), auto_now_add=True)
    text = models.TextField(_("text"), blank=True)
    permalink = models.URLField(_("address on the platform"), max_length=500, blank=True)
    media = models.JSONField(default=list, blank=True)  # [{"kind", "url", "mime_type"}]
    is_reply = models.BooleanField(default=False)
    # The platform's own order (newest first lists, read in walks): a higher rank is newer.
    # Mirrors go out by (created_at, rank): the platforms' times are to the second.
    rank = models.BigIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=SeenStatus.choices, default=SeenStatus.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    # Targets that could not take the post, by channel id: {"12": "Instagram does not take..."}.
    problems = models.JSONField(default=dict, blank=True)
    mirror_posts = models.ManyToManyField(
        "publishing.Post",
        related_name="mirrored_from",
        blank=True,
        db_table="publishing_seennativepost_mirror_posts",
    )
    mirrored_at = models.DateTimeField(_("mirrored"), null=True, blank=True)

    class Meta:
        db_table = "publishing_seennativepost"  # its name from when sync was part of publishing
        ordering = ["-created_at", "-id"]
        verbose_name = _("native post seen")
        verbose_name_plural = _("native posts seen")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="seen_unique"),
        ]
        indexes = [models.Index(fields=["channel", "status"])]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}"


class PartnerKind(models.TextChoices):
    OFFICE = "office", _("Public service office")
    REGENT = "regent", _("Regent (Bupati)")
    VICE_REGENT = "vice_regent", _("Vice Regent (Wakil Bupati)")


class PartnerAccount(models.Model):
    """An account of a partner whose posts the office may repost.

    It is read through ``via_channel``'s credential (one of the office's accounts on the same
    platform): the platforms let an account read another public account's recent posts.
    """

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    handle = models.CharField(_("handle"), max_length=100)
    external_id = models.CharField(_("account id on the platform"), max_length=100)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    via_channel = models.ForeignKey(
        "publishing.Channel",
        verbose_name=_("read through the channel"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("watched"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "publishing_partneraccount"  # its name from when sync was part of publishing
        ordering = ["kind", "name"]
        verbose_name = _("partner account")
        verbose_name_plural = _("partner accounts")
        constraints = [
            models.UniqueConstraint(fields=["platform", "handle"], name="partner_unique_handle"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("suggestion", "Waiting")
    ACCEPTED = "accepted", pgettext_lazy("suggestion", "Accepted")
    DISMISSED = "dismissed", pgettext_lazy("suggestion", "Dismissed")


class RepostSuggestion(models.Model):
    """A partner's new post, offered to the editors for a repost."""

    partner = models.ForeignKey(
        PartnerAccount, on_delete=models.CASCADE, related_name="suggestions"
    )
    external_id = models.CharField(_("id on the platform"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    permalink = models.URLField(_("address on the platform"), max_length=500, blank=True)
    media = models.JSONField(default=list, blank=True)
    posted_at = models.DateTimeField(_("posted"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    post = models.OneToOneField(
        "publishing.Post",
        on_delete=models.SET_NULL,
        related_name="repost_of",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("found"), auto_now_add=True)

    class Meta:
        db_table = "publishing_repostsuggestion"  # its name from when sync was part of publishing
        ordering = ["-posted_at", "-id"]
        verbose_name = _("repost suggestion")
        verbose_name_plural = _("repost suggestions")
        constraints = [
            models.UniqueConstraint(fields=["partner", "external_id"], name="suggestion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.external_id}"
