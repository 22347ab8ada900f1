from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last time a background worker answered, so that people see when work is stuck."""

    hostname = models.CharField(_("worker"), max_length=200, unique=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["-last_seen"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.hostname


class Website(models.Model):
    """One of the office's websites (the regency's, the office's, the Media Center's...).

    It has one responsible division (Bidang) and named staff who run it; its admin login is a
    credential in the vault, held by the Kepala Dinas.
    """

    name = models.CharField(_("name"), max_length=150, unique=True)
    address = models.URLField(_("address"), max_length=300)
    responsible_division = models.ForeignKey(
        "accounts.Division",
        verbose_name=_("responsible division"),
        on_delete=models.PROTECT,
        related_name="websites",
        null=True,
        blank=True,
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff who run it"),
        related_name="websites",
        blank=True,
    )
    credential = models.ForeignKey(
        "accounts.Credential",
        verbose_name=_("admin login"),
        on_delete=models.PROTECT,
        related_name="websites",
        null=True,
        blank=True,
    )
    platform_two_factor = models.BooleanField(
        _("two-factor sign-in on the admin panel"), default=False
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("website")
        verbose_name_plural = _("websites")

    def __str__(self) -> str:
        return self.name


def default_rotation_days() -> int:
    return 90


class GuidelineVersion(models.Model):
    """One version of the office's media guidelines (Pedoman Pengelolaan Media).

    Every save makes a new version; earlier ones are kept unchanged. The newest is in force. The
    text is Markdown, shown sanitised (``media_center.guidelines.render``).
    """

    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    regulation_number = models.CharField(_("regulation number"), max_length=120)
    regulation_date = models.DateField(_("regulation date"))
    rotation_days = models.PositiveSmallIntegerField(
        _("password rotation period (days)"),
        default=default_rotation_days,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
    )
    body = models.TextField(_("text (Markdown)"))
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("guidelines version")
        verbose_name_plural = _("guidelines versions")

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("A guidelines version is never changed; save a new one.")
        super().save(*args, **kwargs)
