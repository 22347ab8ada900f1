"""Channels: the office's accounts on the platforms, what their calls cost, and a login that
waits for a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..drivers.registry import DriverName, Platform, facts_of


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
    # The choices the channel's driver offers (``DriverFacts.channel_options``), such as whether
    # a website's posts go out as drafts; not secret.
    options = models.JSONField(_("driver options"), default=dict, blank=True)
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

    def options_for_driver(self) -> dict[str, str]:
        """The channel's options as its driver declares them, each at its default when unset
        (or when a stored value is no longer one the driver takes)."""
        from ..drivers.registry import facts_of

        facts = facts_of(self.driver)
        stored = self.options if isinstance(self.options, dict) else {}
        values: dict[str, str] = {}
        for option in facts.channel_options:
            try:
                values[option.name] = option.clean(stored.get(option.name))
            except ValueError:
                values[option.name] = option.default
        return values

    def permission_gaps(self) -> list[tuple[str, str, bool]]:
        """``(permission, what its absence blocks, whether publishing needs it)`` for each
        permission this channel's login lacks; empty when nothing was read (or none lacks)."""
        if self.granted_permissions is None:
            return []
        from ..drivers.registry import get_driver

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
    def platform_mark(self) -> str:
        """The platform's short mark on the calendar, as its driver declares (may be empty)."""
        return facts_of(self.driver).mark

    @property
    def display_handle(self) -> str:
        return facts_of(self.driver).handle_prefix + self.handle.lstrip("@")


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
