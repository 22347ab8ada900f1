from django.db import models
from django.utils import timezone
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


class Answer(models.TextChoices):
    """The four answers of the satisfaction survey, best first, with their IKM scores."""

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


class Vote(models.Model):
    """One answer from one member of the public.

    ``voter_key`` is a keyed hash of the voter's signed cookie (or, without one, of their address
    and browser); with ``period`` it is unique per survey, so one person counts once per period.
    ``client_hash`` is a keyed hash of address and browser: the raw address is never stored.
    """

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="votes"
    )
    answer = models.CharField(_("answer"), max_length=12, choices=Answer.choices)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    period = models.IntegerField(_("voting period"))
    voter_key = models.CharField(_("voter"), max_length=64)
    client_hash = models.CharField(_("address and browser (hashed)"), max_length=64, blank=True)
    site = models.CharField(_("embedding site"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "voter_key", "period"], name="vote_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["survey", "created_at"], name="vote_survey_time")]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.answer}"


class EmbedSite(models.Model):
    """A website of the regency allowed to embed the survey widget (frame and cross-origin calls)."""

    origin = models.CharField(
        _("site address"),
        max_length=200,
        unique=True,
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
