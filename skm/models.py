"""The community satisfaction survey (Survei Kepuasan Masyarakat, SKM) by the regulation.

A service (jenis layanan) words the nine elements' questions for its public; a period (quarter,
semester or year) of a service collects responses, from the public page or from paper; its
results are published by the Kepala Dinas with a follow-up plan per weak element.
"""

from __future__ import annotations

import calendar
from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .regulation import ELEMENT_CHOICES


class Service(models.Model):
    """A service (jenis layanan) whose users are surveyed."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    is_active = models.BooleanField(_("taking answers"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """One element's question and four answer labels (scores 1 to 4) as a service words them."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="questions"
    )
    element = models.PositiveSmallIntegerField(_("element"), choices=ELEMENT_CHOICES)
    text = models.CharField(_("question"), max_length=300)
    label_1 = models.CharField(_("answer scored 1"), max_length=80)
    label_2 = models.CharField(_("answer scored 2"), max_length=80)
    label_3 = models.CharField(_("answer scored 3"), max_length=80)
    label_4 = models.CharField(_("answer scored 4"), max_length=80)

    class Meta:
        ordering = ["service", "element"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["service", "element"], name="skm_question_once")
        ]

    def __str__(self) -> str:
        return f"{self.service_id}:U{self.element}"

    @property
    def labels(self) -> list[tuple[int, str]]:
        return [(1, self.label_1), (2, self.label_2), (3, self.label_3), (4, self.label_4)]


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    SEMESTER = "semester", _("Semester")
    YEAR = "year", _("Year")


MONTHS_PER_KIND = {PeriodKind.QUARTER: 3, PeriodKind.SEMESTER: 6, PeriodKind.YEAR: 12}


class Period(models.Model):
    """A survey period of one service, with the population it served (for the target sample)."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="periods"
    )
    kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    number = models.PositiveSmallIntegerField(
        _("number"), default=1, help_text=_("Quarter 1-4, semester 1-2; 1 for a year.")
    )
    population = models.PositiveIntegerField(
        _("population served"),
        help_text=_("How many people used the service in the period (or the estimate)."),
    )
    conclusion = models.TextField(_("conclusions"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "-number", "service__name"]
        verbose_name = _("survey period")
        verbose_name_plural = _("survey periods")
        permissions = [("publish_period", "Can publish the results of a period")]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "kind", "year", "number"], name="skm_period_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.label}"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return str(_("Year %(year)s") % {"year": self.year})
        if self.kind == PeriodKind.SEMESTER:
            return str(_("Semester %(n)s %(year)s") % {"n": self.number, "year": self.year})
        return str(_("Quarter %(n)s %(year)s") % {"n": self.number, "year": self.year})

    @property
    def start(self) -> date:
        months = MONTHS_PER_KIND[PeriodKind(self.kind)]
        return date(self.year, (self.number - 1) * months + 1, 1)

    @property
    def end(self) -> date:
        months = MONTHS_PER_KIND[PeriodKind(self.kind)]
        month = self.number * months
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Sex(models.TextChoices):
    MALE = "L", _("Male")
    FEMALE = "P", _("Female")


class AgeGroup(models.TextChoices):
    UNDER_20 = "u20", _("Under 20")
    FROM_20 = "20-29", "20-29"
    FROM_30 = "30-39", "30-39"
    FROM_40 = "40-49", "40-49"
    FROM_50 = "50+", _("50 or over")


class Education(models.TextChoices):
    SD = "sd", _("Primary school or less")
    SMP = "smp", _("Junior high school")
    SMA = "sma", _("Senior high school")
    DIPLOMA = "d", _("Diploma (D1-D4)")
    S1 = "s1", _("Bachelor (S1)")
    S2 = "s2", _("Master or doctorate (S2/S3)")


class Occupation(models.TextChoices):
    ASN = "asn", _("Civil servant, police or military")
    PRIVATE = "swasta", _("Private employee")
    SELF = "wirausaha", _("Self-employed")
    STUDENT = "pelajar", _("Student")
    OTHER = "lainnya", _("Other")


class Source(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper")


class ResponseState(models.TextChoices):
    COUNTED = "counted", _("counted")
    HELD = "held", _("held for review")


def _score_field(number: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        f"U{number}",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )


class Response(models.Model):
    """One respondent's questionnaire: a score 1-4 per element (empty: not answered), the
    profile the reports need, an optional comment. Nothing identifies the person: the address
    is kept only as a keyed hash, for the limits."""

    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="responses"
    )
    u1 = _score_field(1)
    u2 = _score_field(2)
    u3 = _score_field(3)
    u4 = _score_field(4)
    u5 = _score_field(5)
    u6 = _score_field(6)
    u7 = _score_field(7)
    u8 = _score_field(8)
    u9 = _score_field(9)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_group = models.CharField(_("age"), max_length=6, choices=AgeGroup.choices)
    education = models.CharField(_("education"), max_length=3, choices=Education.choices)
    occupation = models.CharField(_("occupation"), max_length=10, choices=Occupation.choices)
    comment = models.TextField(_("comment or suggestion"), blank=True, max_length=2000)
    source = models.CharField(_("source"), max_length=6, choices=Source.choices)
    state = models.CharField(
        _("state"), max_length=8, choices=ResponseState.choices, default=ResponseState.COUNTED
    )
    address_hash = models.CharField(_("address (hashed)"), max_length=64, blank=True)
    entered_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # The form's one-time id: a second post of the same form (a double click, a reload) stores
    # nothing more.
    submission = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [models.Index(fields=["period", "state"], name="skm_response_period")]

    def __str__(self) -> str:
        return f"{self.period_id}:{self.pk}"

    def scores(self) -> dict[int, int | None]:
        return {n: getattr(self, f"u{n}") for n in range(1, 10)}


class ResponseTally(models.Model):
    """How much one address (keyed hash) used of its allowance in a period: the row every web
    process locks before storing a public response (``core.allowance``)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    address_hash = models.CharField(max_length=64)
    day = models.DateField()  # the allowance is per day (WIB) within the period
    counted = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    minute = models.BigIntegerField(default=0)
    minute_attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("address tally")
        verbose_name_plural = _("address tallies")
        constraints = [
            models.UniqueConstraint(fields=["period", "address_hash", "day"], name="skm_tally_once")
        ]

    def __str__(self) -> str:
        return f"{self.period_id}:{self.address_hash[:8]}"


class FollowUp(models.Model):
    """The Kepala Dinas's follow-up plan for one element of a period (rencana tindak lanjut)."""

    period = models.ForeignKey(
        Period, verbose_name=_("period"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    element = models.PositiveSmallIntegerField(_("element"), choices=ELEMENT_CHOICES)
    plan = models.TextField(_("follow-up plan"), max_length=2000)
    due = models.CharField(_("when"), max_length=100, blank=True)
    written_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["period", "element"]
        verbose_name = _("follow-up plan")
        verbose_name_plural = _("follow-up plans")
        constraints = [
            models.UniqueConstraint(fields=["period", "element"], name="skm_follow_up_once")
        ]

    def __str__(self) -> str:
        return f"{self.period_id}:U{self.element}"
