from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .origins import validate_origin


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


class Answer(models.TextChoices):
    """The four answers of the satisfaction survey, best first, with their scores (4 to 1)."""

    SANGAT_PUAS = "sangat_puas", _("Very satisfied")
    PUAS = "puas", _("Satisfied")
    CUKUP_PUAS = "cukup_puas", _("Fairly satisfied")
    TIDAK_PUAS = "tidak_puas", _("Not satisfied")

    @property
    def score(self) -> int:
        return ANSWER_SCORES[self]


ANSWER_SCORES = {
    Answer.SANGAT_PUAS: 4,
    Answer.PUAS: 3,
    Answer.CUKUP_PUAS: 2,
    Answer.TIDAK_PUAS: 1,
}

DEFAULT_QUESTION = "Bagaimana pendapat Anda tentang layanan informasi kami?"


class Survey(models.Model):
    """A satisfaction question the public answers with one of the four ``Answer`` values.

    At most one survey is *featured*: the one the widget on the public pages shows.
    """

    slug = models.SlugField(
        _("address"),
        max_length=60,
        unique=True,
        help_text=_("Short name in the survey's web address: letters, digits and hyphens."),
    )
    question = models.CharField(_("question"), max_length=300, default=DEFAULT_QUESTION)
    is_open = models.BooleanField(_("open for answers"), default=True)
    is_featured = models.BooleanField(_("shown in the widget"), default=False)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["-is_featured", "-created_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["is_featured"],
                condition=models.Q(is_featured=True),
                name="survey_one_featured",
            )
        ]

    def __str__(self) -> str:
        return self.slug


class VoteState(models.TextChoices):
    """Whether a vote is in the results. A vote is never deleted: a held or rejected one stays."""

    COUNTED = "counted", _("counted")
    HELD = "held", _("held for review")
    REJECTED = "rejected", _("rejected")


class Vote(models.Model):
    """One answer from one member of the public.

    ``voter_key`` is a keyed hash of the voter's signed cookie (or, without one, of their address
    and browser); with ``period`` it is unique per survey, so one person counts once per period.
    ``client_hash`` is a keyed hash of address and browser, ``address_hash`` of the address
    alone: the raw address is never stored.

    Past an address's allowance in a period a vote is kept but *held*: not in the results until
    an Editor or the Kepala Dinas accepts it (``state``).
    """

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="votes"
    )
    answer = models.CharField(_("answer"), max_length=12, choices=Answer.choices)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    period = models.IntegerField(_("voting period"))
    voter_key = models.CharField(_("voter"), max_length=64)
    client_hash = models.CharField(_("address and browser (hashed)"), max_length=64, blank=True)
    address_hash = models.CharField(_("address (hashed)"), max_length=64, blank=True)
    site = models.CharField(_("embedding site"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=VoteState.choices, default=VoteState.COUNTED
    )
    reviewed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "voter_key", "period"], name="vote_once_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["survey", "created_at"], name="vote_survey_time"),
            models.Index(fields=["survey", "state", "created_at"], name="vote_survey_state"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.answer}"


class AddressTally(models.Model):
    """How much one address (keyed hash) used of its allowance in a survey and voting period.

    The row is the lock every web process takes before storing a vote from that address, so the
    allowance holds across processes and machines (a per-process memory would not).
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    address_hash = models.CharField(max_length=64)
    period = models.IntegerField()
    counted = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    # Attempts in the current minute (``minute`` is its number since the epoch): the flood guard.
    minute = models.BigIntegerField(default=0)
    minute_attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("address tally")
        verbose_name_plural = _("address tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "address_hash", "period"], name="address_tally_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.address_hash[:8]}:{self.period}"


class EmbedSite(models.Model):
    """A website of the regency allowed to embed the survey widget (frame and cross-origin calls)."""

    origin = models.CharField(
        _("site address"),
        max_length=200,
        unique=True,
        validators=[validate_origin],
        help_text=_("Scheme and host, e.g. https://www.example.go.id"),
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    added_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["origin"]
        verbose_name = _("embedding site")
        verbose_name_plural = _("embedding sites")

    def __str__(self) -> str:
        return self.origin


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
