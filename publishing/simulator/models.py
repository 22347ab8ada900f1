"""What the simulator remembers: its accounts, the tokens it issued (only their hashes), what it
received, and the faults it was told to play. Kept in the database so that every web process
of the portal answers the same."""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_fingerprint(token: str) -> str:
    """The short name a post is recorded with: enough to tell tokens apart, useless to a thief."""
    return token_hash(token)[:10]


class PlatformName(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X"
    WEBSITE = "website", "WordPress"


class Account(models.Model):
    class Kind(models.TextChoices):
        PAGE = "page", _("Facebook Page")
        FB_USER = "fb_user", _("Facebook user")
        INSTAGRAM = "instagram", _("Instagram account")
        X_USER = "x_user", _("X account")
        SITE = "site", _("WordPress site")
        AD_ACCOUNT = "ad_account", _("Meta ad account")
        SYSTEM_USER = "system_user", _("Meta system user")

    platform = models.CharField(_("platform"), max_length=20, choices=PlatformName.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    handle = models.CharField(_("handle"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    external_id = models.CharField(_("platform id"), max_length=40, unique=True)
    password_hash = models.CharField(max_length=128, blank=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_pages"
    )
    linked_page = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="linked_instagram"
    )
    quota_total = models.PositiveIntegerField(default=100)
    # Instagram meets a login from a device it has not seen with this (a person must answer).
    first_login = models.CharField(
        max_length=20,
        blank=True,
        choices=[("", "-"), ("challenge", "challenge"), ("two_factor", "two-factor")],
    )
    two_factor_seed = models.CharField(max_length=64, blank=True)  # base32, as Instagram gives it
    known_devices = models.JSONField(default=list, blank=True)
    # What a platform keeps beyond the above (a WordPress site's login name and role).
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["platform", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "handle"], name="sim_account_unique")
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.handle}"


class Token(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access"
        REFRESH = "refresh"
        SESSION = "session"
        CODE = "code"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tokens")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=10)
    client_id = models.CharField(max_length=100, blank=True)
    scopes = models.CharField(max_length=500, blank=True)
    redirect_uri = models.CharField(max_length=500, blank=True)
    code_challenge = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.fingerprint}"


class Media(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=10)  # image / video
    file = models.FileField(upload_to="simulator/%Y/%m/", max_length=300)
    mime_type = models.CharField(max_length=100)
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    size = models.PositiveBigIntegerField(default=0)
    source_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file.name


class Post(models.Model):
    class Origin(models.TextChoices):
        API = "api", _("through the API")
        NATIVE = "native", _("natively in the app")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="posts")
    external_id = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, default="post")
    text = models.TextField(blank=True)
    link = models.URLField(max_length=1000, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    reply_to = models.CharField(max_length=80, blank=True)
    quote_of = models.CharField(max_length=80, blank=True)
    media = models.ManyToManyField(Media, blank=True, related_name="posts")
    published = models.BooleanField(default=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.API)
    token_fingerprint = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # What a platform keeps beyond the above (a WordPress post's title, slug, status, terms).
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.external_id


class Term(models.Model):
    """A WordPress site's category or tag."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="terms")
    taxonomy = models.CharField(max_length=20)  # category / post_tag
    name = models.CharField(max_length=200)
    slug = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "taxonomy", "slug"], name="sim_term_unique")
        ]

    def __str__(self) -> str:
        return f"{self.taxonomy}:{self.slug}"


class Container(models.Model):
    """An Instagram Graph API media container, before and after it is published."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="containers")
    external_id = models.CharField(max_length=40, unique=True)
    media_type = models.CharField(max_length=20)  # IMAGE, VIDEO, REELS, CAROUSEL
    is_carousel_item = models.BooleanField(default=False)
    caption = models.TextField(blank=True)
    children = models.JSONField(default=list)
    media = models.ForeignKey(Media, null=True, on_delete=models.SET_NULL)
    status_code = models.CharField(max_length=20, default="IN_PROGRESS")
    ready_at = models.DateTimeField(null=True)
    error_message = models.CharField(max_length=300, blank=True)
    post = models.ForeignKey(Post, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.external_id


class Upload(models.Model):
    """A media upload in progress: X's chunked upload, or Instagram's rupload."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="uploads")
    external_id = models.CharField(max_length=80, unique=True)
    media_type = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=40, blank=True)
    total_bytes = models.PositiveBigIntegerField(default=0)
    segments = models.JSONField(default=list)  # storage names of the appended chunks
    state = models.CharField(max_length=20, default="initialized")
    ready_at = models.DateTimeField(null=True)
    media = models.ForeignKey(Media, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.external_id


class AdObject(models.Model):
    """A Marketing API object of an ad account (an ``Account`` of kind ``ad_account``): a
    campaign, an ad set, an ad creative or an ad. ``fields`` keeps what it was created with;
    ``spans`` (on an ad) the times it ran, ``[start, end or null]`` in ISO form, from which its
    spend accrues; ``spend`` a day's spend set by hand (``{"YYYY-MM-DD": rupiah}``)."""

    class Kind(models.TextChoices):
        CAMPAIGN = "campaign"
        ADSET = "adset"
        CREATIVE = "creative"
        AD = "ad"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ad_objects")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    external_id = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=500)
    status = models.CharField(max_length=10, default="PAUSED")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    creative = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="ads"
    )
    fields = models.JSONField(default=dict, blank=True)
    spans = models.JSONField(default=list, blank=True)
    spend = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"


class Fault(models.Model):
    """A misbehaviour the simulator plays for one account, ``remaining`` times (or until
    removed when empty)."""

    class Mode(models.TextChoices):
        RATE_LIMIT = "rate_limit", _("Rate limit (429 / throttling)")
        SERVER_ERROR = "server_error", _("Server error (500)")
        SLOW = "slow", _("Accept the post, answer too late")
        ACCEPT_THEN_FAIL = "accept_then_fail", _("Accept the post, then fail the answer")
        TOKEN_EXPIRED = "token_expired", _("Token expired")
        BLOCKED = "blocked", _("Temporarily blocked (Facebook 368)")
        QUOTA_FULL = "quota_full", _("Publishing limit reached (Instagram)")
        CHALLENGE = "challenge", _("Security challenge (Instagram)")
        TWO_FACTOR = "two_factor", _("Two-factor login (Instagram)")
        FEEDBACK_REQUIRED = "feedback_required", _("Feedback required (Instagram)")
        PLEASE_WAIT = "please_wait", _("Please wait a few minutes (Instagram)")
        DAILY_CAP = "daily_cap", _("24-hour cap reached (X; code 1: the app's cap)")
        DROP_CONNECTION = "drop_connection", _("Accept the post, drop the connection mid-answer")
        NARROW_SCOPE = "narrow_scope", _("Grant fewer scopes on the next token refresh (X)")

    class Scope(models.TextChoices):
        ALL = "all", _("every request")
        WRITE = "write", _("writes only")
        PUBLISH = "publish", _("the publishing request only")
        READ = "read", _("reads only")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="faults")
    mode = models.CharField(max_length=30, choices=Mode.choices)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ALL)
    remaining = models.PositiveIntegerField(null=True, blank=True)
    retry_after = models.PositiveIntegerField(default=30)
    delay = models.FloatField(default=5)
    code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.account} {self.mode}"


class Request(models.Model):
    """Everything the simulator received (``GET /simulator/_log``); no secret is kept."""

    platform = models.CharField(max_length=20)
    account = models.ForeignKey(Account, null=True, on_delete=models.SET_NULL)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    operation = models.CharField(max_length=10)
    status = models.PositiveIntegerField(null=True)
    fault = models.CharField(max_length=30, blank=True)
    token_fingerprint = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


class Setting(models.Model):
    """A value the simulator keeps for every web process (e.g. its password encryption key)."""

    name = models.CharField(max_length=100, unique=True)
    value = models.TextField()

    def __str__(self) -> str:
        return self.name
