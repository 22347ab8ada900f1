"""Channels, posts and their deliveries.

A **channel** is one account of the office on one platform (the Media Center's Facebook Page, the
regency's X account...). Its credential lives in the vault (``accounts.Credential``); the channel
holds only a reference. Each channel has a responsible division (Bidang) and named staff.

A **post** is written once and sent to many channels. Its life::

    draft ─ submit ─▶ submitted ─ approve ─▶ approved ─▶ scheduled ─▶ publishing ─▶ published
      ▲                 │  │                    │   (time comes)                   partly published
      └── returned ◀────┘  └─ reject ─▶ rejected└─ edit content ─▶ submitted       failed

A **delivery** is one (post, channel) pair: one Celery task sends it, taking only its id. A
**delivery attempt** records each try (never a secret).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .drivers.registry import DriverName, Platform, facts_of


class Currency(models.TextChoices):
    IDR = "IDR", "Rp (IDR)"
    USD = "USD", "US$ (USD)"


class AccountGroup(models.TextChoices):
    MEDIA_CENTER = "media_center", "Media Center"
    PEMKAB = "pemkab", _("Regency government (Pemkab)")
    DINKOMINFO = "dinkominfo", _("Communication and Informatics Office (Dinkominfo)")


class Channel(models.Model):
    """One account of the office on one platform."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    name = models.CharField(_("display name"), max_length=150)
    handle = models.CharField(_("handle"), max_length=100)
    account_group = models.CharField(
        _("account group"), max_length=20, choices=AccountGroup.choices
    )
    driver = models.CharField(_("driver"), max_length=30, choices=DriverName.choices)
    # The account's id on the platform (Page id, Instagram user id, X user id), when known.
    external_id = models.CharField(_("account id on the platform"), max_length=100, blank=True)
    credential = models.ForeignKey(
        "accounts.Credential",
        verbose_name=_("credential"),
        on_delete=models.PROTECT,
        related_name="channels",
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    responsible_division = models.ForeignKey(
        "accounts.Division",
        verbose_name=_("responsible division"),
        on_delete=models.PROTECT,
        related_name="channels",
        null=True,
        blank=True,
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff who run it"),
        related_name="channels",
        blank=True,
    )
    platform_two_factor = models.BooleanField(
        _("two-factor sign-in on the platform account"), default=False
    )
    # What the platform says the login was granted (Facebook Login's permissions), read after
    # connecting and at each connection test; not secret. ``None``: never read.
    granted_permissions = models.JSONField(_("granted permissions"), null=True, blank=True)
    permissions_read_at = models.DateTimeField(_("permissions read"), null=True, blank=True)
    # Platforms that bill per call (X): how often the portal reads the account, what a call
    # costs and where reading stops for the month. Publishing is never stopped by these.
    poll_minutes = models.PositiveIntegerField(
        _("poll every (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: the portal's default. 0: never poll this account."),
    )
    call_price = models.DecimalField(
        _("price per API call"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    call_price_currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.IDR
    )
    monthly_call_ceiling = models.PositiveIntegerField(
        _("API calls per month before polling stops"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["account_group", "platform", "name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        permissions = [
            # Granted to roles (Kepala Dinas) or per channel through django-guardian.
            ("approve_channel", "Can approve posts for a channel"),
            ("post_to_channel", "Can draft and submit posts for a channel"),
            ("assign_channel", "Can assign a channel to a division and staff"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["platform", "handle"], name="channel_unique_handle"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    def permission_gaps(self) -> list[tuple[str, str, bool]]:
        """``(permission, what its absence blocks, whether publishing needs it)`` for each
        permission this channel's login lacks; empty when nothing was read (or none lacks)."""
        if self.granted_permissions is None:
            return []
        from .drivers.registry import get_driver

        driver = get_driver(self.driver)
        gaps = getattr(driver, "permission_gaps", None)
        if gaps is None:
            return []
        return [
            (name, str(blocks), needed) for name, blocks, needed in gaps(self.granted_permissions)
        ]

    @property
    def publishing_blocked_reason(self) -> str:
        """Why nothing can be published through this channel's login, or ``""``."""
        missing = [name for name, _blocks, needed in self.permission_gaps() if needed]
        if not missing:
            return ""
        return _(
            "The login of %(channel)s lacks the permission %(permissions)s needed to publish; "
            "the Head of Department must connect it again and allow every permission asked."
        ) % {"channel": self.name, "permissions": ", ".join(missing)}

    @property
    def display_handle(self) -> str:
        return facts_of(self.driver).handle_prefix + self.handle.lstrip("@")


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
    def crop(self):
        """The crop for Instagram (``assets.crops.Crop``) or ``None``."""
        from assets.crops import Crop

        return Crop(self.crop_ratio, self.crop_x, self.crop_y) if self.crop_ratio else None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery status", "Waiting")
    QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
    SENDING = "sending", pgettext_lazy("delivery status", "Sending")
    RETRYING = "retrying", pgettext_lazy("delivery status", "Will try again")
    PUBLISHED = "published", pgettext_lazy("delivery status", "Published")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("delivery status", "Cancelled")


DELIVERY_DONE = frozenset(
    {DeliveryStatus.PUBLISHED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED}
)


class Delivery(models.Model):
    """One post on one channel: sent by one Celery task, exactly once."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempt_count = models.PositiveIntegerField(_("tries"), default=0)
    external_id = models.CharField(_("id on the platform"), max_length=200, blank=True)
    extra_ids = models.JSONField(default=list, blank=True)
    permalink = models.URLField(_("address on the platform"), max_length=500, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    next_attempt_at = models.DateTimeField(_("next try"), null=True, blank=True, db_index=True)
    first_attempt_at = models.DateTimeField(_("first try"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["post_id", "channel__platform", "channel__name"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="delivery_unique_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.channel_id}"

    @property
    def is_done(self) -> bool:
        return self.status in DELIVERY_DONE


class DeliveryAttempt(models.Model):
    """One try of a delivery: when, how it went, an excerpt of the answer (never a secret)."""

    class Outcome(models.TextChoices):
        PUBLISHED = "published", pgettext_lazy("attempt outcome", "Published")
        FOUND = "found", pgettext_lazy("attempt outcome", "Found from an earlier try")
        RETRY = "retry", pgettext_lazy("attempt outcome", "Will try again")
        DEFERRED = "deferred", pgettext_lazy("attempt outcome", "Deferred")
        FAILED = "failed", pgettext_lazy("attempt outcome", "Failed")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField(_("try"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    duration = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    message = models.TextField(_("message"), blank=True)
    excerpt = models.TextField(_("answer excerpt"), blank=True)

    class Meta:
        ordering = ["delivery_id", "number", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number} {self.outcome}"


# The models of account sync (publishing/sync/) belong to this app.


class ApiCallMonth(models.Model):
    """How many calls the portal made to a channel's platform API in one month (WIB): X bills
    per call. Counted where the driver's HTTP session sends, so every call counts."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="call_months", verbose_name=_("channel")
    )
    month = models.DateField(_("month"))  # its first day
    calls = models.PositiveBigIntegerField(_("API calls"), default=0)
    ceiling_reached_at = models.DateTimeField(_("ceiling reached"), null=True, blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("API calls of a month")
        verbose_name_plural = _("API calls per month")
        constraints = [
            models.UniqueConstraint(fields=["channel", "month"], name="api_calls_once_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.month:%Y-%m}: {self.calls}"


class LoginWait(models.Model):
    """A login of a channel's account that waits for a person: Instagram met it with a
    two-factor prompt or a challenge. The device that met it is kept (encrypted with the vault's
    key) so that the login is completed from the same device, with the code the Kepala Dinas
    enters, which is kept encrypted only until the worker uses it."""

    class Waiting(models.TextChoices):
        TWO_FACTOR = "two_factor", _("a two-factor code")
        CHALLENGE = "challenge", _("a security check (challenge)")

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, related_name="login_wait", verbose_name=_("channel")
    )
    waiting_for = models.CharField(_("waiting for"), max_length=20, choices=Waiting.choices)
    device_ciphertext = models.TextField()
    code_ciphertext = models.TextField(blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("login waiting for a person")
        verbose_name_plural = _("logins waiting for a person")

    def __str__(self) -> str:
        return f"{self.channel_id} {self.waiting_for}"
