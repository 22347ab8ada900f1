"""Posts: written once, sent to many channels, with their variants and media."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..drivers.registry import Platform
from .channels import Channel


class PostStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("post status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("post status", "Waiting for approval")
    RETURNED = "returned", pgettext_lazy("post status", "Returned for changes")
    REJECTED = "rejected", pgettext_lazy("post status", "Rejected")
    APPROVED = "approved", pgettext_lazy("post status", "Approved")
    SCHEDULED = "scheduled", pgettext_lazy("post status", "Scheduled")
    PUBLISHING = "publishing", pgettext_lazy("post status", "Publishing")
    PUBLISHED = "published", pgettext_lazy("post status", "Published")
    PARTLY_PUBLISHED = "partly_published", pgettext_lazy("post status", "Partly published")
    FAILED = "failed", pgettext_lazy("post status", "Failed")


# Content may be edited in these states (an edit of an approved or scheduled post sends it back
# for approval).
EDITABLE_STATUSES = frozenset(
    {
        PostStatus.DRAFT,
        PostStatus.RETURNED,
        PostStatus.REJECTED,
        PostStatus.SUBMITTED,
        PostStatus.APPROVED,
        PostStatus.SCHEDULED,
    }
)
FINISHED_STATUSES = frozenset(
    {PostStatus.PUBLISHED, PostStatus.PARTLY_PUBLISHED, PostStatus.FAILED}
)


class PostOrigin(models.TextChoices):
    COMPOSER = "composer", _("Written in the portal")
    MIRROR = "mirror", _("Mirrored from another account")
    REPOST = "repost", _("Repost of a partner's post")


class Post(models.Model):
    """Something to say, written once for many channels."""

    title = models.CharField(
        _("working title"),
        max_length=200,
        blank=True,
        help_text=_("For the office's own lists and calendar; not published."),
    )
    public_title = models.CharField(
        _("public title"),
        max_length=150,
        blank=True,
        help_text=_(
            "The heading on the public pages, feeds and link previews. Empty: the text's first "
            "line."
        ),
    )
    text = models.TextField(_("text"), blank=True)
    first_comment = models.TextField(_("first comment"), blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    thread = models.BooleanField(_("split long text into a thread on X"), default=False)
    channels = models.ManyToManyField(
        Channel, verbose_name=_("channels"), related_name="posts", blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PostStatus.choices,
        default=PostStatus.DRAFT,
        db_index=True,
    )
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True, db_index=True)
    # Shown on the Media Center's public pages once published.
    is_public = models.BooleanField(_("show on the public pages"), default=False)
    show_author = models.BooleanField(_("show the author's name publicly"), default=False)
    origin = models.CharField(
        _("origin"), max_length=20, choices=PostOrigin.choices, default=PostOrigin.COMPOSER
    )

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="posts",
        null=True,
        blank=True,
    )
    division = models.ForeignKey(
        "accounts.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="posts",
        null=True,
        blank=True,
    )
    # Bumped by every change of what is published (text, variants, media, channels); an approval
    # is for one content version.
    content_version = models.PositiveIntegerField(default=1, editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    released_at = models.DateTimeField(_("sent out"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        permissions = [
            ("approve_post", "Can approve or reject posts"),
            ("submit_post", "Can submit and schedule posts"),
        ]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        words = " ".join(self.text.split())
        return (words[:60] + "…") if len(words) > 60 else (words or f"#{self.pk}")

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_due(self) -> bool:
        return self.scheduled_at is None or self.scheduled_at <= timezone.now()

    def text_for(self, platform: str) -> str:
        """The text for one platform: its variant when the editor wrote one."""
        for variant in self.variants.all():
            if variant.platform == platform and variant.text.strip():
                return variant.text
        return self.text


class PostVariant(models.Model):
    """The text of a post written differently for one platform."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["platform"]
        constraints = [
            models.UniqueConstraint(fields=["post", "platform"], name="postvariant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id}/{self.platform}"


class PostMedia(models.Model):
    """A library asset attached to a post, in order."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="post_uses")
    position = models.PositiveSmallIntegerField(default=0)
    alt_text = models.CharField(_("description for screen readers"), max_length=500, blank=True)
    # The crop Instagram gets (a shape of ``assets.renditions.CROP_RATIOS`` and a point of
    # interest, 0..1): empty for the photo as it is. Other platforms get the photo uncut.
    crop_ratio = models.CharField(_("crop for Instagram"), max_length=8, blank=True)
    crop_x = models.FloatField(default=0.5)
    crop_y = models.FloatField(default=0.5)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "asset"], name="postmedia_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id}/{self.asset_id}"

    @property
    def cropped_for(self) -> str:
        """The platforms that get the crop, by name."""
        from ..drivers.registry import cropping_platforms

        return cropping_platforms()

    @property
    def crop(self):
        """The crop for Instagram (``assets.crops.Crop``) or ``None``."""
        from assets.crops import Crop

        return Crop(self.crop_ratio, self.crop_x, self.crop_y) if self.crop_ratio else None
